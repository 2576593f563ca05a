package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuickstart renders examples/quickstart — what `make demo` shows — with kustomize, with the
// function path pointed at the binary under test, and validates it.
func TestQuickstart(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	src := filepath.Join(repoRoot(t), "examples", "quickstart")
	dir := t.TempDir()
	for _, f := range []string{"kustomization.yaml", "deployment.yaml", "irsa-binding.yaml"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		content := string(data)
		if f == "irsa-binding.yaml" {
			if !strings.Contains(content, "path: ../../bin/irsa-fn") {
				t.Fatalf("the quick start no longer runs ../../bin/irsa-fn, which make demo builds")
			}
			content = strings.Replace(content, "path: ../../bin/irsa-fn", "path: "+bin, 1)
		}
		write(t, filepath.Join(dir, f), content)
	}
	stdout, stderr, err := run(t, dir, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr)
	}
	objs := parseObjects(t, []byte(stdout))
	wantEq(t, "role-arn", str(one(t, objs, "ServiceAccount"), "metadata", "annotations", "eks.amazonaws.com/role-arn"), "arn:aws:iam::123456789012:role/S3WriterRole")
	wantEq(t, "serviceAccountName", str(one(t, objs, "Deployment"), "spec", "template", "spec", "serviceAccountName"), "s3-writer")
	wantEq(t, "role name", str(one(t, objs, "Role"), "spec", "name"), "S3WriterRole")
	validate(t, objs)
}
