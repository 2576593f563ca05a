package generator

import (
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
)

// errorFields lists the fields of the errors in l, in order.
func errorFields(l diag.List) []string {
	var out []string
	for _, d := range errorsOf(l) {
		out = append(out, d.Field)
	}
	return out
}

// TestIndependentChecksRunTogether: problems of independent parts of a binding are all reported
// in one run: a field's range, a missing account and cluster, the add-ons' parameters, the
// number of managed policies, and the workloads' references.
func TestIndependentChecksRunTogether(t *testing.T) {
	b := validBinding()
	b.Spec.Clusters = nil
	b.Spec.Role.AccountID = ""
	b.Spec.Role.MaxSessionDuration = 100
	b.Spec.Policies.WellKnown = []v1alpha1.WellKnownPolicy{{Name: "external-dns"}}
	for i := 0; i < 11; i++ {
		b.Spec.Policies.Managed = append(b.Spec.Policies.Managed, "arn:aws:iam::123456789012:policy/P"+strings.Repeat("x", i))
	}
	b.Spec.Workloads[0].ServiceAccount = "nobody"
	got := strings.Join(errorFields(Generate(Input{Binding: b}).Diagnostics), "\n")
	want := strings.Join([]string{
		"spec.role.maxSessionDuration",
		"spec.workloads[0].serviceAccount",
		"spec.clusters",
		"spec.role.accountID",
		"spec.policies.managed",
		"spec.policies.wellKnown[0].hostedZoneIDs",
	}, "\n")
	if got != want {
		t.Errorf("errors at:\n%s\nwant:\n%s", got, want)
	}
}

// TestNoCascades: a problem is reported once, where it is, and nothing is concluded from the
// broken value: each of these bindings has exactly the one error named.
func TestNoCascades(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(b *v1alpha1.IRSABinding)
		field  string
	}{
		{"51 tags are not also too many after merging", func(b *v1alpha1.IRSABinding) {
			b.Spec.Role.Tags = map[string]string{}
			for i := 0; i < 51; i++ {
				b.Spec.Role.Tags[strings.Repeat("k", i+1)] = "v"
			}
		}, "spec.role.tags"},
		{"a boundary that is no ARN has no partition", func(b *v1alpha1.IRSABinding) { b.Spec.Role.PermissionsBoundary = "boundary" }, "spec.role.permissionsBoundary"},
		{"a managed policy that is no ARN has no partition", func(b *v1alpha1.IRSABinding) { b.Spec.Policies.Managed = []string{"AmazonS3ReadOnlyAccess"} }, "spec.policies.managed[0]"},
		{"an unknown mode requires nothing of the clusters", func(b *v1alpha1.IRSABinding) {
			b.Spec.Mode = "sideways"
			b.Spec.Clusters[0].OIDCIssuer = ""
		}, "spec.mode"},
		{"a region that is no region does not contradict the issuer", func(b *v1alpha1.IRSABinding) { b.Spec.Clusters[0].Region = "Europe" }, "spec.clusters[0].region"},
		{"a bad binding name is not also a bad service account name", func(b *v1alpha1.IRSABinding) { b.Metadata.Name = "S3_Writer" }, "metadata.name"},
		{"a bad namespace is not also a bad service account namespace", func(b *v1alpha1.IRSABinding) { b.Metadata.Namespace = "Production" }, "metadata.namespace"},
		{"a subject pattern without the prefix does not also miss the service accounts", func(b *v1alpha1.IRSABinding) { b.Spec.SubjectPattern = "production:*" }, "spec.subjectPattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := validBinding()
			tt.mutate(&b)
			res := Generate(Input{Binding: b})
			if got := errorFields(res.Diagnostics); len(got) != 1 || got[0] != tt.field {
				t.Errorf("errors %v, want one at %s", res.Diagnostics, tt.field)
			}
		})
	}
}

// TestSkippedFields: a field the decoder skipped reads as unset, and nothing is reported about
// it or concluded from it; the binding's other problems are still reported, and nothing is
// rendered.
func TestSkippedFields(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(b *v1alpha1.IRSABinding)
		skipped diag.Path
		want    []string
	}{
		{"a workload's name is not missing", func(b *v1alpha1.IRSABinding) { b.Spec.Workloads[0].Name = "" },
			specPath.Child("workloads").Index(0).Child("name"), nil},
		{"the service accounts are not the default", func(b *v1alpha1.IRSABinding) { b.Spec.Workloads[0].ServiceAccount = "app" },
			specPath.Child("serviceAccounts"), nil},
		{"the mode is not the default", func(b *v1alpha1.IRSABinding) { b.Spec.Clusters[0].OIDCIssuer = "" },
			specPath.Child("mode"), nil},
		{"a role ARN does not make the account required", func(b *v1alpha1.IRSABinding) { b.Spec.Role.AccountID = "" },
			specPath.Child("role", "arn"), nil},
		{"a statement's actions are not missing, its effect is still checked", func(b *v1alpha1.IRSABinding) {
			st := &b.Spec.Policies.Inline[0].Statements[0]
			st.Actions, st.Effect = nil, "Allowed"
		}, specPath.Child("policies", "inline").Index(0).Child("statements").Index(0).Child("actions"),
			[]string{"spec.policies.inline[0].statements[0].effect"}},
		{"a session duration does not hide the range of another field", func(b *v1alpha1.IRSABinding) { b.Spec.Role.Description = strings.Repeat("d", 1001) },
			specPath.Child("role", "maxSessionDuration"), []string{"spec.role.description"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := validBinding()
			tt.mutate(&b)
			res := Generate(Input{Binding: b, Skipped: []diag.Path{tt.skipped}})
			if got := errorFields(res.Diagnostics); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("errors %v, want at %v", res.Diagnostics, tt.want)
			}
			if res.Role != nil || len(res.Objects) > 0 || len(res.ServiceAccounts) > 0 || len(res.Workloads) > 0 {
				t.Errorf("a binding with skipped fields rendered: %+v", res)
			}
		})
	}
}

// TestObjectNames: a binding's name, an IRSAConfig's and a role name that leaves no object name
// are errors on those fields; a role name with no object of its own is not.
func TestObjectNames(t *testing.T) {
	for _, tt := range []struct {
		name, bindingName, roleName string
		output                      []v1alpha1.Output
		field, detail               string
	}{
		{"upper-case binding name", "S3Writer", "", nil, "metadata.name", `name "S3Writer" is not a valid object name`},
		{"254-character binding name", strings.Repeat("a", 254), "", nil, "metadata.name", "254 characters"},
		{"role name without letters", "s3-writer", "@@@", nil, "spec.role.name", `role name "@@@" leaves nothing of a Kubernetes object name`},
		{"role name without letters, crossplane", "s3-writer", "_=_", []v1alpha1.Output{v1alpha1.OutputCrossplane}, "spec.role.name", "output crossplane names its objects after the role"},
		{"role name without letters, no objects", "s3-writer", "@@@", []v1alpha1.Output{v1alpha1.OutputNone}, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := validBinding()
			b.Metadata.Name, b.Spec.Role.Name, b.Spec.Output = tt.bindingName, tt.roleName, tt.output
			b.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Name: "app"}}
			errs := errorsOf(Generate(Input{Binding: b}).Diagnostics)
			if tt.field == "" {
				if len(errs) > 0 {
					t.Errorf("errors %v", errs)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tt.field || !strings.Contains(errs[0].Message, tt.detail) || errs[0].Allowed == "" {
				t.Errorf("errors %v, want one at %s containing %q", errs, tt.field, tt.detail)
			}
		})
	}
	for name, want := range map[string]string{"prod.eu-1": "", "Prod": "metadata.name", "": "metadata.name", "-prod": "metadata.name"} {
		errs := errorsOf(ValidateConfig(&v1alpha1.IRSAConfig{Metadata: v1alpha1.ObjectMeta{Name: name}}))
		if got := strings.Join(errorFields(errs), " "); got != want {
			t.Errorf("IRSAConfig %q: errors %v, want at %q", name, errs, want)
		}
	}
}
