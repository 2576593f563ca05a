package e2e

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// TestStaticVersionedBinary builds irsa-fn with the Makefile, as `make build` does for bin/irsa-fn
// and `make build-linux` for the image (bin/linux_<arch>/irsa-fn), and checks each is statically
// linked (it runs on distroless static or scratch) and reports the version and commit it was
// stamped with.
func TestStaticVersionedBinary(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is needed: the README's commands are make targets")
	}
	for _, tc := range []struct{ target, file string }{
		{"build", "irsa-fn"},
		{"build-linux-" + runtime.GOARCH, "linux_" + runtime.GOARCH + "/irsa-fn"},
	} {
		target, file := tc.target, tc.file
		t.Run(target, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command("make", "-s", target, "BIN="+dir, "VERSION=v0.0.0-e2e", "COMMIT=abc1234")
			cmd.Dir = repoRoot(t)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("make %s: %v\n%s", target, err, out)
			}
			bin := filepath.Join(dir, filepath.FromSlash(file))
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
		})
	}
}

// TestDockerfile checks what the image tests, which build on a stand-in base, cannot: the
// Dockerfile's default base is distroless static's nonroot flavour, with the users the stand-in
// copies. That the image runs, as whom and with which labels, TestImage* check.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	base := regexp.MustCompile(`(?m)^ARG BASE=(\S+)$`).FindSubmatch(data)
	if base == nil || !strings.HasSuffix(string(base[1]), "/distroless/static-debian12:nonroot") {
		t.Errorf("the Dockerfile's default base is %q, want distroless static-debian12:nonroot", base)
	}
	if got := regexp.MustCompile(`(?m)^FROM .*$`).FindAll(data, -1); len(got) != 1 || string(got[0]) != "FROM ${BASE}" {
		t.Errorf("the Dockerfile should have one stage, FROM ${BASE}; it has %q", got)
	}
	passwd, err := os.ReadFile(filepath.Join(repoRoot(t), "tools", "image-base", "passwd"))
	if err != nil {
		t.Fatal(err)
	}
	// distroless static's /etc/passwd: nonroot 65532 (the image's USER), nobody 65534 (kustomize's).
	for _, user := range []string{"nonroot:x:65532:65532:", "nobody:x:65534:65534:"} {
		if !strings.Contains(string(passwd), "\n"+user) {
			t.Errorf("the stand-in base lacks the user %s of distroless static", user)
		}
	}
}
