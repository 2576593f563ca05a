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

// golden is the expected output of a rendering, relative to examples/: in a kustomization's
// folder (kustomize reads only the files it lists), beside a kpt package's (kpt reads every YAML
// file in the package as its content, an expected output too).
func (r rendering) golden() string {
	if r.tool == "kpt" {
		return filepath.Join(filepath.Dir(r.dir), "expected.yaml")
	}
	return filepath.Join(r.dir, "expected.yaml")
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
			if inside := expectedOutputs(t, filepath.Dir(p)); len(inside) > 0 {
				t.Errorf("examples/%s is a kpt package that holds %v: kpt would render it as package content; put it beside the package", rel, inside)
			}
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
				rendered, objs = renderKpt(t, dir, bin)
			}
			golden := filepath.Join(repoRoot(t), "examples", r.golden())
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
		// argocd is rendered through its plugin; ci holds CI jobs, run by TestDiffCIScript.
		if !covered[e.Name()] && e.Name() != "argocd" && e.Name() != "ci" {
			t.Errorf("examples/%s is rendered by no test", e.Name())
		}
	}
}

// argoCDRenderings are the renderings of examples/argocd as its plugin makes them: kustomize
// build of each overlay.
func argoCDRenderings(t *testing.T) []rendering {
	t.Helper()
	overlays, err := filepath.Glob(filepath.Join(repoRoot(t), "examples", "argocd", "app", "overlays", "*"))
	if err != nil || len(overlays) == 0 {
		t.Fatalf("no overlays in examples/argocd/app/overlays: %v", err)
	}
	var out []rendering
	for _, o := range overlays {
		out = append(out, rendering{"argocd", filepath.Join("argocd", "app", "overlays", filepath.Base(o)), "kustomize"})
	}
	return out
}

// renderExample renders one rendering of an example tree that copyExample made, with the tool
// it is written for, and returns its objects.
func renderExample(t *testing.T, tree string, r rendering, bin string) []object {
	t.Helper()
	dir := filepath.Join(tree, strings.TrimPrefix(r.dir, r.example))
	var objs []object
	switch r.tool {
	case "kustomize":
		_, objs = renderKustomize(t, dir, bin)
	case "kpt":
		_, objs = renderKpt(t, dir, bin)
	default:
		t.Fatalf("examples/%s: no tool %q", r.dir, r.tool)
	}
	return objs
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

// renderKpt renders a package in place twice, with bin on the PATH as irsa-fn, checks the second
// render changes nothing and that every comment of the package's files survives, and returns its
// deployable objects as a sorted YAML stream.
func renderKpt(t *testing.T, dir, bin string) ([]byte, []object) {
	t.Helper()
	kpt := tool(t, "KPT", "kpt")
	env := []string{pathWith(t, bin)}
	before := snapshot(t, dir)
	if _, stderr, err := run(t, dir, env, kpt, "fn", "render", "--allow-exec", "."); err != nil {
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
	if _, stderr, err := run(t, dir, env, kpt, "fn", "render", "--allow-exec", "."); err != nil {
		t.Fatalf("second kpt fn render: %v\n%s", err, stderr)
	}
	if !reflect.DeepEqual(after, snapshot(t, dir)) {
		t.Error("a second kpt fn render changed the package")
	}
	objs := packageObjects(t, dir)
	return encodeObjects(t, objs), objs
}

// encodeObjects writes objects as a YAML stream, as the kpt examples' expected.yaml holds them.
func encodeObjects(t *testing.T, objs []object) []byte {
	t.Helper()
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	for _, o := range objs {
		if err := enc.Encode(o); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// expectedOutputs lists the expected*.yaml files under dir.
func expectedOutputs(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasPrefix(info.Name(), "expected") && strings.HasSuffix(info.Name(), ".yaml") {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestKptExampleAsReadmeSays runs the shell lines of examples/kpt-package/README.md as a user
// does, twice, from the repository's root: they copy the package and render the copy with kpt. Only the
// lines that build irsa-fn and put it on the PATH are left out, the PATH holding the binary under
// test, and the copy goes to a temporary folder instead of /tmp/reports. The copy must deploy
// exactly what expected.yaml lists: one Deployment, running as the binding's ServiceAccount.
func TestKptExampleAsReadmeSays(t *testing.T) {
	bin, kpt := irsaFn(t), tool(t, "KPT", "kpt")
	example := filepath.Join(repoRoot(t), "examples", "kpt-package")
	readme, err := os.ReadFile(filepath.Join(example, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, block, found := strings.Cut(string(readme), "```sh\n")
	block, _, closed := strings.Cut(block, "```")
	if !found || !closed {
		t.Fatalf("examples/kpt-package/README.md has no sh block")
	}
	dest := filepath.Join(t.TempDir(), "reports")
	var script []string
	left := 0
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		if strings.HasPrefix(line, "make build") || strings.HasPrefix(line, "export PATH=") {
			left++
			continue
		}
		script = append(script, strings.ReplaceAll(line, "/tmp/reports", dest))
	}
	if left != 2 || !strings.Contains(block, "cp -r examples/kpt-package/") || !strings.Contains(block, "kpt fn render --allow-exec /tmp/reports") {
		t.Fatalf("the README's sh block no longer builds irsa-fn, puts it on the PATH, copies the package to /tmp/reports and renders the copy:\n%s", block)
	}
	path := pathWith(t, bin) + string(os.PathListSeparator) + filepath.Dir(kpt)
	// Twice: a user who runs the lines again must get the same result, not a copy nested in the
	// last one (cp -r into an existing folder), whose Deployment kpt would read twice.
	for _, attempt := range []string{"first", "second"} {
		if _, stderr, err := run(t, repoRoot(t), []string{path}, "sh", "-ec", strings.Join(script, "\n")); err != nil {
			t.Fatalf("the README's lines failed when run a %s time: %v\n%s\n%s", attempt, err, strings.Join(script, "\n"), stderr)
		}
	}
	objs := packageObjects(t, dest)
	deployments := find(objs, "Deployment")
	if len(deployments) != 1 {
		t.Fatalf("the rendered copy deploys %d Deployments, want 1", len(deployments))
	}
	if sa := str(deployments[0], "spec", "template", "spec", "serviceAccountName"); sa != "report-builder" {
		t.Errorf("the Deployment runs as %q, want the binding's ServiceAccount report-builder", sa)
	}
	want, err := os.ReadFile(filepath.Join(example, "expected.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := encodeObjects(t, objs); !bytes.Equal(got, want) {
		t.Errorf("the rendered copy deploys other objects than examples/kpt-package/expected.yaml lists:\n%s", got)
	}
}
