package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestDiffHiddenGrants edits real renders the way a pull request could hide a grant from the
// comparison — IAM fields it did not read (an ACK Role's policyRefs and tags, a Crossplane
// Role's managedPolicyArns and inlinePolicy, a Pod Identity association's targetRoleARN, ACK's
// adoption annotation on a Role or a Policy), an attachment naming its role by external name, an object repeated with
// other content, a role wrapped in a List, a workload without a namespace or of a kind the diff
// does not know (an Argo Workflow) — and checks each is reported broadening and fails
// --fail-on broadening; a key written twice (YAML readers keep different values) is an input
// error, and the same render as a JSON List is no change.
func TestDiffHiddenGrants(t *testing.T) {
	bin := irsaFn(t)
	ack, err := os.ReadFile(filepath.Join("testdata", "cases", "ack-extras", "expected.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, renderCrossplane := renderer(t, bin, "crossplane")
	_, renderPodIdentity := renderer(t, bin, "pod-identity")
	read := func(p string) string {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	renders := map[string]string{"ack": string(ack), "crossplane": read(renderCrossplane("old")), "pod-identity": read(renderPodIdentity("old"))}
	const ackRoleStart = "apiVersion: iam.services.k8s.aws/v1alpha1\nkind: Role\n"
	// ackRole is the ACK Role of the analytics/reporting binding, and the render without it.
	ackRole := func() (role, rest string) {
		s := string(ack)
		i := strings.Index(s, ackRoleStart)
		j := i + strings.Index(s[i:], "---\n") + len("---\n")
		return s[i:j], s[:i] + s[j:]
	}
	adminRole := func() string {
		role, _ := ackRole()
		role = strings.Replace(role, "  policies:\n", "  policies:\n  - arn:aws:iam::aws:policy/AdministratorAccess\n", 1)
		return strings.Replace(role, "  name: platform-analytics-reporting\n  namespace: ack-system\n", "  name: sneaky\n  namespace: ack-system\n", 1)
	}
	cases := []struct {
		name, render string
		edit         func(string) string
		want         string
	}{
		{"ACK Role policyRefs", "ack", func(s string) string {
			return strings.Replace(s, "  policies:\n  - arn:aws:iam::aws:policy/AmazonAthenaFullAccess\n", "  policyRefs:\n  - from: {name: admin}\n  policies:\n  - arn:aws:iam::aws:policy/AmazonAthenaFullAccess\n", 1)
		}, "broadening role unmodeled field added"},
		{"ACK Role tags", "ack", func(s string) string {
			return strings.Replace(s, "  name: platform-analytics-reporting\n  path: /\n", "  name: platform-analytics-reporting\n  path: /\n  tags:\n  - {key: team, value: admins}\n", 1)
		}, "broadening role unmodeled field added"},
		{"ACK Role repeated, the broad copy first", "ack", func(s string) string {
			i := strings.Index(s, ackRoleStart)
			return s[:i] + adminRole() + s[i:]
		}, "broadening role role rendered more than once"},
		{"ACK Role wrapped in a List", "ack", func(string) string {
			_, rest := ackRole()
			var items []string
			for _, l := range strings.Split(strings.TrimSuffix(strings.TrimSuffix(adminRole(), "---\n"), "\n"), "\n") {
				items = append(items, "  "+l)
			}
			return rest + "---\napiVersion: v1\nkind: List\nitems:\n-" + strings.TrimPrefix(strings.Join(items, "\n"), " ") + "\n"
		}, "broadening managedPolicies managed policy attached"},
		{"ACK Role adopting another role", "ack", func(s string) string {
			return strings.Replace(s, `'{"name":"platform-analytics-reporting"}'`, `'{"name":"AdminRole"}'`, 1)
		}, "broadening role unmodeled field changed"},
		{"ACK Policy adopting a policy other roles attach", "ack", func(s string) string {
			return strings.Replace(s, `'{"arn":"arn:aws:iam::123456789012:policy/analytics-lake-read"}'`, `'{"arn":"arn:aws:iam::123456789012:policy/shared-readonly"}'`, 1)
		}, "broadening Policy fields unmodeled IAM object changed"},
		{"ServiceAccount repeated with another role", "ack", func(s string) string {
			sa := s[:strings.Index(s, "---\n")+len("---\n")]
			return strings.Replace(sa, "role/platform-analytics-reporting", "role/platform-analytics-vault-agent", 1) + s
		}, "broadening ServiceAccount role-arn changed"},
		{"workload without a namespace", "ack", func(s string) string {
			return s + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: sneaky}\n" +
				"spec: {selector: {matchLabels: {app: s}}, template: {metadata: {labels: {app: s}}, spec: {serviceAccountName: reporting, containers: [{name: c, image: x}]}}}\n"
		}, "broadening Deployment serviceAccountName added"},
		{"a kind the diff does not know running pods as the role's service account", "ack", func(s string) string {
			return s + "---\napiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: sneaky, namespace: analytics}\n" +
				"spec: {serviceAccountName: reporting, entrypoint: main, templates: [{name: main, container: {image: x}}]}\n"
		}, "broadening Workflow serviceAccountName added"},
		{"Crossplane attachment naming the role by external name", "crossplane", func(s string) string {
			return s + "---\napiVersion: iam.aws.m.upbound.io/v1beta1\nkind: RolePolicyAttachment\nmetadata: {name: sneaky, namespace: crossplane-managed}\n" +
				"spec:\n  forProvider:\n    policyArn: arn:aws:iam::aws:policy/AdministratorAccess\n    role: prod-us-search-search-indexer\n  providerConfigRef: {kind: ProviderConfig, name: aws-prod}\n"
		}, "broadening RolePolicyAttachment.iam.aws.m.upbound.io unmodeled IAM object added"},
		{"Crossplane Role managedPolicyArns", "crossplane", func(s string) string {
			return strings.Replace(s, "    maxSessionDuration: 3600\n", "    maxSessionDuration: 3600\n    managedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]\n", 1)
		}, "broadening role unmodeled field added"},
		{"Crossplane Role inlinePolicy", "crossplane", func(s string) string {
			return strings.Replace(s, "    maxSessionDuration: 3600\n", "    maxSessionDuration: 3600\n    inlinePolicy:\n    - name: x\n      policy: '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}'\n", 1)
		}, "broadening role unmodeled field added"},
		{"Pod Identity targetRoleARN", "pod-identity", func(s string) string {
			return strings.Replace(s, "  serviceAccount: billing\n", "  serviceAccount: billing\n  targetRoleARN: arn:aws:iam::999999999999:role/Admin\n", 1)
		}, "broadening PodIdentityAssociation fields unmodeled IAM object added"},
	}
	dir := t.TempDir()
	for name, r := range renders {
		p := filepath.Join(dir, name+".yaml")
		write(t, p, r)
		if code, out, stderr := diffCmd(t, bin, "", "--fail-on", "broadening", p, p); code != 0 || out != "no IAM-relevant change\n" {
			t.Errorf("%s against itself: exit %d\n%s%s", name, code, out, stderr)
		}
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := filepath.Join(dir, tc.render+".yaml")
			edited := tc.edit(renders[tc.render])
			if edited == renders[tc.render] {
				t.Fatal("the edit changed nothing")
			}
			new := filepath.Join(dir, "new"+string(rune('a'+i))+".yaml")
			write(t, new, edited)
			code, out, stderr := diffCmd(t, bin, "", "-o", "json", "--fail-on", "broadening", old, new)
			rep := parseDiff(t, out)
			if code != 1 || !rep.Broadening || !slices.Contains(rep.changes(), tc.want) {
				t.Errorf("exit %d, want 1 with %q: %v\n%s", code, tc.want, rep.changes(), stderr)
			}
		})
	}
	// The same render as a JSON List (keys in another order) is no change: what is compared as
	// written is compared as data, not as text.
	t.Run("the same render as a JSON List", func(t *testing.T) {
		var items []any
		dec := yaml.NewDecoder(strings.NewReader(string(ack)))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); err != nil {
				break
			}
			items = append(items, doc)
		}
		list, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
		if err != nil || len(items) < 5 {
			t.Fatalf("%d items: %v", len(items), err)
		}
		p := filepath.Join(dir, "ack.json")
		write(t, p, string(list))
		if code, out, stderr := diffCmd(t, bin, "", "--fail-on", "broadening", filepath.Join(dir, "ack.yaml"), p); code != 0 || out != "no IAM-relevant change\n" {
			t.Errorf("exit %d, want 0 and no change:\n%s%s", code, out, stderr)
		}
	})
	// A key written twice: the comparison would read the first value, kubectl the last.
	t.Run("key written twice", func(t *testing.T) {
		policies := "  policies:\n  - arn:aws:iam::aws:policy/AmazonAthenaFullAccess\n  - arn:aws:iam::123456789012:policy/analytics-lake-read\n"
		new := filepath.Join(dir, "twice.yaml")
		write(t, new, strings.Replace(string(ack), policies, policies+"  policies:\n  - arn:aws:iam::aws:policy/AdministratorAccess\n", 1))
		code, out, stderr := diffCmd(t, bin, "", "--fail-on", "broadening", filepath.Join(dir, "ack.yaml"), new)
		const want = "Role ack-system/platform-analytics-reporting: key spec.policies written twice"
		if code != 2 || out != "" || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, want 2 with %q on stderr:\n%s%s", code, want, out, stderr)
		}
	})
}
