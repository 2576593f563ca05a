// Package e2e runs the built irsa-fn under the real kustomize and kpt, validates what they
// render with kubectl-validate against the Kubernetes schemas and the ACK CRDs, and has a real
// IAM emulator (moto) accept every generated policy.
package e2e

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite the expected.yaml golden files (read the diff before committing)")

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// object is a parsed Kubernetes object.
type object = map[string]any

// run runs a command in dir and returns its stdout, stderr and error.
func run(t *testing.T, dir string, env []string, name string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// copyCase copies a case folder's YAML files into a new temporary folder.
func copyCase(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") || strings.HasPrefix(e.Name(), "expected") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// resourceFiles lists the case's YAML files other than the function config.
func resourceFiles(t *testing.T, dir string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range matches {
		base := filepath.Base(m)
		if base == "fnconfig.yaml" || base == "kustomization.yaml" {
			continue
		}
		out = append(out, base)
	}
	sort.Strings(out)
	return out
}

// prepareKustomize turns a case folder into a kustomization that runs irsa-fn as an exec
// transformer with fnconfig.yaml as its function config, as the README tells users to.
func prepareKustomize(t *testing.T, src, bin string) string {
	t.Helper()
	return prepareKustomizeFn(t, src, "exec:\n  path: "+bin+"\n")
}

// prepareKustomizeFn is prepareKustomize with the function annotation's value given: how
// kustomize runs irsa-fn (exec: or container:).
func prepareKustomizeFn(t *testing.T, src, function string) string {
	t.Helper()
	dir := copyCase(t, src)
	cfgPath := filepath.Join(dir, "fnconfig.yaml")
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	var cfg yaml.Node
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	meta := mapValue(t, cfg.Content[0], "metadata")
	ann := mapValue(t, meta, "annotations")
	ann.Content = append(ann.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Value: "config.kubernetes.io/function"},
		&yaml.Node{Kind: yaml.ScalarNode, Value: function, Style: yaml.LiteralStyle})
	out, err := yaml.Marshal(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	write(t, cfgPath, string(out))
	k := "resources:\n"
	for _, f := range resourceFiles(t, dir) {
		k += "  - " + f + "\n"
	}
	k += "transformers:\n  - fnconfig.yaml\n"
	write(t, filepath.Join(dir, "kustomization.yaml"), k)
	return dir
}

// mapValue returns the mapping under key in a mapping node, adding an empty one if missing.
func mapValue(t *testing.T, n *yaml.Node, key string) *yaml.Node {
	t.Helper()
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
	return v
}

// binaryPath matches the exec paths examples use to reach the binary make build writes.
var binaryPath = regexp.MustCompile(`((?:path|exec): )(?:\.\./)+bin/irsa-fn`)

// copyExample copies the tree of examples/<name>, without its expected outputs, into a new
// folder, pointing every exec function at bin.
func copyExample(t *testing.T, name, bin string) string {
	t.Helper()
	src := filepath.Join(repoRoot(t), "examples", name)
	dst := t.TempDir()
	replaced := false
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if info.Name() == "expected.yaml" {
			return nil // the golden output is not part of the example's input
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		content := binaryPath.ReplaceAllString(string(data), "${1}"+bin)
		replaced = replaced || content != string(data)
		return os.WriteFile(filepath.Join(dst, rel), []byte(content), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !replaced && !usesPath(dst) {
		t.Fatalf("examples/%s runs irsa-fn neither from ../bin/irsa-fn (make build) nor from the PATH", name)
	}
	return dst
}

// onPath matches a kustomize function (exec: {path: irsa-fn}) or a Kptfile mutator (exec:
// irsa-fn) that runs irsa-fn from the PATH.
var onPath = regexp.MustCompile(`(?:path|exec): irsa-fn\b`)

// usesPath reports whether a folder's functions run irsa-fn from the PATH.
func usesPath(dir string) bool {
	found := false
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			data, _ := os.ReadFile(p)
			found = found || onPath.Match(data)
		}
		return nil
	})
	return found
}

// pathWith returns a PATH environment entry that finds bin under the name irsa-fn first, as
// a user's PATH does after go install.
func pathWith(t *testing.T, bin string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(bin, filepath.Join(dir, "irsa-fn")); err != nil {
		t.Fatal(err)
	}
	return "PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH")
}

// prepareKpt turns a case folder into a kpt package whose Kptfile pipeline runs irsa-fn.
func prepareKpt(t *testing.T, src, bin string) string {
	t.Helper()
	return prepareKptFn(t, src, "exec: "+bin)
}

// prepareKptFn is prepareKpt with the mutator's first field given: how kpt runs irsa-fn
// (exec: or image:).
func prepareKptFn(t *testing.T, src, function string) string {
	t.Helper()
	dir := copyCase(t, src)
	write(t, filepath.Join(dir, "Kptfile"), fmt.Sprintf(`apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: case
  annotations:
    config.kubernetes.io/local-config: "true"
pipeline:
  mutators:
    - %s
      configPath: fnconfig.yaml
`, function))
	return dir
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// parseObjects parses a YAML stream.
func parseObjects(t *testing.T, data []byte) []object {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []object
	for {
		var o object
		err := dec.Decode(&o)
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("parse YAML: %v\n%s", err, data)
		}
		if o != nil {
			out = append(out, o)
		}
	}
	return out
}

// packageObjects reads every object of a kpt package that would be deployed (not local config).
func packageObjects(t *testing.T, dir string) []object {
	t.Helper()
	var out []object
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, o := range parseObjects(t, data) {
			if str(o, "metadata", "annotations", "config.kubernetes.io/local-config") == "true" {
				continue
			}
			out = append(out, o)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sortObjects(out)
	return out
}

// snapshot reads every file of a folder, for proving a second render changes nothing.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		out[strings.TrimPrefix(p, dir)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sortObjects(objs []object) {
	key := func(o object) string {
		return fmt.Sprint(o["apiVersion"], "/", o["kind"], "/", str(o, "metadata", "namespace"), "/", str(o, "metadata", "name"))
	}
	sort.Slice(objs, func(i, j int) bool { return key(objs[i]) < key(objs[j]) })
}

// get walks nested maps.
func get(o object, path ...string) any {
	var cur any = o
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// str walks nested maps to a string; "" when absent.
func str(o object, path ...string) string {
	s, _ := get(o, path...).(string)
	return s
}

// find returns the objects of a kind.
func find(objs []object, kind string) []object {
	var out []object
	for _, o := range objs {
		if o["kind"] == kind {
			out = append(out, o)
		}
	}
	return out
}

// validate runs kubectl-validate on objects against the Kubernetes 1.30 schemas, the ACK and
// Crossplane CRDs, and irsa-fn's own.
func validate(t *testing.T, objs []object) {
	t.Helper()
	kv := tool(t, "KUBECTL_VALIDATE", "kubectl-validate")
	var buf bytes.Buffer
	for _, o := range objs {
		data, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		buf.WriteString("---\n")
		buf.Write(data)
	}
	file := filepath.Join(t.TempDir(), "rendered.yaml")
	write(t, file, buf.String())
	args := []string{"--version", "1.30"}
	for _, dir := range []string{filepath.Join(sharedDir(t), "crds", "ack"), filepath.Join(sharedDir(t), "crds", "crossplane"), filepath.Join(repoRoot(t), "schemas")} {
		args = append(args, "--local-crds", dir)
	}
	stdout, stderr, err := run(t, "", nil, kv, append(args, file)...)
	if err != nil {
		t.Fatalf("kubectl-validate rejected the rendered objects: %v\n%s%s\n%s", err, stdout, stderr, buf.String())
	}
}

// startMoto starts moto_server on a free loopback port and returns its URL; it stops with the test.
func startMoto(t *testing.T) string {
	t.Helper()
	bin := tool(t, "MOTO_SERVER", "moto_server")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("moto_server did not answer on %s within 60s:\n%s", url, logs.String())
	return ""
}
