package generator

import (
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
)

const (
	thisRun  = "irsa.dev/v1alpha1/IRSAConfig//prod-eu"
	otherRun = "irsa.dev/v1alpha1/IRSAConfig//base"
)

// binding is a valid binding of namespace ns for service account sa, run by Deployment sa.
func binding(ns, name string, edit ...func(*v1alpha1.IRSABinding)) v1alpha1.IRSABinding {
	b := validBinding()
	b.Metadata = v1alpha1.ObjectMeta{Name: name, Namespace: ns}
	b.Spec.Workloads = []v1alpha1.WorkloadRef{{Kind: "Deployment", Name: name}}
	for _, e := range edit {
		e(&b)
	}
	return b
}

// withCustomerManaged gives a binding a customer managed policy of that name (and output ack,
// which renders them).
func withCustomerManaged(name string, path ...string) func(*v1alpha1.IRSABinding) {
	return func(b *v1alpha1.IRSABinding) {
		p := v1alpha1.CustomerManagedPolicy{Name: name, Statements: b.Spec.Policies.Inline[0].Statements}
		if len(path) > 0 {
			p.Path = path[0]
		}
		b.Spec.Policies.CustomerManaged = append(b.Spec.Policies.CustomerManaged, p)
	}
}

func deployment(id int, ns, name, sa string, ann map[string]string) Item {
	return Item{ID: id, Kind: WorkloadItem, APIVersion: "apps/v1", ObjectKind: "Deployment", Namespace: ns, Name: name,
		ServiceAccountName: sa, HasServiceAccountName: sa != "", Annotations: ann}
}

func serviceAccount(id int, ns, name string, generated bool, ann map[string]string) Item {
	return Item{ID: id, Kind: ServiceAccountItem, APIVersion: "v1", ObjectKind: "ServiceAccount", Namespace: ns, Name: name, Generated: generated, Annotations: ann}
}

func stamp(run, binding string) map[string]string {
	return map[string]string{AnnotationInvocation: run, AnnotationBinding: binding}
}

func findingsOf(p Plan, sev diag.Severity) []string {
	var out []string
	for _, f := range p.Findings {
		if f.Severity == sev {
			out = append(out, f.Diagnostic.String())
		}
	}
	return out
}

// wantErrors checks that the plan has as many errors as want, each containing its entry of want
// in order, and returns them.
func wantErrors(t *testing.T, p Plan, want []string) []string {
	t.Helper()
	errs := findingsOf(p, diag.Error)
	if len(errs) != len(want) {
		t.Fatalf("errors:\n%s\nwant %d containing %q", strings.Join(errs, "\n"), len(want), want)
	}
	for i, w := range want {
		if !strings.Contains(errs[i], w) {
			t.Errorf("error %q\nlacks %q", errs[i], w)
		}
	}
	return errs
}

func TestRender(t *testing.T) {
	guard := func(ns ...string) *v1alpha1.IRSAConfig {
		return &v1alpha1.IRSAConfig{Metadata: v1alpha1.ObjectMeta{Name: "prod-eu"}, Spec: v1alpha1.ConfigSpec{Guardrails: v1alpha1.Guardrails{CrossNamespace: ns}}}
	}
	inTeamB := func(b *v1alpha1.IRSABinding) {
		f := false
		b.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Name: "payments", Namespace: "team-b", Create: &f}}
		b.Spec.Workloads = nil
	}
	tests := []struct {
		name     string
		cfg      *v1alpha1.IRSAConfig
		bindings []v1alpha1.IRSABinding
		items    []Item
		// errors are substrings each error must contain, in order; none: no error.
		errors []string
		check  func(t *testing.T, p Plan)
	}{
		{
			name: "another run's binding and objects pass through",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web", func(b *v1alpha1.IRSABinding) {
				b.Metadata.Annotations = map[string]string{AnnotationInvocation: otherRun}
			})},
			items: []Item{
				serviceAccount(0, "shop", "web", true, stamp(otherRun, "shop/web")),
				deployment(1, "shop", "web", "web", map[string]string{AnnotationInvocation: otherRun, AnnotationBinding: "shop/web", AnnotationPreviousServiceAccount: ""}),
			},
			check: func(t *testing.T, p Plan) {
				if p.Bindings[0].Rendered || len(p.Remove)+len(p.Add)+len(p.Workloads)+len(p.ServiceAccounts) != 0 {
					t.Errorf("another run's output must pass through untouched: %+v", p)
				}
			},
		},
		{
			name: "this run's earlier output is replaced and stamped",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web", func(b *v1alpha1.IRSABinding) {
				b.Metadata.Annotations = map[string]string{AnnotationInvocation: thisRun}
			})},
			items: []Item{
				serviceAccount(0, "shop", "web", true, stamp(thisRun, "shop/web")),
				deployment(1, "shop", "web", "web", map[string]string{AnnotationInvocation: thisRun, AnnotationBinding: "shop/web", AnnotationPreviousServiceAccount: "legacy"}),
			},
			check: func(t *testing.T, p Plan) {
				if len(p.Remove) != 1 || p.Remove[0] != 0 {
					t.Errorf("remove %v, want the earlier ServiceAccount", p.Remove)
				}
				for _, o := range p.Add {
					if o.Object.Metadata.Annotations[AnnotationInvocation] != thisRun {
						t.Errorf("%s %s is not stamped", o.Object.Kind, o.Object.Metadata.Name)
					}
				}
				if len(p.Workloads) != 1 || p.Workloads[0].Set[AnnotationPreviousServiceAccount] != "" || p.Workloads[0].ServiceAccountName != "web" {
					t.Errorf("the earlier record must be kept, not rewritten: %+v", p.Workloads)
				}
				if _, rewritten := p.Workloads[0].Set[AnnotationPreviousServiceAccount]; rewritten {
					t.Error("previous-service-account rewritten on a re-render")
				}
			},
		},
		{
			name:     "a first patch records the previous service account",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web")},
			items:    []Item{deployment(0, "shop", "web", "", nil)},
			check: func(t *testing.T, p Plan) {
				w := p.Workloads[0]
				if prev, ok := w.Set[AnnotationPreviousServiceAccount]; !ok || prev != "" || w.Set[AnnotationInvocation] != thisRun || w.Set[AnnotationBinding] != "shop/web" {
					t.Errorf("annotations %v", w.Set)
				}
			},
		},
		{
			name:     "cross-namespace service account without the guardrail",
			bindings: []v1alpha1.IRSABinding{binding("team-a", "a", inTeamB)},
			items:    []Item{serviceAccount(0, "team-b", "payments", false, nil)},
			errors:   []string{"spec.serviceAccounts[0].namespace: service account team-b/payments is outside the binding's namespace team-a, and there is no IRSAConfig that lists team-b in spec.guardrails.crossNamespace"},
		},
		{
			name:     "cross-namespace service account the guardrail does not list",
			cfg:      guard("team-c"),
			bindings: []v1alpha1.IRSABinding{binding("team-a", "a", inTeamB)},
			items:    []Item{serviceAccount(0, "team-b", "payments", false, nil)},
			errors:   []string{"IRSAConfig prod-eu never lists team-b in spec.guardrails.crossNamespace"},
		},
		{
			name:     "cross-namespace service account the guardrail lists",
			cfg:      guard("team-b"),
			bindings: []v1alpha1.IRSABinding{binding("team-a", "a", inTeamB)},
			items:    []Item{serviceAccount(0, "team-b", "payments", false, nil)},
		},
		{
			name:     "every namespace allowed",
			cfg:      guard("*"),
			bindings: []v1alpha1.IRSABinding{binding("team-a", "a", inTeamB)},
			items:    []Item{serviceAccount(0, "team-b", "payments", false, nil)},
		},
		{
			name: "takeover of a service account another binding of the run annotated",
			cfg:  guard("team-b"),
			bindings: []v1alpha1.IRSABinding{binding("team-a", "a", inTeamB), binding("team-b", "payments", func(b *v1alpha1.IRSABinding) {
				b.Spec.Workloads = nil
				b.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Name: "other"}}
			})},
			items:  []Item{serviceAccount(0, "team-b", "payments", false, stamp(thisRun, "team-b/payments"))},
			errors: []string{"ServiceAccount team-b/payments is annotated for binding team-b/payments, which still exists; this binding (team-a/a) cannot take it over"},
		},
		{
			name:     "takeover of a service account another run annotated",
			cfg:      guard("team-b"),
			bindings: []v1alpha1.IRSABinding{binding("team-a", "a", inTeamB)},
			items:    []Item{serviceAccount(0, "team-b", "payments", false, stamp(otherRun, "team-b/payments"))},
			errors:   []string{"ServiceAccount team-b/payments belongs to binding team-b/payments of run " + otherRun + "; this binding (run " + thisRun + ") cannot take it over"},
		},
		{
			name:     "a service account whose binding is gone is taken over, its stale annotations removed",
			cfg:      guard("team-b"),
			bindings: []v1alpha1.IRSABinding{binding("team-a", "a", inTeamB)},
			items: []Item{serviceAccount(0, "team-b", "payments", false, map[string]string{
				AnnotationInvocation: thisRun, AnnotationBinding: "team-b/payments", AnnotationRoleARN: "arn:aws:iam::123456789012:role/old", AnnotationAudience: "old"})},
			check: func(t *testing.T, p Plan) {
				c := p.ServiceAccounts[0]
				if c.Set[AnnotationBinding] != "team-a/a" || len(c.Remove) != 1 || c.Remove[0] != AnnotationAudience {
					t.Errorf("change %+v", c)
				}
			},
		},
		{
			name:     "a workload another run patched",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web")},
			items:    []Item{deployment(0, "shop", "web", "base-sa", stamp(otherRun, "shop/base"))},
			errors:   []string{"Deployment shop/web runs as service account base-sa for binding shop/base of run " + otherRun + "; this binding (run " + thisRun + ") cannot patch it too"},
		},
		{
			name:     "an object name another run renders",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web")},
			items:    []Item{deployment(0, "shop", "web", "", nil), serviceAccount(1, "shop", "web", true, stamp(otherRun, "shop/web"))},
			errors:   []string{"ServiceAccount shop/web belongs to binding shop/web of run " + otherRun},
		},
		{
			name:     "a role name another run renders",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web")},
			items: []Item{deployment(0, "shop", "web", "", nil), {ID: 1, APIVersion: ACKRoleAPIVersion, ObjectKind: "Role", Namespace: "ack-system", Name: "x", Generated: true,
				Annotations: stamp(otherRun, "other/web"), RoleName: "PROD-EU-shop-web"}},
			errors: []string{`role "prod-eu-shop-web" is also rendered by run ` + otherRun + ", as Role ack-system/x of binding other/web"},
		},
		{
			name:  "binding removed: the workload gets its previous service account back",
			items: []Item{serviceAccount(0, "shop", "web", true, stamp(thisRun, "shop/web")), deployment(1, "shop", "web", "web", map[string]string{AnnotationInvocation: thisRun, AnnotationBinding: "shop/web", AnnotationPreviousServiceAccount: "app"})},
			check: func(t *testing.T, p Plan) {
				if len(p.Remove) != 1 || len(p.Workloads) != 1 {
					t.Fatalf("plan %+v", p)
				}
				w := p.Workloads[0]
				if w.Binding != -1 || w.ServiceAccountName != "app" || w.Unset || len(w.Remove) != 3 {
					t.Errorf("restore %+v", w)
				}
			},
		},
		{
			name:  "binding removed: an absent field is removed again",
			items: []Item{serviceAccount(0, "shop", "web", true, stamp(thisRun, "shop/web")), deployment(1, "shop", "web", "web", map[string]string{AnnotationInvocation: thisRun, AnnotationBinding: "shop/web", AnnotationPreviousServiceAccount: ""})},
			check: func(t *testing.T, p Plan) {
				if w := p.Workloads[0]; !w.Unset {
					t.Errorf("restore %+v", w)
				}
			},
		},
		{
			name:   "binding removed, the field changed by hand",
			items:  []Item{serviceAccount(0, "shop", "web", true, stamp(thisRun, "shop/web")), deployment(1, "shop", "web", "manual", map[string]string{AnnotationInvocation: thisRun, AnnotationBinding: "shop/web", AnnotationPreviousServiceAccount: "app"})},
			errors: []string{`Deployment shop/web was patched for binding shop/web, which no longer claims it, but its serviceAccountName is now "manual"`},
		},
		{
			name:   "binding removed, the workload patched before records",
			items:  []Item{serviceAccount(0, "shop", "web", true, map[string]string{AnnotationBinding: "shop/web"}), deployment(1, "shop", "web", "web", nil)},
			errors: []string{"Deployment shop/web runs as service account web, which irsa-fn rendered and now removes"},
		},
		{
			name:     "a workload patched before records is not given a record",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web")},
			items:    []Item{serviceAccount(0, "shop", "web", true, map[string]string{AnnotationBinding: "shop/web"}), deployment(1, "shop", "web", "web", nil)},
			check: func(t *testing.T, p Plan) {
				if _, recorded := p.Workloads[0].Set[AnnotationPreviousServiceAccount]; recorded {
					t.Errorf("recorded a previous service account that irsa-fn itself set: %v", p.Workloads[0].Set)
				}
			},
		},
		{
			name: "a customer managed policy name two bindings render, and the guardrails' boundary",
			cfg: &v1alpha1.IRSAConfig{Metadata: v1alpha1.ObjectMeta{Name: "prod-eu"}, Spec: v1alpha1.ConfigSpec{Guardrails: v1alpha1.Guardrails{
				PermissionsBoundary: "arn:aws:iam::123456789012:policy/eks-workload-boundary"}}},
			bindings: []v1alpha1.IRSABinding{
				binding("shop", "a", withCustomerManaged("shared")),
				binding("shop", "b", withCustomerManaged("Shared")),
				binding("shop", "c", withCustomerManaged("eks-workload-boundary")),
			},
			items: []Item{deployment(0, "shop", "a", "", nil), deployment(1, "shop", "b", "", nil), deployment(2, "shop", "c", "", nil)},
			errors: []string{
				`spec.policies.customerManaged[0].name: customer managed policy arn:aws:iam::123456789012:policy/Shared has the name of arn:aws:iam::123456789012:policy/shared, spec.policies.customerManaged[0].name of IRSABinding shop/a`,
				`spec.policies.customerManaged[0].name: customer managed policy arn:aws:iam::123456789012:policy/eks-workload-boundary is the permissions boundary that spec.guardrails.permissionsBoundary of IRSAConfig prod-eu requires of every role`,
			},
		},
		{
			name: "customer managed policy names are compared per account, ignoring case and path",
			bindings: []v1alpha1.IRSABinding{
				binding("shop", "a", withCustomerManaged("keep"), withCustomerManaged("Reports", "/team-a/")),
				binding("shop", "b", withCustomerManaged("reports", "/team-b/")),
				binding("shop", "c", withCustomerManaged("reports"), func(b *v1alpha1.IRSABinding) { b.Spec.Role.AccountID = "210987654321" }),
			},
			items: []Item{deployment(0, "shop", "a", "", nil), deployment(1, "shop", "b", "", nil), deployment(2, "shop", "c", "", nil)},
			errors: []string{
				`spec.policies.customerManaged[0].name: customer managed policy arn:aws:iam::123456789012:policy/team-b/reports has the name of arn:aws:iam::123456789012:policy/team-a/Reports, spec.policies.customerManaged[1].name of IRSABinding shop/a; IAM policy names are unique per account, ignoring case and path`,
			},
		},
		{
			name: "a managed policy ARN with the name of a customer managed policy the binding renders",
			bindings: []v1alpha1.IRSABinding{
				binding("shop", "a", withCustomerManaged("Reports", "/team-a/"), func(b *v1alpha1.IRSABinding) {
					b.Spec.Policies.Managed = []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/team-a/Reports", "arn:aws:iam::123456789012:policy/other/reports"}
				}),
				// Another binding may attach the policy a renders: that is what customer managed ones are for.
				binding("shop", "b", func(b *v1alpha1.IRSABinding) {
					b.Spec.Policies.Managed = []string{"arn:aws:iam::123456789012:policy/team-a/Reports"}
				}),
			},
			items: []Item{deployment(0, "shop", "a", "", nil), deployment(1, "shop", "b", "", nil)},
			errors: []string{
				`spec.policies.managed[1]: managed policy arn:aws:iam::123456789012:policy/team-a/Reports has the name of arn:aws:iam::123456789012:policy/team-a/Reports, which spec.policies.customerManaged[0] renders; IAM policy names are unique per account, ignoring case and path`,
				`spec.policies.managed[2]: managed policy arn:aws:iam::123456789012:policy/other/reports has the name of arn:aws:iam::123456789012:policy/team-a/Reports, which spec.policies.customerManaged[0] renders; IAM policy names are unique per account, ignoring case and path`,
			},
		},
		{
			name:     "customer managed policy names another run renders",
			bindings: []v1alpha1.IRSABinding{binding("shop", "a", withCustomerManaged("reports"))},
			items: []Item{deployment(0, "shop", "a", "", nil),
				{ID: 1, APIVersion: ACKRoleAPIVersion, ObjectKind: "Policy", Namespace: "other", Name: "x", Generated: true,
					Annotations: stamp(otherRun, "other/x"), PolicyName: "REPORTS"},
				{ID: 2, APIVersion: ACKRoleAPIVersion, ObjectKind: "Policy", Namespace: "other", Name: "y", Generated: true,
					Annotations: stamp(otherRun, "other/y"), PolicyName: "Reports", PolicyAccount: "123456789012"},
				{ID: 3, APIVersion: ACKRoleAPIVersion, ObjectKind: "Policy", Namespace: "other", Name: "z", Generated: true,
					Annotations: stamp(otherRun, "other/z"), PolicyName: "reports", PolicyAccount: "210987654321"}},
			errors: []string{
				`spec.policies.customerManaged[0].name: customer managed policy arn:aws:iam::123456789012:policy/reports has the name of policy "REPORTS", rendered by run ` + otherRun + ` as Policy other/x for binding other/x`,
				`spec.policies.customerManaged[0].name: customer managed policy arn:aws:iam::123456789012:policy/reports has the name of policy "Reports", rendered by run ` + otherRun + ` as Policy other/y for binding other/y`,
			},
		},
		{
			name:     "a subject pattern that admits other namespaces",
			bindings: []v1alpha1.IRSABinding{binding("shop", "a", func(b *v1alpha1.IRSABinding) { b.Spec.SubjectPattern = "system:serviceaccount:shop*" })},
			items:    []Item{deployment(0, "shop", "a", "", nil)},
			errors:   []string{`spec.subjectPattern: subject pattern "system:serviceaccount:shop*" admits service accounts of namespace "shop*", outside the binding's namespace shop`},
		},
		{
			name:     "a subject pattern that admits every namespace, allowed by the guardrail",
			cfg:      guard("*"),
			bindings: []v1alpha1.IRSABinding{binding("shop", "a", func(b *v1alpha1.IRSABinding) { b.Spec.SubjectPattern = "system:serviceaccount:*" })},
			items:    []Item{deployment(0, "shop", "a", "", nil)},
		},
		{
			name: "another run's binding is held to this run's guardrails",
			cfg: &v1alpha1.IRSAConfig{Metadata: v1alpha1.ObjectMeta{Name: "prod-eu"}, Spec: v1alpha1.ConfigSpec{Guardrails: v1alpha1.Guardrails{
				DeniedActions: []string{"iam:*"}, RolePath: "/irsa/"}}},
			bindings: []v1alpha1.IRSABinding{binding("shop", "a", func(b *v1alpha1.IRSABinding) {
				b.Metadata.Annotations = map[string]string{AnnotationInvocation: otherRun}
				b.Spec.Policies.Inline[0].Statements[0].Actions = []string{"iam:*"}
				b.Spec.Policies.Inline[0].Statements[0].Resources = []string{"*"}
			})},
			items: []Item{deployment(0, "shop", "a", "", nil)},
			errors: []string{
				`spec.policies.inline[0].statements[0].actions[0]: action "iam:*" grants what spec.guardrails.deniedActions of IRSAConfig prod-eu denies ("iam:*")`,
			},
		},
		{
			name: "a person's ServiceAccount with an audience and a token expiration that contradict the binding",
			bindings: []v1alpha1.IRSABinding{binding("shop", "a", func(b *v1alpha1.IRSABinding) {
				b.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Name: "a", Create: new(bool)}}
			})},
			items: []Item{deployment(0, "shop", "a", "", nil), serviceAccount(1, "shop", "a", false, map[string]string{
				AnnotationAudience: "sts.amazonaws.com.cn", AnnotationTokenExpiration: "300"})},
			errors: []string{
				`carries eks.amazonaws.com/audience: "sts.amazonaws.com.cn", which its tokens would carry as aud, while the role's trust admits sts.amazonaws.com`,
				`carries eks.amazonaws.com/token-expiration: "300", which the pod identity webhook does not take`,
			},
		},
		{
			name: "a borrowed role whose trust refuses the borrower",
			bindings: []v1alpha1.IRSABinding{binding("shop", "a"), binding("shop", "b", func(b *v1alpha1.IRSABinding) {
				b.Spec.Role.ARN = "arn:aws:iam::123456789012:role/prod-eu-shop-a"
			})},
			items:  []Item{deployment(0, "shop", "a", "", nil), deployment(1, "shop", "b", "", nil)},
			errors: []string{"role arn:aws:iam::123456789012:role/prod-eu-shop-a is rendered by binding shop/a, and its trust policy refuses service account shop/b (audience sts.amazonaws.com) of this binding"},
		},
		{
			name: "a borrowed Pod Identity role whose trust refuses the borrower",
			bindings: []v1alpha1.IRSABinding{binding("shop", "a", func(b *v1alpha1.IRSABinding) { b.Spec.Mode = v1alpha1.ModePodIdentity }), binding("shop", "b", func(b *v1alpha1.IRSABinding) {
				b.Spec.Mode = v1alpha1.ModePodIdentity
				b.Spec.Role.ARN = "arn:aws:iam::123456789012:role/prod-eu-shop-a"
			})},
			items:  []Item{deployment(0, "shop", "a", "", nil), deployment(1, "shop", "b", "", nil)},
			errors: []string{"role arn:aws:iam::123456789012:role/prod-eu-shop-a is rendered by binding shop/a, and its trust policy refuses the Pod Identity association of service account shop/b on cluster prod-eu of this binding"},
		},
		{
			name: "a borrowed role whose trust admits the borrower",
			bindings: []v1alpha1.IRSABinding{binding("shop", "a", func(b *v1alpha1.IRSABinding) { b.Spec.SubjectPattern = "system:serviceaccount:shop:*" }), binding("shop", "b", func(b *v1alpha1.IRSABinding) {
				b.Spec.Role.ARN = "arn:aws:iam::123456789012:role/prod-eu-shop-a"
			})},
			items: []Item{deployment(0, "shop", "a", "", nil), deployment(1, "shop", "b", "", nil)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Render(thisRun, tc.cfg, tc.bindings, Existing{Items: tc.items})
			errs := wantErrors(t, p, tc.errors)
			if tc.check != nil && len(errs) == 0 {
				tc.check(t, p)
			}
			again := Render(thisRun, tc.cfg, tc.bindings, Existing{Items: tc.items})
			if a, b := strings.Join(findingsOf(again, diag.Error), "\n"), strings.Join(errs, "\n"); a != b {
				t.Errorf("a second Render reports otherwise:\n%s\n%s", a, b)
			}
		})
	}
}
