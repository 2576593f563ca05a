package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const exportRole = `apiVersion: irsa.dev/v1alpha1
kind: IAMRole
metadata: {name: web, namespace: shop}
spec:
  roleName: WebRole
  accountID: "123456789012"
  trustPolicy: '{"Version":"2012-10-17","Statement":[]}'
`

const exportServiceAccount = `apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
`

// exportRun runs irsa-fn export with stdin and returns its exit code, stdout and stderr.
func exportRun(stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Main(append([]string{"irsa-fn", "export"}, args...), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// tree maps every file under dir to its content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		out[p] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExportRefusesEmptyInput(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := exportRun(exportRole+"---\n"+exportServiceAccount, "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	before := tree(t, dir)
	if len(before) == 0 {
		t.Fatal("the first export wrote nothing")
	}
	tests := map[string]struct {
		stdin string
		code  int
		want  string
	}{
		"no input":        {"", 2, "set -o pipefail"},
		"only a comment":  {"# kustomize failed\n", 2, "set -o pipefail"},
		"no IAMRole":      {exportServiceAccount, 1, "--allow-empty"},
		"only local conf": {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, annotations: {config.kubernetes.io/local-config: \"true\"}}\n", 1, "--allow-empty"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := exportRun(tt.stdin, "--out", dir)
			if code != tt.code || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "nothing was written") {
				t.Errorf("exit %d, stderr %q; want exit %d naming %q", code, stderr, tt.code, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if after := tree(t, dir); !reflect.DeepEqual(before, after) {
				t.Errorf("a refused export changed the folder:\n%v\n%v", before, after)
			}
		})
	}

	code, stdout, stderr := exportRun(exportServiceAccount, "--out", dir, "--allow-empty")
	if code != 0 || !strings.Contains(stdout, "kind: ServiceAccount") {
		t.Fatalf("--allow-empty: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "WebRole")); !os.IsNotExist(err) {
		t.Errorf("--allow-empty kept the earlier export's role: %v", err)
	}
	if got := tree(t, dir); len(got) != 1 || !strings.Contains(got[filepath.Join(dir, ".irsa-fn-export.json")], `"files": []`) {
		t.Errorf("--allow-empty left %v, want only an empty manifest", got)
	}
}

func TestExportRefusesForeignFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "data.bin"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := exportRun(exportRole, "--out", dir); code != 1 || !strings.Contains(stderr, "--force") {
		t.Errorf("exit %d, stderr %q; want 1 naming --force", code, stderr)
	}
	if code, _, stderr := exportRun(exportRole, "--out", dir, "--force"); code != 0 {
		t.Errorf("--force: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "data.bin")); err != nil {
		t.Errorf("--force removed a file export did not write: %v", err)
	}
}
