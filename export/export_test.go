package export

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const stream = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: web # keep this comment
  namespace: shop
---
apiVersion: irsa.dev/v1alpha1
kind: IAMRole
metadata:
  name: web
  namespace: shop
  annotations: {irsa.dev/binding: shop/web}
spec:
  roleName: WebRole
  accountID: "123456789012"
  arn: arn:aws:iam::123456789012:role/WebRole
  path: /
  maxSessionDuration: 3600
  tags: [{key: team, value: web}]
  trustPolicy: '{"Version":"2012-10-17","Statement":[]}'
  inlinePolicies:
    - {name: s3, document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'}
  managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
---
apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata:
  name: web
  annotations: {config.kubernetes.io/local-config: "true"}
spec: {}
`

func TestReadWriteReadDir(t *testing.T) {
	roles, rest, err := Read(nil, strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 1 || len(rest) != 1 || rest[0].GetKind() != "ServiceAccount" {
		t.Fatalf("roles %d, rest %v", len(roles), rest)
	}
	var manifests bytes.Buffer
	if err := WriteManifests(&manifests, rest); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(manifests.String(), "# keep this comment") {
		t.Errorf("the manifests lost a comment:\n%s", manifests.String())
	}
	dir := t.TempDir()
	if err := Write(dir, roles, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"trust-policy.json", "s3.json", "role.json"} {
		if _, err := os.Stat(filepath.Join(dir, "WebRole", f)); err != nil {
			t.Error(err)
		}
	}
	first := readAll(t, dir)
	if err := Write(dir, roles, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if second := readAll(t, dir); !reflect.DeepEqual(first, second) {
		t.Error("a second export of the same input wrote other bytes")
	}
	back, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 1 || !reflect.DeepEqual(back[0].Spec, roles[0].Spec) || back[0].Binding != "shop/web" {
		t.Errorf("read back\n%+v\nwant\n%+v", back[0].Spec, roles[0].Spec)
	}
}

func TestWriteRemovesWhatIsGone(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, []Role{mkRole("A", "p1", "p2"), mkRole("B")}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "not-a-role"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, []Role{mkRole("A", "p1")}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "A", "p2.json")); !os.IsNotExist(err) {
		t.Error("p2.json of a removed inline policy is still there")
	}
	if _, err := os.Stat(filepath.Join(dir, "B")); !os.IsNotExist(err) {
		t.Error("the folder of a removed role is still there")
	}
	if _, err := os.Stat(filepath.Join(dir, "not-a-role")); err != nil {
		t.Error("a folder that is not an exported role was removed")
	}
}

func TestCheck(t *testing.T) {
	tests := map[string]struct {
		roles []Role
		want  string
	}{
		"dot dot":         {[]Role{mkRole("..")}, "cannot name a folder"},
		"slash":           {[]Role{mkRole("a/b")}, "cannot name a folder"},
		"duplicate":       {[]Role{mkRole("Web"), mkRole("web")}, "unique per account"},
		"trust collision": {[]Role{mkRole("Web", "Trust-Policy")}, "would overwrite trust-policy.json"},
		"role collision":  {[]Role{mkRole("Web", "role")}, "would overwrite role.json"},
		"policy twice":    {[]Role{mkRole("Web", "p", "P")}, `inline policy "P" twice`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			errs := Check(tt.roles)
			if len(errs) == 0 || !strings.Contains(errs[0].Error(), tt.want) {
				t.Errorf("errors %v, want %q", errs, tt.want)
			}
		})
	}
	if errs := Check([]Role{mkRole("Web", "s3")}); len(errs) != 0 {
		t.Errorf("a good role refused: %v", errs)
	}
}

func TestReadPackage(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Kptfile"), []byte("apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: p\n  annotations: {config.kubernetes.io/local-config: \"true\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app", "all.yaml"), []byte(stream), 0o644); err != nil {
		t.Fatal(err)
	}
	roles, rest, err := Read([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 1 || len(rest) != 1 {
		t.Errorf("roles %d, other objects %d; want 1 and 1 (Kptfile and binding are local config)", len(roles), len(rest))
	}
}

func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			data, _ := os.ReadFile(p)
			out[p] = string(data)
		}
		return err
	})
	return out
}
