package e2e

import (
	"context"
	"encoding/json"
	"os"
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
	p := applyPipeline(t)
	c, env, bin, built, rendered := p.iam, p.env, p.bin, p.built, p.rendered
	ctx := context.Background()
	verify := verifier(t, env, bin)
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
		`ServiceAccount production/s3-writer: eks.amazonaws.com/role-arn is "arn:aws:iam::123456789012:role/S3Writer", but binding production/s3-writer's role is arn:aws:iam::123456789012:role/S3WriterRole`,
		// The role the annotation names is checked too: here it does not exist.
		"ServiceAccount production/s3-writer: names role arn:aws:iam::123456789012:role/S3Writer, which does not exist: its pods get AccessDenied")

	// apply repairs the roles and the provider; verify passes again.
	if out, stderr, err := run(t, "", env, bin, "apply", "--create-oidc-providers", rendered); err != nil {
		t.Fatalf("apply after the drifts: %v\n%s%s", err, out, stderr)
	}
	mustContain(t, "verify after the repair", verify(0, rendered), "verify: 2 role(s) match")
}

// TestVerifyPodIdentity applies a role of mode both (web identity and EKS Pod Identity) and
// checks that verify finds a live trust that lets every association in the account in, or that
// refuses the declared association, and checks the ServiceAccount and the association of an
// edited render against the live trust of the other role they name.
func TestVerifyPodIdentity(t *testing.T) {
	moto := startMoto(t)
	c := iamClient(moto)
	ctx := context.Background()
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	env := motoEnv(moto)
	src := prepareKustomize(t, filepath.Join("testdata", "cases", "pod-identity-both"), bin)
	cfg := filepath.Join(src, "fnconfig.yaml")
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "output: [ack, crossplane]") {
		t.Fatalf("%s: no output line to change:\n%s", cfg, data)
	}
	write(t, cfg, strings.Replace(string(data), "output: [ack, crossplane]", "output: [json, ack]", 1))
	built, stderr, err := run(t, src, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr)
	}
	objs := parseObjects(t, []byte(built))
	if len(find(objs, "IAMRole")) != 1 || len(find(objs, "PodIdentityAssociation")) != 1 {
		t.Fatalf("want an IAMRole and a PodIdentityAssociation in the build output:\n%s", built)
	}
	rendered := filepath.Join(t.TempDir(), "rendered.yaml")
	write(t, rendered, built)
	verify := verifier(t, env, bin)
	if out, stderr, err := run(t, "", env, bin, "apply", "--owner", "pod-identity-test", "--create-oidc-providers", rendered); err != nil {
		t.Fatalf("apply: %v\n%s%s", err, out, stderr)
	}
	mustContain(t, "verify after apply", verify(0, rendered), "role BillingRole: ok", "verify: 1 role(s) match")

	const host = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E"
	webIdentity := func(sub string) map[string]any {
		return map[string]any{"Effect": "Allow", "Principal": map[string]string{"Federated": "arn:aws:iam::123456789012:oidc-provider/" + host},
			"Action": "sts:AssumeRoleWithWebIdentity", "Condition": map[string]any{"StringEquals": map[string]string{host + ":sub": sub, host + ":aud": "sts.amazonaws.com"}}}
	}
	pods := func(cond map[string]any) map[string]any {
		st := map[string]any{"Effect": "Allow", "Principal": map[string]string{"Service": "pods.eks.amazonaws.com"}, "Action": []string{"sts:AssumeRole", "sts:TagSession"}}
		if cond != nil {
			st["Condition"] = cond
		}
		return st
	}
	trust := func(statements ...map[string]any) *string {
		doc, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
		if err != nil {
			t.Fatal(err)
		}
		return aws.String(string(doc))
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Drift 1: the trust of before the session tag conditions: any association may use the role.
	must(c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("BillingRole"),
		PolicyDocument: trust(pods(nil), webIdentity("system:serviceaccount:finance:billing"))}))
	mustContain(t, "verify with an open Pod Identity trust", verify(1, rendered),
		"trust policy statement 0 trusts pods.eks.amazonaws.com without conditions on the session tags aws:RequestTag/kubernetes-namespace and aws:RequestTag/kubernetes-service-account: every EKS Pod Identity association in the account can assume the role")

	// Drift 2: the Pod Identity statement admits another service account only.
	must(c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("BillingRole"), PolicyDocument: trust(
		pods(map[string]any{"StringEquals": map[string]string{"aws:RequestTag/eks-cluster-name": "prod-eu", "aws:RequestTag/kubernetes-namespace": "finance", "aws:RequestTag/kubernetes-service-account": "payroll"}}),
		webIdentity("system:serviceaccount:finance:billing"))}))
	mustContain(t, "verify with a Pod Identity trust for another service account", verify(1, rendered),
		`service account finance/billing on cluster prod-eu cannot assume the role through EKS Pod Identity: Not authorized to perform sts:AssumeRole: StringEquals requires session tag kubernetes-service-account to be "payroll"; the request has "billing"`)

	// Drift 3: an edited render points the ServiceAccount and the association at another role,
	// whose live trust admits another service account, by both mechanisms.
	must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("PayrollRole"), AssumeRolePolicyDocument: trust(
		pods(map[string]any{"StringEquals": map[string]string{"aws:RequestTag/eks-cluster-name": "prod-eu", "aws:RequestTag/kubernetes-namespace": "finance", "aws:RequestTag/kubernetes-service-account": "payroll"}}),
		webIdentity("system:serviceaccount:finance:payroll"))}))
	edited := filepath.Join(t.TempDir(), "edited.yaml")
	edit := strings.NewReplacer(
		"eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/BillingRole", "eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/PayrollRole",
		"roleARN: arn:aws:iam::123456789012:role/BillingRole", "roleARN: arn:aws:iam::123456789012:role/PayrollRole")
	if e := edit.Replace(built); strings.Count(e, "role/PayrollRole") != 2 {
		t.Fatalf("the edit did not change the annotation and the association:\n%s", e)
	}
	write(t, edited, edit.Replace(built))
	mustContain(t, "verify of a render naming another role", verify(1, edited),
		`ServiceAccount finance/billing, PodIdentityAssociation finance/billing on cluster prod-eu: names role arn:aws:iam::123456789012:role/PayrollRole: service account finance/billing (aud sts.amazonaws.com) cannot assume the role: Not authorized to perform sts:AssumeRoleWithWebIdentity: StringEquals requires sub to be "system:serviceaccount:finance:payroll"`,
		`ServiceAccount finance/billing, PodIdentityAssociation finance/billing on cluster prod-eu: names role arn:aws:iam::123456789012:role/PayrollRole: service account finance/billing on cluster prod-eu cannot assume the role through EKS Pod Identity: Not authorized to perform sts:AssumeRole: StringEquals requires session tag kubernetes-service-account to be "payroll"`)

	// apply repairs the trust; verify passes again.
	if out, stderr, err := run(t, "", env, bin, "apply", "--owner", "pod-identity-test", rendered); err != nil {
		t.Fatalf("apply after the drifts: %v\n%s%s", err, out, stderr)
	}
	mustContain(t, "verify after the repair", verify(0, rendered), "verify: 1 role(s) match")
}

// appliedPipeline is the pipeline case rendered and applied to a moto server.
type appliedPipeline struct {
	// moto is the server's URL.
	moto string
	iam  *iam.Client
	// env points irsa-fn's AWS SDK at the moto server.
	env []string
	// bin is irsa-fn.
	bin string
	// built is the rendered stream, and rendered a file holding it.
	built, rendered string
}

// applyPipeline renders the pipeline case with kustomize (two IAMRoles, valid objects) and
// applies it, with its OIDC provider, to a new moto server.
func applyPipeline(t *testing.T) appliedPipeline {
	t.Helper()
	moto := startMoto(t)
	p := appliedPipeline{moto: moto, iam: iamClient(moto), env: motoEnv(moto), bin: irsaFn(t)}
	createCustomerPolicy(t, p.iam, "arn:aws:iam::123456789012:policy/eks-workload-boundary")
	src := prepareKustomize(t, filepath.Join("testdata", "pipeline"), p.bin)
	built, stderr, err := run(t, src, nil, tool(t, "KUSTOMIZE", "kustomize"), "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr)
	}
	objs := parseObjects(t, []byte(built))
	if len(find(objs, "IAMRole")) != 2 {
		t.Fatalf("want 2 IAMRoles in the build output:\n%s", built)
	}
	validate(t, objs)
	p.built, p.rendered = built, filepath.Join(t.TempDir(), "rendered.yaml")
	write(t, p.rendered, built)
	if out, stderr, err := run(t, "", p.env, p.bin, "apply", "--create-oidc-providers", p.rendered); err != nil {
		t.Fatalf("apply: %v\n%s%s", err, out, stderr)
	}
	return p
}

// motoEnv is the environment that points the AWS SDK of irsa-fn at a moto server.
func motoEnv(moto string) []string {
	return []string{"AWS_ENDPOINT_URL=" + moto, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PROFILE="}
}

// verifier returns a function that runs irsa-fn verify on a file, checks its exit code and
// returns its output.
func verifier(t *testing.T, env []string, bin string) func(wantCode int, file string) string {
	return func(wantCode int, file string) string {
		t.Helper()
		stdout, stderr, err := run(t, "", env, bin, "verify", file)
		if code := exitCode(err); code != wantCode {
			t.Fatalf("verify: exit %d, want %d\n%s%s", code, wantCode, stdout, stderr)
		}
		return stdout
	}
}
