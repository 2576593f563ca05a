package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/irsa-dev/irsa-fn/internal/testenv"
)

// inCI reports whether the tests run in CI, where a tool that cannot run fails the test.
func inCI() bool { return testenv.InCI() }

// tool finds a tool: the path in the environment variable env (the Makefile sets it), else the
// PATH. A missing tool fails the test; only kpt, which cannot be go-installed, may be skipped,
// and only outside CI, loudly.
func tool(t *testing.T, env, name string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		t.Fatalf("%s=%s does not exist: run `make test`, which installs it", env, p)
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if name == "kpt" && !inCI() {
		t.Skipf("\n\n!!!!!!!! kpt is not on the PATH: the kpt end-to-end tests (fn render twice, fn eval) were NOT run. !!!!!!!!\n\n")
	}
	t.Fatalf("%s not found (set %s or put it on the PATH; `make test` installs the pinned version into ./bin)", name, env)
	return ""
}

// repoRoot is the repository's top folder.
func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// sharedDir is ../shared, which holds the CRDs to validate against.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("IRSA_SHARED")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "crds", "ack")); err != nil {
		t.Fatalf("the CRDs are not at %s/crds/ack (set IRSA_SHARED): %v", dir, err)
	}
	return dir
}

// irsaFn returns the binary under test: $IRSA_FN (make test builds it), else one built here.
func irsaFn(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("IRSA_FN"); p != "" {
		return p
	}
	return irsaFnBuild.get(t, repoRoot(t))
}

// goBuild is a program the tests build once, with go build, into a temporary folder.
type goBuild struct {
	name string // the binary's name
	once sync.Once
	path string
	err  error
}

var irsaFnBuild = &goBuild{name: "irsa-fn"}

// get builds the package in dir (static, the first time) and returns the binary.
func (b *goBuild) get(t *testing.T, dir string) string {
	t.Helper()
	b.once.Do(func() {
		tmp, err := os.MkdirTemp("", b.name+"-e2e")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(tmp, b.name)
		cmd := exec.Command("go", "build", "-o", b.path, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = &buildError{out: string(out), err: err}
		}
	})
	if b.err != nil {
		t.Fatalf("build %s: %v", b.name, b.err)
	}
	return b.path
}
