package generator

import (
	"regexp"
	"testing"

	"github.com/irsa-dev/irsa-fn/schemas"
)

// TestSchemaPatternsAreTheChecks: the JSON Schemas' patterns are the regular expressions the
// checks use, so that neither drifts from the other.
func TestSchemaPatternsAreTheChecks(t *testing.T) {
	for _, m := range schemas.PatternMismatches(map[string]*regexp.Regexp{
		"IRSABinding spec.role.accountID":                            accountIDPattern,
		"IRSABinding spec.clusters[].providerAccountID":              accountIDPattern,
		"IRSAConfig spec.guardrails.accounts":                        accountIDPattern,
		"IRSAConfig spec.defaults.role.accountID":                    accountIDPattern,
		"IRSABinding spec.role.path":                                 rolePathPattern,
		"IRSABinding spec.policies.customerManaged[].path":           rolePathPattern,
		"IRSAConfig spec.guardrails.rolePath":                        rolePathPattern,
		"IRSABinding spec.role.description":                          descriptionChars,
		"IRSABinding spec.role.permissionsBoundary":                  policyARNPattern,
		"IRSABinding spec.policies.managed":                          policyARNPattern,
		"IRSAConfig spec.guardrails.permissionsBoundary":             policyARNPattern,
		"IRSABinding spec.serviceAccounts[].namespace":               dns1123Label,
		"IRSAConfig spec.ack.namespace":                              dns1123Label,
		"IRSAConfig spec.crossplane.namespace":                       dns1123Label,
		"IRSABinding metadata.name":                                  dns1123Subdomain,
		"IRSABinding spec.serviceAccounts[].name":                    dns1123Subdomain,
		"IRSAConfig metadata.name":                                   dns1123Subdomain,
		"IRSAConfig spec.crossplane.providerConfigRef.name":          dns1123Subdomain,
		"IRSABinding spec.clusters[].name":                           clusterNameChars,
		"IRSABinding spec.clusters[].region":                         regionNamePattern,
		"IRSABinding spec.policies.wellKnown[].region":               regionNamePattern,
		"IRSAConfig spec.ack.region":                                 regionNamePattern,
		"IRSABinding spec.role.name":                                 roleNamePattern,
		"IRSABinding spec.policies.inline[].name":                    roleNamePattern,
		"IRSABinding spec.policies.customerManaged[].name":           roleNamePattern,
		"IRSAConfig spec.clusters[].oidcThumbprints":                 thumbprintPattern,
		"IRSABinding spec.policies.wellKnown[].hostedZoneIDs":        hostedZoneIDPattern,
		"IRSABinding spec.policies.wellKnown[].bucketNames":          bucketNamePattern,
		"IRSAConfig spec.owner":                                      tagPattern,
		"IRSABinding spec.role.arn":                                  roleARNPattern,
		"IRSAConfig spec.defaults.role.arn":                          roleARNPattern,
		"IRSABinding spec.policies.wellKnown[].clusterName":          clusterNameChars,
		"IRSABinding spec.policies.wellKnown[].kmsKeyARNs":           arnPattern,
		"IRSABinding spec.policies.wellKnown[].nodeRoleARN":          arnPattern,
		"IRSABinding spec.policies.wellKnown[].interruptionQueueARN": arnPattern,
	}) {
		t.Error(m)
	}
}
