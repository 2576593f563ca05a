package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/irsa-dev/irsa-fn/export"
)

// pipeline is the render → export → apply flow of the README, on a copy of testdata/pipeline.
type pipeline struct {
	t              *testing.T
	bin, kustomize string
	src, iamDir    string
	env            []string
	proxy          *iamProxy
	iam            *iam.Client
}

// render runs kustomize build | irsa-fn export --out iamDir and returns the manifests.
func (p *pipeline) render() string {
	t := p.t
	t.Helper()
	built, stderr, err := run(t, p.src, nil, p.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr)
	}
	cmd := exec.Command(p.bin, "export", "--out", p.iamDir)
	cmd.Stdin = strings.NewReader(built)
	var stdout, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("irsa-fn export: %v\n%s", err, errOut.String())
	}
	return stdout.String()
}

// apply runs irsa-fn apply with args against the proxy, failing the given actions.
func (p *pipeline) apply(wantCode int, failing []string, args ...string) string {
	t := p.t
	t.Helper()
	p.proxy.reset(failing...)
	stdout, stderr, err := run(t, "", p.env, p.bin, append([]string{"apply"}, args...)...)
	if code := exitCode(err); code != wantCode {
		t.Fatalf("irsa-fn apply %v: exit %d, want %d\n%s%s", args, code, wantCode, stdout, stderr)
	}
	return stdout
}

func (p *pipeline) edit(file, old, new string) {
	p.t.Helper()
	path := filepath.Join(p.src, file)
	data, err := os.ReadFile(path)
	if err != nil {
		p.t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		p.t.Fatalf("%s does not contain %q", file, old)
	}
	write(p.t, path, strings.Replace(string(data), old, new, 1))
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

func roleState(t *testing.T, c *iam.Client, name string) (*iamtypes.Role, map[string]string, []string, map[string]string) {
	t.Helper()
	ctx := context.Background()
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatalf("GetRole %s: %v", name, err)
	}
	tags := map[string]string{}
	for _, tg := range got.Role.Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var managed []string
	for _, a := range att.AttachedPolicies {
		managed = append(managed, aws.ToString(a.PolicyArn))
	}
	names, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	inline := map[string]string{}
	for _, n := range names.PolicyNames {
		doc, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(n)})
		if err != nil {
			t.Fatal(err)
		}
		inline[n] = aws.ToString(doc.PolicyDocument)
	}
	return got.Role, tags, managed, inline
}

func roleExists(t *testing.T, c *iam.Client, name string) bool {
	_, err := c.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(name)})
	return err == nil
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestPipeline walks the README's pipeline against moto: render, export, apply from empty,
// apply again, change a binding, ownership, prune, dry run, OIDC providers, and an IAM error
// mid-run followed by a run that converges.
func TestPipeline(t *testing.T) {
	moto := startMoto(t)
	p := &pipeline{t: t, bin: irsaFn(t), kustomize: tool(t, "KUSTOMIZE", "kustomize"), iam: iamClient(moto)}
	p.proxy = newIAMProxy(t, moto)
	p.src = prepareKustomize(t, filepath.Join("testdata", "pipeline"), p.bin)
	p.iamDir = filepath.Join(t.TempDir(), "iam")
	p.env = []string{"AWS_ENDPOINT_URL_IAM=" + p.proxy.URL, "AWS_ENDPOINT_URL_STS=" + p.proxy.URL, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PROFILE=", "AWS_EC2_METADATA_DISABLED=true"}
	ctx := context.Background()
	createCustomerPolicy(t, p.iam, "arn:aws:iam::123456789012:policy/eks-workload-boundary")

	// Render and export: files for each role, manifests without IAMRoles, byte-stable.
	manifests := p.render()
	for _, f := range []string{"S3WriterRole/trust-policy.json", "S3WriterRole/s3-write.json", "S3WriterRole/role.json", "PlatformReader/trust-policy.json", "PlatformReader/role.json"} {
		if _, err := os.Stat(filepath.Join(p.iamDir, f)); err != nil {
			t.Fatalf("export did not write %s: %v", f, err)
		}
	}
	objs := parseObjects(t, []byte(manifests))
	if len(find(objs, "IAMRole")) != 0 || len(find(objs, "ServiceAccount")) != 2 || len(find(objs, "Deployment")) != 1 {
		t.Fatalf("manifests:\n%s", manifests)
	}
	validate(t, objs)
	mustContain(t, "role.json", readFile(t, filepath.Join(p.iamDir, "S3WriterRole", "role.json")), `"Owner": "prod-eu-pipeline"`)
	before := snapshot(t, p.iamDir)
	p.render()
	if !reflect.DeepEqual(before, snapshot(t, p.iamDir)) {
		t.Error("exporting the same render twice wrote other bytes")
	}

	// A dry run on an empty account plans two creations and changes nothing.
	out := p.apply(1, nil, "--dry-run", p.iamDir)
	mustContain(t, "dry run", out, "role S3WriterRole: create", "role PlatformReader: create", "2 to create",
		// what CreateRole will set besides the documents: the boundary, the description and
		// every tag, the owner's among them
		"+ permissions boundary: arn:aws:iam::123456789012:policy/eks-workload-boundary", `+ description: "Read-only access for the platform dashboards"`,
		"+ tag cost-center=4711", "+ tag irsa.dev/owner=prod-eu-pipeline", "+ tag team=platform", "dry run: nothing was changed", "missing: pods will fail with InvalidIdentityToken", "aws iam create-open-id-connect-provider --url https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E --client-id-list sts.amazonaws.com")
	if m := p.proxy.mutations(); len(m) != 0 || roleExists(t, p.iam, "S3WriterRole") {
		t.Fatalf("the dry run changed IAM: %v", m)
	}

	// Apply from empty, creating the OIDC provider; everything is read back as declared.
	out = p.apply(0, nil, "--create-oidc-providers", p.iamDir)
	mustContain(t, "first apply", out, "2 created", "oidc provider arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E: created")
	role, tags, managed, inline := roleState(t, p.iam, "S3WriterRole")
	if decoded, _ := decodeDoc(aws.ToString(role.AssumeRolePolicyDocument)); !jsonEqual(t, decoded, readFile(t, filepath.Join(p.iamDir, "S3WriterRole", "trust-policy.json"))) {
		t.Errorf("S3WriterRole trust policy in IAM: %s", decoded)
	}
	if decoded, _ := decodeDoc(inline["s3-write"]); len(inline) != 1 || !jsonEqual(t, decoded, readFile(t, filepath.Join(p.iamDir, "S3WriterRole", "s3-write.json"))) {
		t.Errorf("S3WriterRole inline policies in IAM: %v", inline)
	}
	wantEq(t, "S3WriterRole tags", tags, map[string]string{"irsa.dev/owner": "prod-eu-pipeline"})
	wantEq(t, "S3WriterRole managed", len(managed), 0)
	role, tags, managed, _ = roleState(t, p.iam, "PlatformReader")
	wantEq(t, "path", aws.ToString(role.Path), "/irsa/")
	wantEq(t, "description", aws.ToString(role.Description), "Read-only access for the platform dashboards")
	wantEq(t, "max session", aws.ToInt32(role.MaxSessionDuration), int32(7200))
	wantEq(t, "boundary", aws.ToString(role.PermissionsBoundary.PermissionsBoundaryArn), "arn:aws:iam::123456789012:policy/eks-workload-boundary")
	wantEq(t, "tags", tags, map[string]string{"team": "platform", "cost-center": "4711", "irsa.dev/owner": "prod-eu-pipeline"})
	wantEq(t, "managed", sorted(managed), []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"})
	provider, err := p.iam.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String("arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E")})
	if err != nil || !reflect.DeepEqual(provider.ClientIDList, []string{"sts.amazonaws.com"}) {
		t.Errorf("OIDC provider: %v %v", provider, err)
	}

	// Apply again: no call that changes anything, and it says so.
	out = p.apply(0, nil, p.iamDir)
	mustContain(t, "second apply", out, "role S3WriterRole: no changes", "role PlatformReader: no changes", "no changes were made")
	if m := p.proxy.mutations(); len(m) != 0 {
		t.Errorf("the second apply made changing calls: %v", m)
	}

	// Change the bindings: exactly the right updates.
	p.edit("bindings.yaml", "actions: [s3:PutObject, s3:PutObjectAcl]", "actions: [s3:PutObject, s3:PutObjectAcl, s3:DeleteObject]")
	p.edit("bindings.yaml", "      - arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess\n", "")
	p.edit("bindings.yaml", "team: platform", "team: platform-eng")
	p.edit("bindings.yaml", "maxSessionDuration: 7200", "maxSessionDuration: 3600")
	p.render()
	out = p.apply(0, nil, p.iamDir)
	mustContain(t, "apply after the change", out, "role S3WriterRole: update", "~ inline policy s3-write:", `+         "s3:DeleteObject"`,
		"role PlatformReader: update", "- detach arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess", "~ tag team=platform-eng", "~ max session duration: 7200 -> 3600", "2 updated")
	wantEq(t, "calls for the change", p.proxy.mutations(), map[string]int{"PutRolePolicy": 1, "DetachRolePolicy": 1, "TagRole": 1, "UpdateRole": 1})
	_, tags, managed, _ = roleState(t, p.iam, "PlatformReader")
	wantEq(t, "managed after the change", managed, []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"})
	wantEq(t, "team tag after the change", tags["team"], "platform-eng")

	// A role irsa-fn did not create is left alone, unless --adopt.
	handmadeTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := p.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Handmade"), AssumeRolePolicyDocument: aws.String(handmadeTrust)}); err != nil {
		t.Fatal(err)
	}
	declared := strings.ReplaceAll(readFile(t, filepath.Join(p.iamDir, "S3WriterRole", "role.json")), "S3WriterRole", "Handmade")
	handmadeDir := filepath.Join(t.TempDir(), "handmade")
	if err := os.MkdirAll(filepath.Join(handmadeDir, "Handmade"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"role.json": declared, "trust-policy.json": readFile(t, filepath.Join(p.iamDir, "S3WriterRole", "trust-policy.json")), "s3-write.json": readFile(t, filepath.Join(p.iamDir, "S3WriterRole", "s3-write.json"))} {
		write(t, filepath.Join(handmadeDir, "Handmade", name), content)
	}
	out = p.apply(1, nil, handmadeDir)
	mustContain(t, "apply to a foreign role", out, "role Handmade: refused", "was not created by irsa-fn", "pass --adopt")
	if role, _, _, _ := roleState(t, p.iam, "Handmade"); !strings.Contains(aws.ToString(role.AssumeRolePolicyDocument), "ec2.amazonaws.com") {
		t.Error("a refused role was changed")
	}
	out = p.apply(0, nil, "--adopt", handmadeDir)
	mustContain(t, "adopt", out, "role Handmade: update", "adopting a role irsa-fn did not create")

	// Prune: owned roles no longer declared go; others' and untagged roles stay.
	for name, owner := range map[string]string{"OtherTeam": "other-team", "Untagged": ""} {
		in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(handmadeTrust)}
		if owner != "" {
			in.Tags = []iamtypes.Tag{{Key: aws.String("irsa.dev/owner"), Value: aws.String(owner)}}
		}
		if _, err := p.iam.CreateRole(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	// The role leaves the render: its folder and its manifest entries go, as the next export
	// would remove them (a folder missing from a manifest's list is an error, not a removal).
	if err := os.RemoveAll(filepath.Join(p.iamDir, "PlatformReader")); err != nil {
		t.Fatal(err)
	}
	dropFromManifest(t, p.iamDir, "PlatformReader/")
	out = p.apply(1, nil, "--prune", "--dry-run", p.iamDir)
	mustContain(t, "prune dry run", out, "role PlatformReader: delete", "role Handmade: delete", "2 to delete")
	if !roleExists(t, p.iam, "PlatformReader") {
		t.Fatal("a dry run deleted a role")
	}
	out = p.apply(0, nil, "--prune", p.iamDir)
	mustContain(t, "prune", out, "- detach arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "2 deleted")
	for name, want := range map[string]bool{"PlatformReader": false, "Handmade": false, "OtherTeam": true, "Untagged": true, "S3WriterRole": true} {
		if got := roleExists(t, p.iam, name); got != want {
			t.Errorf("after prune, role %s exists: %v, want %v", name, got, want)
		}
	}

	// An IAM error mid-run: a clear report and exit 1; the next run converges.
	p.edit("bindings.yaml", "s3:DeleteObject]", "s3:DeleteObject, s3:GetObject]")
	p.edit("bindings.yaml", "  role:\n    name: S3WriterRole\n", "  role:\n    name: S3WriterRole\n    tags: {tier: web}\n")
	p.render()
	out = p.apply(1, []string{"PutRolePolicy"}, p.iamDir)
	mustContain(t, "failed apply", out, "role S3WriterRole: failed", "AccessDenied", "not authorized to perform PutRolePolicy", "1 failed")
	out = p.apply(0, nil, p.iamDir)
	mustContain(t, "apply after the failure", out, "role S3WriterRole: update", "~ inline policy s3-write:", "1 updated")
	if _, _, _, inline := roleState(t, p.iam, "S3WriterRole"); !strings.Contains(inline["s3-write"], "s3%3AGetObject") && !strings.Contains(inline["s3-write"], "s3:GetObject") {
		t.Errorf("the inline policy did not converge: %s", inline["s3-write"])
	}
	out = p.apply(0, nil, p.iamDir)
	mustContain(t, "last apply", out, "no changes were made")
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// dropFromManifest removes the entries under prefix from an export folder's manifest.
func dropFromManifest(t *testing.T, dir, prefix string) {
	t.Helper()
	path := filepath.Join(dir, export.ManifestFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Files []string `json:"files"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	kept := m.Files[:0]
	for _, f := range m.Files {
		if !strings.HasPrefix(f, prefix) {
			kept = append(kept, f)
		}
	}
	m.Files = kept
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, string(out))
}
