package iampolicy

import (
	"regexp"
	"testing"

	"github.com/irsa-dev/irsa-fn/schemas"
)

// TestSchemaPatternsAreTheChecks: the JSON Schemas' patterns for actions, sids and managed
// policy name patterns are the regular expressions the checks use.
func TestSchemaPatternsAreTheChecks(t *testing.T) {
	for _, m := range schemas.PatternMismatches(map[string]*regexp.Regexp{
		"IRSABinding spec.policies.inline[].statements[].actions":          actionPattern,
		"IRSABinding spec.policies.inline[].statements[].notActions":       actionPattern,
		"IRSABinding spec.policies.customerManaged[].statements[].actions": actionPattern,
		"IRSAConfig spec.guardrails.deniedActions":                         actionPattern,
		"IRSABinding spec.policies.inline[].statements[].sid":              sidPattern,
		"IRSAConfig spec.guardrails.deniedManagedPolicies":                 managedPolicyPattern,
	}) {
		t.Error(m)
	}
}
