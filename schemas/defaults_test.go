package schemas

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/generator"
)

// defaultsBinding and defaultsConfig have an item in every list whose items have a field with a
// default, and render every output, so that each default changes what is rendered if it is not
// irsa-fn's.
const (
	// defaultsPolicies are the policies of the bases, in flow style to sit at any indentation.
	defaultsPolicies = `{inline: [{name: read, statements: [{actions: ["s3:GetObject"], resources: ["arn:aws:s3:::shop-catalog/*"]}]}], ` +
		`customerManaged: [{name: shop-write, statements: [{actions: ["s3:PutObject"], resources: ["arn:aws:s3:::shop-uploads/*"]}]}]}`
	configHead = `apiVersion: irsa.dev/v1alpha1
kind: IRSAConfig
metadata: {name: platform}
spec:
  clusters: [{name: prod, oidcIssuer: "` + issuer + `"}]
  defaults:
    role: {accountID: "123456789012"}
`
	defaultsBinding = `apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata: {name: shop, namespace: shop}
spec:
  clusters: [{name: prod, oidcIssuer: "` + issuer + `"}]
  serviceAccounts: [{name: shop}]
  role: {accountID: "123456789012"}
  policies: ` + defaultsPolicies + "\n"
	defaultsConfig = configHead + "    policies: " + defaultsPolicies + "\n"
	// defaultsCrossplane renders the outputs that customer managed policies do not allow.
	defaultsCrossplane = configHead + "    output: [crossplane, json]\n"
)

// rendered is what irsa-fn renders for a binding (with no config) or for configBinding with a
// config, as text, and its warnings; it fails the test on an error.
func rendered(t *testing.T, kind, doc string) string {
	t.Helper()
	items, fnConfig := []string{doc}, ""
	if kind == "IRSAConfig" {
		items, fnConfig = []string{configBinding}, doc
	}
	rl := runTool(t, fnConfig, items...)
	var b strings.Builder
	for _, r := range rl.Results {
		b.WriteString(fmt.Sprintf("%s %v %s\n", r.Severity, r.Field, r.Message))
	}
	for _, it := range rl.Items {
		if it.GetAPIVersion() != "irsa.dev/v1alpha1" || it.GetKind() == "IAMRole" { // not the input
			b.WriteString(it.String() + "---\n")
		}
	}
	if strings.Contains(b.String(), "error ") {
		t.Fatalf("%s: irsa-fn refused it:\n%s", kind, b.String())
	}
	return b.String()
}

// TestDefaultsAreTheTools: setting a field to its schema's default renders exactly what leaving
// it out renders, for every field with a default (a wrong default changes the output), and the
// fields documented with a fixed default have one.
func TestDefaultsAreTheTools(t *testing.T) {
	tested := map[string]bool{}
	for _, base := range []struct{ kind, doc string }{{"IRSABinding", defaultsBinding}, {"IRSAConfig", defaultsConfig}, {"IRSAConfig", defaultsCrossplane}} {
		want := rendered(t, base.kind, base.doc)
		fields, err := Fields(base.kind)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fields {
			doc := parseYAML(t, base.doc)
			path := strings.ReplaceAll(f.Path, "[]", "[0]")
			// A field the base sets, or whose list has no item there, is tested in another base.
			if f.Default == nil || !hasListItems(doc, path) || valueAt(doc, path) != nil {
				continue
			}
			setField(t, doc, path, f.Default)
			if got := rendered(t, base.kind, toYAML(t, doc)); got != want {
				t.Errorf("%s %s: %v, its schema default, renders other objects than leaving it out:\n%s", base.kind, f.Path, f.Default, got)
			}
			tested[base.kind+" "+f.Path] = true
		}
	}
	for _, kind := range []string{"IRSABinding", "IRSAConfig"} {
		fields, _ := Fields(kind)
		for _, f := range fields {
			if f.Default != nil && !tested[kind+" "+f.Path] {
				t.Errorf("%s %s: the default %v is not tested: no base of the test has the list items it is in", kind, f.Path, f.Default)
			}
		}
	}
	for _, field := range []string{"spec.mode", "spec.role.path", "spec.role.maxSessionDuration", "spec.output", "spec.serviceAccounts[].audience", "spec.serviceAccounts[].create", "spec.policies.inline[].statements[].effect"} {
		fields, _ := Fields("IRSABinding")
		found := false
		for _, f := range fields {
			found = found || (f.Path == field && f.Default != nil)
		}
		if !found {
			t.Errorf("IRSABinding %s has no default", field)
		}
	}
	// Defaults that change nothing in a small render: the quotas and how IAM findings are
	// reported are compared with irsa-fn's own.
	config := v1alpha1.IRSAConfig{}
	for path, want := range map[string]any{
		"spec.quotas.trustPolicySize":        float64(generator.DefaultTrustPolicySize),
		"spec.quotas.managedPoliciesPerRole": float64(generator.DefaultManagedPerRole),
		"spec.lint.iamReference":             "Error",
	} {
		fields, _ := Fields("IRSAConfig")
		for _, f := range fields {
			if f.Path == path && f.Default != want {
				t.Errorf("IRSAConfig %s: default %v, irsa-fn's is %v", path, f.Default, want)
			}
		}
	}
	config.Spec.Lint.IAMReference = "Error"
	if generator.FindingsFor(&config) != generator.FindingsFor(nil) {
		t.Error("lint.iamReference Error is not what irsa-fn does without it")
	}
	if len(tested) < 15 {
		t.Errorf("only %d defaults tested", len(tested))
	}
}

// valueAt is the value at path in doc, nil when it is not set.
func valueAt(doc map[string]any, path string) any {
	var node any = doc
	for _, s := range fieldSegment.FindAllStringSubmatch(path, -1) {
		switch n := node.(type) {
		case map[string]any:
			node = n[s[1]]
		case []any:
			i, _ := strconv.Atoi(s[2])
			if i >= len(n) {
				return nil
			}
			node = n[i]
		default:
			return nil
		}
	}
	return node
}

// hasListItems reports whether every list item that path (spec.a[0].b) goes through is in doc.
func hasListItems(doc map[string]any, path string) bool {
	var node any = doc
	for _, s := range fieldSegment.FindAllStringSubmatch(path, -1) {
		if s[2] != "" { // an index
			list, _ := node.([]any)
			i, err := strconv.Atoi(s[2])
			if err != nil || i >= len(list) {
				return false
			}
			node = list[i]
			continue
		}
		m, _ := node.(map[string]any)
		node = m[s[1]] // nil when missing: setField makes objects, not list items
	}
	return true
}
