package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"gopkg.in/yaml.v3"
)

// TestACKIAMComparisonNoticesDrift lets the real controller create the ack-extras case, then
// checks that the IAM comparison of the controller suite reports each way IAM can differ from
// the declaration: declarations changed after the fact (a tag, an inline policy, the trust, an
// attached policy, the session, the description, a policy document, client IDs, thumbprints),
// and IAM changed behind the controller's back (an extra tag, an extra inline policy, an extra
// attached policy). A comparison that missed one would pass the suite whatever the controller did.
func TestACKIAMComparisonNoticesDrift(t *testing.T) {
	env := startACKController(t)
	bin := irsaFn(t)
	acks := ackIAMObjects(renderCase(t, ackExtras, bin, nil))
	env.emptyAccount(t)
	env.apply(t, acks)
	env.waitSynced(t, acks)
	ctx := context.Background()
	if p := ackIAMProblems(ctx, env.iam, acks); len(p) > 0 {
		t.Fatalf("IAM differs before any change:\n%s", strings.Join(p, "\n"))
	}
	role := findObject(t, acks, "Role", "platform-analytics-reporting") // the role with a customer managed policy
	roleName := str(role, "spec", "name")
	mutations := map[string]func(o object){
		"Role: an extra declared tag": func(o object) {
			o["spec"].(map[string]any)["tags"] = append(asList(get(o, "spec", "tags")), map[string]any{"key": "extra", "value": "x"})
		},
		"Role: an extra declared inline policy": func(o object) {
			o["spec"].(map[string]any)["inlinePolicies"] = map[string]any{"extra": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`}
		},
		"Role: another trust": func(o object) {
			spec := o["spec"].(map[string]any)
			spec["assumeRolePolicyDocument"] = strings.Replace(spec["assumeRolePolicyDocument"].(string), "sts:AssumeRoleWithWebIdentity", "sts:AssumeRole", 1)
		},
		"Role: one attached policy fewer": func(o object) {
			spec := o["spec"].(map[string]any)
			spec["policies"] = asList(spec["policies"])[1:]
		},
		"Role: another session":     func(o object) { o["spec"].(map[string]any)["maxSessionDuration"] = 7200 },
		"Role: another description": func(o object) { o["spec"].(map[string]any)["description"] = "changed" },
		"Role: another path":        func(o object) { o["spec"].(map[string]any)["path"] = "/other/" },
	}
	for what, mutate := range mutations {
		changed := deepCopy(t, role)
		mutate(changed)
		if len(ackIAMProblems(ctx, env.iam, []object{changed})) == 0 {
			t.Errorf("%s: the comparison reports nothing", what)
		}
	}
	policy := find(acks, "Policy")[0]
	changed := deepCopy(t, policy)
	changed["spec"].(map[string]any)["policyDocument"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`
	if len(ackIAMProblems(ctx, env.iam, []object{changed})) == 0 {
		t.Error("Policy: another document: the comparison reports nothing")
	}
	changed = deepCopy(t, policy)
	changed["spec"].(map[string]any)["tags"] = []any{map[string]any{"key": "extra", "value": "x"}}
	if len(ackIAMProblems(ctx, env.iam, []object{changed})) == 0 {
		t.Error("Policy: another tag: the comparison reports nothing")
	}
	provider := find(acks, "OpenIDConnectProvider")[0]
	for _, field := range []string{"clientIDs", "thumbprints"} {
		changed := deepCopy(t, provider)
		changed["spec"].(map[string]any)[field] = []any{"0000000000000000000000000000000000000000"}
		if len(ackIAMProblems(ctx, env.iam, []object{changed})) == 0 {
			t.Errorf("OpenIDConnectProvider: other %s: the comparison reports nothing", field)
		}
	}
	// IAM changed behind the controller's back.
	iamChanges := map[string]func() error{
		"an extra tag in IAM": func() error {
			_, err := env.iam.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(roleName), Tags: tagsOf("extra", "x")})
			return err
		},
		"an extra inline policy in IAM": func() error {
			_, err := env.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String("extra"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
			return err
		},
		"an extra attached policy in IAM": func() error {
			_, err := env.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(roleName), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
			return err
		},
	}
	undo := map[string]func() error{
		"an extra tag in IAM": func() error {
			_, err := env.iam.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String(roleName), TagKeys: []string{"extra"}})
			return err
		},
		"an extra inline policy in IAM": func() error {
			_, err := env.iam.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String("extra")})
			return err
		},
		"an extra attached policy in IAM": func() error {
			_, err := env.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(roleName), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
			return err
		},
	}
	for what, change := range iamChanges {
		if err := change(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(ackIAMProblems(ctx, env.iam, []object{role})) == 0 {
			t.Errorf("%s: the comparison reports nothing", what)
		}
		if err := undo[what](); err != nil {
			t.Fatalf("undo %s: %v", what, err)
		}
		if p := ackIAMProblems(ctx, env.iam, []object{role}); len(p) > 0 {
			t.Fatalf("after undoing %s IAM still differs:\n%s", what, strings.Join(p, "\n"))
		}
	}
}

// deepCopy copies an object through YAML.
func deepCopy(t *testing.T, o object) object {
	t.Helper()
	data, err := yaml.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return parseObjects(t, data)[0]
}

// tagsOf is one IAM tag.
func tagsOf(key, value string) []iamtypes.Tag {
	return []iamtypes.Tag{{Key: aws.String(key), Value: aws.String(value)}}
}
