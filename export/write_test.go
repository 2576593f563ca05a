package export

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
)

// mkRole is a role with empty-object documents and the given inline policies.
func mkRole(name string, policies ...string) Role {
	r := Role{Source: "in.yaml", Spec: v1alpha1.IAMRoleSpec{RoleName: name, TrustPolicy: "{}"}}
	for _, p := range policies {
		r.Spec.InlinePolicies = append(r.Spec.InlinePolicies, v1alpha1.PolicyDocument{Name: p, Document: "{}"})
	}
	return r
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readManifestFiles(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m.Files
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// outsideFolder is a folder outside every export folder, with files whose contents the tests
// check are untouched.
func outsideFolder(t *testing.T) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, RoleFile), "theirs\n")
	mustWrite(t, filepath.Join(dir, TrustPolicyFile), "their trust\n")
	mustWrite(t, filepath.Join(dir, "keep.txt"), "keep\n")
	return dir, readAll(t, dir)
}

func TestWriteManifestListsWhatWasWritten(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "iam")
	if err := Write(dir, []Role{mkRole("B"), mkRole("A", "p")}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"A/p.json", "A/role.json", "A/trust-policy.json", "B/role.json", "B/trust-policy.json"}
	if got := readManifestFiles(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("manifest %v, want %v", got, want)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "A"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".irsa-fn-tmp-") {
			t.Errorf("a temporary file was left: %s", e.Name())
		}
	}

	// No roles (--allow-empty): an empty manifest, the earlier export's files and folders gone.
	if err := Write(dir, nil, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := readManifestFiles(t, dir); got == nil || len(got) != 0 {
		t.Errorf("manifest %#v, want an empty list", got)
	}
	for _, f := range []string{"A", "B"} {
		if exists(filepath.Join(dir, f)) {
			t.Errorf("%s of the earlier export is still there", f)
		}
	}
	if !exists(dir) {
		t.Error("the export folder itself was removed")
	}
}

func TestWriteKeepsWhatItDidNotWrite(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, []Role{mkRole("A", "p"), mkRole("B")}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	// Another tool's folder (that looks like a role's), and a file of someone else's in a role folder.
	mustWrite(t, filepath.Join(dir, "other", RoleFile), "other tool\n")
	mustWrite(t, filepath.Join(dir, "other", "data.bin"), "data\n")
	mustWrite(t, filepath.Join(dir, "B", "notes.json"), "notes\n")
	if err := Write(dir, []Role{mkRole("A")}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(dir, "A", "p.json")) {
		t.Error("the file of a removed inline policy is still there")
	}
	if exists(filepath.Join(dir, "B", RoleFile)) || exists(filepath.Join(dir, "B", TrustPolicyFile)) {
		t.Error("the files of a removed role are still there")
	}
	if data, err := os.ReadFile(filepath.Join(dir, "B", "notes.json")); err != nil || string(data) != "notes\n" {
		t.Errorf("a file export did not write was removed or changed: %q, %v", data, err)
	}
	for f, want := range map[string]string{RoleFile: "other tool\n", "data.bin": "data\n"} {
		if data, err := os.ReadFile(filepath.Join(dir, "other", f)); err != nil || string(data) != want {
			t.Errorf("other/%s: %q, %v; want it kept", f, data, err)
		}
	}
}

func TestWriteRefusesFolderWithoutManifest(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "other", RoleFile), "other tool\n")
	mustWrite(t, filepath.Join(dir, "other", "data.bin"), "data\n")
	mustWrite(t, filepath.Join(dir, "notes", "a.json"), "notes\n")
	before := readAll(t, dir)
	err := Write(dir, []Role{mkRole("A")}, WriteOptions{})
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("error %v, want a refusal naming --force", err)
	}
	if after := readAll(t, dir); !reflect.DeepEqual(before, after) || exists(filepath.Join(dir, "A")) {
		t.Fatalf("a refused export changed the folder:\n%v\n%v", before, after)
	}

	// --force: only the .json files of folders holding a role.json count as an earlier export's.
	if err := Write(dir, []Role{mkRole("A")}, WriteOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(dir, "other", RoleFile)) {
		t.Error("--force kept the role.json of a folder that looks like an earlier export's")
	}
	if !exists(filepath.Join(dir, "other", "data.bin")) || !exists(filepath.Join(dir, "notes", "a.json")) {
		t.Error("--force removed a file that is not irsa-fn's")
	}
	if !exists(filepath.Join(dir, "A", RoleFile)) {
		t.Error("--force did not write the role")
	}
}

func TestWriteAdoptsEmptyFolder(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, []Role{mkRole("A")}, WriteOptions{}); err != nil {
		t.Fatalf("an empty folder without a manifest was refused: %v", err)
	}
}

func TestWriteRefusesSymlinks(t *testing.T) {
	tests := map[string]func(t *testing.T, dir, outside string){
		"role folder": func(t *testing.T, dir, outside string) {
			if err := os.RemoveAll(filepath.Join(dir, "A")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(dir, "A")); err != nil {
				t.Fatal(err)
			}
		},
		"stale role folder": func(t *testing.T, dir, outside string) {
			if err := os.RemoveAll(filepath.Join(dir, "B")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(dir, "B")); err != nil {
				t.Fatal(err)
			}
		},
		"trust policy": func(t *testing.T, dir, outside string) {
			p := filepath.Join(dir, "A", TrustPolicyFile)
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(outside, TrustPolicyFile), p); err != nil {
				t.Fatal(err)
			}
		},
		"manifest": func(t *testing.T, dir, outside string) {
			p := filepath.Join(dir, ManifestFile)
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(outside, RoleFile), p); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, setup := range tests {
		for _, force := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/force=%v", name, force), func(t *testing.T) {
				dir := t.TempDir()
				if err := Write(dir, []Role{mkRole("A", "p"), mkRole("B")}, WriteOptions{}); err != nil {
					t.Fatal(err)
				}
				outside, want := outsideFolder(t)
				setup(t, dir, outside)
				before := readAll(t, dir)
				err := Write(dir, []Role{mkRole("A", "q")}, WriteOptions{Force: force})
				if err == nil || !strings.Contains(err.Error(), "symbolic link") {
					t.Fatalf("force %v: error %v, want a refused symbolic link", force, err)
				}
				if got := readAll(t, outside); !reflect.DeepEqual(got, want) {
					t.Errorf("the folder a link points to changed:\n%v\nwant\n%v", got, want)
				}
				if after := readAll(t, dir); !reflect.DeepEqual(before, after) {
					t.Errorf("a refused export changed the folder:\n%v\n%v", before, after)
				}
			})
		}
	}
}

func TestWriteRefusesSymlinkedOut(t *testing.T) {
	outside, want := outsideFolder(t)
	link := filepath.Join(t.TempDir(), "iam")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []Role{mkRole("A")}, WriteOptions{Force: true}); err == nil {
		t.Fatal("an export folder that is a symbolic link was written through")
	}
	if got := readAll(t, outside); !reflect.DeepEqual(got, want) {
		t.Errorf("the folder --out points to changed:\n%v", got)
	}
}

func TestWriteChecksNamesBeforeAnyIO(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "iam")
	for name, r := range map[string]Role{
		"policy ../x":    mkRole("A", "../x"),
		"policy a/b":     mkRole("A", "a/b"),
		"policy NUL":     mkRole("A", "x\x00"),
		"policy \\":      mkRole("A", `..\x`),
		"role ..":        mkRole(".."),
		"role a/../..":   mkRole("a/../.."),
		"role empty":     mkRole(""),
		"role manifest":  mkRole(ManifestFile),
		"policy is role": mkRole("A", "role"),
	} {
		if err := Write(dir, []Role{r}, WriteOptions{}); err == nil {
			t.Errorf("%s: written", name)
		}
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("a refused export created %v", entries)
	}
}

func TestWriteRefusesForeignManifest(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "iam")
	mustWrite(t, filepath.Join(parent, "victim.json"), "victim\n")
	mustWrite(t, filepath.Join(dir, ManifestFile), `{"files": ["../victim.json"]}`)
	if err := Write(dir, nil, WriteOptions{}); err == nil || !strings.Contains(err.Error(), "victim") {
		t.Errorf("error %v, want the manifest's path refused", err)
	}
	if !exists(filepath.Join(parent, "victim.json")) {
		t.Error("a path a manifest lists outside the folder was removed")
	}
}

func TestReadDirChecksPolicyNamesBeforeOpening(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "iam")
	if err := Write(dir, []Role{mkRole("A")}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	// A policy file outside the role folder that ReadDir would read if it opened ../x.json.
	mustWrite(t, filepath.Join(dir, "x.json"), "{}\n")
	mustWrite(t, filepath.Join(dir, "A", RoleFile), `{"roleName": "A", "InlinePolicyNames": ["../x"]}`)
	if _, err := ReadDir(dir); err == nil || !strings.Contains(err.Error(), "cannot name a file") {
		t.Errorf("error %v, want the name ../x refused", err)
	}
}

func TestReadInputCountsDocuments(t *testing.T) {
	for input, want := range map[string]int{
		"":                 0,
		"# nothing\n---\n": 0,
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, annotations: {config.kubernetes.io/local-config: \"true\"}}\n": 1,
		stream: 3,
	} {
		in, err := ReadInput(nil, strings.NewReader(input))
		if err != nil {
			t.Fatal(err)
		}
		if in.Documents != want {
			t.Errorf("%q: %d documents, want %d", input, in.Documents, want)
		}
	}
}

// TestReadDirRefusesWhatApplyCouldMisread: apply and verify read export folders through ReadDir;
// a role folder it skipped would look removed from the render, and apply --prune would delete the
// role. So a symbolic link anywhere, a role folder without role.json, a role the manifest lists
// but the folder lacks, and a role.json naming another role are errors, not skips.
func TestReadDirRefusesWhatApplyCouldMisread(t *testing.T) {
	setup := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), "iam")
		if err := Write(dir, []Role{mkRole("A", "p"), mkRole("B")}, WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if roles, err := ReadDir(dir); err != nil || len(roles) != 2 {
			t.Fatalf("the fresh export reads as %d roles, %v", len(roles), err)
		}
		return dir
	}
	tests := []struct {
		name, want string
		break_     func(t *testing.T, dir string)
	}{
		{"a symlinked role folder", "is a symbolic link", func(t *testing.T, dir string) {
			real := filepath.Join(t.TempDir(), "B")
			if err := os.Rename(filepath.Join(dir, "B"), real); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(real, filepath.Join(dir, "B")); err != nil {
				t.Fatal(err)
			}
		}},
		{"a symlinked policy file", "is not a regular file", func(t *testing.T, dir string) {
			outside := filepath.Join(t.TempDir(), "p.json")
			mustWrite(t, outside, `{"Version":"2012-10-17","Statement":[]}`)
			p := filepath.Join(dir, "A", "p.json")
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, p); err != nil {
				t.Fatal(err)
			}
		}},
		{"role.json missing", "lists B/role.json", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "B", "role.json")); err != nil {
				t.Fatal(err)
			}
		}},
		{"a listed role folder gone", "lists B/role.json", func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, "B")); err != nil {
				t.Fatal(err)
			}
		}},
		{"role.json naming another role", `names role "A", but its folder is B`, func(t *testing.T, dir string) {
			data, err := os.ReadFile(filepath.Join(dir, "A", "role.json"))
			if err != nil {
				t.Fatal(err)
			}
			mustWrite(t, filepath.Join(dir, "B", "role.json"), strings.Replace(string(data), `"p"`, ``, 1))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := setup(t)
			tt.break_(t, dir)
			roles, err := ReadDir(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadDir gave %d roles and %v, want an error containing %q", len(roles), err, tt.want)
			}
		})
	}
}

// TestWriteRefusesSymlinkedOutWithSlash: "--out link/" names the link too, not the folder it
// points to.
func TestWriteRefusesSymlinkedOutWithSlash(t *testing.T) {
	real := filepath.Join(t.TempDir(), "iam")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "iamlink")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link+"/", []Role{mkRole("A")}, WriteOptions{}); err == nil {
		t.Fatal("wrote through a symlinked --out given with a trailing slash")
	}
	if entries, _ := os.ReadDir(real); len(entries) != 0 {
		t.Errorf("the link's target was written: %v", entries)
	}
}
