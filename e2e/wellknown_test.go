package e2e

import (
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/generator/wellknown"
)

// TestWellKnownCoverage checks that examples/well-known renders a role for every add-on the
// generator knows (TestExamples renders, validates and has IAM accept them).
func TestWellKnownCoverage(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	dir := copyExample(t, "well-known", bin)
	stdout, stderr, err := run(t, dir, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr)
	}
	roles := find(parseObjects(t, []byte(stdout)), "Role")
	if len(roles) != len(wellknown.Names()) {
		t.Fatalf("%d roles for %d add-ons", len(roles), len(wellknown.Names()))
	}
	for _, name := range wellknown.Names() {
		found := false
		for _, r := range roles {
			inline, _ := get(r, "spec", "inlinePolicies").(map[string]any)
			_, hasInline := inline[name]
			managed, _ := get(r, "spec", "policies").([]any)
			found = found || hasInline || (len(managed) > 0 && strings.Contains(str(r, "spec", "name"), strings.TrimSuffix(name, "-driver")))
		}
		if !found {
			t.Errorf("no role carries the %s policy", name)
		}
	}
}
