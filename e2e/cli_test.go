package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandLineConventions runs the binary as a person would: a near miss of a command's name
// exits 2 with a suggestion, unless a file has that name, which renders as the KRM function's
// file mode does; help is on stdout; a missing file keeps the function's own error.
func TestCommandLineConventions(t *testing.T) {
	bin := irsaFn(t)
	dir := t.TempDir()
	exec1 := func(args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
	}
	if code, out, errOut := exec1("exprt"); code != 2 || out != "" || !strings.Contains(errOut, "did you mean export?") {
		t.Errorf("exprt: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, out, errOut := exec1("apply", "--help"); code != 0 || errOut != "" || !strings.Contains(out, "--dry-run") {
		t.Errorf("apply --help: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, out, errOut := exec1("missing.yaml"); code != 1 || out != "" || errOut != "failed to evaluate function: file missing.yaml: open missing.yaml: no such file or directory\n" {
		t.Errorf("a missing file: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// A folder, such as an example's: say what to do with it rather than that it cannot be read.
	if err := os.Mkdir(filepath.Join(dir, "overlay"), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := exec1("overlay"); code != 1 || out != "" || !strings.Contains(errOut, "file overlay: is a folder; irsa-fn FILE... renders YAML files, not folders: build a kustomization with kustomize build --enable-alpha-plugins --enable-exec overlay") {
		t.Errorf("a folder: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n"
	if err := os.WriteFile(filepath.Join(dir, "exprt"), []byte(cm), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := exec1("exprt")
	if code != 0 || !strings.Contains(out, "kind: ResourceList") || !strings.Contains(out, "name: kept") {
		t.Errorf("the file exprt: exit %d, stdout %q, stderr %q; want it rendered", code, out, errOut)
	}
}
