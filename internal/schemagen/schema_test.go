package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSchemasMatchTypes fails when schemas/ was not regenerated after a change to the types.
func TestSchemasMatchTypes(t *testing.T) {
	files, err := Generate(filepath.Join("..", "..", "api", "v1alpha1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2*len(kinds) {
		t.Fatalf("generated %d files, want %d", len(files), 2*len(kinds))
	}
	var committed []string
	for _, pattern := range []string{"*.json", "*.yaml"} {
		m, err := filepath.Glob(filepath.Join("..", "..", "schemas", pattern))
		if err != nil {
			t.Fatal(err)
		}
		committed = append(committed, m...)
	}
	if len(committed) != len(files) {
		t.Errorf("schemas/ has %d files, the types give %d: run make schemas", len(committed), len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("..", "..", "schemas", name))
		if err != nil {
			t.Errorf("schemas/%s: %v (run make schemas)", name, err)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("schemas/%s differs from the Go types: run make schemas and read the diff", name)
		}
	}
}
