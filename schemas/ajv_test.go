package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"
	"gopkg.in/yaml.v3"

	"github.com/irsa-dev/irsa-fn/fn"
	"github.com/irsa-dev/irsa-fn/internal/testenv"
)

// The schemas are as strict as irsa-fn: TestSchemasAsStrictAsTheTool has every bad case below
// refused by both ajv (the validator of editors' JSON Schema tooling) and irsa-fn, at the same
// field, and every good case (goodCases, which vary each field within what irsa-fn renders, and
// the examples' and the end-to-end cases' irsa.dev objects) accepted by both, and by
// kubectl-validate through the CRDs (TestGoodCasesMatchCRDs).
//
// What the schemas cannot say, so that only irsa-fn refuses it (each needs another field, another
// list item, another object, IAM's data or the render itself):
//   - issuers, service accounts (after defaulting namespace and name), inline and customer managed
//     policy names (case-insensitively) and add-ons given twice;
//   - whatever depends on the IRSAConfig: a cluster, account or role name given by neither the
//     binding nor its defaults, the guardrails (cross namespaces, boundary, role path, accounts,
//     denied actions and managed policies), the quotas, mode and outputs met by the clusters
//     (oidcIssuer for IRSA, name for Pod Identity, region for Crossplane, oidcThumbprints for
//     ack.oidcProviders), partitions of issuers, regions and ARNs that must agree;
//   - a workload's serviceAccount that the binding does not declare, or a namespace other than its
//     service account's; a subjectPattern that misses a declared service account;
//   - IAM's service reference: unknown actions, resources no action acts on, AWS managed policies
//     that do not exist (lint.iamReference may make these warnings);
//   - a well-known add-on's clusterName and region when the clusters give none, and its ARNs'
//     partition;
//   - two fields that must agree: a cluster's region and the region its EKS issuer names;
//   - customer managed policies with outputs that cannot render them, and a role name with no
//     letter or digit with outputs that name objects after the role (the outputs, and a role.arn
//     that turns both checks off, may come from the IRSAConfig); managed and customer managed
//     policies together over the quota (a sum of two lists);
//   - a policy document given as JSON text (its statements are checked as the YAML ones are),
//     policy and trust policy sizes, role names derived from the defaults;
//   - tags after merging the IRSAConfig's, which count toward the 50.
//
// Where the schemas are stricter, on purpose: irsa-fn reads null, and an empty string in a field
// with a pattern, as unset, and "86400" or "true" in quotes as the number or boolean; an editor
// flags them.

// ajvResult is what schemas/testdata/ajv-validate.cjs says of one document.
type ajvResult struct {
	Valid  bool
	Errors []struct{ InstancePath, Message string }
}

// runAjv validates each document against the schema of its kind with the real ajv and
// ajv-errors, in one node process.
func runAjv(t *testing.T, docs []map[string]any) []ajvResult {
	t.Helper()
	modules := filepath.Dir(testenv.NodePackage(t, "ajv", "the JSON Schemas were not checked with ajv"))
	testenv.NodePackage(t, "ajv-errors", "the JSON Schemas' error messages were not checked with ajv-errors")
	node := testenv.Program(t, "node", "the JSON Schemas were not checked with ajv")
	type item struct {
		Schema string         `json:"schema"`
		Doc    map[string]any `json:"doc"`
	}
	in := struct {
		Schemas []json.RawMessage `json:"schemas"`
		Docs    []item            `json:"docs"`
	}{}
	ids := map[string]string{}
	for _, kind := range Kinds {
		data, err := JSON(kind)
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatal(err)
		}
		ids[kind] = s.ID
		in.Schemas = append(in.Schemas, data)
	}
	for _, d := range docs {
		in.Docs = append(in.Docs, item{Schema: ids[d["kind"].(string)], Doc: d})
	}
	stdin, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join("testdata", "ajv-validate.cjs"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ajv: %v\n%s", err, stderr.String())
	}
	var results []ajvResult
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(docs) {
		t.Fatalf("ajv gave %d results for %d documents (%v): %s", len(results), len(docs), err, out)
	}
	return results
}

// toolErrors runs irsa-fn's function on a ResourceList of items and a function config ("" for
// none) and returns each error, after its field.
func toolErrors(t *testing.T, fnConfig string, items ...string) []string {
	t.Helper()
	var errs []string
	for _, r := range runTool(t, fnConfig, items...).Results {
		if r.Severity != kfn.Error {
			continue
		}
		field := ""
		if r.Field != nil {
			field = r.Field.Path
		}
		errs = append(errs, field+": "+r.Message)
	}
	return errs
}

// runTool runs irsa-fn's function on a ResourceList of items (YAML documents) and a function
// config ("" for none), and returns the ResourceList it leaves.
func runTool(t *testing.T, fnConfig string, items ...string) *kfn.ResourceList {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	indent := func(doc, first string) {
		for i, l := range strings.Split(strings.TrimRight(doc, "\n"), "\n") {
			if i == 0 {
				b.WriteString(first + l + "\n")
			} else {
				b.WriteString("  " + l + "\n")
			}
		}
	}
	for _, it := range items {
		indent(it, "- ")
	}
	if fnConfig != "" {
		b.WriteString("functionConfig:\n")
		indent(fnConfig, "  ")
	}
	rl, err := kfn.ParseResourceList([]byte(b.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if _, err := (&fn.Processor{}).Process(rl); err != nil {
		t.Fatal(err)
	}
	return rl
}

const issuer = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E"

// goodBinding renders with no IRSAConfig; goodConfig and configBinding render together.
const (
	goodBinding = `apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata: {name: shop, namespace: shop}
spec:
  clusters: [{name: prod, oidcIssuer: "` + issuer + `"}]
  role: {accountID: "123456789012"}
  policies:
    inline:
      - name: read
        statements: [{actions: ["s3:GetObject"], resources: ["arn:aws:s3:::shop-catalog/*"]}]
`
	goodConfig = `apiVersion: irsa.dev/v1alpha1
kind: IRSAConfig
metadata: {name: platform}
spec:
  clusters: [{name: prod, oidcIssuer: "` + issuer + `"}]
  defaults: {role: {accountID: "123456789012"}}
`
	configBinding = `apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata: {name: shop, namespace: shop}
spec:
  policies: {managed: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]}
`
)

// badCase sets one field of goodBinding (or, with config, of goodConfig), at or set, to value
// (YAML), which both ajv and irsa-fn must refuse at the field at (the object holding the fields
// of a rule) or a field under it.
type badCase struct {
	name, at, value string
	set             string // the field set to value, when not at
	config          bool
}

var badCases = []badCase{
	// The cases of issue 14.
	{name: "issuer with trailing slash", at: "spec.clusters[0].oidcIssuer", value: issuer + "/"},
	{name: "role path without slashes", at: "spec.role.path", value: "no-slashes"},
	{name: "managed policy name, not ARN", at: "spec.policies.managed[0]", value: "[AmazonS3ReadOnlyAccess]", set: "spec.policies.managed"},
	{name: "action with a dot", at: "spec.policies.inline[0].statements[0].actions[0]", value: "s3.GetObject"},
	{name: "resource not an ARN", at: "spec.policies.inline[0].statements[0].resources[0]", value: "shop-catalog/*"},
	{name: "workload without name or selector", at: "spec.workloads[0]", value: "[{kind: Deployment}]", set: "spec.workloads"},
	// Every other rule the schemas mirror.
	{name: "object name", at: "metadata.name", value: "Shop"},
	{name: "binding namespace", at: "metadata.namespace", value: "shop_ns"},
	{name: "cluster name", at: "spec.clusters[0].name", value: "-prod"},
	{name: "cluster region", at: "spec.clusters[0].region", value: "eu-west"},
	{name: "issuer not https", at: "spec.clusters[0].oidcIssuer", value: "http://issuer.example.com"},
	{name: "issuer with port", at: "spec.clusters[0].oidcIssuer", value: "https://issuer.example.com:8443"},
	{name: "issuer upper-case host", at: "spec.clusters[0].oidcIssuer", value: "https://Issuer.example.com"},
	{name: "issuer with query", at: "spec.clusters[0].oidcIssuer", value: "https://issuer.example.com/x?a=b"},
	{name: "issuer dot segment", at: "spec.clusters[0].oidcIssuer", value: "https://issuer.example.com/a/../b"},
	{name: "EKS issuer without id", at: "spec.clusters[0].oidcIssuer", value: "https://oidc.eks.eu-west-1.amazonaws.com"},
	{name: "EKS China issuer under .com", at: "spec.clusters[0].oidcIssuer", value: "https://oidc.eks.cn-north-1.amazonaws.com/id/ABC"},
	{name: "EKS issuer under .com.cn", at: "spec.clusters[0].oidcIssuer", value: "https://oidc.eks.eu-west-1.amazonaws.com.cn/id/ABC"},
	{name: "provider account", at: "spec.clusters[0].providerAccountID", value: `"12345"`},
	{name: "service account name", at: "spec.serviceAccounts[0].name", value: "[{name: Shop}]", set: "spec.serviceAccounts"},
	{name: "service account namespace", at: "spec.serviceAccounts[0].namespace", value: "[{namespace: shop.ns}]", set: "spec.serviceAccounts"},
	{name: "audience with space", at: "spec.serviceAccounts[0].audience", value: "[{audience: sts amazonaws}]", set: "spec.serviceAccounts"},
	{name: "token expiration", at: "spec.serviceAccounts[0].tokenExpiration", value: "[{tokenExpiration: 60}]", set: "spec.serviceAccounts"},
	{name: "account ID", at: "spec.role.accountID", value: `"1234567890"`},
	{name: "role name", at: "spec.role.name", value: "shop role"},
	{name: "role ARN", at: "spec.role.arn", value: "arn:aws:iam::123:role/shop"},
	{name: "role ARN of a user", at: "spec.role.arn", value: "arn:aws:iam::123456789012:user/shop"},
	{name: "role ARN of another partition", at: "spec.role.arn", value: "arn:aws-iso:iam::123456789012:role/shop"},
	{name: "role ARN name of 65 characters", at: "spec.role.arn", value: "arn:aws:iam::123456789012:role/" + strings.Repeat("a", 65)},
	{name: "role ARN path with a space", at: "spec.role.arn", value: "arn:aws:iam::123456789012:role/a b/shop"},
	{name: "role description", at: "spec.role.description", value: "shop 🛒"},
	{name: "session duration", at: "spec.role.maxSessionDuration", value: "50000"},
	{name: "boundary name", at: "spec.role.permissionsBoundary", value: "AmazonS3ReadOnlyAccess"},
	{name: "tag key aws:", at: "spec.role.tags", value: "{'aws:team': shop}"},
	{name: "tag value", at: "spec.role.tags", value: "{team: 'shop!'}"},
	{name: "managed policy twice", at: "spec.policies.managed", value: "[arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess, arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]"},
	{name: "managed policy of another partition", at: "spec.policies.managed[0]", value: "[arn:aws-eu:iam::aws:policy/AmazonS3ReadOnlyAccess]", set: "spec.policies.managed"},
	{name: "inline policy without statements", at: "spec.policies.inline[0]", value: "[{name: read}]", set: "spec.policies.inline"},
	{name: "inline policy with both", at: "spec.policies.inline[0]", value: `[{name: read, document: "{}", statements: [{actions: ["s3:GetObject"], resources: ["*"]}]}]`, set: "spec.policies.inline"},
	{name: "inline policy name", at: "spec.policies.inline[0].name", value: "read all"},
	{name: "customer managed path", at: "spec.policies.customerManaged[0].path", value: `[{name: shop, path: shop, statements: [{actions: ["s3:GetObject"], resources: ["*"]}]}]`, set: "spec.policies.customerManaged"},
	{name: "sid", at: "spec.policies.inline[0].statements[0].sid", value: "read-all"},
	{name: "effect", at: "spec.policies.inline[0].statements[0].effect", value: "allow"},
	{name: "actions and notActions", at: "spec.policies.inline[0].statements[0]", value: `{actions: ["s3:GetObject"], notActions: ["s3:PutObject"], resources: ["*"]}`, set: "spec.policies.inline[0].statements[0]"},
	{name: "no resources", at: "spec.policies.inline[0].statements[0]", value: `{actions: ["s3:GetObject"]}`, set: "spec.policies.inline[0].statements[0]"},
	{name: "condition operator", at: "spec.policies.inline[0].statements[0].conditions", value: "{StringEqual: {'aws:SourceVpc': vpc-1}}"},
	{name: "condition without keys", at: "spec.policies.inline[0].statements[0].conditions", value: "{StringEquals: {}}"},
	{name: "hosted zone", at: "spec.policies.wellKnown[0].hostedZoneIDs[0]", value: "{name: external-dns, hostedZoneIDs: [example.com]}", set: "spec.policies.wellKnown[0]"},
	{name: "bucket ARN", at: "spec.policies.wellKnown[0].bucketNames[0]", value: "{name: velero, bucketNames: ['arn:aws:s3:::backups']}", set: "spec.policies.wellKnown[0]"},
	{name: "karpenter node role not an ARN", at: "spec.policies.wellKnown[0].nodeRoleARN", value: "{name: karpenter-controller, clusterName: prod, region: eu-west-1, nodeRoleARN: KarpenterNodeRole-prod}", set: "spec.policies.wellKnown[0]"},
	{name: "karpenter queue not an ARN", at: "spec.policies.wellKnown[0].interruptionQueueARN", value: "{name: karpenter-controller, clusterName: prod, region: eu-west-1, interruptionQueueARN: prod}", set: "spec.policies.wellKnown[0]"},
	{name: "add-on cluster name", at: "spec.policies.wellKnown[0].clusterName", value: "{name: cluster-autoscaler, clusterName: 'prod cluster'}", set: "spec.policies.wellKnown[0]"},
	{name: "condition value a mapping", at: "spec.policies.inline[0].statements[0].conditions", value: "{StringEquals: {'aws:SourceVpc': {vpc: vpc-1}}}"},
	{name: "add-on", at: "spec.policies.wellKnown[0].name", value: "{name: external-dnss}", set: "spec.policies.wellKnown[0]"},
	{name: "add-on without a required parameter", at: "spec.policies.wellKnown[0]", value: "{name: external-dns}", set: "spec.policies.wellKnown[0]"},
	{name: "add-on without one of its parameters", at: "spec.policies.wellKnown[0]", value: "{name: external-secrets}", set: "spec.policies.wellKnown[0]"},
	{name: "add-on with a parameter it does not use", at: "spec.policies.wellKnown[0]", value: "{name: velero, bucketNames: [backups], hostedZoneIDs: [Z0123456789]}", set: "spec.policies.wellKnown[0]"},
	{name: "workload with name and selector", at: "spec.workloads[0]", value: "{kind: Deployment, name: shop, selector: {matchLabels: {app: shop}}}", set: "spec.workloads[0]"},
	{name: "workload name without kind", at: "spec.workloads[0]", value: "{name: shop}", set: "spec.workloads[0]"},
	{name: "workload kind", at: "spec.workloads[0].kind", value: "{kind: Service, name: shop}", set: "spec.workloads[0]"},
	{name: "empty selector", at: "spec.workloads[0].selector", value: "{selector: {}}", set: "spec.workloads[0]"},
	{name: "In without values", at: "spec.workloads[0].selector.matchExpressions[0]", value: "{selector: {matchExpressions: [{key: app, operator: In}]}}", set: "spec.workloads[0]"},
	{name: "Exists with values", at: "spec.workloads[0].selector.matchExpressions[0]", value: "{selector: {matchExpressions: [{key: app, operator: Exists, values: [shop]}]}}", set: "spec.workloads[0]"},
	{name: "subject pattern", at: "spec.subjectPattern", value: "shop:*"},
	{name: "mode", at: "spec.mode", value: "pod-identity"},
	{name: "output none with others", at: "spec.output", value: "[none, ack]"},
	{name: "output twice", at: "spec.output", value: "[ack, ack]"},
	{name: "unknown field", at: "spec.role", value: "{acountID: '123456789012'}"},
	// IRSAConfig fields.
	{name: "config name", at: "metadata.name", value: "Platform", config: true},
	{name: "thumbprint twice", at: "spec.clusters[0].oidcThumbprints", value: "[" + strings.Repeat("a", 40) + ", " + strings.Repeat("a", 40) + "]", config: true},
	{name: "thumbprint", at: "spec.clusters[0].oidcThumbprints[0]", value: "[ABC]", set: "spec.clusters[0].oidcThumbprints", config: true},
	{name: "owner", at: "spec.owner", value: "shop!", config: true},
	{name: "default role path", at: "spec.defaults.role.path", value: "irsa", config: true},
	{name: "ACK namespace", at: "spec.ack.namespace", value: "ACK", config: true},
	{name: "ACK region", at: "spec.ack.region", value: "europe", config: true},
	{name: "ACK deletion policy", at: "spec.ack.deletionPolicy", value: "Retain", config: true},
	{name: "Crossplane namespace without Namespaced", at: "spec.crossplane", value: "{namespace: crossplane}", config: true},
	{name: "Crossplane kind without Namespaced", at: "spec.crossplane", value: "{providerConfigRef: {kind: ProviderConfig}}", config: true},
	{name: "Crossplane provider config name", at: "spec.crossplane.providerConfigRef.name", value: "Default", config: true},
	{name: "trust policy quota", at: "spec.quotas.trustPolicySize", value: "1024", config: true},
	{name: "iamReference", at: "spec.lint.iamReference", value: "Warn", config: true},
	{name: "guardrail role path", at: "spec.guardrails.rolePath", value: "irsa", config: true},
	{name: "guardrail boundary", at: "spec.guardrails.permissionsBoundary", value: "Boundary", config: true},
	{name: "guardrail account twice", at: "spec.guardrails.accounts", value: `["123456789012", "123456789012"]`, config: true},
	{name: "guardrail denied action", at: "spec.guardrails.deniedActions[0]", value: "[iam.PassRole]", set: "spec.guardrails.deniedActions", config: true},
	{name: "guardrail denied policy ARN", at: "spec.guardrails.deniedManagedPolicies[0]", value: "[arn:aws:iam::aws:policy/AdministratorAccess]", set: "spec.guardrails.deniedManagedPolicies", config: true},
}

// fieldSegment is one step of a field path: a name or [index].
var fieldSegment = regexp.MustCompile(`\.?([A-Za-z]+)|\[([0-9]+)\]`)

// setField sets the field at path (such as spec.clusters[0].oidcIssuer) of doc to value, making
// the objects and list items on the way.
func setField(t *testing.T, doc map[string]any, path string, value any) {
	t.Helper()
	var parent any = doc
	segs := fieldSegment.FindAllStringSubmatch(path, -1)
	for i, s := range segs {
		last := i == len(segs)-1
		var next any
		switch p := parent.(type) {
		case map[string]any:
			if last {
				p[s[1]] = value
				return
			}
			if p[s[1]] == nil {
				if segs[i+1][2] != "" {
					p[s[1]] = []any{}
				} else {
					p[s[1]] = map[string]any{}
				}
			}
			next = p[s[1]]
			if l, ok := next.([]any); ok && segs[i+1][2] != "" {
				n, _ := strconv.Atoi(segs[i+1][2])
				for len(l) <= n {
					l = append(l, map[string]any{})
				}
				p[s[1]] = l
				next = l
			}
		case []any:
			n, _ := strconv.Atoi(s[2])
			if last {
				p[n] = value
				return
			}
			next = p[n]
		default:
			t.Fatalf("%s: cannot set %s", path, s[0])
		}
		parent = next
	}
}

// instancePath is a field path as ajv writes it: /spec/clusters/0/oidcIssuer.
func instancePath(field string) string {
	var b strings.Builder
	for _, s := range fieldSegment.FindAllStringSubmatch(field, -1) {
		b.WriteString("/" + s[1] + s[2])
	}
	return b.String()
}

func parseYAML(t *testing.T, text string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func toYAML(t *testing.T, doc map[string]any) string {
	t.Helper()
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// irsaDocs are the irsa.dev objects of the YAML files under root, by file.
func irsaDocs(t *testing.T, root string) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(p, ".yaml") || info.Name() == "expected.yaml" {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc map[string]any
			if dec.Decode(&doc) != nil {
				break
			}
			if api, _ := doc["apiVersion"].(string); api == "irsa.dev/v1alpha1" {
				out[p] = append(out[p], doc)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemasAsStrictAsTheTool: every bad case is refused by ajv and by irsa-fn at the same
// field, and every good case accepted by both (see the comment at the top for what only
// irsa-fn can refuse).
func TestSchemasAsStrictAsTheTool(t *testing.T) {
	type check struct {
		name, at string
		doc      map[string]any
		tool     []string // irsa-fn's errors
	}
	var bad, good []check
	for _, c := range badCases {
		base := goodBinding
		if c.config {
			base = goodConfig
		}
		doc := parseYAML(t, base)
		var value any
		if err := yaml.Unmarshal([]byte(c.value), &value); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		set := c.set
		if set == "" {
			set = c.at
		}
		setField(t, doc, set, value)
		bad = append(bad, check{name: c.name, at: c.at, doc: doc, tool: docErrors(t, doc, c.config)})
	}
	for _, c := range goodCases {
		doc := c.doc(t)
		good = append(good, check{name: c.name, doc: doc, tool: docErrors(t, doc, c.config)})
	}
	good = append(good,
		check{name: "good binding", doc: parseYAML(t, goodBinding), tool: toolErrors(t, "", goodBinding)},
		check{name: "good config", doc: parseYAML(t, goodConfig), tool: toolErrors(t, goodConfig, configBinding)},
		check{name: "binding of the good config", doc: parseYAML(t, configBinding)})
	// The end-to-end cases, rendered here; the examples are rendered by e2e's TestExamples.
	cases, err := filepath.Glob(filepath.Join("..", "e2e", "testdata", "cases", "*"))
	if err != nil || len(cases) < 10 {
		t.Fatalf("found %d end-to-end cases: %v", len(cases), err)
	}
	for _, dir := range cases {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		var fnConfig string
		var items []string
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			switch filepath.Base(f) {
			case "expected.yaml":
			case "fnconfig.yaml":
				fnConfig = string(data)
			default:
				for _, d := range strings.Split(string(data), "\n---\n") {
					if strings.TrimSpace(d) != "" {
						items = append(items, d)
					}
				}
			}
		}
		errs := toolErrors(t, fnConfig, items...)
		first := true
		for f, docs := range irsaDocs(t, dir) {
			for _, d := range docs {
				c := check{name: f, doc: d}
				if first {
					c.tool, first = errs, false
				}
				good = append(good, c)
			}
		}
	}
	for f, docs := range irsaDocs(t, filepath.Join("..", "examples")) {
		for _, d := range docs {
			good = append(good, check{name: f, doc: d})
		}
	}
	if len(good) < 30 {
		t.Fatalf("only %d good documents", len(good))
	}

	var docs []map[string]any
	for _, c := range append(slices.Clone(bad), good...) {
		docs = append(docs, c.doc)
	}
	results := runAjv(t, docs)
	for i, c := range bad {
		r := results[i]
		want := instancePath(c.at)
		if r.Valid || !slices.ContainsFunc(r.Errors, func(e struct{ InstancePath, Message string }) bool { return strings.HasPrefix(e.InstancePath, want) }) {
			t.Errorf("%s: ajv did not refuse %s: %+v", c.name, want, r)
		}
		for _, e := range r.Errors {
			// Every patterned field says in words what it takes: ajv's own "must match pattern
			// "^(\*|[a-zA-Z0-9-]+:..." is what an editor would show otherwise.
			if strings.Contains(e.Message, "must match pattern") {
				t.Errorf("%s: ajv's message for %s is the bare pattern: %s", c.name, e.InstancePath, e.Message)
			}
		}
		if !slices.ContainsFunc(c.tool, func(e string) bool { return strings.HasPrefix(e, c.at) }) {
			t.Errorf("%s: irsa-fn did not refuse %s: %q", c.name, c.at, c.tool)
		}
	}
	for i, c := range good {
		if r := results[len(bad)+i]; !r.Valid {
			t.Errorf("%s: ajv refused %s %v: %+v", c.name, c.doc["kind"], c.doc["metadata"], r.Errors)
		}
		if len(c.tool) > 0 {
			t.Errorf("%s: irsa-fn refused it: %q", c.name, c.tool)
		}
	}
}

// TestAjvMessagesReadable: ajv, with ajv-errors as editors apply errorMessage, says what a field
// takes in irsa-fn's own words.
func TestAjvMessagesReadable(t *testing.T) {
	doc := parseYAML(t, goodBinding)
	setField(t, doc, "spec.policies.inline[0].statements[0].actions[0]", "s3.GetObject")
	setField(t, doc, "spec.role.path", "no-slashes")
	r := runAjv(t, []map[string]any{doc})[0]
	for path, want := range map[string]string{
		"/spec/policies/inline/0/statements/0/actions/0": "must be service:Action, wildcards * and ?",
		"/spec/role/path": "must be / or /segments/",
	} {
		if !slices.ContainsFunc(r.Errors, func(e struct{ InstancePath, Message string }) bool {
			return e.InstancePath == path && strings.Contains(e.Message, want)
		}) {
			t.Errorf("no error at %s says %q: %+v", path, want, r.Errors)
		}
	}
}

// goodCase sets fields of goodBinding (or, with config, of goodConfig) to values (YAML): inputs
// irsa-fn renders, which ajv must accept too (an editor must not flag a good binding). Each
// pair is a field path and its value.
type goodCase struct {
	name   string
	set    [][2]string
	config bool
}

const (
	govIssuer   = "https://oidc.eks.us-gov-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E"
	chinaIssuer = "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLED539D4633E53DE1B716D3041E"
	readAt      = "spec.policies.inline[0].statements[0]"
)

var goodCases = []goodCase{
	{name: "GovCloud issuer and ARNs", set: [][2]string{
		{"spec.clusters[0].oidcIssuer", govIssuer},
		{readAt + ".resources", "['arn:aws-us-gov:s3:::shop-catalog/*']"},
		{"spec.policies.managed", "[arn:aws-us-gov:iam::aws:policy/AmazonS3ReadOnlyAccess]"},
		{"spec.role.permissionsBoundary", "arn:aws-us-gov:iam::123456789012:policy/boundaries/eks"}}},
	{name: "China issuer and ARNs", set: [][2]string{
		{"spec.clusters[0].oidcIssuer", chinaIssuer},
		{readAt + ".resources", "['arn:aws-cn:s3:::shop-catalog/*']"},
		{"spec.policies.managed", "[arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess]"}}},
	{name: "China Ningxia issuer", set: [][2]string{
		{"spec.clusters[0].oidcIssuer", "https://oidc.eks.cn-northwest-1.amazonaws.com.cn/id/ABC123"},
		{readAt + ".resources", "['arn:aws-cn:s3:::shop-catalog/*']"}}},
	{name: "issuer outside EKS with a path and a region", set: [][2]string{
		{"spec.clusters[0]", "{name: kind-1, oidcIssuer: 'https://issuer.example.com/clusters/kind-1', region: eu-central-1}"}}},
	{name: "two clusters with provider accounts", set: [][2]string{
		{"spec.clusters", "[{name: prod-a, oidcIssuer: '" + issuer + "', providerAccountID: '111122223333'}, {name: prod_b, oidcIssuer: 'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF', region: us-east-1}]"}}},
	{name: "cluster name of 100 characters", set: [][2]string{{"spec.clusters[0].name", "c" + strings.Repeat("_", 98) + "9"}}},
	{name: "role path of several segments", set: [][2]string{{"spec.role.path", "/irsa/team-a/prod.v2/"}}},
	{name: "role path of 512 characters", set: [][2]string{{"spec.role.path", "/" + strings.Repeat("a", 510) + "/"}}},
	{name: "role name of 64 characters", set: [][2]string{{"spec.role.name", strings.Repeat("a", 60) + "+=,.@_-"[:4]}}},
	{name: "role name with every allowed sign", set: [][2]string{{"spec.role.name", "Shop+=,.@_-Role"}}},
	{name: "bring-your-own role with a path", set: [][2]string{{"spec.role.arn", "arn:aws:iam::123456789012:role/teams/shop/ShopRole"}}},
	{name: "session durations at the bounds", set: [][2]string{{"spec.role.maxSessionDuration", "43200"}}},
	{name: "description of 1000 Latin-1 characters", set: [][2]string{{"spec.role.description", strings.Repeat("é", 1000)}}},
	{name: "description with tab and newline", set: [][2]string{{"spec.role.description", "\"Rôle de la boutique\\n\\tlecture seule\""}}},
	{name: "tags with unicode and every allowed sign", set: [][2]string{{"spec.role.tags", "{Équipe: 'Zahlungen äöü 支付', cost-center: 'a:b/c=d+e-f@g_h.i j', empty: ''}"}}},
	{name: "tag key of 128 and value of 256 characters", set: [][2]string{{"spec.role.tags", "{" + strings.Repeat("k", 128) + ": " + strings.Repeat("v", 256) + "}"}}},
	{name: "tag value of 256 letters outside ASCII", set: [][2]string{{"spec.role.tags", "{team: " + strings.Repeat("ü", 256) + "}"}}},
	{name: "50 tags", set: [][2]string{{"spec.role.tags", fiftyTags()}}},
	{name: "actions with ? and * wildcards", set: [][2]string{{readAt + ".actions", "['s3:Get?bject', 's3:List*', 's3:*Object*']"}}},
	{name: "action of a service with a dash", set: [][2]string{
		{readAt + ".actions", "['execute-api:Invoke']"},
		{readAt + ".resources", "['arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/*']"}}},
	{name: "resources with policy variables", set: [][2]string{{readAt + ".resources", "['arn:aws:s3:::shop-catalog/${aws:PrincipalTag/team}/*', 'arn:aws:s3:::shop-catalog/home/${aws:username}/*']"}}},
	{name: "notActions and notResources", set: [][2]string{{readAt, "{effect: Deny, notActions: ['s3:GetObject'], notResources: ['arn:aws:s3:::shop-catalog/*']}"}}},
	{name: "condition operators with IfExists and set qualifiers", set: [][2]string{{readAt + ".conditions",
		"{StringEqualsIfExists: {'aws:RequestedRegion': eu-west-1}, 'ForAnyValue:StringLike': {'aws:TagKeys': ['team*', 'env']}, 'ForAllValues:StringEquals': {'aws:TagKeys': [team]}, ArnLikeIfExists: {'aws:SourceArn': 'arn:aws:s3:::shop-*'}, IpAddress: {'aws:SourceIp': 203.0.113.0/24}}"}}},
	{name: "Bool and Null conditions unquoted", set: [][2]string{{readAt + ".conditions", "{Bool: {'aws:SecureTransport': true}, 'Null': {'aws:TokenIssueTime': false}}"}}},
	{name: "Numeric conditions unquoted", set: [][2]string{{readAt + ".conditions", "{NumericLessThanEquals: {'s3:max-keys': 10, 'aws:MultiFactorAuthAge': [3600]}}"}}},
	{name: "Date condition unquoted", set: [][2]string{{readAt + ".conditions", "{DateGreaterThan: {'aws:CurrentTime': 2026-01-01T00:00:00Z}}"}}},
	{name: "inline policy as a JSON document", set: [][2]string{{"spec.policies.inline[0]", `{name: raw, document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::shop-catalog/*","Condition":{"Bool":{"aws:SecureTransport":true}}}]}'}`}}},
	{name: "inline policy name of 128 characters", set: [][2]string{{"spec.policies.inline[0].name", strings.Repeat("p", 128)}}},
	{name: "managed policies with paths, AWS and customer", set: [][2]string{{"spec.policies.managed", "[arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy, arn:aws:iam::123456789012:policy/team/shop-read]"}}},
	{name: "customer managed policy with a path", set: [][2]string{{"spec.policies.customerManaged", "[{name: shop-read, path: /team/shop/, statements: [{actions: ['s3:GetObject'], resources: ['arn:aws:s3:::shop-catalog/*']}]}]"}}},
	{name: "external-dns and cert-manager", set: [][2]string{{"spec.policies.wellKnown", "[{name: external-dns, hostedZoneIDs: [Z0123456789ABCDEFGHIJ]}, {name: cert-manager, hostedZoneIDs: [Z1D633PJN98FT9]}]"}}},
	{name: "cluster-autoscaler and karpenter with parameters", set: [][2]string{{"spec.policies.wellKnown", "[{name: cluster-autoscaler, clusterName: prod}, {name: karpenter-controller, clusterName: prod, region: eu-west-1, nodeRoleARN: 'arn:aws:iam::123456789012:role/KarpenterNodeRole-prod', interruptionQueueARN: 'arn:aws:sqs:eu-west-1:123456789012:prod'}]"}}},
	{name: "karpenter with defaults", set: [][2]string{{"spec.clusters[0].region", "eu-west-1"}, {"spec.policies.wellKnown", "[{name: karpenter-controller}]"}}},
	{name: "storage add-ons", set: [][2]string{{"spec.policies.wellKnown", "[{name: ebs-csi-driver, kmsKeyARNs: ['arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab']}, {name: efs-csi-driver}, {name: aws-load-balancer-controller}]"}}},
	{name: "velero with dotted bucket and key", set: [][2]string{{"spec.policies.wellKnown", "[{name: velero, bucketNames: [backups.example.com, abc], kmsKeyARNs: ['arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab']}]"}}},
	{name: "external-secrets with secrets and parameters", set: [][2]string{{"spec.policies.wellKnown", "[{name: external-secrets, secretARNs: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/*'], parameterARNs: ['arn:aws:ssm:eu-west-1:123456789012:parameter/shop/*']}]"}}},
	{name: "service accounts with dots, audience and expiration", set: [][2]string{{"spec.serviceAccounts", "[{name: shop.reader, audience: 'https://sts.example.com', tokenExpiration: 600, stsRegionalEndpoints: true}, {name: shop-writer, namespace: shop, tokenExpiration: 86400}]"}}},
	{name: "subject pattern", set: [][2]string{{"spec.subjectPattern", "system:serviceaccount:shop:shop*"}}},
	{name: "workload selector with expressions", set: [][2]string{{"spec.workloads", "[{selector: {matchLabels: {app.kubernetes.io/name: shop}, matchExpressions: [{key: tier, operator: NotIn, values: [batch]}, {key: team, operator: Exists}]}}]"}}},
	{name: "Pod Identity", set: [][2]string{{"spec.mode", "both"}}},
	{name: "every output", set: [][2]string{{"spec.clusters[0].region", "eu-west-1"}, {"spec.output", "[ack, crossplane, json]"}}},
	{name: "object name of 253 characters", set: [][2]string{{"metadata.name", strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)}}},
	// IRSAConfig.
	{name: "config guardrails", config: true, set: [][2]string{{"spec.guardrails", "{crossNamespace: [shared], permissionsBoundary: 'arn:aws:iam::123456789012:policy/boundaries/eks', rolePath: /irsa/, accounts: ['123456789012'], deniedActions: ['iam:*', 'sts:Get?allerIdentity'], deniedManagedPolicies: [AdministratorAccess, '*FullAccess', 'service-role/*']}"},
		{"spec.defaults.role", "{accountID: '123456789012', path: /irsa/shop/, permissionsBoundary: 'arn:aws:iam::123456789012:policy/boundaries/eks', tags: {'Kostenstelle': 'Zahlungen äöü'}}"}}},
	{name: "config quotas and ACK", config: true, set: [][2]string{{"spec.quotas", "{trustPolicySize: 4096, managedPoliciesPerRole: 20}"}, {"spec.ack", "{namespace: ack-system, region: eu-west-1, deletionPolicy: retain, oidcProviders: false}"}, {"spec.owner", "platform-team"}}},
	{name: "config Crossplane namespaced", config: true, set: [][2]string{{"spec.clusters[0].region", "eu-west-1"}, {"spec.crossplane", "{scope: Namespaced, namespace: crossplane-system, providerConfigRef: {name: default, kind: ProviderConfig}}"}, {"spec.defaults.output", "[crossplane]"}}},
}

// docErrors is irsa-fn's errors for a binding, or for a config (with configBinding).
func docErrors(t *testing.T, doc map[string]any, config bool) []string {
	t.Helper()
	if config {
		return toolErrors(t, toYAML(t, doc), configBinding)
	}
	return toolErrors(t, "", toYAML(t, doc))
}

// doc is goodBinding (or goodConfig) with the case's fields set.
func (c goodCase) doc(t *testing.T) map[string]any {
	t.Helper()
	base := goodBinding
	if c.config {
		base = goodConfig
	}
	doc := parseYAML(t, base)
	for _, kv := range c.set {
		var value any
		if err := yaml.Unmarshal([]byte(kv[1]), &value); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		setField(t, doc, kv[0], value)
	}
	return doc
}

// TestGoodCasesMatchCRDs: kubectl-validate, through the CRDs, accepts every good case too (the
// form an API server or a CI check of manifests would hold them to).
func TestGoodCasesMatchCRDs(t *testing.T) {
	kv := testenv.Path(t, "KUBECTL_VALIDATE", "the good cases against the CRDs with kubectl-validate")
	dir := t.TempDir()
	for i, c := range goodCases {
		f := filepath.Join(dir, fmt.Sprintf("case-%02d.yaml", i))
		if err := os.WriteFile(f, []byte(toYAML(t, c.doc(t))), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(kv, "--version", "1.30", "--local-crds", ".", dir).CombinedOutput()
	if err != nil {
		plain := regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(string(out), "")
		for i, c := range goodCases {
			if strings.Contains(plain, fmt.Sprintf("case-%02d.yaml...ERROR", i)) {
				t.Errorf("kubectl-validate refused good case %q", c.name)
			}
		}
		t.Fatalf("kubectl-validate: %v\n%s", err, out)
	}
}

// fiftyTags is a tags object of 50 tags, the most a role may have.
func fiftyTags() string {
	var tags []string
	for i := range 50 {
		tags = append(tags, "tag"+strconv.Itoa(i)+": v")
	}
	return "{" + strings.Join(tags, ", ") + "}"
}

// TestRenderedIAMRolesMatchSchema: the IAMRoles irsa-fn renders (output: [json]) are valid
// against the IAMRole schema, for a role with every character IAM allows in its name, a path,
// China's partition, tags and conditions, and in mode both.
func TestRenderedIAMRolesMatchSchema(t *testing.T) {
	bindings := []string{goodBinding + "  output: [json]\n  mode: both\n", `apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata: {name: shop, namespace: shop}
spec:
  clusters: [{name: prod, oidcIssuer: "` + chinaIssuer + `", providerAccountID: "111122223333"}]
  serviceAccounts: [{name: reader, audience: "https://sts.example.com"}, {name: shop.writer, tokenExpiration: 600}]
  role:
    accountID: "123456789012"
    name: "Shop+=,.@_-Role"
    path: /teams/shop/
    description: "Rôle de la boutique"
    maxSessionDuration: 43200
    permissionsBoundary: arn:aws-cn:iam::123456789012:policy/boundaries/eks
    tags: {Équipe: "Zahlungen äöü", empty: ""}
  policies:
    managed: [arn:aws-cn:iam::123456789012:policy/team/read]
    inline:
      - name: read
        statements: [{actions: ["s3:Get?bject"], resources: ["arn:aws-cn:s3:::shop/${aws:username}/*"], conditions: {Bool: {aws:SecureTransport: true}}}]
  output: [json]
`}
	var docs []map[string]any
	for _, b := range bindings {
		rl := runTool(t, "", b)
		for _, r := range rl.Results {
			if r.Severity == kfn.Error {
				t.Fatalf("irsa-fn refused the binding: %s", r.Message)
			}
		}
		for _, it := range rl.Items {
			if it.GetKind() == "IAMRole" {
				docs = append(docs, parseYAML(t, it.String()))
			}
		}
	}
	if len(docs) != len(bindings) {
		t.Fatalf("%d IAMRoles rendered from %d bindings", len(docs), len(bindings))
	}
	for i, r := range runAjv(t, docs) {
		if !r.Valid {
			t.Errorf("IAMRole %v: ajv refused it: %+v", docs[i]["metadata"], r.Errors)
		}
	}
}
