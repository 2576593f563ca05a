package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBindingsMatchCRDs validates every binding and config of the cases and the quick start
// with kubectl-validate against the CRDs generated into schemas/, and proves a typo is refused.
func TestBindingsMatchCRDs(t *testing.T) {
	kv := tool(t, "KUBECTL_VALIDATE", "kubectl-validate")
	schemas := filepath.Join(repoRoot(t), "schemas")
	files := irsaFiles(t)
	if len(files) < 7 {
		t.Fatalf("found only %d files with irsa.dev objects", len(files))
	}
	args := append([]string{"--version", "1.30", "--local-crds", schemas}, files...)
	if stdout, stderr, err := run(t, "", nil, kv, args...); err != nil {
		t.Fatalf("kubectl-validate rejected a binding: %v\n%s%s", err, stdout, stderr)
	}
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	write(t, broken, "apiVersion: irsa.dev/v1alpha1\nkind: IRSABinding\nmetadata: {name: x, namespace: team}\nspec:\n  role: {acountID: \"123456789012\", maxSessionDuration: 100}\n")
	stdout, stderr, err := run(t, "", nil, kv, "--version", "1.30", "--local-crds", schemas, broken)
	if err == nil {
		t.Fatalf("kubectl-validate accepted a binding with a typo and a short session:\n%s", stdout)
	}
	for _, want := range []string{"acountID", "maxSessionDuration"} {
		if !strings.Contains(stdout+stderr, want) {
			t.Errorf("kubectl-validate's complaint does not name %s:\n%s%s", want, stdout, stderr)
		}
	}
	// The CRDs carry the schemas' formats and rules (issue 14's cases): each field is named.
	write(t, broken, `apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata: {name: x, namespace: team}
spec:
  clusters: [{oidcIssuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC/"}]
  role: {accountID: "123456789012", path: no-slashes}
  workloads: [{kind: Deployment}]
  policies:
    managed: [AmazonS3ReadOnlyAccess]
    inline: [{name: read, statements: [{actions: [s3.GetObject], resources: [shop-catalog/*]}]}]
`)
	stdout, stderr, err = run(t, "", nil, kv, "--version", "1.30", "--local-crds", schemas, broken)
	if err == nil {
		t.Fatalf("kubectl-validate accepted issue 14's broken binding:\n%s", stdout)
	}
	for _, want := range []string{"spec.clusters[0].oidcIssuer", "spec.role.path", "spec.workloads[0]", "spec.policies.managed[0]", "actions[0]", "resources[0]"} {
		if !strings.Contains(stdout+stderr, want) {
			t.Errorf("kubectl-validate's complaint does not name %s:\n%s%s", want, stdout, stderr)
		}
	}
}

// irsaFiles lists the YAML files of the cases and examples whose documents are all irsa.dev
// objects (bindings and configs), the overlays and Argo CD app included.
func irsaFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, root := range []string{filepath.Join("testdata", "cases"), filepath.Join(repoRoot(t), "examples")} {
		err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || !strings.HasSuffix(p, ".yaml") || info.Name() == "expected.yaml" {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			objs := parseObjects(t, data)
			ours := len(objs) > 0
			for _, o := range objs {
				ours = ours && strings.HasPrefix(str(o, "apiVersion"), "irsa.dev/")
			}
			if ours {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}
