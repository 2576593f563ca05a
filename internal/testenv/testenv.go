// Package testenv finds, for tests, what `make test` installs outside the Go module cache. A test
// that cannot find it fails in CI (CI=true) and, elsewhere, skips loudly, saying what was not
// tested: a skip never hides a missing tool in CI.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run in CI, where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

// NodePackage returns the folder of an npm package that `make node-tools` installs into
// $IRSA_NODE_MODULES (make test sets it). notTested says what the calling test checks, for the
// message when the package is missing.
func NodePackage(t testing.TB, name, notTested string) string {
	t.Helper()
	modules := os.Getenv("IRSA_NODE_MODULES")
	dir := filepath.Join(modules, filepath.FromSlash(name))
	var why string
	if modules == "" {
		why = "IRSA_NODE_MODULES is not set"
	} else if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		why = name + " is not installed in " + modules
	} else {
		return dir
	}
	unavailable(t, why, notTested, "the npm packages", "Run `make node-tools` and set IRSA_NODE_MODULES")
	return ""
}

// unavailable ends a test that cannot find what it needs: it fails in CI and skips loudly
// elsewhere. what is what `make test` installs, fix what to do instead.
func unavailable(t testing.TB, why, notTested, what, fix string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s (run the tests with `make test`, which installs %s)", why, what)
	}
	t.Skipf("\n\n!!!!!!!! NOT TESTED: %s: %s. %s, or run `make test`. !!!!!!!!\n\n", notTested, why, fix)
}

// Path returns the file or folder named by the environment variable env, which `make test` sets
// to something it builds or installs. notTested says what the calling test checks, for the
// message when it is missing.
func Path(t testing.TB, env, notTested string) string {
	t.Helper()
	p := os.Getenv(env)
	var why string
	if p == "" {
		why = env + " is not set"
	} else if _, err := os.Stat(p); err != nil {
		why = env + "=" + p + " does not exist"
	} else {
		return p
	}
	unavailable(t, why, notTested, "what "+env+" names", "Run `make tools` and set "+env)
	return ""
}

// Program returns the path of a program the machine provides (node, bash), found on the PATH.
// notTested says what the calling test checks, for the message when it is missing.
func Program(t testing.TB, name, notTested string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	unavailable(t, name+" is not on the PATH", notTested, name, "Install "+name)
	return ""
}
