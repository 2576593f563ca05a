package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Podman returns the podman command that builds and runs the images: $PODMAN (make test sets it
// to bin/podman, the wrapper `make podman-setup` writes, which runs podman with the repository's
// containers.conf), else podman on the PATH. It checks that podman answers `podman info`.
// notTested says what the calling test checks, for the message when podman cannot run.
func Podman(t testing.TB, notTested string) string {
	t.Helper()
	path, why := os.Getenv("PODMAN"), ""
	if path == "" {
		if p, err := exec.LookPath("podman"); err == nil {
			path = p
		} else {
			why = "podman is not installed and PODMAN is not set"
		}
	} else if _, err := os.Stat(path); err != nil {
		why = "PODMAN=" + path + " does not exist"
	}
	if why == "" {
		out, err := exec.Command(path, "info", "--format", "{{.Host.OCIRuntime.Name}}").CombinedOutput()
		if err == nil {
			return path
		}
		why = "podman cannot run: " + err.Error() + ": " + strings.TrimSpace(string(out))
	}
	unavailable(t, why, notTested, "podman and runc", "Run `make podman-setup` (as root where podman is missing) and set PODMAN=$PWD/bin/podman")
	return ""
}
