package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The README's sections whose sh blocks TestReadme runs, with all their subsections.
var readmeSections = []string{"Quick start", "Using it"}

// readmeBlock is one fenced sh block of the README.
type readmeBlock struct {
	heading string // the nearest heading above it
	line    int    // the line of its opening fence in README.md
	script  string
	// marker is what the HTML comment just above the fence says: "needs AWS", "needs kpt", or
	// "not run by the README test: <why>"; empty for a block that needs nothing but the Quick
	// start.
	marker string
	// expected are the lines the block shows under "# expected output:", without "# "; nil when
	// it shows none.
	expected []string
}

var (
	readmeMarker  = regexp.MustCompile(`^<!-- (.*) -->$`)
	expectedTitle = "# expected output:"
)

// readmeBlocks returns the sh blocks of the README's sections named in sections.
func readmeBlocks(t *testing.T, readme string, sections []string) []readmeBlock {
	t.Helper()
	var (
		blocks       []readmeBlock
		inSection    bool
		heading      string
		previous     string // the last non-empty line before the current one
		cur          *readmeBlock
		body         []string
		inOtherFence bool
	)
	for i, line := range strings.Split(readme, "\n") {
		switch {
		case cur != nil && line == "```":
			cur.script = strings.Join(body, "\n") + "\n"
			cur.expected = expectedLines(body)
			blocks = append(blocks, *cur)
			cur, body = nil, nil
		case cur != nil:
			body = append(body, line)
		case inOtherFence:
			inOtherFence = line != "```"
		case strings.HasPrefix(line, "## "):
			heading = strings.TrimPrefix(line, "## ")
			inSection = false
			for _, s := range sections {
				inSection = inSection || heading == s
			}
		case strings.HasPrefix(line, "### ") || strings.HasPrefix(line, "#### "):
			heading = strings.TrimLeft(line, "# ")
		case inSection && line == "```sh":
			cur = &readmeBlock{heading: heading, line: i + 1}
			if m := readmeMarker.FindStringSubmatch(previous); m != nil {
				cur.marker = m[1]
			}
		case strings.HasPrefix(line, "```"):
			inOtherFence = true
		}
		if strings.TrimSpace(line) != "" {
			previous = line
		}
	}
	if cur != nil {
		t.Fatalf("README.md line %d: the sh block is never closed", cur.line)
	}
	return blocks
}

// expectedLines returns the comment lines under "# expected output:" at the end of a block.
func expectedLines(body []string) []string {
	var out []string
	found := false
	for _, l := range body {
		switch {
		case l == expectedTitle:
			found, out = true, []string{}
		case found && (l == "#" || strings.HasPrefix(l, "# ")):
			out = append(out, strings.TrimPrefix(strings.TrimPrefix(l, "#"), " "))
		case found:
			found = false // the output a block shows ends with its comment lines
		}
	}
	return out
}

// TestReadme runs the sh blocks of the README's Quick start and "Using it" sections as a reader
// does: from the root of a fresh copy of the repository, after the Quick start's `make demo` and
// its `export PATH=…`, each with bash -euo pipefail. Each must exit 0, and a block that shows
// its output under "# expected output:" must print exactly that. A block marked `<!-- needs AWS
// -->` is not run; `<!-- needs kpt -->` needs kpt on the PATH (in CI it must be there); `<!--
// not run by the README test: … -->` says why it is not and which test covers it.
func TestReadme(t *testing.T) {
	kustomize := tool(t, "KUSTOMIZE", "kustomize")
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(t, string(readme), readmeSections)
	if len(blocks) < 5 {
		t.Fatalf("README.md has %d sh blocks in %q; it had 12 when this test was written", len(blocks), readmeSections)
	}
	setup := blocks[0]
	if setup.heading != "Quick start" || setup.marker != "" || !strings.Contains(setup.script, "make demo") {
		t.Fatalf("the README's first sh block (line %d) is not the Quick start's `make demo`:\n%s", setup.line, setup.script)
	}
	var prelude []string
	for _, l := range strings.Split(setup.script, "\n") {
		if strings.HasPrefix(l, "export ") {
			prelude = append(prelude, l)
		}
	}
	if len(prelude) == 0 {
		t.Fatalf("the Quick start (line %d) puts nothing on the PATH with export:\n%s", setup.line, setup.script)
	}

	// The repository after `make demo`: a copy of its files, with the pinned kustomize that
	// `make tools` installed (so that make does not install it again), built by the Quick start.
	base := filepath.Join(t.TempDir(), "irsa-fn")
	copyRepository(t, root, base)
	if err := os.MkdirAll(filepath.Join(base, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, kustomize, filepath.Join(base, "bin", filepath.Base(kustomize)), 0o755)
	t.Run("Quick start line "+strconv.Itoa(setup.line), func(t *testing.T) {
		stdout, stderr := runReadmeBlock(t, base, setup.script)
		want, err := os.ReadFile(filepath.Join(root, "examples", "quickstart", "expected.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(stdout, string(want)) {
			t.Errorf("make demo does not print examples/quickstart/expected.yaml:\n%s", stdout)
		}
		if hint := "export PATH=" + filepath.Join(base, "bin") + ":$PATH"; !strings.Contains(stderr, hint) {
			t.Errorf("make demo does not say %q:\n%s", hint, stderr)
		}
		for _, name := range []string{"irsa-fn", "kustomize"} {
			if _, err := exec.Command(filepath.Join(base, "bin", name), "version").Output(); err != nil {
				t.Errorf("make demo left no bin/%s that runs: %v", name, err)
			}
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	ran := 0
	for _, b := range blocks[1:] {
		t.Run(b.heading+" line "+strconv.Itoa(b.line), func(t *testing.T) {
			switch {
			case b.marker == "":
			case b.marker == "needs AWS":
				t.Skipf("README.md line %d needs an AWS account: not run", b.line)
			case b.marker == "needs kpt":
				tool(t, "KPT", "kpt")
			case strings.HasPrefix(b.marker, "not run by the README test: "):
				t.Skipf("README.md line %d is %s", b.line, b.marker)
			default:
				t.Fatalf("README.md line %d: unknown marker <!-- %s --> (want needs AWS, needs kpt, or not run by the README test: why)", b.line, b.marker)
			}
			ran++
			dir := filepath.Join(t.TempDir(), "irsa-fn")
			copyRepository(t, base, dir)
			stdout, _ := runReadmeBlock(t, dir, strings.Join(prelude, "\n")+"\n"+b.script)
			if b.expected == nil {
				return
			}
			if got, want := trimLines(stdout), strings.Join(b.expected, "\n"); got != want {
				t.Errorf("README.md line %d prints other output than it shows:\n--- shown\n%s\n--- printed\n%s", b.line, want, got)
			}
		})
	}
	if ran < 4 {
		t.Errorf("only %d of the README's sh blocks ran", ran)
	}
}

// runReadmeBlock runs script with bash -euo pipefail in dir, as a reader's shell would: without
// the variables make test sets for the tests, and with its own temporary folder. It must exit 0.
func runReadmeBlock(t *testing.T, dir, script string) (stdout, stderr string) {
	t.Helper()
	return runReadmeBlockEnv(t, dir, script, readerEnv(t))
}

// runReadmeBlockEnv is runReadmeBlock in the environment env.
func runReadmeBlockEnv(t *testing.T, dir, script string, env []string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(env, "TMPDIR="+t.TempDir())
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("the README's block failed: %v\n--- script\n%s--- stdout\n%s--- stderr\n%s", err, script, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

// testOnlyEnv are the variables make test sets for the tests, and make's own: a reader's shell
// has none of them.
var testOnlyEnv = map[string]bool{
	"IRSA_FN": true, "KUSTOMIZE": true, "KUBECTL_VALIDATE": true, "MOTO_SERVER": true, "IRSA_SHARED": true,
	"IRSA_NODE_MODULES": true, "PODMAN": true, "SIDECAR_IMAGE": true, "ETCD": true, "KUBE_APISERVER": true,
	"ACK_IAM_CONTROLLER": true, "ACK_IAM_CRDS": true, "KPT": true,
	"MAKEFLAGS": true, "MAKELEVEL": true, "MFLAGS": true, "MAKE_TERMOUT": true, "MAKE_TERMERR": true,
}

// readerEnv is this process's environment without testOnlyEnv, with kpt's folder on the PATH when
// KPT names it.
func readerEnv(t *testing.T) []string {
	t.Helper()
	var env []string
	path := os.Getenv("PATH")
	if kpt := os.Getenv("KPT"); kpt != "" {
		path = filepath.Dir(kpt) + string(os.PathListSeparator) + path
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !testOnlyEnv[name] && name != "PATH" && name != "TMPDIR" {
			env = append(env, kv)
		}
	}
	return append(env, "PATH="+path)
}

// copyRepository copies the repository at src into dst as a reader's checkout holds it: the files
// git tracks, and those it does not ignore, when src is a git checkout; every file otherwise (a
// copy this test made). bin/ is linked, not copied: no block writes there.
func copyRepository(t *testing.T, src, dst string) {
	t.Helper()
	var files []string
	if _, err := os.Stat(filepath.Join(src, ".git")); err == nil {
		out, err := exec.Command("git", "-C", src, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
		if err != nil {
			t.Fatalf("git ls-files: %v", err)
		}
		for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
			files = append(files, filepath.FromSlash(f))
		}
	} else {
		err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			files = append(files, rel)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, rel := range files {
		from, to := filepath.Join(src, rel), filepath.Join(dst, rel)
		info, err := os.Lstat(from)
		if os.IsNotExist(err) {
			continue // deleted in the working tree, not yet in git
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(from)
			if err == nil {
				err = os.Symlink(target, to)
			}
			if err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(rel, "bin"+string(filepath.Separator)):
			if err := os.Link(from, to); err != nil {
				copyFile(t, from, to, info.Mode().Perm())
			}
		default:
			copyFile(t, from, to, info.Mode().Perm())
		}
	}
}

// trimLines is s without trailing white space on each line and without trailing empty lines.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// TestHelpExampleAsItSays does what `irsa-fn --help` says of its example: the binding it shows
// as irsa-binding.yaml, a Deployment production/my-app, a kustomization listing them, and its
// kustomize command, with irsa-fn and kustomize on the PATH. The render must patch my-app.
func TestHelpExampleAsItSays(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	help, stderr, err := run(t, t.TempDir(), nil, bin, "--help")
	if err != nil {
		t.Fatalf("irsa-fn --help: %v\n%s", err, stderr)
	}
	const (
		intro = "and transformers: [irsa-binding.yaml]\n"
		build = "renders with\n  "
	)
	_, rest, found := strings.Cut(help, intro)
	binding, rest, renders := strings.Cut(rest, build)
	command, _, _ := strings.Cut(rest, "\n")
	if !found || !renders || !strings.Contains(help, "export PATH=$PWD/bin:$PATH") || !strings.Contains(help, "Deployment\nproduction/my-app in deployment.yaml") {
		t.Fatalf("--help no longer introduces its example with the PATH, the Deployment and the kustomization this test writes, or no longer ends it with %q:\n%s", build, help)
	}
	dir := t.TempDir()
	var doc strings.Builder
	for _, l := range strings.Split(strings.TrimRight(binding, "\n"), "\n") {
		doc.WriteString(strings.TrimPrefix(l, "  ") + "\n")
	}
	write(t, filepath.Join(dir, "irsa-binding.yaml"), doc.String())
	write(t, filepath.Join(dir, "deployment.yaml"), `apiVersion: apps/v1
kind: Deployment
metadata: {name: my-app, namespace: production}
spec:
  selector: {matchLabels: {app: my-app}}
  template:
    metadata: {labels: {app: my-app}}
    spec: {containers: [{name: app, image: example.com/my-app:1}]}
`)
	write(t, filepath.Join(dir, "kustomization.yaml"), "resources: [deployment.yaml]\ntransformers: [irsa-binding.yaml]\n")
	path := filepath.Join(t.TempDir(), "bin")
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"irsa-fn": bin, "kustomize": kustomize} {
		if err := os.Symlink(target, filepath.Join(path, name)); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, err := run(t, dir, []string{"PATH=" + path + string(os.PathListSeparator) + os.Getenv("PATH")}, "bash", "-euo", "pipefail", "-c", command)
	if err != nil {
		t.Fatalf("%s: %v\n%s", command, err, stderr)
	}
	deployments := find(parseObjects(t, []byte(out)), "Deployment")
	if len(deployments) != 1 || str(deployments[0], "spec", "template", "spec", "serviceAccountName") != "s3-writer" {
		t.Errorf("%s did not point my-app at s3-writer:\n%s", command, out)
	}
}

// TestExampleReadmesAsTheySay runs the sh block of each example's README as a reader of that
// README alone does: from the root of a fresh copy of the repository (with the pinned kustomize
// that make tools installed, so that make does not install it again), with neither irsa-fn nor
// kustomize on the PATH until the block puts them there. Each block must exit 0 and end with
// what the example's expected.yaml files hold (a kustomize-overlays overlay's, in the order its
// README builds them). examples/kpt-package has TestKptExampleAsReadmeSays, examples/ci's block
// needs a git remote (TestDiffCIScript runs its script), examples/argocd has none at the start of
// a line (its steps need a cluster).
func TestExampleReadmesAsTheySay(t *testing.T) {
	kustomize := tool(t, "KUSTOMIZE", "kustomize")
	root := repoRoot(t)
	dir := filepath.Join(t.TempDir(), "irsa-fn")
	copyRepository(t, root, dir)
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, kustomize, filepath.Join(dir, "bin", filepath.Base(kustomize)), 0o755)
	env := withoutOnPath(t, readerEnv(t), "kustomize", "irsa-fn")
	examples, err := os.ReadDir(filepath.Join(root, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, e := range examples {
		if !e.IsDir() || e.Name() == "kpt-package" || e.Name() == "ci" {
			continue
		}
		readme, err := os.ReadFile(filepath.Join(root, "examples", e.Name(), "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		_, block, found := strings.Cut(string(readme), "\n```sh\n") // at the start of a line
		block, _, closed := strings.Cut(block, "\n```")
		block += "\n"
		if !found {
			continue
		}
		if !closed {
			t.Fatalf("examples/%s/README.md: the sh block is never closed", e.Name())
		}
		ran++
		t.Run(e.Name(), func(t *testing.T) {
			var want strings.Builder
			for _, f := range expectedFiles(t, filepath.Join(root, "examples", e.Name()), block) {
				want.WriteString(readFile(t, f))
			}
			if want.Len() == 0 {
				t.Fatalf("examples/%s has no expected.yaml for its README's block to print", e.Name())
			}
			stdout, _ := runReadmeBlockEnv(t, dir, block, env)
			if !strings.HasSuffix(stdout, want.String()) {
				t.Errorf("examples/%s/README.md's block does not end by printing the example's expected output:\n--- block\n%s--- stdout\n%s", e.Name(), block, stdout)
			}
		})
	}
	if ran < 6 {
		t.Errorf("only %d examples' READMEs had a block to run", ran)
	}
}

// expectedFiles returns the expected.yaml of an example, or, for an example of overlays, the
// expected.yaml of each overlay in the order block builds them.
func expectedFiles(t *testing.T, example, block string) []string {
	t.Helper()
	if f := filepath.Join(example, "expected.yaml"); fileExists(f) {
		return []string{f}
	}
	var files []string
	for _, line := range strings.Split(block, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "kustomize" {
			continue
		}
		// the folder built, from the repository's root, where example is <root>/examples/<name>
		if f := filepath.Join(filepath.Dir(filepath.Dir(example)), fields[len(fields)-1], "expected.yaml"); fileExists(f) {
			files = append(files, f)
		}
	}
	return files
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// withoutOnPath returns env with every folder that holds one of the programs names taken off
// its PATH, as in the shell of a reader who has not installed them.
func withoutOnPath(t *testing.T, env []string, names ...string) []string {
	t.Helper()
	out := make([]string, 0, len(env))
	for _, kv := range env {
		value, isPath := strings.CutPrefix(kv, "PATH=")
		if !isPath {
			out = append(out, kv)
			continue
		}
		var keep []string
		for _, d := range filepath.SplitList(value) {
			holds := false
			for _, n := range names {
				holds = holds || fileExists(filepath.Join(d, n))
			}
			if !holds {
				keep = append(keep, d)
			}
		}
		out = append(out, "PATH="+strings.Join(keep, string(os.PathListSeparator)))
	}
	return out
}
