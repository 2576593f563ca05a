package e2e

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaticVersionedBinary builds irsa-fn with the Makefile, as the container image does, and
// checks it is statically linked (it runs on distroless static or scratch) and reports the
// version and commit it was stamped with.
func TestStaticVersionedBinary(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is needed: the README's commands are make targets")
	}
	dir := t.TempDir()
	cmd := exec.Command("make", "-s", "build", "BIN="+dir, "VERSION=v0.0.0-e2e", "COMMIT=abc1234")
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	bin := filepath.Join(dir, "irsa-fn")
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("not an ELF binary: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader (PT_INTERP): it is not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary links shared libraries: %v", libs)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); !strings.HasPrefix(got, "irsa-fn v0.0.0-e2e (commit abc1234, go1.") {
		t.Errorf("version printed %q", got)
	}
}

// TestDockerfile checks the image is built the way the binary above is, and stays minimal: no
// Docker engine runs here, so the image itself is not built in the tests.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	d := string(data)
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "internal/version.version=${VERSION}", "FROM gcr.io/distroless/static-debian12:nonroot", "USER nonroot:nonroot", `ENTRYPOINT ["/usr/local/bin/irsa-fn"]`, "TARGETARCH"} {
		if !strings.Contains(d, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	if strings.Count(d, "\nFROM ") != 2 {
		t.Error("the Dockerfile should have exactly a build stage and a final stage")
	}
}
