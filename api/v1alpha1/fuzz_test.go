package v1alpha1_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/generator"
	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// seedBindings adds every IRSABinding document of the examples and cases to the corpus.
func seedBindings(f *testing.F) {
	for _, root := range []string{"../../examples", "../../e2e/testdata"} {
		_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || !strings.HasSuffix(p, ".yaml") {
				return err
			}
			data, _ := os.ReadFile(p)
			for _, doc := range bytes.Split(data, []byte("\n---\n")) {
				if bytes.Contains(doc, []byte("kind: IRSABinding")) {
					f.Add(doc)
				}
			}
			return nil
		})
	}
}

// FuzzDecodeBinding: decoding and rendering any input never panics, also what remains of a
// binding with problems; every problem names its field and what is allowed; and a binding that
// renders has a trust policy that parses and admits only the declared subjects.
func FuzzDecodeBinding(f *testing.F) {
	seedBindings(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, problems := v1alpha1.DecodeBinding(data)
		for _, p := range problems {
			if p.Field == "" && !strings.HasPrefix(p.Message, "cannot parse") && !strings.HasPrefix(p.Message, "the document is") {
				t.Fatalf("a problem without a field path: %+v", p)
			}
			if p.Allowed == "" {
				t.Fatalf("a problem that does not say what is allowed: %+v", p)
			}
		}
		var root yaml.Node
		if yaml.Unmarshal(data, &root) == nil {
			if partial, skipped, _ := v1alpha1.DecodeBindingNode(&root); partial != nil {
				// What remains is checked, as irsa-fn checks it, and must not panic.
				generator.Generate(generator.Input{Binding: *partial, Skipped: skipped})
			}
		}
		if problems.HasErrors() {
			return
		}
		res := generator.Generate(generator.Input{Binding: *b})
		for _, d := range res.Diagnostics {
			if d.Severity == "error" && (d.Field == "" && d.Message == "" || d.Allowed == "") {
				t.Fatalf("an error without field or allowed values: %+v", d)
			}
		}
		if res.Diagnostics.HasErrors() || res.Role == nil {
			return
		}
		trust, err := iampolicy.Parse(res.Role.Trust.JSON())
		if err != nil {
			t.Fatalf("the rendered trust policy does not parse: %v", err)
		}
		allowed := map[string]bool{}
		for _, sa := range res.ServiceAccounts {
			allowed[generator.Subject(sa.Namespace, sa.Name)] = true
		}
		if b.Spec.SubjectPattern != "" {
			allowed[b.Spec.SubjectPattern] = true
		}
		for _, st := range trust.Statement {
			for _, keys := range st.Condition {
				for key, values := range keys {
					if !strings.HasSuffix(key, ":sub") {
						continue
					}
					for _, v := range values {
						if !allowed[v] {
							t.Fatalf("the trust policy names an undeclared subject %q", v)
						}
					}
				}
			}
		}
	})
}
