package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/irsa-dev/irsa-fn/internal/testenv"
)

// podman returns the podman the image tests run (see testenv.Podman); it fails in CI and skips
// loudly elsewhere when podman cannot run. notTested says what the test checks.
func podman(t *testing.T, notTested string) string {
	t.Helper()
	return testenv.Podman(t, notTested)
}

var (
	imagesMu sync.Mutex
	images   = map[string]error{}
)

// makeImage runs `make <target> <vars>` in the repository once per test run, with podman as
// PODMAN, and fails the test when it failed. The image tests build the images the way a person
// does, so the Makefile targets are tested too.
func makeImage(t *testing.T, podman, target string, vars ...string) {
	t.Helper()
	key := strings.Join(append([]string{target}, vars...), " ")
	imagesMu.Lock()
	defer imagesMu.Unlock()
	err, done := images[key]
	if !done {
		args := append([]string{"-s", target, "PODMAN=" + podman}, vars...)
		cmd := exec.Command("make", args...)
		cmd.Dir = repoRoot(t)
		if out, runErr := cmd.CombinedOutput(); runErr != nil {
			err = &buildError{out: string(out), err: runErr}
		}
		images[key] = err
	}
	if err != nil {
		t.Fatalf("make %s: %v", key, err)
	}
}

// removeImage removes an image the test built, when the test ends.
func removeImage(t *testing.T, podman, image string) {
	t.Cleanup(func() {
		if out, err := exec.Command(podman, "rmi", "--force", image).CombinedOutput(); err != nil {
			t.Logf("podman rmi %s: %v\n%s", image, err, out)
		}
	})
}

// containerShims returns a folder to put first on the PATH, holding `docker` (which kustomize
// runs container functions with) and `podman` (which kpt runs with KPT_FN_RUNTIME=podman). Each
// appends its arguments, as one line, to the log file it also returns, then runs podman with
// them unchanged.
func containerShims(t *testing.T, podman string) (dir, log string) {
	t.Helper()
	dir = t.TempDir()
	log = filepath.Join(dir, "calls.log")
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + log + "'\nexec '" + podman + "' \"$@\"\n"
	for _, name := range []string{"docker", "podman"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, log
}
