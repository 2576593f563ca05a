package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// exportCmd runs the real irsa-fn export with stdin and returns its exit code and stderr.
func exportCmd(t *testing.T, bin, stdin string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"export"}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	return exitCode(err), stderr.String()
}

// dropDocument removes from a YAML stream the documents that contain s.
func dropDocument(stream, s string) string {
	var kept []string
	for _, doc := range strings.Split(stream, "\n---\n") {
		if !strings.Contains(doc, s) {
			kept = append(kept, doc)
		}
	}
	return strings.Join(kept, "\n---\n")
}

// TestExportFolderSafety runs kustomize build | irsa-fn export --out with the real tools and
// checks that export refuses empty input and input without roles, never writes through a
// symbolic link, keeps what it did not write, and removes the roles that are gone.
func TestExportFolderSafety(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	src := prepareKustomize(t, filepath.Join("testdata", "pipeline"), bin)
	built, stderr, err := run(t, src, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr)
	}
	parent := t.TempDir()
	iamDir := filepath.Join(parent, "iam")
	if code, stderr := exportCmd(t, bin, built, "--out", iamDir); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	exported := snapshot(t, iamDir)
	unchanged := func(what string) {
		t.Helper()
		if got := snapshot(t, iamDir); !reflect.DeepEqual(got, exported) {
			t.Errorf("%s changed the export folder:\n%v\nwant\n%v", what, got, exported)
		}
		if entries, _ := os.ReadDir(parent); len(entries) != 1 {
			t.Errorf("%s created files next to the export folder: %v", what, entries)
		}
	}

	// The README's pipeline without pipefail, kustomize failing: export sees no input.
	script := `"$KUSTOMIZE" build "$SRC/missing" | "$IRSA_FN" export --out "$OUT"`
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(os.Environ(), "KUSTOMIZE="+kustomize, "SRC="+src, "IRSA_FN="+bin, "OUT="+iamDir)
	out, err := cmd.CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "set -o pipefail") {
		t.Errorf("a failed kustomize build piped into export: exit %d, want 2 suggesting pipefail\n%s", code, out)
	}
	unchanged("empty input")

	serviceAccount := "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: b}\n"
	if code, stderr := exportCmd(t, bin, serviceAccount, "--out", iamDir); code != 1 || !strings.Contains(stderr, "--allow-empty") {
		t.Errorf("input without an IAMRole: exit %d, want 1 naming --allow-empty\n%s", code, stderr)
	}
	unchanged("input without an IAMRole")

	// A policy named ../x is refused before anything is opened or created.
	hostile := strings.Replace(built, "name: s3-write\n", "name: ../x\n", 1)
	if hostile == built {
		t.Fatal("the rendered stream has no inline policy s3-write")
	}
	if code, stderr := exportCmd(t, bin, hostile, "--out", iamDir); code != 1 || !strings.Contains(stderr, `"../x"`) {
		t.Errorf("a policy named ../x: exit %d, want 1 naming it\n%s", code, stderr)
	}
	unchanged("a policy named ../x")

	// Symbolic links under --out are refused, and what they point to is untouched.
	outside := t.TempDir()
	write(t, filepath.Join(outside, "role.json"), "theirs\n")
	write(t, filepath.Join(outside, "trust-policy.json"), "their trust\n")
	write(t, filepath.Join(outside, "data.bin"), "data\n")
	theirs := snapshot(t, outside)
	links := map[string]string{
		"a symlinked role folder":       filepath.Join(iamDir, "S3WriterRole"),
		"a symlinked trust-policy.json": filepath.Join(iamDir, "PlatformReader", "trust-policy.json"),
	}
	for what, link := range links {
		moved := link + ".moved"
		if err := os.Rename(link, moved); err != nil {
			t.Fatal(err)
		}
		target := outside
		if strings.HasSuffix(link, ".json") {
			target = filepath.Join(outside, "trust-policy.json")
		}
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"--out", iamDir}, {"--out", iamDir, "--force"}} {
			if code, stderr := exportCmd(t, bin, built, args...); code != 1 || !strings.Contains(stderr, "symbolic link") {
				t.Errorf("%s, %v: exit %d, want 1 refusing the link\n%s", what, args, code, stderr)
			}
			if got := snapshot(t, outside); !reflect.DeepEqual(got, theirs) {
				t.Errorf("%s, %v: the link's target changed:\n%v", what, args, got)
			}
		}
		if err := os.Remove(link); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(moved, link); err != nil {
			t.Fatal(err)
		}
	}
	unchanged("refused symbolic links")

	// Another tool's folder under --out is kept; a role gone from the input is removed.
	write(t, filepath.Join(iamDir, "README.md"), "ours\n")
	if err := os.MkdirAll(filepath.Join(iamDir, "other"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(iamDir, "other", "role.json"), "other tool\n")
	write(t, filepath.Join(iamDir, "other", "data.bin"), "data\n")
	withoutReader := dropDocument(built, "roleName: PlatformReader")
	if code, stderr := exportCmd(t, bin, withoutReader, "--out", iamDir); code != 0 {
		t.Fatalf("export without PlatformReader: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(iamDir, "PlatformReader")); !os.IsNotExist(err) {
		t.Errorf("the folder of a role gone from the input is still there: %v", err)
	}
	for _, f := range []string{"README.md", "other/role.json", "other/data.bin", "S3WriterRole/role.json"} {
		if _, err := os.Stat(filepath.Join(iamDir, f)); err != nil {
			t.Errorf("%s was removed: %v", f, err)
		}
	}

	// A folder without a manifest is refused, and with --force only role folders count.
	foreign := filepath.Join(t.TempDir(), "iam")
	if err := os.MkdirAll(filepath.Join(foreign, "other"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(foreign, "other", "data.bin"), "data\n")
	before := snapshot(t, foreign)
	if code, stderr := exportCmd(t, bin, built, "--out", foreign); code != 1 || !strings.Contains(stderr, "--force") {
		t.Errorf("a folder without a manifest: exit %d, want 1 naming --force\n%s", code, stderr)
	}
	if got := snapshot(t, foreign); !reflect.DeepEqual(got, before) {
		t.Errorf("a refused export changed a folder without a manifest:\n%v", got)
	}
	if code, stderr := exportCmd(t, bin, built, "--out", foreign, "--force"); code != 0 {
		t.Errorf("--force: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(foreign, "other", "data.bin")); err != nil {
		t.Errorf("--force removed another tool's file: %v", err)
	}

	// --allow-empty: no roles, every file the last export wrote removed, an empty manifest.
	if code, stderr := exportCmd(t, bin, serviceAccount, "--out", iamDir, "--allow-empty"); code != 0 {
		t.Fatalf("--allow-empty: exit %d\n%s", code, stderr)
	}
	got := snapshot(t, iamDir)
	want := map[string]string{"/README.md": "ours\n", "/other/role.json": "other tool\n", "/other/data.bin": "data\n"}
	manifest := got["/.irsa-fn-export.json"]
	delete(got, "/.irsa-fn-export.json")
	if !reflect.DeepEqual(got, want) || !strings.Contains(manifest, `"files": []`) {
		t.Errorf("--allow-empty left\n%v\nmanifest %q; want\n%v and an empty manifest", got, manifest, want)
	}
}
