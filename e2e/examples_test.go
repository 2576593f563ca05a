package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// rendering is one way an example is rendered: a kustomization with irsa-fn under transformers,
// or a kpt package.
type rendering struct {
	example, dir, tool string
}

// renderings discovers every rendering in examples/.
func renderings(t *testing.T) []rendering {
	t.Helper()
	root := filepath.Join(repoRoot(t), "examples")
	var out []rendering
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		example := strings.Split(rel, string(filepath.Separator))[0]
		if example == "argocd" {
			return nil // rendered through its plugin by TestArgoCDPlugin
		}
		switch info.Name() {
		case "Kptfile":
			out = append(out, rendering{example, rel, "kpt"})
		case "kustomization.yaml":
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if strings.Contains(string(data), "transformers:") {
				out = append(out, rendering{example, rel, "kustomize"})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExamples renders every example with the real tool it is written for, compares the result
// with the example's expected.yaml, renders again to prove nothing changes, validates the
// objects, and has IAM accept every role. Every example folder has a README.
func TestExamples(t *testing.T) {
	bin := irsaFn(t)
	endpoint := startMoto(t)
	iamc := iamClient(endpoint)
	examples, err := os.ReadDir(filepath.Join(repoRoot(t), "examples"))
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, r := range renderings(t) {
		covered[r.example] = true
		t.Run(r.dir, func(t *testing.T) {
			tree := copyExample(t, r.example, bin)
			dir := filepath.Join(tree, strings.TrimPrefix(r.dir, r.example))
			var rendered []byte
			var objs []object
			switch r.tool {
			case "kustomize":
				rendered, objs = renderKustomize(t, dir, bin)
				again, _ := renderKustomize(t, dir, bin)
				if !bytes.Equal(rendered, again) {
					t.Error("a second kustomize build gave other output")
				}
			case "kpt":
				rendered, objs = renderKpt(t, dir)
			}
			golden := filepath.Join(repoRoot(t), "examples", r.dir, "expected.yaml")
			if *update {
				write(t, golden, string(rendered))
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run the e2e tests with -update, then read the diff)", err)
			}
			if !bytes.Equal(rendered, want) {
				t.Errorf("the rendered example differs from %s:\n%s", golden, rendered)
			}
			validate(t, objs)
			for _, role := range iamRoles(objs) {
				resetMoto(t, endpoint)
				createACKRoles(t, iamc, []object{role})
			}
		})
	}
	for _, e := range examples {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(repoRoot(t), "examples", e.Name(), "README.md")); err != nil {
			t.Errorf("examples/%s has no README.md", e.Name())
		}
		if !covered[e.Name()] && e.Name() != "argocd" {
			t.Errorf("examples/%s is rendered by no test", e.Name())
		}
	}
}

// renderKustomize builds a kustomization, with irsa-fn on the PATH for examples that run it
// from there.
func renderKustomize(t *testing.T, dir, bin string) ([]byte, []object) {
	t.Helper()
	stdout, stderr, err := run(t, dir, []string{pathWith(t, bin)}, tool(t, "KUSTOMIZE", "kustomize"), "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr)
	}
	return []byte(stdout), parseObjects(t, []byte(stdout))
}

// renderKpt renders a package in place twice, checks the second render changes nothing and that
// every comment of the package's files survives, and returns its deployable objects as a sorted
// YAML stream.
func renderKpt(t *testing.T, dir string) ([]byte, []object) {
	t.Helper()
	kpt := tool(t, "KPT", "kpt")
	before := snapshot(t, dir)
	if _, stderr, err := run(t, dir, nil, kpt, "fn", "render", "--allow-exec", "."); err != nil {
		t.Fatalf("kpt fn render: %v\n%s", err, stderr)
	}
	after := snapshot(t, dir)
	for file, content := range before {
		for _, line := range strings.Split(content, "\n") {
			if i := strings.Index(line, "# "); i >= 0 && !strings.Contains(after[file], strings.TrimSpace(line[i:])) {
				t.Errorf("the render lost the comment %q of %s", strings.TrimSpace(line[i:]), file)
			}
		}
	}
	if _, stderr, err := run(t, dir, nil, kpt, "fn", "render", "--allow-exec", "."); err != nil {
		t.Fatalf("second kpt fn render: %v\n%s", err, stderr)
	}
	if !reflect.DeepEqual(after, snapshot(t, dir)) {
		t.Error("a second kpt fn render changed the package")
	}
	objs := packageObjects(t, dir)
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	for _, o := range objs {
		if err := enc.Encode(o); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes(), objs
}
