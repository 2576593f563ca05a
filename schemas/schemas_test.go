package schemas

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

func compile(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	out := map[string]*jsonschema.Schema{}
	for _, kind := range Kinds {
		data, err := JSON(kind)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		url := "file:///" + fileName(kind)
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
		if out[kind], err = c.Compile(url); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
	}
	return out
}

// asJSON turns a YAML document into the JSON value a validator reads.
func asJSON(t *testing.T, doc map[string]any) any {
	t.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestExamplesMatchSchemas validates every irsa.dev object of the examples and the end-to-end
// cases against the JSON Schemas with a JSON Schema validator, as an editor would.
func TestExamplesMatchSchemas(t *testing.T) {
	schemas := compile(t)
	checked := 0
	for _, root := range []string{filepath.Join("..", "examples"), filepath.Join("..", "e2e", "testdata", "cases")} {
		for p, docs := range irsaDocs(t, root) {
			for _, doc := range docs {
				kind, _ := doc["kind"].(string)
				if schemas[kind] == nil {
					continue
				}
				if err := schemas[kind].Validate(asJSON(t, doc)); err != nil {
					t.Errorf("%s: %s does not match its schema: %v", p, kind, err)
				}
				checked++
			}
		}
	}
	if checked < 25 {
		t.Errorf("only %d irsa.dev objects checked", checked)
	}
}

// TestSchemaRejectsBrokenBindings proves the schema catches what an editor should flag.
func TestSchemaRejectsBrokenBindings(t *testing.T) {
	schema := compile(t)["IRSABinding"]
	tests := map[string]struct{ doc, field string }{
		"typo":           {"spec: {role: {acountID: '123456789012'}}", "acountID"},
		"short session":  {"spec: {role: {maxSessionDuration: 100}}", "maxSessionDuration"},
		"account digits": {"spec: {role: {accountID: '12345'}}", "accountID"},
		"mode":           {"spec: {mode: sideways}", "mode"},
		"workload kind":  {"spec: {workloads: [{kind: Service, name: x}]}", "kind"},
		"issuer":         {"spec: {clusters: [{oidcIssuer: 'http://x'}]}", "oidcIssuer"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			if err := yaml.Unmarshal([]byte("apiVersion: irsa.dev/v1alpha1\nkind: IRSABinding\nmetadata: {name: x}\n"+tt.doc), &doc); err != nil {
				t.Fatal(err)
			}
			err := schema.Validate(asJSON(t, doc))
			if err == nil {
				t.Fatal("the schema accepted it")
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("the error does not name %s: %v", tt.field, err)
			}
		})
	}
}

func TestFields(t *testing.T) {
	fields, err := Fields("IRSABinding")
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]Field{}
	for _, f := range fields {
		byPath[f.Path] = f
	}
	for path, want := range map[string]string{
		"spec.role.maxSessionDuration":          "integer 3600..43200",
		"spec.serviceAccounts[].audience":       "string",
		"spec.mode":                             "string [irsa podIdentity both]",
		"spec.policies.inline[].statements":     "list of object",
		"spec.workloads[].selector.matchLabels": "map",
	} {
		if got := byPath[path]; got.Type != want || got.Description == "" {
			t.Errorf("%s: %+v, want type %q and a description", path, got, want)
		}
	}
	if !strings.Contains(byPath["spec.role.maxSessionDuration"].Description, "Default: 3600") {
		t.Error("the description of maxSessionDuration does not give its default")
	}
}

// TestPatternsSayWhatTheyAllow: every field with a pattern has an errorMessage (what editors and
// ajv-errors show instead of the pattern) that its description repeats after "Allowed:".
func TestPatternsSayWhatTheyAllow(t *testing.T) {
	patterned := 0
	var walk func(kind, path string, n, holder map[string]any)
	walk = func(kind, path string, n, holder map[string]any) {
		if _, ok := n["pattern"]; ok {
			patterned++
			msg, _ := n["errorMessage"].(string)
			desc, _ := holder["description"].(string)
			switch {
			case !strings.HasPrefix(msg, "must be "):
				t.Errorf("%s %s: a pattern without an errorMessage", kind, path)
			case !strings.Contains(desc, "Allowed: "+strings.TrimPrefix(msg, "must be ")):
				t.Errorf("%s %s: the description does not say what the errorMessage says (%q): %q", kind, path, msg, desc)
			}
		}
		if props, ok := n["properties"].(map[string]any); ok {
			for name, p := range props {
				walk(kind, path+"."+name, p.(map[string]any), p.(map[string]any))
			}
		}
		if items, ok := n["items"].(map[string]any); ok {
			walk(kind, path+"[]", items, n)
		}
		if values, ok := n["additionalProperties"].(map[string]any); ok {
			walk(kind, path+"[*]", values, values)
		}
	}
	for _, kind := range Kinds {
		data, err := JSON(kind)
		if err != nil {
			t.Fatal(err)
		}
		var root map[string]any
		if err := json.Unmarshal(data, &root); err != nil {
			t.Fatal(err)
		}
		walk(kind, "", root, root)
	}
	if patterned < 30 {
		t.Errorf("only %d patterned fields", patterned)
	}
}

// modeline is how a YAML file names its schema for yaml-language-server.
var modeline = regexp.MustCompile(`(?m)^# yaml-language-server: \$schema=(\S+)$`)

// TestExamplesPointAtPublishedSchemas: every example file of one irsa.dev kind names, on its first
// line, the published URL of that kind's schema, a file of schemas/ at the release tag, so that a
// copied folder keeps validating; no example names a schema by a path or another URL. Each
// schema's $id is its published URL.
func TestExamplesPointAtPublishedSchemas(t *testing.T) {
	for _, kind := range Kinds {
		var s struct {
			ID string `json:"$id"`
		}
		data, err := JSON(kind)
		if err == nil {
			err = json.Unmarshal(data, &s)
		}
		if err != nil || s.ID != URL(kind) {
			t.Errorf("%s: $id %q, want %q (%v)", kind, s.ID, URL(kind), err)
		}
		prefix := "https://raw.githubusercontent.com/irsa-dev/irsa-fn/" + Release + "/schemas/"
		if !strings.HasPrefix(URL(kind), prefix) {
			t.Errorf("%s: %s is not a file of schemas/ at tag %s", kind, URL(kind), Release)
		}
		if _, err := os.Stat(strings.TrimPrefix(URL(kind), prefix)); err != nil {
			t.Errorf("%s: %s names no file of schemas/: %v", kind, URL(kind), err)
		}
	}
	named := 0
	for file, docs := range irsaDocs(t, filepath.Join("..", "examples")) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bool{}
		for _, d := range docs {
			kinds[d["kind"].(string)] = true
		}
		m := modeline.FindAllStringSubmatch(string(data), -1)
		if len(kinds) != 1 || countDocs(t, data) != len(docs) {
			continue // several kinds, or other objects: no one schema fits the file
		}
		var kind string
		for k := range kinds {
			kind = k
		}
		switch {
		case len(m) != 1 || !strings.HasPrefix(string(data), m[0][0]):
			t.Errorf("%s: the first line is not # yaml-language-server: $schema=%s", file, URL(kind))
		case m[0][1] != URL(kind):
			t.Errorf("%s: $schema=%s, want the published %s", file, m[0][1], URL(kind))
		default:
			named++
		}
	}
	if named < 20 {
		t.Errorf("only %d example files name their schema", named)
	}
}

// countDocs is the number of YAML documents in data.
func countDocs(t *testing.T, data []byte) int {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			return n
		}
		n++
	}
}
