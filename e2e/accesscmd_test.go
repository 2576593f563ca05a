package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// accessReport is the part of `irsa-fn access -o json` the tests read.
type accessReport struct {
	Status   string `json:"status"`
	ExitCode int    `json:"exitCode"`
	Roles    []struct {
		Name     string `json:"name"`
		Complex  bool   `json:"complex"`
		Subjects []struct {
			Mechanism      string   `json:"mechanism"`
			Cluster        string   `json:"cluster"`
			Namespace      string   `json:"namespace"`
			ServiceAccount string   `json:"serviceAccount"`
			Audiences      []string `json:"audiences"`
		} `json:"subjects"`
	} `json:"roles"`
	ServiceAccounts []struct {
		Kind      string `json:"kind"`
		Namespace string `json:"namespace"`
		Name      string `json:"serviceAccount"`
		Status    string `json:"status"`
	} `json:"serviceAccounts"`
}

// accessCmd runs the real irsa-fn access with stdin and returns its exit code, stdout and stderr.
func accessCmd(t *testing.T, bin, stdin string, args ...string) (int, string, string) {
	t.Helper()
	return irsaFnCmd(t, bin, stdin, append([]string{"access"}, args...)...)
}

// irsaFnCmd runs the real irsa-fn with args and stdin and returns its exit code, stdout and
// stderr.
func irsaFnCmd(t *testing.T, bin, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return exitCode(err), stdout.String(), stderr.String()
}

func parseAccess(t *testing.T, out string) accessReport {
	t.Helper()
	var rep accessReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("irsa-fn access -o json: %v\n%s", err, out)
	}
	return rep
}

// declaredServiceAccounts reads the namespace/name of every service account the IRSABindings of
// an example folder declare (spec.serviceAccounts, or the binding's own name when it lists none).
func declaredServiceAccounts(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range parseObjects(t, data) {
			if str(o, "kind") != "IRSABinding" {
				continue
			}
			ns := str(o, "metadata", "namespace")
			sas, _ := get(o, "spec", "serviceAccounts").([]any)
			if len(sas) == 0 {
				out = append(out, ns+"/"+str(o, "metadata", "name"))
			}
			for _, sa := range sas {
				m, _ := sa.(map[string]any)
				name, _ := m["name"].(string)
				if n, ok := m["namespace"].(string); ok && n != "" {
					ns = n
				}
				out = append(out, ns+"/"+name)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestAccessExamples renders examples with kustomize and checks that `irsa-fn access` lists, from
// the trust policies alone, exactly the service accounts the bindings declare, that every
// ServiceAccount is admitted by its role, and that a ServiceAccount its role refuses exits 1.
func TestAccessExamples(t *testing.T) {
	bin := irsaFn(t)
	for _, example := range []string{"quickstart", "pod-identity", "multi-service"} {
		t.Run(example, func(t *testing.T) {
			dir := copyExample(t, example, bin)
			rendered, _ := renderKustomize(t, dir, bin)
			code, out, stderr := accessCmd(t, bin, string(rendered), "-o", "json")
			if code != 0 {
				t.Fatalf("irsa-fn access exited %d: %s\n%s", code, stderr, out)
			}
			rep := parseAccess(t, out)
			want := declaredServiceAccounts(t, dir)
			if len(want) == 0 {
				t.Fatal("the example declares no service account")
			}
			var subjects, admitted []string
			for _, r := range rep.Roles {
				if r.Complex {
					t.Errorf("role %s: its trust policy was reported complex", r.Name)
				}
				for _, s := range r.Subjects {
					subjects = append(subjects, s.Namespace+"/"+s.ServiceAccount)
					if s.Mechanism == "IRSA" && !slices.Equal(s.Audiences, []string{"sts.amazonaws.com"}) {
						t.Errorf("role %s: IRSA subject %s/%s has audiences %v", r.Name, s.Namespace, s.ServiceAccount, s.Audiences)
					}
				}
			}
			for _, c := range rep.ServiceAccounts {
				if c.Status != "admitted" {
					t.Errorf("%s %s/%s: %s", c.Kind, c.Namespace, c.Name, c.Status)
				}
				if c.Kind == "ServiceAccount" {
					admitted = append(admitted, c.Namespace+"/"+c.Name)
				}
			}
			slices.Sort(subjects)
			subjects = slices.Compact(subjects)
			if !slices.Equal(subjects, want) {
				t.Errorf("the trust policies admit %v; the bindings declare %v", subjects, want)
			}
			if !slices.Equal(admitted, want) {
				t.Errorf("the checked ServiceAccounts are %v; the bindings declare %v", admitted, want)
			}
			if example != "quickstart" {
				return
			}
			// The role no longer names the ServiceAccount: access says so, and exits 1.
			broken := strings.ReplaceAll(string(rendered), "system:serviceaccount:production:s3-writer", "system:serviceaccount:production:other")
			if broken == string(rendered) {
				t.Fatal("the quickstart's trust policy has no sub for production/s3-writer")
			}
			code, text, stderr := accessCmd(t, bin, broken)
			if code != 1 || !strings.Contains(text, "production/s3-writer") || !strings.Contains(text, "refused: production/s3-writer") {
				t.Errorf("a refused ServiceAccount: exit %d, want 1\n%s%s", code, text, stderr)
			}
		})
	}
}

// TestAccessExportFolder reads the roles from an export folder and the manifests from a file, as
// apply and verify do, and checks that access sees the same as on the rendered stream; a bad
// flag and an input without roles exit 2.
func TestAccessExportFolder(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	src := prepareKustomize(t, filepath.Join("testdata", "pipeline"), bin)
	built, stderr, err := run(t, src, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr)
	}
	_, fromStream, stderr := accessCmd(t, bin, built, "-o", "json")
	out := t.TempDir()
	cmd := exec.Command(bin, "export", "--out", filepath.Join(out, "iam"))
	cmd.Stdin = strings.NewReader(built)
	manifests, err := cmd.Output()
	if err != nil {
		t.Fatalf("irsa-fn export: %v", err)
	}
	write(t, filepath.Join(out, "manifests.yaml"), string(manifests))
	code, fromFolder, stderr2 := accessCmd(t, bin, "", "-o", "json", filepath.Join(out, "iam"), filepath.Join(out, "manifests.yaml"))
	if code != 0 {
		t.Fatalf("irsa-fn access on the export folder exited %d: %s", code, stderr2)
	}
	stream, folder := parseAccess(t, fromStream), parseAccess(t, fromFolder)
	if len(stream.Roles) == 0 || len(stream.ServiceAccounts) == 0 {
		t.Fatalf("no role or ServiceAccount in the pipeline's render: %s\n%s", fromStream, stderr)
	}
	a, _ := json.Marshal(stream.Roles)
	b, _ := json.Marshal(folder.Roles)
	if string(a) != string(b) {
		t.Errorf("the export folder's roles differ from the stream's:\n%s\n%s", b, a)
	}
	if code, _, stderr := accessCmd(t, bin, "", "--bogus"); code != 2 || !strings.Contains(stderr, "bogus") {
		t.Errorf("a bad flag: exit %d, want 2: %s", code, stderr)
	}
	code, stdout, stderr := accessCmd(t, bin, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "-o", "json")
	if code != 2 || !strings.Contains(stdout, `"exitCode": 2`) || !strings.Contains(stderr, "no role") {
		t.Errorf("an input without roles: exit %d, want 2, and a JSON error:\n%s%s", code, stdout, stderr)
	}
}
