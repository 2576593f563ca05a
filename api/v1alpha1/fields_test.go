package v1alpha1_test

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/schemas"
)

// withValue returns a document that holds value at a field path such as spec.clusters[].name,
// beside a valid apiVersion, kind and metadata.name; list items ([]) become one-element lists.
func withValue(kind, path string, value any) map[string]any {
	doc := map[string]any{"apiVersion": v1alpha1.APIVersion, "kind": kind, "metadata": map[string]any{"name": "x"}}
	cur := doc
	parts := strings.Split(path, ".")
	for i, part := range parts {
		list := strings.HasSuffix(part, "[]")
		name := strings.TrimSuffix(part, "[]")
		if i == len(parts)-1 {
			cur[name] = value
			return doc
		}
		next := map[string]any{}
		if existing, ok := cur[name].(map[string]any); ok && !list {
			next = existing
		}
		if list {
			cur[name] = []any{next}
		} else {
			cur[name] = next
		}
		cur = next
	}
	return doc
}

// concrete turns spec.clusters[].name into spec.clusters[0].name, as diagnostics name it.
func concrete(path string) string { return strings.ReplaceAll(path, "[]", "[0]") }

func decode(t *testing.T, kind string, doc map[string]any) diag.List {
	t.Helper()
	data, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if kind == v1alpha1.KindConfig {
		_, problems := v1alpha1.DecodeConfig(data)
		return problems
	}
	_, problems := v1alpha1.DecodeBinding(data)
	return problems
}

// wrongValue is a value of another type than a field's.
func wrongValue(typ string) any {
	switch {
	case strings.HasPrefix(typ, "integer"):
		return "not-a-number"
	case strings.HasPrefix(typ, "boolean"):
		return "maybe"
	case strings.HasPrefix(typ, "string"):
		return map[string]any{"x": 1}
	}
	return "a-scalar" // lists, objects and maps
}

// TestEveryFieldRejectsAWrongType puts a value of the wrong type in every field of both kinds:
// each is an error naming exactly that field.
func TestEveryFieldRejectsAWrongType(t *testing.T) {
	for _, kind := range []string{v1alpha1.KindBinding, v1alpha1.KindConfig} {
		fields, err := schemas.Fields(kind)
		if err != nil {
			t.Fatal(err)
		}
		if len(fields) < 40 {
			t.Fatalf("%s has only %d fields", kind, len(fields))
		}
		for _, f := range fields {
			if f.Path == "apiVersion" || f.Path == "kind" {
				continue
			}
			problems := decode(t, kind, withValue(kind, f.Path, wrongValue(f.Type)))
			found := false
			for _, p := range problems {
				found = found || (p.Field == concrete(f.Path) && p.Severity == diag.Error && p.Allowed != "")
			}
			if !found {
				t.Errorf("%s %s (%s): no error naming the field, got %v", kind, f.Path, f.Type, problems)
			}
		}
	}
}

// TestEveryObjectRejectsAnUnknownField adds a misspelt field under every object of both kinds.
func TestEveryObjectRejectsAnUnknownField(t *testing.T) {
	for _, kind := range []string{v1alpha1.KindBinding, v1alpha1.KindConfig} {
		fields, err := schemas.Fields(kind)
		if err != nil {
			t.Fatal(err)
		}
		objects := []string{""}
		for _, f := range fields {
			if (f.Type == "object" || strings.HasPrefix(f.Type, "list of object")) && !strings.HasPrefix(f.Path, "metadata") {
				p := f.Path
				if strings.HasPrefix(f.Type, "list of") {
					p += "[]"
				}
				objects = append(objects, p)
			}
		}
		for _, obj := range objects {
			path := "typo"
			if obj != "" {
				path = obj + ".typo"
			}
			problems := decode(t, kind, withValue(kind, path, "x"))
			want := concrete(path)
			found := false
			for _, p := range problems {
				found = found || (p.Field == want && strings.Contains(p.Message, `unknown field "typo"`) && p.Allowed != "")
			}
			if !found {
				t.Errorf("%s %s: no unknown-field error at %s, got %v", kind, obj, want, problems)
			}
		}
	}
}
