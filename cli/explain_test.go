package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/schemas"
)

// TestHelpIsShort: --help fits a screen (under 80 lines) and lists every command of the table,
// version, completion and help; the field reference is explain's.
func TestHelpIsShort(t *testing.T) {
	code, out, errOut := run("--help")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if n := strings.Count(out, "\n"); n >= 80 {
		t.Errorf("--help is %d lines, want fewer than 80:\n%s", n, out)
	}
	names := []string{"version", "completion", "help"}
	for _, sc := range subcommands() {
		names = append(names, sc.name)
	}
	for _, name := range names {
		if !strings.Contains(out, "\n  "+name+" ") {
			t.Errorf("--help does not list the command %s:\n%s", name, out)
		}
	}
	if !strings.Contains(out, "irsa-fn explain") {
		t.Errorf("--help does not point at irsa-fn explain:\n%s", out)
	}
}

// rawNode follows a dotted path in a kind's schema read as plain JSON (not through the
// schemas package), entering list items.
func rawNode(t *testing.T, kind, path string) map[string]any {
	t.Helper()
	data, err := schemas.JSON(kind)
	if err != nil {
		t.Fatal(err)
	}
	var n map[string]any
	if err := json.Unmarshal(data, &n); err != nil {
		t.Fatal(err)
	}
	for _, seg := range strings.Split(path, ".") {
		if items, ok := n["items"].(map[string]any); ok {
			n = items
		}
		props, _ := n["properties"].(map[string]any)
		if n, _ = props[seg].(map[string]any); n == nil {
			t.Fatalf("%s has no %s", kind, path)
		}
	}
	return n
}

// words normalises white space, so wrapped text compares with the schema's.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestExplainField: a field's type, limits, default and description are the schema's.
func TestExplainField(t *testing.T) {
	defaults, ruled := 0, 0
	for _, tc := range []struct{ arg, kind, path string }{
		{"irsabinding.spec.role.maxSessionDuration", "IRSABinding", "spec.role.maxSessionDuration"},
		{"irsabinding.spec.serviceAccounts.name", "IRSABinding", "spec.serviceAccounts.name"},
		{"irsabinding.spec.output", "IRSABinding", "spec.output"},
		{"irsabinding.spec.workloads", "IRSABinding", "spec.workloads"},
		{"IRSABinding.spec.clusters.oidcIssuer", "IRSABinding", "spec.clusters.oidcIssuer"},
		{"irsabinding.spec.serviceAccounts[0].audience", "IRSABinding", "spec.serviceAccounts.audience"},
		{"irsaconfig.spec.defaults.mode", "IRSAConfig", "spec.defaults.mode"},
		{"IRSACONFIG.spec.clusters.oidcThumbprints", "IRSAConfig", "spec.clusters.oidcThumbprints"},
		{"iamrole.spec", "IAMRole", "spec"},
	} {
		code, out, errOut := run("explain", tc.arg)
		if code != 0 || errOut != "" {
			t.Errorf("%s: exit %d, stderr %q", tc.arg, code, errOut)
			continue
		}
		n := rawNode(t, tc.kind, tc.path)
		want := []string{"KIND:     " + tc.kind + "\n", "FIELD:    " + tc.path + " <"}
		if typ, _ := n["type"].(string); typ != "" && typ != "array" {
			want = append(want, "<"+typ+">")
		}
		enum, _ := n["enum"].([]any)
		for _, e := range enum {
			want = append(want, fmt.Sprint(e))
		}
		if p, ok := n["pattern"].(string); ok {
			want = append(want, "PATTERN:  "+p+"\n")
		}
		for key, label := range map[string]string{"minimum": "MINIMUM", "maximum": "MAXIMUM", "maxItems": "MAXITEMS", "maxLength": "MAXLENGTH"} {
			if v, ok := n[key].(float64); ok {
				if !strings.Contains(words(out), fmt.Sprintf("%s: %v", label, v)) {
					t.Errorf("%s: lacks %s %v:\n%s", tc.arg, label, v, out)
				}
			}
		}
		for _, node := range []any{n, n["items"]} {
			node, _ := node.(map[string]any)
			allOf, _ := node["allOf"].([]any)
			for _, r := range allOf {
				if msg, ok := r.(map[string]any)["errorMessage"].(string); ok {
					want = append(want, "RULE:     "+msg+"\n")
					ruled++
				}
			}
		}
		desc, _ := n["description"].(string)
		if d, ok := n["default"]; ok {
			b, _ := json.Marshal(d)
			want = append(want, "DEFAULT:  "+string(b)+"\n")
			defaults++
		} else if strings.Contains(out, "DEFAULT:") {
			t.Errorf("%s: a default that the schema has no default key for:\n%s", tc.arg, out)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: lacks %q:\n%s", tc.arg, w, out)
			}
		}
		if !strings.Contains(words(out), "DESCRIPTION: "+words(desc)) {
			t.Errorf("%s: the description is not the schema's %q:\n%s", tc.arg, desc, out)
		}
		props, _ := n["properties"].(map[string]any)
		if items, ok := n["items"].(map[string]any); ok {
			props, _ = items["properties"].(map[string]any)
		}
		for name := range props {
			if !strings.Contains(out, "\n  "+name+"\t<") {
				t.Errorf("%s: the child field %s is missing:\n%s", tc.arg, name, out)
			}
		}
	}
	if defaults < 3 || ruled < 3 {
		t.Errorf("only %d of the fields explained have a default key, %d a rule", defaults, ruled)
	}
}

// TestExplainKinds: without an argument, every kind; with a kind, its description and fields.
func TestExplainKinds(t *testing.T) {
	code, out, errOut := run("explain")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, kind := range schemas.Kinds {
		if !strings.Contains(out, "\n  "+kind+"\t<irsa.dev/v1alpha1>\n") {
			t.Errorf("explain does not list %s:\n%s", kind, out)
		}
		code, out, errOut := run("explain", strings.ToLower(kind))
		if code != 0 || errOut != "" || !strings.Contains(out, "KIND:     "+kind) || !strings.Contains(out, "\n  spec\t<object>") || strings.Contains(out, "FIELD:") {
			t.Errorf("explain %s: exit %d, stderr %q:\n%s", strings.ToLower(kind), code, errOut, out)
		}
	}
}

// TestExplainUnknown: an unknown kind or field exits 2 naming the nearest one, nothing on stdout.
func TestExplainUnknown(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"explain", "irsabinding.spec.rol"}, `IRSABinding.spec has no field "rol": did you mean role?`},
		{[]string{"explain", "irsabinding.spec.role.maxSesionDuration"}, "did you mean maxSessionDuration?"},
		{[]string{"explain", "irsaconfig.spec.cluster.oidcIssuer"}, "did you mean clusters?"},
		{[]string{"explain", "irsabinding.spec.role.name.x"}, "IRSABinding.spec.role.name is a field of type string and has no fields"},
		{[]string{"explain", "irsabindng"}, "did you mean IRSABinding?"},
		{[]string{"explain", "a", "b"}, "want one KIND[.FIELD.PATH]"},
		{[]string{"explain", "--bogus"}, "irsa-fn explain: unknown flag: --bogus"},
	} {
		code, out, errOut := run(tc.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

// leaves are the paths of a plain-JSON schema's fields that have no fields below them.
func leaves(n map[string]any, path string, out *[]string) {
	if items, ok := n["items"].(map[string]any); ok {
		n = items
	}
	props, _ := n["properties"].(map[string]any)
	if len(props) == 0 && path != "" {
		*out = append(*out, path)
	}
	for name, child := range props {
		p := name
		if path != "" {
			p = path + "." + name
		}
		leaves(child.(map[string]any), p, out)
	}
}

// TestExplainRecursive: --recursive prints every leaf path of the schema, as an indented tree.
func TestExplainRecursive(t *testing.T) {
	for _, kind := range schemas.Kinds {
		code, out, errOut := run("explain", kind, "--recursive")
		if code != 0 || errOut != "" {
			t.Fatalf("%s: exit %d, stderr %q", kind, code, errOut)
		}
		_, tree, ok := strings.Cut(out, "\nFIELDS:\n")
		if !ok {
			t.Fatalf("%s: no FIELDS:\n%s", kind, out)
		}
		printed := map[string]bool{}
		var stack []string
		for _, line := range strings.Split(strings.TrimRight(tree, "\n"), "\n") {
			name, _, _ := strings.Cut(strings.TrimLeft(line, " "), "\t")
			depth := (len(line)-len(strings.TrimLeft(line, " ")))/2 - 1
			stack = append(stack[:depth], name)
			printed[strings.Join(stack, ".")] = true
		}
		data, _ := schemas.JSON(kind)
		var raw map[string]any
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatal(err)
		}
		var want []string
		leaves(raw, "", &want)
		sort.Strings(want)
		if len(want) < 10 {
			t.Fatalf("%s: only %d leaves", kind, len(want))
		}
		for _, p := range want {
			if !printed[p] {
				t.Errorf("%s --recursive lacks %s", kind, p)
			}
		}
	}
}
