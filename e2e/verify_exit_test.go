package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// verifyJSON is the part of `verify -o json` the tests read.
type verifyJSON struct {
	Account string `json:"account"`
	Status  string `json:"status"`
	Roles   []struct {
		Name      string   `json:"name"`
		Account   string   `json:"account"`
		Status    string   `json:"status"`
		Drifts    []string `json:"drifts"`
		Reasons   []string `json:"reasons"`
		Unchecked string   `json:"unchecked"`
	} `json:"roles"`
}

// statuses maps each role of a JSON report to its status.
func (v verifyJSON) statuses() map[string]string {
	out := map[string]string{}
	for _, r := range v.Roles {
		out[r.Name] = r.Status
	}
	return out
}

// runVerify runs irsa-fn verify in exactly env (no variable of the test's own environment that
// starts with AWS_ is passed on), checks its exit code and returns its stdout and stderr.
func runVerify(t *testing.T, env []string, bin string, wantCode int, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"verify"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if code := exitCode(cmd.Run()); code != wantCode {
		t.Fatalf("verify %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, wantCode, stdout.String(), stderr.String())
	}
	return stdout.String(), stderr.String()
}

// parseVerifyJSON parses the one JSON document of `verify -o json`.
func parseVerifyJSON(t *testing.T, out string) verifyJSON {
	t.Helper()
	var v verifyJSON
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("verify -o json is not JSON: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("verify -o json printed more than one document:\n%s", out)
	}
	return v
}

// closedPort returns the URL of a 127.0.0.1 port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://%s", l.Addr())
	l.Close()
	return url
}

// TestVerifyExitCodes checks that CI can tell the outcomes of verify apart: 0 in sync, 1 drift,
// 2 could not check, with a credential or endpoint failure reported once, up front; and that
// -o json and --only-problems report one result per role.
func TestVerifyExitCodes(t *testing.T) {
	p := applyPipeline(t)
	c, env, bin, built, rendered := p.iam, p.env, p.bin, p.built, p.rendered
	ctx := context.Background()

	// In sync: 0, in text and in JSON; --only-problems leaves every role out.
	out, _ := runVerify(t, env, bin, 0, rendered)
	mustContain(t, "verify in sync", out, "role S3WriterRole: ok", "role PlatformReader: ok", "verify: 2 role(s) match")
	v := parseVerifyJSON(t, func() string { out, _ := runVerify(t, env, bin, 0, "-o", "json", rendered); return out }())
	if got := v.statuses(); v.Status != "in_sync" || got["S3WriterRole"] != "in_sync" || got["PlatformReader"] != "in_sync" || v.Account != "123456789012" {
		t.Errorf("verify -o json in sync: status %q, roles %v, account %q", v.Status, got, v.Account)
	}
	out, _ = runVerify(t, env, bin, 0, "--only-problems", rendered)
	if strings.Contains(out, "role ") {
		t.Errorf("verify --only-problems in sync lists a role:\n%s", out)
	}

	// No credentials at all: 2, one short message on stderr, no role read.
	empty := filepath.Join(t.TempDir(), "empty")
	write(t, empty, "")
	noCreds := []string{"AWS_CONFIG_FILE=" + empty, "AWS_SHARED_CREDENTIALS_FILE=" + empty, "AWS_REGION=us-east-1", "AWS_ENDPOINT_URL=" + p.moto}
	out, errOut := runVerify(t, noCreds, bin, 2, rendered)
	if out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "could not check: no usable AWS credentials") {
		t.Errorf("verify without credentials: want one line on stderr about the credentials, nothing on stdout\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}

	// The STS and IAM endpoints down: 2, once.
	down := closedPort(t)
	downEnv := append(append([]string{}, env...), "AWS_ENDPOINT_URL_IAM="+down, "AWS_ENDPOINT_URL_STS="+down)
	out, errOut = runVerify(t, downEnv, bin, 2, rendered)
	if out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "could not check: could not confirm the credentials with STS GetCallerIdentity (the endpoint did not answer") {
		t.Errorf("verify with the endpoints down: want one line on stderr, nothing on stdout\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
	// Only IAM down, STS answering: 2, once, not once per role.
	iamDown := append(append([]string{}, env...), "AWS_ENDPOINT_URL_IAM="+down)
	out, errOut = runVerify(t, iamDown, bin, 2, rendered)
	if out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "could not check: could not read IAM (the endpoint did not answer") {
		t.Errorf("verify with the IAM endpoint down: want one line on stderr, nothing on stdout\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}

	// Roles of another account than the credentials': 2, each role unchecked, none a finding.
	other := filepath.Join(t.TempDir(), "other-account.yaml")
	write(t, other, strings.ReplaceAll(built, "123456789012", "210987654321"))
	out, _ = runVerify(t, env, bin, 2, other)
	mustContain(t, "verify of another account's roles", out,
		"role S3WriterRole: not checked: declared for account 210987654321, but verify's credentials are for account 123456789012")
	if strings.Contains(out, "problem(s)") {
		t.Errorf("verify of another account's roles reports them as drift:\n%s", out)
	}
	out, _ = runVerify(t, env, bin, 2, "-o", "json", other)
	if v := parseVerifyJSON(t, out); v.Status != "unchecked" || v.statuses()["S3WriterRole"] != "unchecked" || v.statuses()["PlatformReader"] != "unchecked" {
		t.Errorf("verify -o json of another account's roles: want every role unchecked:\n%s", out)
	}

	// The owner tag removed: drift, named; apply would refuse the role.
	if _, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("S3WriterRole"), TagKeys: []string{"irsa.dev/owner"}}); err != nil {
		t.Fatal(err)
	}
	out, _ = runVerify(t, env, bin, 1, rendered)
	mustContain(t, "verify without the owner tag", out, "role S3WriterRole: 1 problem(s)", "tags.irsa.dev/owner: missing", "role PlatformReader: ok")
	out, _ = runVerify(t, env, bin, 1, "--only-problems", rendered)
	mustContain(t, "verify --only-problems", out, "tags.irsa.dev/owner: missing")
	if strings.Contains(out, "PlatformReader") {
		t.Errorf("verify --only-problems lists the role in sync:\n%s", out)
	}
	out, _ = runVerify(t, env, bin, 1, "-o", "json", rendered)
	v = parseVerifyJSON(t, out)
	if got := v.statuses(); v.Status != "drift" || got["S3WriterRole"] != "drift" || got["PlatformReader"] != "in_sync" {
		t.Errorf("verify -o json without the owner tag: status %q, roles %v", v.Status, got)
	}
	for _, r := range v.Roles {
		if r.Name == "S3WriterRole" && (len(r.Drifts) != 1 || !strings.Contains(r.Drifts[0], "irsa.dev/owner") || r.Account != "123456789012") {
			t.Errorf("verify -o json: S3WriterRole's drifts do not name the owner tag:\n%s", out)
		}
	}
	out, _ = runVerify(t, env, bin, 1, "-o", "json", "--only-problems", rendered)
	if got := parseVerifyJSON(t, out).statuses(); len(got) != 1 || got["S3WriterRole"] != "drift" {
		t.Errorf("verify -o json --only-problems: want S3WriterRole only, got %v", got)
	}

	// A role tagged with another owner than the rendered IAMRole's (IRSAConfig.spec.owner): drift.
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("S3WriterRole"), Tags: []types.Tag{{Key: aws.String("irsa.dev/owner"), Value: aws.String("someone-else")}}}); err != nil {
		t.Fatal(err)
	}
	out, _ = runVerify(t, env, bin, 1, rendered)
	mustContain(t, "verify, a role of another owner", out, `tags.irsa.dev/owner: expected "prod-eu-pipeline", actual "someone-else"`)

	// A role of another owner than --owner names: drift.
	out, _ = runVerify(t, env, bin, 1, "--owner", "team-a", rendered)
	mustContain(t, "verify --owner team-a", out, `tags.irsa.dev/owner: expected "team-a", actual "prod-eu-pipeline"`)

	// A pod-facing failure is a reason in the pod's words: the OIDC provider deleted.
	const provider = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E"
	if _, err := c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(provider)}); err != nil {
		t.Fatal(err)
	}
	out, _ = runVerify(t, env, bin, 1, "-o", "json", rendered)
	v = parseVerifyJSON(t, out)
	for _, r := range v.Roles {
		if r.Status != "drift" || !strings.Contains(strings.Join(r.Reasons, "\n"), "InvalidIdentityToken (No OpenIDConnect provider found in your account)") {
			t.Errorf("verify -o json without the OIDC provider: role %s: want drift with the pod's InvalidIdentityToken:\n%s", r.Name, out)
		}
	}
}
