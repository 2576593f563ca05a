package e2e

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// guardRun runs irsa-fn apply with args and extra environment against the proxy, checks its exit
// code, and returns its stdout and stderr.
func guardRun(t *testing.T, proxy *iamProxy, env []string, bin string, wantCode int, args ...string) (string, string) {
	t.Helper()
	proxy.reset()
	stdout, stderr, err := run(t, "", env, bin, append([]string{"apply"}, args...)...)
	if code := exitCode(err); code != wantCode {
		t.Fatalf("irsa-fn apply %v: exit %d, want %d\n%s%s", args, code, wantCode, stdout, stderr)
	}
	return stdout, stderr
}

// renderPipeline renders testdata/pipeline with kustomize, after replacing each old string of
// edits with its new one in the named file, and writes the output to a file it returns.
func renderPipeline(t *testing.T, bin, kustomize string, edits map[string][2]string) (string, string) {
	t.Helper()
	src := prepareKustomize(t, filepath.Join("testdata", "pipeline"), bin)
	for file, e := range edits {
		path := filepath.Join(src, file)
		data := readFile(t, path)
		if !strings.Contains(data, e[0]) {
			t.Fatalf("%s lacks %q", file, e[0])
		}
		write(t, path, strings.ReplaceAll(data, e[0], e[1]))
	}
	built, stderr, err := run(t, src, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr)
	}
	out := filepath.Join(t.TempDir(), "rendered.yaml")
	write(t, out, built)
	return out, built
}

// documents keeps the YAML documents of a stream for which keep is true.
func documents(stream string, keep func(doc string) bool) string {
	var out []string
	for _, doc := range strings.Split(stream, "\n---\n") {
		if keep(doc) {
			out = append(out, strings.TrimPrefix(doc, "---\n"))
		}
	}
	return strings.Join(out, "\n---\n") + "\n"
}

func wantRoles(t *testing.T, c *iam.Client, what string, want map[string]bool) {
	t.Helper()
	for name, exists := range want {
		if got := roleExists(t, c, name); got != exists {
			t.Errorf("%s: role %s exists: %v, want %v", what, name, got, exists)
		}
	}
}

func ownerTag(t *testing.T, c *iam.Client, name string) string {
	t.Helper()
	_, tags, _, _ := roleState(t, c, name)
	return tags["irsa.dev/owner"]
}

// guardSetup starts moto behind a recording proxy, with the boundary policy the pipeline's
// roles name, and returns an IAM client, irsa-fn, kustomize, the proxy and irsa-fn's environment.
func guardSetup(t *testing.T) (*iam.Client, string, string, *iamProxy, []string) {
	t.Helper()
	moto := startMoto(t)
	c := iamClient(moto)
	proxy := newIAMProxy(t, moto)
	env := []string{"AWS_ENDPOINT_URL_IAM=" + proxy.URL, "AWS_ENDPOINT_URL_STS=" + proxy.URL, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PROFILE=", "AWS_EC2_METADATA_DISABLED=true"}
	createCustomerPolicy(t, c, "arn:aws:iam::123456789012:policy/eks-workload-boundary")
	return c, irsaFn(t), tool(t, "KUSTOMIZE", "kustomize"), proxy, env
}

// TestApplyGuards runs two clusters' pipelines against one account in moto, each with its own
// owner, and checks what keeps one from deleting the other's roles or creating roles where they
// do not belong: explicit owners, empty input, the account check, and exit codes.
func TestApplyGuards(t *testing.T) {
	c, bin, kustomize, proxy, env := guardSetup(t)

	// Cluster eu's pipeline: owner prod-eu-pipeline from its IRSAConfig, carried by each IAMRole.
	eu, euBuilt := renderPipeline(t, bin, kustomize, nil)
	mustContain(t, "eu render", euBuilt, "owner: prod-eu-pipeline")
	guardRun(t, proxy, env, bin, 0, "--prune", "--create-oidc-providers", eu)
	// Cluster us's pipeline, in the same account: its own roles, owner prod-us-pipeline.
	us, _ := renderPipeline(t, bin, kustomize, map[string][2]string{
		"fnconfig.yaml": {"owner: prod-eu-pipeline", "owner: prod-us-pipeline"},
		"bindings.yaml": {"name: S3WriterRole", "name: S3WriterRoleUS"},
	})
	us = strings.NewReplacer("PlatformReader", "PlatformReaderUS", "platformreader", "platformreaderus").Replace(readFile(t, us))
	usFile := filepath.Join(t.TempDir(), "us.yaml")
	write(t, usFile, us)
	out, _ := guardRun(t, proxy, env, bin, 0, "--prune", usFile)
	mustContain(t, "us apply", out, "role S3WriterRoleUS: create", "role PlatformReaderUS: create")
	if strings.Contains(out, ": delete") {
		t.Errorf("us's prune deletes:\n%s", out)
	}
	wantRoles(t, c, "after both pipelines", map[string]bool{"S3WriterRole": true, "PlatformReader": true, "S3WriterRoleUS": true, "PlatformReaderUS": true})
	wantEq(t, "owner of S3WriterRole", ownerTag(t, c, "S3WriterRole"), "prod-eu-pipeline")
	wantEq(t, "owner of S3WriterRoleUS", ownerTag(t, c, "S3WriterRoleUS"), "prod-us-pipeline")
	// eu runs again with --prune: in sync, and us's roles stay.
	out, _ = guardRun(t, proxy, env, bin, 0, "--prune", eu)
	mustContain(t, "eu again", out, "role S3WriterRole: no changes", "role PlatformReader: no changes", "0 deleted")
	wantEq(t, "changes by eu's second run", proxy.mutations(), map[string]int{})
	// A role of the other pipeline declared here is refused, naming both owners.
	stolen := filepath.Join(t.TempDir(), "stolen.yaml")
	write(t, stolen, strings.ReplaceAll(euBuilt, "owner: prod-eu-pipeline", "owner: prod-us-pipeline"))
	out, _ = guardRun(t, proxy, env, bin, 1, stolen)
	mustContain(t, "another pipeline's role", out, "role S3WriterRole: refused", `belongs to irsa-fn owner "prod-eu-pipeline", not "prod-us-pipeline"`)
	wantEq(t, "owner of a refused role", ownerTag(t, c, "S3WriterRole"), "prod-eu-pipeline")
}

// TestApplyGuardsPrune checks prune: only its owner's roles, never the old default owner's, and
// never with no owner or an empty input.
func TestApplyGuardsPrune(t *testing.T) {
	c, bin, kustomize, proxy, env := guardSetup(t)
	ctx := context.Background()
	usEdits := map[string][2]string{"fnconfig.yaml": {"owner: prod-eu-pipeline", "owner: prod-us-pipeline"}}
	eu, _ := renderPipeline(t, bin, kustomize, map[string][2]string{"bindings.yaml": {"name: S3WriterRole", "name: EUWriter"}})
	guardRun(t, proxy, env, bin, 0, "--create-oidc-providers", eu)
	us, usBuilt := renderPipeline(t, bin, kustomize, map[string][2]string{
		"fnconfig.yaml": usEdits["fnconfig.yaml"],
		"bindings.yaml": {"name: PlatformReader", "name: USReader"},
	})
	guardRun(t, proxy, env, bin, 0, us)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Legacy"), AssumeRolePolicyDocument: aws.String(trust),
		Tags: []iamtypes.Tag{{Key: aws.String("irsa.dev/owner"), Value: aws.String("irsa-fn")}}}); err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{"EUWriter": true, "PlatformReader": true, "S3WriterRole": true, "USReader": true, "Legacy": true}
	wantRoles(t, c, "before pruning", all)

	// us prunes a render without USReader: only USReader goes.
	usWithoutReader := filepath.Join(t.TempDir(), "us.yaml")
	write(t, usWithoutReader, documents(usBuilt, func(doc string) bool { return !strings.Contains(doc, "roleName: USReader") }))
	out, _ := guardRun(t, proxy, env, bin, 0, "--prune", usWithoutReader)
	mustContain(t, "us prune", out, "role USReader: delete", "(owner prod-us-pipeline, no longer declared)", "1 deleted")
	all["USReader"] = false
	wantRoles(t, c, "after us's prune", all)

	// A render for another account: its roles are refused, and nothing is pruned in this one.
	otherAccount := filepath.Join(t.TempDir(), "other-account.yaml")
	write(t, otherAccount, strings.ReplaceAll(readFile(t, usWithoutReader), "123456789012", "999999999999"))
	out, _ = guardRun(t, proxy, env, bin, 1, "--prune", otherAccount)
	mustContain(t, "prune of another account's render", out, "not pruning: 1 of the 1 declared role(s) were refused or failed")
	wantRoles(t, c, "after another account's prune", all)
	// A path prefix that is not an IAM path: exit 2 (IAM would compare it as a string).
	_, stderr0 := guardRun(t, proxy, env, bin, 2, "--prune", "--path-prefix", "/irsa", usWithoutReader)
	mustContain(t, "path prefix", stderr0, `--path-prefix "/irsa": want an IAM path`)

	// --prune without an owner: exit 2, nothing deleted.
	noOwner := filepath.Join(t.TempDir(), "no-owner.yaml")
	write(t, noOwner, strings.ReplaceAll(readFile(t, usWithoutReader), "  owner: prod-us-pipeline\n", ""))
	if strings.Contains(readFile(t, noOwner), "prod-us-pipeline") {
		t.Fatal("the owner is still in the render")
	}
	_, stderr := guardRun(t, proxy, env, bin, 2, "--prune", noOwner)
	mustContain(t, "prune without owner", stderr, "have no owner", "--owner")
	wantEq(t, "calls of a prune without owner", len(proxy.actions), 0)
	// A conflict between --owner and the roles' owner names both.
	_, stderr = guardRun(t, proxy, env, bin, 2, "--prune", "--owner", "prod-eu-pipeline", usWithoutReader)
	mustContain(t, "owner conflict", stderr, `has owner "prod-us-pipeline"`, `--owner is "prod-eu-pipeline"`)
	// The old default is never an owner.
	_, stderr = guardRun(t, proxy, env, bin, 2, "--prune", "--owner", "irsa-fn", noOwner)
	mustContain(t, "legacy owner", stderr, "old default")

	// Empty stdin: exit 2 naming pipefail, no call at all.
	_, stderr = guardRun(t, proxy, env, bin, 2, "--prune", "--owner", "prod-us-pipeline")
	mustContain(t, "empty stdin", stderr, "no objects at all", "set -o pipefail")
	wantEq(t, "calls on empty stdin", len(proxy.actions), 0)
	// An empty export folder likewise.
	_, stderr = guardRun(t, proxy, env, bin, 2, "--prune", "--owner", "prod-us-pipeline", t.TempDir())
	mustContain(t, "empty folder", stderr, "no objects at all")

	// Documents but no IAMRole: an error for --prune unless --allow-empty.
	noRoles := filepath.Join(t.TempDir(), "no-roles.yaml")
	write(t, noRoles, documents(usBuilt, func(doc string) bool { return !strings.Contains(doc, "kind: IAMRole") }))
	_, stderr = guardRun(t, proxy, env, bin, 2, "--prune", "--owner", "prod-us-pipeline", noRoles)
	mustContain(t, "no IAMRole", stderr, "no IAMRole in the input", "--allow-empty")
	wantRoles(t, c, "after refused prunes", all)
	_, stderr = guardRun(t, proxy, env, bin, 2, "--prune", "--allow-empty", noRoles)
	mustContain(t, "allow-empty without owner", stderr, "--prune needs an owner")
	out, _ = guardRun(t, proxy, env, bin, 0, "--prune", "--allow-empty", "--owner", "prod-us-pipeline", noRoles)
	mustContain(t, "allow-empty", out, "role S3WriterRole: delete", "1 deleted")
	all["S3WriterRole"] = false
	wantRoles(t, c, "after us's empty prune", all)

	// A declared role with the old default owner is refused, then re-tagged with --adopt-owner;
	// the old default's undeclared roles are never pruned.
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("EUWriter"), Tags: []iamtypes.Tag{{Key: aws.String("irsa.dev/owner"), Value: aws.String("irsa-fn")}}}); err != nil {
		t.Fatal(err)
	}
	out, _ = guardRun(t, proxy, env, bin, 1, "--prune", eu)
	mustContain(t, "legacy-tagged role", out, "role EUWriter: refused", "--adopt-owner irsa-fn")
	wantEq(t, "owner of a refused role", ownerTag(t, c, "EUWriter"), "irsa-fn")
	out, _ = guardRun(t, proxy, env, bin, 0, "--prune", "--adopt-owner", "irsa-fn", eu)
	mustContain(t, "adopt-owner", out, "role EUWriter: update", `taking over from owner "irsa-fn"`, "~ tag irsa.dev/owner=prod-eu-pipeline")
	wantEq(t, "owner after --adopt-owner", ownerTag(t, c, "EUWriter"), "prod-eu-pipeline")
	wantRoles(t, c, "after eu's prune", all)
	wantEq(t, "owner of Legacy", ownerTag(t, c, "Legacy"), "irsa-fn")
}

// TestApplyGuardsAccounts checks that a role whose account cannot be confirmed is never created,
// and that a credentials or endpoint failure is reported once, with exit 2.
func TestApplyGuardsAccounts(t *testing.T) {
	c, bin, kustomize, proxy, env := guardSetup(t)
	rendered, built := renderPipeline(t, bin, kustomize, nil)

	// STS unreachable: exit 2, said once, no role created, no IAM call.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	_, stderr := guardRun(t, proxy, append(env, "AWS_ENDPOINT_URL_STS="+closed), bin, 2, rendered)
	mustContain(t, "sts down", stderr, "sts:GetCallerIdentity")
	wantEq(t, "messages with sts down", strings.Count(stderr, "irsa-fn apply:"), 1)
	wantEq(t, "IAM calls with sts down", len(proxy.actions), 0)
	wantRoles(t, c, "with sts down", map[string]bool{"S3WriterRole": false, "PlatformReader": false})

	// No credentials at all: exit 2 with one message.
	noCreds := append(env, "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_WEB_IDENTITY_TOKEN_FILE=",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=")
	_, stderr = guardRun(t, proxy, noCreds, bin, 2, "-o", "json", rendered)
	wantEq(t, "messages without credentials", strings.Count(stderr, "irsa-fn apply:"), 1)
	mustContain(t, "no credentials", stderr, "credentials")
	wantRoles(t, c, "without credentials", map[string]bool{"S3WriterRole": false, "PlatformReader": false})

	// AccountID "" with an ARN in another account, and an ARN that disagrees with the account:
	// refused by name, exit 1, never created; the good role in the same run is created.
	writer := documents(built, func(doc string) bool {
		return strings.Contains(doc, "kind: IAMRole") && strings.Contains(doc, "roleName: S3WriterRole")
	})
	mustContain(t, "S3WriterRole's IAMRole", writer, `accountID: "123456789012"`, "arn: arn:aws:iam::123456789012:role/S3WriterRole")
	foreign := strings.NewReplacer("S3WriterRole", "Foreign", "s3writerrole", "foreign", `accountID: "123456789012"`, `accountID: ""`,
		"arn:aws:iam::123456789012:role/", "arn:aws:iam::999999999999:role/").Replace(writer)
	mismatch := strings.NewReplacer("S3WriterRole", "Mismatch", "s3writerrole", "mismatch",
		"arn:aws:iam::123456789012:role/", "arn:aws:iam::999999999999:role/").Replace(writer)
	mixed := filepath.Join(t.TempDir(), "mixed.yaml")
	write(t, mixed, foreign+"---\n"+mismatch+"---\n"+writer)
	out, _ := guardRun(t, proxy, env, bin, 1, mixed)
	mustContain(t, "unconfirmed accounts", out, "role Foreign: refused", "role Foreign declares no account ID", "role Mismatch: refused",
		`role Mismatch is declared for account 123456789012, but its ARN "arn:aws:iam::999999999999:role/Mismatch" names another`, "role S3WriterRole: create")
	wantRoles(t, c, "after refusing", map[string]bool{"Foreign": false, "Mismatch": false, "S3WriterRole": true})

	// -o json: one document, one result per role, with the planned calls.
	unconfirmed := filepath.Join(t.TempDir(), "unconfirmed.yaml")
	write(t, unconfirmed, foreign+"---\n"+mismatch)
	out, _ = guardRun(t, proxy, env, bin, 1, "--dry-run", "-o", "json", unconfirmed, rendered)
	var rep struct {
		Account  string `json:"account"`
		ExitCode int    `json:"exitCode"`
		Roles    []struct {
			Name    string   `json:"name"`
			Status  string   `json:"status"`
			Calls   []string `json:"calls"`
			Reasons []string `json:"reasons"`
		} `json:"roles"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("-o json is not one JSON document: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, r := range rep.Roles {
		got[r.Name] = r.Status + " " + strings.Join(r.Calls, ",") + " " + strings.Join(r.Reasons, ";")
	}
	wantEq(t, "json account", rep.Account, "123456789012")
	wantEq(t, "json exit code", rep.ExitCode, 1)
	mustContain(t, "json Foreign", got["Foreign"], "refused", "declares no account ID")
	mustContain(t, "json Mismatch", got["Mismatch"], "refused")
	mustContain(t, "json PlatformReader", got["PlatformReader"], "create CreateRole,AttachRolePolicy,AttachRolePolicy")
	if len(rep.Roles) != 4 || !strings.HasPrefix(got["S3WriterRole"], "no changes") {
		t.Errorf("json roles: %v", got)
	}
	// --only-problems leaves out the role in sync.
	out, _ = guardRun(t, proxy, env, bin, 1, "--dry-run", "-o", "json", "--only-problems", unconfirmed, rendered)
	if strings.Contains(out, `"name": "S3WriterRole"`) || !strings.Contains(out, `"name": "PlatformReader"`) {
		t.Errorf("--only-problems:\n%s", out)
	}
	wantRoles(t, c, "after the dry runs", map[string]bool{"PlatformReader": false})
}

// TestApplySummaryCountsProviders applies the roles while their OIDC provider is missing, then
// runs apply --create-oidc-providers, which changes no role but creates the provider: its
// summary must count the provider and must not claim that no change was made. A third apply
// then changes nothing and says so.
func TestApplySummaryCountsProviders(t *testing.T) {
	_, bin, kustomize, proxy, env := guardSetup(t)
	rendered, _ := renderPipeline(t, bin, kustomize, nil)
	out, _ := guardRun(t, proxy, env, bin, 1, rendered)
	mustContain(t, "apply without the provider", out, "2 created", "missing: pods will fail with InvalidIdentityToken")
	out, _ = guardRun(t, proxy, env, bin, 0, "--create-oidc-providers", rendered)
	mustContain(t, "apply creating the provider", out, ": created with client IDs sts.amazonaws.com", "0 created, 0 updated, 0 deleted, 2 unchanged, 0 refused, 0 failed; 1 OIDC provider(s) created")
	if strings.Contains(out, "no changes were made") {
		t.Errorf("apply created the OIDC provider but its summary says no changes were made:\n%s", out)
	}
	if m := proxy.mutations(); len(m) != 1 {
		t.Errorf("apply creating the provider made %d changing calls, want 1 (the provider): %v", len(m), m)
	}
	out, _ = guardRun(t, proxy, env, bin, 0, rendered)
	mustContain(t, "apply in sync", out, "2 unchanged, 0 refused, 0 failed (no changes were made)")
}
