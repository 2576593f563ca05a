package webhook

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/irsa-dev/irsa-fn/internal/testenv"
)

// object is a rendered Kubernetes object.
type object = map[string]any

// rendering is what one render of the corpus gave: its objects, or the error irsa-fn refused it
// with.
type rendering struct {
	name    string
	objects []object
	refused string
}

// repoRoot is the irsa-fn repository: two levels above this module.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// tool finds a program the Makefile hands the tests in env, else on the PATH. Without it the
// test fails in CI and skips loudly elsewhere.
func tool(t *testing.T, env, name string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s=%s: %v (run `make test`, which installs it)", env, p, err)
		}
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if testenv.InCI() {
		t.Fatalf("%s not found: set %s or put it on the PATH (`make test` does)", name, env)
	}
	t.Skipf("\n\n!!!!!!!! NOT TESTED: the pod identity webhook against irsa-fn's renders: %s not found (set %s, or run `make test`) !!!!!!!!\n\n", name, env)
	return ""
}

// corpus renders, with the built irsa-fn, every example, every e2e case, this module's own cases
// and every e2e error case (which irsa-fn must refuse, or render so that the webhook gives pods
// what they declare).
func corpus(t *testing.T) []rendering {
	t.Helper()
	bin, kustomize := tool(t, "IRSA_FN", "irsa-fn"), tool(t, "KUSTOMIZE", "kustomize")
	// The examples call ../../bin/irsa-fn (make build) or irsa-fn on the PATH: a copy of them
	// beside a bin/ holding the binary under test runs that binary either way.
	tree := t.TempDir()
	if err := os.CopyFS(filepath.Join(tree, "examples"), os.DirFS(filepath.Join(repoRoot(), "examples"))); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(tree, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(tree, "bin", "irsa-fn")); err != nil {
		t.Fatal(err)
	}
	path := "PATH=" + filepath.Join(tree, "bin") + string(os.PathListSeparator) + os.Getenv("PATH")
	var out []rendering
	var kptPackages []string
	err := filepath.WalkDir(filepath.Join(tree, "examples"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		dir := filepath.Dir(p)
		rel, _ := filepath.Rel(tree, dir)
		switch {
		case strings.HasPrefix(rel, filepath.Join("examples", "argocd")):
			// rendered by the Argo CD plugin's own test
		case d.Name() == "Kptfile":
			kptPackages = append(kptPackages, dir)
		case d.Name() == "kustomization.yaml":
			data, err := os.ReadFile(p)
			if err == nil && bytes.Contains(data, []byte("transformers:")) {
				out = append(out, kustomizeBuild(t, kustomize, rel, dir, path))
			}
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range kptPackages {
		rel, _ := filepath.Rel(tree, dir)
		out = append(out, kptRender(t, tool(t, "KPT", "kpt"), rel, dir, path))
	}
	for _, group := range []string{filepath.Join(repoRoot(), "e2e", "testdata", "cases"), filepath.Join(repoRoot(), "e2e", "webhook", "testdata"), filepath.Join(repoRoot(), "e2e", "testdata", "errors")} {
		dirs, err := filepath.Glob(filepath.Join(group, "*", "fnconfig.yaml"))
		if err != nil || len(dirs) == 0 {
			t.Fatalf("no cases in %s: %v", group, err)
		}
		for _, cfg := range dirs {
			src := filepath.Dir(cfg)
			rel, _ := filepath.Rel(repoRoot(), src)
			out = append(out, kustomizeBuild(t, kustomize, rel, kustomization(t, src, bin), path))
		}
	}
	return out
}

// kustomization copies a case folder (fnconfig.yaml and resources) into a kustomization that
// runs irsa-fn as an exec transformer with fnconfig.yaml as its function config.
func kustomization(t *testing.T, src, bin string) string {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join(src, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var resources []string
	for _, f := range files {
		name := filepath.Base(f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(name, "expected"):
			continue
		case name == "fnconfig.yaml":
			var cfg object
			if err := yaml.Unmarshal(data, &cfg); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			meta, _ := cfg["metadata"].(object)
			ann, _ := meta["annotations"].(object)
			if ann == nil {
				ann = object{}
			}
			ann["config.kubernetes.io/function"] = "exec:\n  path: " + bin + "\n"
			meta["annotations"] = ann
			if data, err = yaml.Marshal(cfg); err != nil {
				t.Fatal(err)
			}
		default:
			resources = append(resources, name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	k := "resources: [" + strings.Join(resources, ", ") + "]\ntransformers: [fnconfig.yaml]\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// kustomizeBuild renders a kustomization as the README tells users to.
func kustomizeBuild(t *testing.T, kustomize, name, dir string, env ...string) rendering {
	t.Helper()
	cmd := exec.Command(kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return rendering{name: name, refused: err.Error() + "\n" + stderr.String()}
	}
	return rendering{name: name, objects: decode(t, name, stdout.Bytes())}
}

// kptRender renders a kpt package in place, with env (the PATH that finds irsa-fn), and reads the
// objects it would deploy.
func kptRender(t *testing.T, kpt, name, dir string, env ...string) rendering {
	t.Helper()
	cmd := exec.Command(kpt, "fn", "render", "--allow-exec", ".")
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return rendering{name: name, refused: err.Error() + "\n" + string(out)}
	}
	r := rendering{name: name}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		data, err := os.ReadFile(p)
		for _, o := range decode(t, p, data) {
			if str(o, "metadata", "annotations", "config.kubernetes.io/local-config") != "true" {
				r.objects = append(r.objects, o)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// decode parses a YAML stream into objects, in a stable order.
func decode(t *testing.T, name string, data []byte) []object {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []object
	for {
		var o object
		if err := dec.Decode(&o); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("%s: %v", name, err)
		}
		if o != nil {
			out = append(out, o)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

// key names an object: kind and namespace/name.
func key(o object) string {
	return str(o, "kind") + " " + str(o, "metadata", "namespace") + "/" + str(o, "metadata", "name")
}

// str walks nested maps to a string; "" when absent.
func str(o object, path ...string) string {
	s, _ := get(o, path...).(string)
	return s
}

// get walks nested maps; nil when absent.
func get(o object, path ...string) any {
	var cur any = o
	for _, p := range path {
		m, ok := cur.(object)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}
