package generator

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
)

const issuer = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E"
const hostPath = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E"

func validBinding() v1alpha1.IRSABinding {
	return v1alpha1.IRSABinding{
		APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.KindBinding,
		Metadata: v1alpha1.ObjectMeta{Name: "s3-writer", Namespace: "production"},
		Spec: v1alpha1.BindingSpec{
			Clusters: []v1alpha1.Cluster{{Name: "prod-eu", OIDCIssuer: issuer}},
			Settings: v1alpha1.Settings{
				Role: v1alpha1.Role{AccountID: "123456789012"},
				Policies: v1alpha1.Policies{Inline: []v1alpha1.InlinePolicy{{
					Name:       "s3-write",
					Statements: []v1alpha1.Statement{{Actions: []string{"s3:PutObject"}, Resources: []string{"arn:aws:s3:::b/*"}}},
				}}},
			},
			Workloads: []v1alpha1.WorkloadRef{{Kind: "Deployment", Name: "my-app"}},
		},
	}
}

func errorsOf(l diag.List) []diag.Diagnostic {
	var out []diag.Diagnostic
	for _, d := range l {
		if d.Severity == diag.Error {
			out = append(out, d)
		}
	}
	return out
}

func TestGenerateValid(t *testing.T) {
	res := Generate(Input{Binding: validBinding()})
	if errs := errorsOf(res.Diagnostics); len(errs) > 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	if want := "arn:aws:iam::123456789012:role/prod-eu-production-s3-writer"; res.RoleARN != want {
		t.Errorf("role ARN %q, want %q", res.RoleARN, want)
	}
	if len(res.ServiceAccounts) != 1 || res.ServiceAccounts[0].Name != "s3-writer" || !res.ServiceAccounts[0].Create {
		t.Errorf("default service account: %+v", res.ServiceAccounts)
	}
	if got := res.ServiceAccounts[0].Annotations[AnnotationRoleARN]; got != res.RoleARN {
		t.Errorf("role-arn annotation %q", got)
	}
	if _, has := res.ServiceAccounts[0].Annotations[AnnotationAudience]; has {
		t.Error("the default audience needs no annotation")
	}
	var trust struct {
		Statement []struct {
			Principal map[string]string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(res.Role.Trust.JSON()), &trust); err != nil {
		t.Fatal(err)
	}
	st := trust.Statement[0]
	if st.Principal["Federated"] != "arn:aws:iam::123456789012:oidc-provider/"+hostPath {
		t.Errorf("principal %v", st.Principal)
	}
	if st.Condition["StringEquals"][hostPath+":sub"] != "system:serviceaccount:production:s3-writer" || st.Condition["StringEquals"][hostPath+":aud"] != "sts.amazonaws.com" {
		t.Errorf("condition %v", st.Condition)
	}
	if len(res.Objects) != 1 || res.Objects[0].Kind != "Role" || res.Objects[0].Metadata.Name != "prod-eu-production-s3-writer" {
		t.Errorf("objects %+v", res.Objects)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	b := validBinding()
	b.Spec.Role.Tags = map[string]string{"z": "1", "a": "2", "m": "3"}
	b.Spec.Policies.Inline[0].Statements[0].Conditions = map[string]map[string]v1alpha1.StringList{
		"StringEquals": {"aws:SourceVpc": {"1"}, "aws:RequestedRegion": {"2", "3"}}, "Bool": {"aws:SecureTransport": {"true"}},
	}
	first := Generate(Input{Binding: b})
	for i := 0; i < 20; i++ {
		again := Generate(Input{Binding: b})
		if again.Role.Inline[0].Document.JSON() != first.Role.Inline[0].Document.JSON() || again.Role.Trust.JSON() != first.Role.Trust.JSON() {
			t.Fatal("the same binding rendered different documents")
		}
		for j, tag := range again.Role.Tags {
			if tag != first.Role.Tags[j] {
				t.Fatal("tags in another order")
			}
		}
	}
	if k := first.Role.Tags; k[0].Key != "a" || k[2].Key != "z" {
		t.Errorf("tags not sorted: %v", k)
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(b *v1alpha1.IRSABinding)
		field  string
		detail string
	}{
		{"11-digit account", func(b *v1alpha1.IRSABinding) { b.Spec.Role.AccountID = "12345678901" }, "spec.role.accountID", "not 12 digits"},
		{"missing account", func(b *v1alpha1.IRSABinding) { b.Spec.Role.AccountID = "" }, "spec.role.accountID", "required"},
		{"70-char role name", func(b *v1alpha1.IRSABinding) { b.Spec.Role.Name = strings.Repeat("R", 70) }, "spec.role.name", "70 characters"},
		{"role name with space", func(b *v1alpha1.IRSABinding) { b.Spec.Role.Name = "my role" }, "spec.role.name", "not a valid IAM role name"},
		{"session 100", func(b *v1alpha1.IRSABinding) { b.Spec.Role.MaxSessionDuration = 100 }, "spec.role.maxSessionDuration", "outside IAM's range"},
		{"session 50000", func(b *v1alpha1.IRSABinding) { b.Spec.Role.MaxSessionDuration = 50000 }, "spec.role.maxSessionDuration", "outside IAM's range"},
		{"path without slashes", func(b *v1alpha1.IRSABinding) { b.Spec.Role.Path = "irsa" }, "spec.role.path", "not valid"},
		{"long description", func(b *v1alpha1.IRSABinding) { b.Spec.Role.Description = strings.Repeat("d", 1001) }, "spec.role.description", "1001 characters"},
		{"aws: tag", func(b *v1alpha1.IRSABinding) { b.Spec.Role.Tags = map[string]string{"aws:x": "y"} }, `spec.role.tags["aws:x"]`, "reserved"},
		{"51 tags", func(b *v1alpha1.IRSABinding) {
			b.Spec.Role.Tags = map[string]string{}
			for i := 0; i < 51; i++ {
				b.Spec.Role.Tags[strings.Repeat("k", i+1)] = "v"
			}
		}, "spec.role.tags", "51 tags"},
		{"boundary not a policy", func(b *v1alpha1.IRSABinding) { b.Spec.Role.PermissionsBoundary = "arn:aws:iam::123456789012:role/x" }, "spec.role.permissionsBoundary", "not a policy ARN"},
		{"http issuer", func(b *v1alpha1.IRSABinding) {
			b.Spec.Clusters[0].OIDCIssuer = strings.Replace(issuer, "https", "http", 1)
		}, "spec.clusters[0].oidcIssuer", "not an https:// URL"},
		{"no cluster", func(b *v1alpha1.IRSABinding) { b.Spec.Clusters = nil }, "spec.clusters", "no cluster"},
		{"provider account", func(b *v1alpha1.IRSABinding) { b.Spec.Clusters[0].ProviderAccountID = "1" }, "spec.clusters[0].providerAccountID", "not 12 digits"},
		{"mixed partitions", func(b *v1alpha1.IRSABinding) {
			b.Spec.Clusters = append(b.Spec.Clusters, v1alpha1.Cluster{OIDCIssuer: "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/X"})
		}, "spec.clusters[1].oidcIssuer", "two partitions"},
		{"token 300", func(b *v1alpha1.IRSABinding) {
			b.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Name: "a", TokenExpiration: 300}}
		}, "spec.serviceAccounts[0].tokenExpiration", "raises anything below 600"},
		{"bad sa name", func(b *v1alpha1.IRSABinding) { b.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Name: "Bad_Name"}} }, "spec.serviceAccounts[0].name", "not valid"},
		{"duplicate sa", func(b *v1alpha1.IRSABinding) {
			b.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Name: "a"}, {Name: "a"}}
		}, "spec.serviceAccounts[1]", "also serviceAccounts[0]"},
		{"bad managed arn", func(b *v1alpha1.IRSABinding) { b.Spec.Policies.Managed = []string{"AmazonS3ReadOnlyAccess"} }, "spec.policies.managed[0]", "not a policy ARN"},
		{"managed policy of another account", func(b *v1alpha1.IRSABinding) {
			b.Spec.Policies.Managed = []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::210987654321:policy/shared"}
		}, "spec.policies.managed[1]", "in account 210987654321, not the role's account 123456789012"},
		{"boundary of another account", func(b *v1alpha1.IRSABinding) {
			b.Spec.Role.PermissionsBoundary = "arn:aws:iam::210987654321:policy/boundary"
		}, "spec.role.permissionsBoundary", "in account 210987654321, not the role's account 123456789012"},
		{"11 managed", func(b *v1alpha1.IRSABinding) {
			for i := 0; i < 11; i++ {
				b.Spec.Policies.Managed = append(b.Spec.Policies.Managed, "arn:aws:iam::123456789012:policy/P"+strings.Repeat("x", i))
			}
		}, "spec.policies.managed", "11 managed and customer managed policies"},
		{"statement without resources", func(b *v1alpha1.IRSABinding) { b.Spec.Policies.Inline[0].Statements[0].Resources = nil }, "spec.policies.inline[0].statements[0].resources", "needs resources"},
		{"bad action", func(b *v1alpha1.IRSABinding) { b.Spec.Policies.Inline[0].Statements[0].Actions = []string{"PutObject"} }, "spec.policies.inline[0].statements[0].actions[0]", "service:Action"},
		{"bad effect", func(b *v1alpha1.IRSABinding) { b.Spec.Policies.Inline[0].Statements[0].Effect = "Allowed" }, "spec.policies.inline[0].statements[0].effect", "not valid"},
		{"unknown condition operator", func(b *v1alpha1.IRSABinding) {
			b.Spec.Policies.Inline[0].Statements[0].Conditions = map[string]map[string]v1alpha1.StringList{"StringEqual": {"aws:x": {"y"}}}
		}, `spec.policies.inline[0].statements[0].conditions["StringEqual"]`, "unknown condition operator"},
		{"raw document typo", func(b *v1alpha1.IRSABinding) {
			b.Spec.Policies.Inline[0] = v1alpha1.InlinePolicy{Name: "raw", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resources":"*"}]}`}
		}, "spec.policies.inline[0]", `unknown field "Resources"`},
		{"raw document principal", func(b *v1alpha1.IRSABinding) {
			b.Spec.Policies.Inline[0] = v1alpha1.InlinePolicy{Name: "raw", Document: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"x"},"Action":"s3:GetObject","Resource":"*"}}`}
		}, "spec.policies.inline[0].document.Statement[0].Principal", "names no principal"},
		{"both statements and document", func(b *v1alpha1.IRSABinding) { b.Spec.Policies.Inline[0].Document = "{}" }, "spec.policies.inline[0]", "both statements and document"},
		{"policy name", func(b *v1alpha1.IRSABinding) { b.Spec.Policies.Inline[0].Name = "has space" }, "spec.policies.inline[0].name", "not valid"},
		{"inline too large", func(b *v1alpha1.IRSABinding) {
			b.Spec.Policies.Inline[0].Statements[0].Resources = []string{"arn:aws:s3:::b/" + strings.Repeat("k", 10300)}
		}, "spec.policies.inline", "characters together"},
		{"pattern leaves out an sa", func(b *v1alpha1.IRSABinding) { b.Spec.SubjectPattern = "system:serviceaccount:other:*" }, "spec.subjectPattern", "does not match serviceAccounts[0]"},
		{"pattern prefix", func(b *v1alpha1.IRSABinding) { b.Spec.SubjectPattern = "production:*" }, "spec.subjectPattern", "does not start with system:serviceaccount:"},
		{"unsupported mode", func(b *v1alpha1.IRSABinding) { b.Spec.Mode = "sideways" }, "spec.mode", "not supported"},
		{"unsupported output", func(b *v1alpha1.IRSABinding) { b.Spec.Output = []v1alpha1.Output{"terraform"} }, "spec.output[0]", "not supported"},
		{"workload without kind", func(b *v1alpha1.IRSABinding) { b.Spec.Workloads[0].Kind = "" }, "spec.workloads[0].kind", "required with name"},
		{"workload kind", func(b *v1alpha1.IRSABinding) { b.Spec.Workloads[0].Kind = "Service" }, "spec.workloads[0].kind", "not a workload"},
		{"workload name and selector", func(b *v1alpha1.IRSABinding) {
			b.Spec.Workloads[0].Selector = &v1alpha1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}
		}, "spec.workloads[0]", "both name and selector"},
		{"empty selector", func(b *v1alpha1.IRSABinding) {
			b.Spec.Workloads[0] = v1alpha1.WorkloadRef{Selector: &v1alpha1.LabelSelector{}}
		}, "spec.workloads[0].selector", "empty selector"},
		{"unknown sa", func(b *v1alpha1.IRSABinding) { b.Spec.Workloads[0].ServiceAccount = "nobody" }, "spec.workloads[0].serviceAccount", "not declared"},
		{"workload in another namespace", func(b *v1alpha1.IRSABinding) { b.Spec.Workloads[0].Namespace = "staging" }, "spec.workloads[0].namespace", "own namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := validBinding()
			tt.mutate(&b)
			res := Generate(Input{Binding: b})
			for _, d := range errorsOf(res.Diagnostics) {
				if d.Field == tt.field && strings.Contains(d.Message, tt.detail) {
					if d.Allowed == "" {
						t.Errorf("error at %s says nothing of what is allowed: %s", d.Field, d.Message)
					}
					if len(res.Objects) != 0 {
						t.Error("objects rendered despite an error")
					}
					return
				}
			}
			t.Errorf("no error at %s containing %q; got %v", tt.field, tt.detail, res.Diagnostics)
		})
	}
}

func TestGenerateReportsAllProblems(t *testing.T) {
	b := validBinding()
	b.Spec.Role.AccountID = "1"
	b.Spec.Role.MaxSessionDuration = 1
	b.Spec.Clusters[0].OIDCIssuer = "http://x"
	if n := len(errorsOf(Generate(Input{Binding: b}).Diagnostics)); n != 3 {
		t.Errorf("%d errors, want all 3", n)
	}
}

func TestConfigDefaults(t *testing.T) {
	b := validBinding()
	b.Spec.Clusters = nil
	b.Spec.Role = v1alpha1.Role{Tags: map[string]string{"owner": "team-a"}}
	cfg := &v1alpha1.IRSAConfig{Metadata: v1alpha1.ObjectMeta{Name: "prod"}, Spec: v1alpha1.ConfigSpec{
		Clusters: []v1alpha1.ConfigCluster{{Cluster: v1alpha1.Cluster{Name: "prod", OIDCIssuer: issuer, ProviderAccountID: "111122223333"}}},
		Defaults: v1alpha1.Settings{Role: v1alpha1.Role{
			AccountID: "444455556666", Path: "/irsa/", MaxSessionDuration: 7200,
			Tags: map[string]string{"owner": "platform", "cluster": "prod"},
		}},
		ACK: v1alpha1.ACKSettings{Namespace: "ack-system", Region: "eu-west-1"},
	}}
	res := Generate(Input{Binding: b, Config: cfg})
	if errs := errorsOf(res.Diagnostics); len(errs) > 0 {
		t.Fatal(errs)
	}
	r := res.Role
	if r.ARN != "arn:aws:iam::444455556666:role/irsa/prod-production-s3-writer" || r.MaxSessionDuration != 7200 {
		t.Errorf("role %+v", r)
	}
	if len(r.Tags) != 2 || r.Tags[1] != (Tag{Key: "owner", Value: "team-a"}) || r.Tags[0] != (Tag{Key: "cluster", Value: "prod"}) {
		t.Errorf("tags did not merge with the binding winning: %v", r.Tags)
	}
	if !strings.Contains(r.Trust.JSON(), "arn:aws:iam::111122223333:oidc-provider/") {
		t.Error("provider account not used")
	}
	m := res.Objects[0].Metadata
	if m.Namespace != "ack-system" || m.Annotations[AnnotationACKRegion] != "eu-west-1" {
		t.Errorf("ACK placement %+v", m)
	}
	if errs := errorsOf(ValidateConfig(&v1alpha1.IRSAConfig{Metadata: v1alpha1.ObjectMeta{Name: "prod"}, Spec: v1alpha1.ConfigSpec{Defaults: v1alpha1.Settings{Role: v1alpha1.Role{AccountID: "x"}}}})); len(errs) != 1 || errs[0].Field != "spec.defaults.role.accountID" {
		t.Errorf("config defaults are not validated under their own path: %v", errs)
	}
}

func TestSubjectPatternAndExistingRole(t *testing.T) {
	b := validBinding()
	b.Spec.SubjectPattern = "system:serviceaccount:production:*"
	res := Generate(Input{Binding: b})
	if errs := errorsOf(res.Diagnostics); len(errs) > 0 {
		t.Fatal(errs)
	}
	if !strings.Contains(res.Role.Trust.JSON(), `"StringLike"`) || len(res.Diagnostics) == 0 || res.Diagnostics[0].Severity != diag.Warning {
		t.Errorf("pattern: want StringLike and a warning, got %s %v", res.Role.Trust.JSON(), res.Diagnostics)
	}
	b = validBinding()
	b.Spec.Role = v1alpha1.Role{ARN: "arn:aws:iam::999988887777:role/existing"}
	b.Spec.Policies = v1alpha1.Policies{}
	res = Generate(Input{Binding: b})
	if res.Role != nil || len(res.Objects) != 0 || res.ServiceAccounts[0].Annotations[AnnotationRoleARN] != b.Spec.Role.ARN {
		t.Errorf("bring-your-own role: %+v", res)
	}
}

// BenchmarkGenerate is one binding with two service accounts, three inline statements, a
// managed policy and four workloads: the generator's work per binding in a render.
func BenchmarkGenerate(b *testing.B) {
	bind := validBinding()
	bind.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Name: "a"}, {Name: "b", Audience: "x.example.com"}}
	bind.Spec.Policies.Managed = []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}
	bind.Spec.Policies.Inline[0].Statements = append(bind.Spec.Policies.Inline[0].Statements,
		v1alpha1.Statement{Actions: []string{"sqs:SendMessage"}, Resources: []string{"arn:aws:sqs:eu-west-1:123456789012:q"}},
		v1alpha1.Statement{Actions: []string{"dynamodb:GetItem"}, Resources: []string{"arn:aws:dynamodb:eu-west-1:123456789012:table/t"}})
	bind.Spec.Workloads = []v1alpha1.WorkloadRef{{Kind: "Deployment", Name: "a", ServiceAccount: "a"}, {Kind: "Deployment", Name: "b", ServiceAccount: "a"}, {Kind: "CronJob", Name: "c", ServiceAccount: "b"}, {Selector: &v1alpha1.LabelSelector{MatchLabels: map[string]string{"x": "y"}}, ServiceAccount: "b"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if res := Generate(Input{Binding: bind}); res.Diagnostics.HasErrors() {
			b.Fatal(res.Diagnostics)
		}
	}
}

// TestIAMReferenceAsWarnings: a platform whose teams use an action newer than the embedded IAM
// data sets spec.lint.iamReference: Warning, and the binding renders with a warning that says
// why; without it, the same binding fails. Only the IRSAConfig can relax it.
func TestIAMReferenceAsWarnings(t *testing.T) {
	b := validBinding()
	b.Spec.Policies.Inline[0].Statements[0].Actions = []string{"s3:PutObjectBrandNew"}
	b.Spec.Policies.Managed = []string{"arn:aws:iam::aws:policy/AmazonS3BrandNewAccess"}
	strict := Generate(Input{Binding: b})
	if errs := errorsOf(strict.Diagnostics); len(errs) != 2 || strict.Role != nil {
		t.Fatalf("by default the findings are errors: %v", strict.Diagnostics)
	}
	cfg := &v1alpha1.IRSAConfig{Metadata: v1alpha1.ObjectMeta{Name: "prod"}, Spec: v1alpha1.ConfigSpec{Lint: v1alpha1.LintSettings{IAMReference: "Warning"}}}
	lenient := Generate(Input{Binding: b, Config: cfg})
	if errs := errorsOf(lenient.Diagnostics); len(errs) > 0 || lenient.Role == nil {
		t.Fatalf("with iamReference: Warning the binding renders: %v", errs)
	}
	want := `spec.policies.inline[0].statements[0].actions[0]: "s3:PutObjectBrandNew" is not an action of s3 (an error, reported as a warning because the IRSAConfig sets spec.lint.iamReference: Warning; allowed: an action of s3 in IAM's service reference)`
	found := false
	for _, d := range lenient.Diagnostics {
		found = found || (d.Severity == diag.Warning && d.String() == want)
	}
	if !found {
		t.Errorf("no warning %q in %v", want, lenient.Diagnostics)
	}
	if errs := errorsOf(ValidateConfig(&v1alpha1.IRSAConfig{Metadata: v1alpha1.ObjectMeta{Name: "prod"}, Spec: v1alpha1.ConfigSpec{Lint: v1alpha1.LintSettings{IAMReference: "Off"}}})); len(errs) != 1 || errs[0].Field != "spec.lint.iamReference" {
		t.Errorf("an unknown iamReference is not an error: %v", errs)
	}
}
