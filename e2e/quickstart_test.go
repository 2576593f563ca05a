package e2e

import "testing"

// TestQuickstart renders examples/quickstart — what `make demo` shows — with kustomize, with the
// function path pointed at the binary under test, and validates it.
func TestQuickstart(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	dir := copyExample(t, "quickstart", bin)
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
