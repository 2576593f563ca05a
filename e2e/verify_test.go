package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestVerify applies the pipeline case, proves verify passes, then injects drifts through the IAM
// API and checks that verify names each with its field and the expected and actual values.
func TestVerify(t *testing.T) {
	moto := startMoto(t)
	c := iamClient(moto)
	ctx := context.Background()
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	env := []string{"AWS_ENDPOINT_URL=" + moto, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PROFILE="}
	createCustomerPolicy(t, c, "arn:aws:iam::123456789012:policy/eks-workload-boundary")
	src := prepareKustomize(t, filepath.Join("testdata", "pipeline"), bin)
	built, stderr, err := run(t, src, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr)
	}
	objs := parseObjects(t, []byte(built))
	if len(find(objs, "IAMRole")) != 2 {
		t.Fatalf("want 2 IAMRoles in the build output:\n%s", built)
	}
	validate(t, objs)
	rendered := filepath.Join(t.TempDir(), "rendered.yaml")
	write(t, rendered, built)
	verify := func(wantCode int, file string) string {
		t.Helper()
		stdout, stderr, err := run(t, "", env, bin, "verify", file)
		if code := exitCode(err); code != wantCode {
			t.Fatalf("verify: exit %d, want %d\n%s%s", code, wantCode, stdout, stderr)
		}
		return stdout
	}
	if out, stderr, err := run(t, "", env, bin, "apply", "--create-oidc-providers", rendered); err != nil {
		t.Fatalf("apply: %v\n%s%s", err, out, stderr)
	}
	mustContain(t, "verify after apply", verify(0, rendered), "role S3WriterRole: ok", "role PlatformReader: ok", "verify: 2 role(s) match")

	const host = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E"
	const provider = "arn:aws:iam::123456789012:oidc-provider/" + host
	trust := func(cond map[string]map[string]string) string {
		doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]string{"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": cond}}})
		return string(doc)
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Drift 1: S3WriterRole trusts another namespace; its inline policy changed; a tag added.
	must(c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("S3WriterRole"), PolicyDocument: aws.String(trust(map[string]map[string]string{
		"StringEquals": {host + ":sub": "system:serviceaccount:staging:s3-writer", host + ":aud": "sts.amazonaws.com"}}))}))
	must(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("S3WriterRole"), PolicyName: aws.String("s3-write"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}))
	must(c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("S3WriterRole"), Tags: []iamtypes.Tag{{Key: aws.String("added-by"), Value: aws.String("console")}}}))
	// Drift 2: PlatformReader uses StringEquals with a wildcard and checks no audience; a managed
	// policy detached, the team tag and the session duration changed.
	must(c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("PlatformReader"), PolicyDocument: aws.String(trust(map[string]map[string]string{
		"StringEquals": {host + ":sub": "system:serviceaccount:platform:*"}}))}))
	must(c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("PlatformReader"), PolicyArn: aws.String("arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess")}))
	must(c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("PlatformReader"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("someone-else")}}}))
	must(c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("PlatformReader"), MaxSessionDuration: aws.Int32(3600), Description: aws.String("Read-only access for the platform dashboards")}))
	// Drift 3: the OIDC provider lists another audience only.
	must(c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(provider)}))
	must(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://" + host), ClientIDList: []string{"vault.example.com"}}))

	out := verify(1, rendered)
	mustContain(t, "verify after the drifts", out,
		`service account production/s3-writer (aud sts.amazonaws.com) cannot assume the role: Not authorized to perform sts:AssumeRoleWithWebIdentity: StringEquals requires sub to be "system:serviceaccount:staging:s3-writer"; the token has "system:serviceaccount:production:s3-writer"`,
		"inline policy s3-write differs:",
		`tags.added-by: not declared, actual "console"`,
		"service account platform/platform-reader (aud sts.amazonaws.com) cannot assume the role",
		"StringEquals compares literally, so * matches only a literal *: use StringLike for a pattern",
		"does not check the aud claim: tokens for any audience are accepted",
		"managed policy arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess: declared, not attached",
		`tags.team: expected "platform", actual "someone-else"`,
		`maxSessionDuration: expected "7200", actual "3600"`,
		"lacks client ID(s) sts.amazonaws.com: tokens with that audience fail with InvalidIdentityToken (Incorrect token audience)",
		"aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "+provider+" --client-id sts.amazonaws.com")

	// Drift 4: https:// in the condition keys, the provider gone, and a ServiceAccount annotated
	// with another role.
	must(c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("S3WriterRole"), PolicyDocument: aws.String(trust(map[string]map[string]string{
		"StringEquals": {"https://" + host + ":sub": "system:serviceaccount:production:s3-writer", "https://" + host + ":aud": "sts.amazonaws.com"}}))}))
	must(c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(provider)}))
	edited := filepath.Join(t.TempDir(), "edited.yaml")
	write(t, edited, strings.Replace(built, "eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/S3WriterRole", "eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/S3Writer", 1))
	out = verify(1, edited)
	mustContain(t, "verify after more drifts", out,
		`condition key "https://`+host+`:sub" contains the URL scheme`,
		"missing: pods will fail with InvalidIdentityToken (No OpenIDConnect provider found in your account)",
		`ServiceAccount production/s3-writer: eks.amazonaws.com/role-arn is "arn:aws:iam::123456789012:role/S3Writer", but binding production/s3-writer's role is arn:aws:iam::123456789012:role/S3WriterRole`)

	// apply repairs the roles and the provider; verify passes again.
	if out, stderr, err := run(t, "", env, bin, "apply", "--create-oidc-providers", rendered); err != nil {
		t.Fatalf("apply after the drifts: %v\n%s%s", err, out, stderr)
	}
	mustContain(t, "verify after the repair", verify(0, rendered), "verify: 2 role(s) match")
}
