package v1alpha1

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestDecodeBindingFull(t *testing.T) {
	b, problems := DecodeBinding([]byte(`
apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata:
  name: s3-writer
  namespace: production
  uid: ignored-by-irsa-fn
  annotations: {config.kubernetes.io/path: app/b.yaml}
spec:
  clusters:
    - {name: prod-eu, oidcIssuer: "https://oidc.eks.ap-south-1.amazonaws.com/id/X", providerAccountID: "111122223333"}
  serviceAccounts:
    - {name: s3-writer, namespace: production, create: true, audience: sts.amazonaws.com, tokenExpiration: "86400", stsRegionalEndpoints: "true"}
  subjectPattern: ""
  role:
    accountID: "012345678901"
    name: S3WriterRole
    path: /
    description: d
    maxSessionDuration: 3600
    permissionsBoundary: arn:aws:iam::123456789012:policy/b
    tags: {team: payments}
  policies:
    managed: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]
    inline:
      - name: s3-write
        statements:
          - effect: Allow
            actions: [s3:PutObject]
            resources: ["arn:aws:s3:::b/*"]
            conditions: {Bool: {aws:SecureTransport: true}, StringEquals: {aws:SourceVpc: [vpc-1, vpc-2]}, Null: {aws:TokenIssueTime: false}}
      - {name: raw, document: '{"Version":"2012-10-17"}'}
  workloads:
    - {kind: Deployment, name: my-app, serviceAccount: s3-writer}
    - selector: {matchLabels: {app: payments}, matchExpressions: [{key: tier, operator: In, values: [web]}]}
  mode: irsa
  output: [ack]
`))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	sa := b.Spec.ServiceAccounts[0]
	if sa.TokenExpiration != 86400 || sa.STSRegionalEndpoints == nil || !*sa.STSRegionalEndpoints || !*sa.Create {
		t.Errorf("service account %+v", sa)
	}
	if b.Spec.Role.AccountID != "012345678901" {
		t.Errorf("account ID lost its leading zero: %q", b.Spec.Role.AccountID)
	}
	c := b.Spec.Policies.Inline[0].Statements[0].Conditions
	if got := c["Bool"]["aws:SecureTransport"]; len(got) != 1 || got[0] != "true" {
		t.Errorf("scalar condition %v", got)
	}
	if got := c["StringEquals"]["aws:SourceVpc"]; len(got) != 2 {
		t.Errorf("list condition %v", got)
	}
	// Null, unquoted, is YAML's null: it must stay the operator, not vanish with its condition.
	if got := c["Null"]["aws:TokenIssueTime"]; len(got) != 1 || got[0] != "false" {
		t.Errorf("Null condition %v (conditions %v)", got, c)
	}
	if b.Spec.Workloads[1].Selector.MatchExpressions[0].Values[0] != "web" {
		t.Errorf("selector %+v", b.Spec.Workloads[1].Selector)
	}
}

func TestDecodeReportsEveryProblemWithItsPath(t *testing.T) {
	_, problems := DecodeBinding([]byte(`
apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata: {name: x}
spec:
  clusterz: []
  role:
    accountId: "123456789012"
    maxSessionDuration: one hour
    tags: [a, b]
  serviceAccounts:
    - name: a
      create: yes
  workloads: {kind: Deployment}
  policies:
    inline:
      - name: p
        statements:
          - conditions: {StringEquals: {k: {nested: map}}}
`))
	want := map[string]string{
		"spec.clusterz":                  `unknown field "clusterz"`,
		"spec.role.accountId":            `unknown field "accountId"`,
		"spec.role.maxSessionDuration":   `"one hour" is not a whole number`,
		"spec.role.tags":                 "found a list",
		"spec.serviceAccounts[0].create": `"yes" is not a boolean`,
		"spec.workloads":                 "found a mapping",
		`spec.policies.inline[0].statements[0].conditions["StringEquals"]["k"]`: "found a mapping",
	}
	got := map[string]string{}
	for _, p := range problems {
		got[p.Field] = p.Message
		if p.Allowed == "" {
			t.Errorf("%s: no allowed values given: %s", p.Field, p.Message)
		}
	}
	for field, msg := range want {
		if !strings.Contains(got[field], msg) {
			t.Errorf("%s: got %q, want %q", field, got[field], msg)
		}
	}
	if len(problems) != len(want) {
		t.Errorf("%d problems, want %d: %v", len(problems), len(want), problems)
	}
	for _, p := range problems {
		if p.Field == "spec.role.accountId" && !strings.Contains(p.Allowed, "accountID") {
			t.Errorf("the unknown-field error should list the allowed fields, got %q", p.Allowed)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := map[string]struct{ doc, field, msg string }{
		"duplicate key": {"apiVersion: irsa.dev/v1alpha1\nkind: IRSABinding\nmetadata: {name: x}\nspec:\n  mode: irsa\n  mode: both\n", "spec.mode", "duplicate field"},
		"alias":         {"apiVersion: irsa.dev/v1alpha1\nkind: IRSABinding\nmetadata: {name: x}\nspec:\n  role: &r {name: a}\n  policies: *r\n", "spec.policies", "aliases"},
		"wrong kind":    {"apiVersion: irsa.dev/v1alpha1\nkind: IRSAConfig\nmetadata: {name: x}\nspec: {}\n", "kind", `kind is "IRSAConfig"`},
		"wrong version": {"apiVersion: irsa.dev/v1\nkind: IRSABinding\nmetadata: {name: x}\n", "apiVersion", `apiVersion is "irsa.dev/v1"`},
		"not yaml":      {"spec: [\n", "", "cannot parse"},
		"not a mapping": {"- a\n- b\n", "", "the document is a list, not an object"},
		"a scalar":      {"0\n", "", `the document is the value "0", not an object`},
		"unknown top":   {"apiVersion: irsa.dev/v1alpha1\nkind: IRSABinding\nmetadata: {name: x}\nstatus: {}\n", "status", "unknown field"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, problems := DecodeBinding([]byte(tt.doc))
			for _, p := range problems {
				if p.Field == tt.field && strings.Contains(p.Message, tt.msg) {
					return
				}
			}
			t.Errorf("no problem at %q containing %q: %v", tt.field, tt.msg, problems)
		})
	}
}

func TestDecodeDeepNesting(t *testing.T) {
	doc := "apiVersion: irsa.dev/v1alpha1\nkind: IRSAConfig\nmetadata: {name: x}\nspec:\n  defaults:\n    policies:\n      inline:\n        - name: p\n          statements:\n            - conditions: {StringEquals: {k: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "}}\n"
	_, problems := DecodeConfig([]byte(doc))
	if !problems.HasErrors() {
		t.Fatal("a 200-deep list in a condition value was accepted")
	}
}

func TestWithDefaults(t *testing.T) {
	own := Settings{Role: Role{Name: "mine", Tags: map[string]string{"a": "binding"}}, Output: []Output{OutputNone}}
	def := Settings{Role: Role{Name: "theirs", AccountID: "123456789012", Tags: map[string]string{"a": "config", "b": "config"}}, Mode: ModeIRSA, Output: []Output{OutputACK}}
	got := own.WithDefaults(def)
	if got.Role.Name != "mine" || got.Role.AccountID != "123456789012" || got.Mode != ModeIRSA || got.Output[0] != OutputNone {
		t.Errorf("merge %+v", got)
	}
	if got.Role.Tags["a"] != "binding" || got.Role.Tags["b"] != "config" {
		t.Errorf("tags %v", got.Role.Tags)
	}
	if own.Role.Tags["b"] != "" {
		t.Error("WithDefaults changed the binding's own tags map")
	}
}

// TestDecodeKeepsGoing: the decoder reports every problem, leaves out what it reports, and
// decodes the rest, so that the binding's other fields can still be checked. Unknown fields are
// not skipped (no field loses its value); unusable values are, and a list or map with an
// unusable item is skipped whole.
func TestDecodeKeepsGoing(t *testing.T) {
	root := parseNode(t, `
apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata: {name: app, namespace: team}
spec:
  role:
    colour: blue
    maxSessionDuration: 100
    tags: [a, b]
    path: /a/
    path: /b/
  mode: irsaa
  serviceAccounts:
    - name: app
      tokenExpiration: soon
  policies:
    managed: [arn:aws:iam::aws:policy/A, {not: a string}]
    inline:
      - name: p
        statements:
          - actions: [s3:GetObject]
            conditions: {StringEquals: {k: {nested: map}}, Bool: {aws:SecureTransport: "true"}}
`)
	b, skipped, problems := DecodeBindingNode(root)
	if b == nil {
		t.Fatalf("no binding: %v", problems)
	}
	var fields []string
	for _, p := range problems {
		fields = append(fields, p.Field)
	}
	wantProblems := []string{
		"spec.role.colour", "spec.role.tags", "spec.role.path",
		"spec.serviceAccounts[0].tokenExpiration", "spec.policies.managed[1]",
		`spec.policies.inline[0].statements[0].conditions["StringEquals"]["k"]`,
	}
	if strings.Join(fields, "\n") != strings.Join(wantProblems, "\n") {
		t.Errorf("problems in this order:\n%s\nwant:\n%s", strings.Join(fields, "\n"), strings.Join(wantProblems, "\n"))
	}
	var got []string
	for _, s := range skipped {
		got = append(got, s.String())
	}
	wantSkipped := []string{
		"spec.role.tags", "spec.role.path", "spec.serviceAccounts[0].tokenExpiration",
		"spec.policies.managed", "spec.policies.inline[0].statements[0].conditions",
	}
	if strings.Join(got, "\n") != strings.Join(wantSkipped, "\n") {
		t.Errorf("skipped:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantSkipped, "\n"))
	}
	// What could be read is there, for the checks of ranges, enums and statements.
	if b.Spec.Role.MaxSessionDuration != 100 || b.Spec.Mode != "irsaa" || b.Spec.ServiceAccounts[0].Name != "app" {
		t.Errorf("values lost: %+v", b.Spec)
	}
	if st := b.Spec.Policies.Inline[0].Statements[0]; len(st.Actions) != 1 || st.Conditions != nil {
		t.Errorf("statement %+v", st)
	}
	// What was skipped reads as unset, never as one of the values given.
	if b.Spec.Role.Path != "" || b.Spec.Role.Tags != nil || b.Spec.Policies.Managed != nil || b.Spec.ServiceAccounts[0].TokenExpiration != 0 {
		t.Errorf("skipped values decoded: %+v", b.Spec)
	}
}

// TestDecodeSkippedKindIsNotReportedTwice: a kind of the wrong type is reported once, as a type,
// not again as a kind "" that is not IRSABinding.
func TestDecodeSkippedKindIsNotReportedTwice(t *testing.T) {
	b, skipped, problems := DecodeBindingNode(parseNode(t, "apiVersion: irsa.dev/v1alpha1\nkind: [IRSABinding]\nmetadata: {name: x}\n"))
	if b == nil || len(problems) != 1 || problems[0].Field != "kind" || len(skipped) != 1 {
		t.Errorf("binding %v, skipped %v, problems %v", b, skipped, problems)
	}
}

func parseNode(t *testing.T, doc string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	return &n
}
