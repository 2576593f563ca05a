package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/irsa-dev/irsa-fn/generator/wellknown"
)

// wellKnownAccess is e2e/testdata/access/wellknown/<addon>.yaml: the calls an add-on makes in
// normal operation, and calls it must not be able to make, against the role irsa-fn renders for
// a binding with that add-on. It is decoded strictly: an unknown field is an error.
//
//	addon: <name>                 # a well-known add-on
//	account: "<12 digits>"        # the role's account
//	cluster: {name: <name>, oidcIssuer: <URL>}
//	parameters: {<param>: <value>} # the spec.policies.wellKnown[0] entry, without its name
//	permissionsBoundary: <ARN>    # optional
//	sources: [<upstream file the calls come from>]
//	allowed:                      # calls that must be allowed, at least one
//	  - action: <service:Action>
//	    resource: <ARN or *>
//	    context: {<key>: <scalar> | [<scalar>]} # optional: the request context
//	    resourcePolicy: <document>  # optional: the resource's own policy
//	    source: <where in the sources the call is made>
//	denied:                       # calls that must be denied, at least one
//	  - action, resource, context, resourcePolicy as above
//	    why: <why the role must not make it>
//
// A call is evaluated with no resource policy, except a call on a KMS key: KMS always asks the
// key's policy, and lets IAM policies count only when it allows the key's account. Such a call
// is evaluated with the default key policy of the key's account, which does
// ({"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:<partition>:iam::<account>:root"},"Action":"kms:*","Resource":"*"}).
// resourcePolicy replaces that default, or gives another resource its policy (a bucket policy):
// a JSON document in a string, or the document written as a YAML map, whose scalars are read as
// the strings they are written as.
type wellKnownAccess struct {
	Addon   string `yaml:"addon"`
	Account string `yaml:"account"`
	Cluster struct {
		Name       string `yaml:"name"`
		OIDCIssuer string `yaml:"oidcIssuer"`
	} `yaml:"cluster"`
	// Parameters is the spec.policies.wellKnown[0] entry, without its name.
	Parameters          map[string]any  `yaml:"parameters"`
	PermissionsBoundary string          `yaml:"permissionsBoundary"`
	Sources             []string        `yaml:"sources"`
	Allowed             []wellKnownCall `yaml:"allowed"`
	Denied              []wellKnownCall `yaml:"denied"`
}

// wellKnownCall is one call of a wellKnownAccess file.
type wellKnownCall struct {
	Action   string                  `yaml:"action"`
	Resource string                  `yaml:"resource"`
	Context  map[string]contextValue `yaml:"context"`
	// ResourcePolicy, if set, is the resource's own policy, in place of the default.
	ResourcePolicy *policyDocument `yaml:"resourcePolicy"`
	Source         string          `yaml:"source"`
	Why            string          `yaml:"why"`
}

// policyDocument is an IAM policy document of an access file, as JSON.
type policyDocument struct{ doc json.RawMessage }

// UnmarshalYAML reads a policy document: a string holding one JSON object, or a YAML map. The
// map's scalars are read as the strings they are written as, so that `Version: 2012-10-17` or
// `"kms:GrantIsForAWSResource": true` mean what they would in JSON policy text.
func (p *policyDocument) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() != "!!str" {
			return fmt.Errorf("line %d: resourcePolicy is a JSON document in a string or a YAML map, not %s", n.Line, n.ShortTag())
		}
		dec := json.NewDecoder(strings.NewReader(n.Value))
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			return fmt.Errorf("line %d: resourcePolicy is not a JSON object: %w", n.Line, err)
		}
		if dec.More() {
			return fmt.Errorf("line %d: resourcePolicy holds more than one JSON value", n.Line)
		}
		if doc == nil {
			return fmt.Errorf("line %d: resourcePolicy is not a JSON object: null", n.Line)
		}
		p.doc = json.RawMessage(n.Value)
	case yaml.MappingNode:
		v, err := yamlPolicyValue(n)
		if err != nil {
			return err
		}
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("line %d: resourcePolicy: %w", n.Line, err)
		}
		p.doc = data
	default:
		return fmt.Errorf("line %d: resourcePolicy is a JSON document in a string or a YAML map", n.Line)
	}
	return nil
}

// yamlPolicyValue turns a YAML node of a policy document into JSON values: maps with string
// keys, lists, and strings. Aliases, nulls, duplicate keys and non-scalar keys are errors.
func yamlPolicyValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a resourcePolicy key is a string", k.Line)
			}
			if _, dup := out[k.Value]; dup {
				return nil, fmt.Errorf("line %d: resourcePolicy key %q is given twice", k.Line, k.Value)
			}
			v, err := yamlPolicyValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := yamlPolicyValue(e)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return nil, fmt.Errorf("line %d: resourcePolicy has an empty value", n.Line)
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: resourcePolicy holds an alias or another node that is not a map, a list or a scalar", n.Line)
}

// contextValue is a request context value: a scalar, read as the string it is written as
// (`true`, `443`), or a list of them.
type contextValue struct{ v any }

// UnmarshalYAML reads a scalar or a list of scalars.
func (c *contextValue) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		c.v = n.Value
		return nil
	case yaml.SequenceNode:
		list := make([]string, 0, len(n.Content))
		for _, e := range n.Content {
			if e.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: a context list holds strings only", e.Line)
			}
			list = append(list, e.Value)
		}
		c.v = list
		return nil
	}
	return fmt.Errorf("line %d: a context value is a string or a list of strings", n.Line)
}

// readWellKnownAccess decodes an access file strictly: an unknown field is an error.
func readWellKnownAccess(path string) (*wellKnownAccess, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f wellKnownAccess
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var problems []string
	if !regexp.MustCompile(`^[0-9]{12}$`).MatchString(f.Account) {
		problems = append(problems, fmt.Sprintf("account %q is not a 12-digit account ID", f.Account))
	}
	if f.Cluster.Name == "" || f.Cluster.OIDCIssuer == "" {
		problems = append(problems, "cluster needs name and oidcIssuer")
	}
	if len(f.Allowed) == 0 || len(f.Denied) == 0 {
		problems = append(problems, "it needs at least one allowed and one denied call")
	}
	for _, c := range append(append([]wellKnownCall{}, f.Allowed...), f.Denied...) {
		if c.Action == "" || c.Resource == "" {
			problems = append(problems, fmt.Sprintf("a call lacks its action or resource: %+v", c))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: %s", path, strings.Join(problems, "; "))
	}
	return &f, nil
}

// calls are the file's calls, allowed first.
func (f *wellKnownAccess) calls() []accessCall {
	var out []accessCall
	for _, c := range f.Allowed {
		out = append(out, accessCall{Action: c.Action, Resource: c.Resource, Context: c.context(), Allowed: true, Note: "source: " + c.Source, ResourcePolicy: c.resourcePolicy()})
	}
	for _, c := range f.Denied {
		out = append(out, accessCall{Action: c.Action, Resource: c.Resource, Context: c.context(), Note: "why denied: " + c.Why, ResourcePolicy: c.resourcePolicy()})
	}
	return out
}

// resourcePolicy is the call's own resource policy, or nil.
func (c wellKnownCall) resourcePolicy() json.RawMessage {
	if c.ResourcePolicy == nil {
		return nil
	}
	return c.ResourcePolicy.doc
}

func (c wellKnownCall) context() map[string]any {
	out := map[string]any{}
	for k, v := range c.Context {
		out[k] = v.v
	}
	return out
}

// renderWellKnown renders, with the irsa-fn binary (a ResourceList on its stdin), a binding that gives the file's add-on its
// well-known policy, and returns the IAM role (output: json).
func renderWellKnown(t *testing.T, f *wellKnownAccess) renderedRole {
	t.Helper()
	entry := map[string]any{"name": f.Addon}
	for k, v := range f.Parameters {
		entry[k] = v
	}
	role := map[string]any{"accountID": f.Account}
	if f.PermissionsBoundary != "" {
		role["permissionsBoundary"] = f.PermissionsBoundary
	}
	binding := map[string]any{
		"apiVersion": "irsa.dev/v1alpha1", "kind": "IRSABinding",
		"metadata": map[string]any{"name": f.Addon, "namespace": "kube-system"},
		"spec": map[string]any{
			"clusters": []any{map[string]any{"name": f.Cluster.Name, "oidcIssuer": f.Cluster.OIDCIssuer}},
			"role":     role,
			"policies": map[string]any{"wellKnown": []any{entry}},
			"output":   []any{"json"},
		},
	}
	in, err := yaml.Marshal(map[string]any{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": []any{binding}})
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr, _ := runFunction(t, string(in))
	if code != 0 {
		t.Fatalf("irsa-fn rejected the %s binding (exit %d):\n%s\n%s", f.Addon, code, stderr, in)
	}
	var out struct {
		Items []object `yaml:"items"`
	}
	if err := yaml.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("irsa-fn printed no ResourceList: %v\n%s", err, stdout)
	}
	roles := renderedRoles(t, out.Items)
	if len(roles) != 1 {
		t.Fatalf("irsa-fn rendered %d IAM roles for the %s binding, want 1:\n%s", len(roles), f.Addon, stdout)
	}
	return roles[0]
}

// wellKnownSuite reads an access file, renders its binding and returns the role and its calls.
func wellKnownSuite(t *testing.T, e *evaluator, path string) (accessSuite, error) {
	t.Helper()
	f, err := readWellKnownAccess(path)
	if err != nil {
		return accessSuite{}, err
	}
	role := renderWellKnown(t, f)
	return accessSuite{name: f.Addon, policies: e.policiesOf(t, role), calls: f.calls()}, nil
}

// TestWellKnownAccess evaluates, for every well-known add-on, the calls of
// e2e/testdata/access/wellknown/<addon>.yaml against the role irsa-fn renders for a binding with
// that add-on: each allowed call must be allowed and each denied call denied.
func TestWellKnownAccess(t *testing.T) {
	e := newEvaluator(t)
	dir := filepath.Join(repoRoot(t), "e2e", "testdata", "access", "wellknown")
	var suites []accessSuite
	known := map[string]bool{}
	for _, addon := range wellknown.Names() {
		known[addon+".yaml"] = true
		path := filepath.Join(dir, addon+".yaml")
		s, err := wellKnownSuite(t, e, path)
		if errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s has no access file: write e2e/testdata/access/wellknown/%s.yaml with the calls it makes", addon, addon)
			continue
		}
		if err != nil {
			t.Error(err)
			continue
		}
		if s.name != addon {
			t.Errorf("%s: addon is %q, want %q", path, s.name, addon)
			continue
		}
		suites = append(suites, s)
	}
	stale, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, p := range stale {
		if !known[filepath.Base(p)] {
			t.Errorf("%s names no well-known add-on (%s)", p, strings.Join(wellknown.Names(), ", "))
		}
	}
	if len(suites) > 0 {
		runAccess(t, e, suites)
	}
}

// TestAccessHarnessReportsMismatches shows the evaluator and the comparison can fail: a denied
// call expected allowed, an allowed call expected denied, a call the simulator cannot evaluate,
// a boundary that blocks, and a policy broken on purpose are each reported.
func TestAccessHarnessReportsMismatches(t *testing.T) {
	e := newEvaluator(t)
	const principal, account = "arn:aws:iam::123456789012:role/selftest", "123456789012"
	bucketA := rolePolicies{ARN: principal, Account: account, Identity: []json.RawMessage{
		json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-a/*"}]}`)}}
	boundaryBlocks := bucketA
	boundaryBlocks.Boundary = []json.RawMessage{json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`)}
	getA := accessCall{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket-a/report.csv", Allowed: true, Note: "selftest"}
	blockedA := accessCall{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket-a/report.csv", Note: "selftest: the boundary allows sqs only"}
	getB := accessCall{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket-b/report.csv", Note: "selftest"}
	typo := accessCall{Action: "s3:GetObjekt", Resource: "arn:aws:s3:::bucket-b/report.csv", Note: "selftest: no such action"}
	wrongType := accessCall{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket-b/report.csv", Context: map[string]any{"aws:SecureTransport": []string{"true", "false"}}, Note: "selftest: a list for a Bool"}
	byTag := rolePolicies{ARN: principal, Account: account, Identity: []json.RawMessage{
		json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::${aws:PrincipalTag/team}/*"}]}`)}}
	untagged := accessCall{Action: "s3:GetObject", Resource: "arn:aws:s3:::payments/report.csv", Note: "selftest: the policy variable's key is not in the context"}
	inapplicable := accessCall{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket-b/report.csv", Context: map[string]any{"ec2:InstanceType": "t3.micro"}, Note: "selftest: a key s3 never sees"}

	cases := []struct {
		name       string
		policies   rolePolicies
		call       accessCall
		wantResult string
	}{
		{"the allowed bucket", bucketA, getA, "Allowed"},
		{"another bucket", bucketA, getB, "ImplicitlyDenied"},
		{"a boundary without s3", boundaryBlocks, blockedA, "ImplicitlyDenied"},
		{"an unknown action", bucketA, typo, "Error"},
		{"a list for a single-valued key", bucketA, wrongType, "Error"},
		{"a context key the action ignores", bucketA, inapplicable, "Error"},
		{"a policy variable without its key", byTag, untagged, "Error"},
	}
	var reqs []simRequest
	for _, c := range cases {
		reqs = append(reqs, c.policies.request(c.call))
	}
	results := e.simulate(t, reqs)
	for i, c := range cases {
		r := results[i]
		if r.Result != c.wantResult {
			t.Errorf("%s: the simulator said %s, want %s: %v %s", c.name, r.Result, c.wantResult, r.Errors, r.Explanation)
		}
		// Each call's expectation is the truth: it agrees unless the simulator could not
		// evaluate the call, and turned around it is reported. An error is reported either way.
		if got := mismatch(c.call, r); (got == "") != (c.wantResult != "Error") {
			t.Errorf("%s: expecting allowed=%v of %s, the comparison said %q", c.name, c.call.Allowed, r.Result, got)
		}
		flipped := c.call
		flipped.Allowed = !flipped.Allowed
		if got := mismatch(flipped, r); got == "" {
			t.Errorf("%s: a wrong expectation (allowed=%v for %s) was not reported", c.name, flipped.Allowed, r.Result)
		} else if !strings.Contains(got, c.call.Action) || !strings.Contains(got, c.call.Note) {
			t.Errorf("%s: the report names neither the call nor its note:\n%s", c.name, got)
		}
	}
}

// TestAccessSelfTest runs the well-known path on e2e/testdata/access/selftest/cluster-autoscaler.yaml
// and shows it can fail: every call agrees with the rendered role, every expectation turned
// around is reported, and so are the denied calls once the rendered policy loses its conditions.
func TestAccessSelfTest(t *testing.T) {
	e := newEvaluator(t)
	s, err := wellKnownSuite(t, e, filepath.Join(repoRoot(t), "e2e", "testdata", "access", "selftest", "cluster-autoscaler.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	broken := s.policies
	broken.Identity = nil
	for _, doc := range s.policies.Identity {
		broken.Identity = append(broken.Identity, withoutConditions(t, doc))
	}
	var reqs []simRequest
	for _, c := range s.calls {
		reqs = append(reqs, s.policies.request(c))
	}
	for _, c := range s.calls {
		reqs = append(reqs, broken.request(c))
	}
	results := e.simulate(t, reqs)
	n := len(s.calls)
	reportedBroken := 0
	for i, c := range s.calls {
		if msg := mismatch(c, results[i]); msg != "" {
			t.Errorf("the rendered role: %s", msg)
		}
		flipped := c
		flipped.Allowed = !c.Allowed
		if mismatch(flipped, results[i]) == "" {
			t.Errorf("%s: the wrong expectation allowed=%v was not reported", c.name(), flipped.Allowed)
		}
		if mismatch(c, results[n+i]) != "" {
			reportedBroken++
		}
	}
	// The policy without its cluster tag condition resizes any group: the call on another
	// cluster's group and the one on an untagged group are now allowed, and must be reported.
	if reportedBroken != 2 {
		t.Errorf("the policy without conditions: %d calls reported, want 2 (another cluster's group, an untagged group)", reportedBroken)
	}
}

// withoutConditions returns a policy document with every statement's Condition removed.
func withoutConditions(t *testing.T, doc json.RawMessage) json.RawMessage {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	stmts, _ := d["Statement"].([]any)
	for _, st := range stmts {
		delete(st.(map[string]any), "Condition")
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readmeCall is one row of an example README's access table.
type readmeCall struct {
	role string
	call accessCall
}

// accessHeader is the header an example README's access table must have.
var accessHeader = []string{"role", "call", "resource", "context", "expected", "why"}

// readmeAccess parses the "### Access" section of an example's README: a markdown table
// | role | call | resource | context | expected | why |, one API call a row. Cells may be in
// backticks; context is empty, "-", or key=value pairs separated by ";" with [a, b] for a list.
// found is false when the README has no such section.
func readmeAccess(readme string) (calls []readmeCall, found bool, err error) {
	lines := strings.Split(readme, "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "### Access" {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return nil, false, nil
	}
	var rows [][]string
	for _, l := range lines[start:] {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "#") {
			break // the next section
		}
		if !strings.HasPrefix(l, "|") {
			if len(rows) > 0 {
				break // the table ended
			}
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		for i := range cells {
			cells[i] = strings.Trim(strings.TrimSpace(cells[i]), "`")
		}
		rows = append(rows, cells)
	}
	if len(rows) < 3 || strings.Join(rows[0], "|") != strings.Join(accessHeader, "|") {
		return nil, true, fmt.Errorf("the Access section needs a table | %s | with at least one call", strings.Join(accessHeader, " | "))
	}
	for n, r := range rows[2:] {
		if len(r) != len(accessHeader) {
			return nil, true, fmt.Errorf("access table row %d has %d cells, want %d", n+1, len(r), len(accessHeader))
		}
		ctx, err := parseContext(r[3])
		if err != nil {
			return nil, true, fmt.Errorf("access table row %d: %w", n+1, err)
		}
		if r[4] != "allowed" && r[4] != "denied" {
			return nil, true, fmt.Errorf("access table row %d: expected is %q, want allowed or denied", n+1, r[4])
		}
		if r[0] == "" || r[1] == "" || r[2] == "" || r[5] == "" {
			return nil, true, fmt.Errorf("access table row %d: role, call, resource and why are required", n+1)
		}
		calls = append(calls, readmeCall{role: r[0], call: accessCall{Action: r[1], Resource: r[2], Context: ctx, Allowed: r[4] == "allowed", Note: r[5]}})
	}
	return calls, true, nil
}

// parseContext reads a context cell: key=value pairs separated by ";", a value in brackets a list.
func parseContext(cell string) (map[string]any, error) {
	out := map[string]any{}
	if cell == "" || cell == "-" || cell == "—" {
		return out, nil
	}
	for _, pair := range strings.Split(cell, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("context %q is not key=value", pair)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
			var list []string
			for _, e := range strings.Split(strings.Trim(v, "[]"), ",") {
				list = append(list, strings.TrimSpace(e))
			}
			out[k] = list
		} else {
			out[k] = v
		}
	}
	return out, nil
}

// exampleRoles renders every rendering of an example with the tool it is written for, and
// returns the IAM roles rendered, by name. examples/argocd is rendered as its plugin does:
// kustomize build of each overlay.
func exampleRoles(t *testing.T, example, bin string, all []rendering) map[string]renderedRole {
	t.Helper()
	var mine []rendering
	for _, r := range all {
		if r.example == example {
			mine = append(mine, r)
		}
	}
	if example == "argocd" {
		mine = append(mine, argoCDRenderings(t)...)
	}
	out := map[string]renderedRole{}
	tree := copyExample(t, example, bin)
	for _, r := range mine {
		for _, role := range renderedRoles(t, renderExample(t, tree, r, bin)) {
			if _, dup := out[role.Name]; dup {
				t.Fatalf("examples/%s renders two roles named %s", example, role.Name)
			}
			out[role.Name] = role
		}
	}
	return out
}

// TestExampleAccess renders every example with its tool and evaluates the calls its README's
// Access table lists against the roles rendered: each must be allowed or denied as it says. An
// example that renders a role needs such a table, with at least one allowed and one denied call
// per role. examples/well-known is covered by TestWellKnownAccess; its README points there.
func TestExampleAccess(t *testing.T) {
	e := newEvaluator(t)
	bin := irsaFn(t)
	root := filepath.Join(repoRoot(t), "examples")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	all := renderings(t)
	var suites []accessSuite
	for _, entry := range entries {
		if !entry.IsDir() {
			continue
		}
		example := entry.Name()
		data, err := os.ReadFile(filepath.Join(root, example, "README.md"))
		if err != nil {
			t.Errorf("examples/%s: %v", example, err)
			continue
		}
		if example == "well-known" {
			if !strings.Contains(string(data), "e2e/testdata/access/wellknown/") {
				t.Errorf("examples/well-known/README.md does not point to e2e/testdata/access/wellknown/, where its calls are")
			}
			continue
		}
		calls, found, err := readmeAccess(string(data))
		if err != nil {
			t.Errorf("examples/%s/README.md: %v", example, err)
			continue
		}
		roles := exampleRoles(t, example, bin, all)
		names := make([]string, 0, len(roles))
		for n := range roles {
			names = append(names, n)
		}
		sort.Strings(names)
		switch {
		case len(roles) == 0 && found:
			t.Errorf("examples/%s renders no IAM role, but its README has an Access table", example)
			continue
		case len(roles) == 0:
			continue // bring-your-own-role: the role is not irsa-fn's
		case !found:
			t.Errorf("examples/%s renders the roles %s, but its README has no ### Access section saying what they may and may not do", example, strings.Join(names, ", "))
			continue
		}
		byRole := map[string][]accessCall{}
		for _, c := range calls {
			if _, ok := roles[c.role]; !ok {
				t.Errorf("examples/%s/README.md: role %s is not rendered (rendered: %s)", example, c.role, strings.Join(names, ", "))
				continue
			}
			byRole[c.role] = append(byRole[c.role], c.call)
		}
		for _, n := range names {
			allowed, denied := 0, 0
			for _, c := range byRole[n] {
				if c.Allowed {
					allowed++
				} else {
					denied++
				}
			}
			if allowed == 0 || denied == 0 {
				t.Errorf("examples/%s/README.md: role %s has %d allowed and %d denied calls; it needs at least one of each", example, n, allowed, denied)
				continue
			}
			suites = append(suites, accessSuite{name: example + "/" + n, policies: e.policiesOf(t, roles[n]), calls: byRole[n]})
		}
	}
	if len(suites) == 0 {
		t.Fatal("no example role to evaluate")
	}
	runAccess(t, e, suites)
}
