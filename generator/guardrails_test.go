package generator

import (
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
)

const (
	guardBoundary = "arn:aws:iam::123456789012:policy/eks-boundary"
	// The guardrails' names as messages write them.
	gBoundary = "spec.guardrails.permissionsBoundary of IRSAConfig platform"
	gPath     = "spec.guardrails.rolePath of IRSAConfig platform"
	gAccounts = "spec.guardrails.accounts of IRSAConfig platform"
	gActions  = "spec.guardrails.deniedActions of IRSAConfig platform"
	gManaged  = "spec.guardrails.deniedManagedPolicies of IRSAConfig platform"
)

// guardedConfig is an IRSAConfig named platform with the guardrails g.
func guardedConfig(g v1alpha1.Guardrails) *v1alpha1.IRSAConfig {
	return &v1alpha1.IRSAConfig{
		APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.KindConfig,
		Metadata: v1alpha1.ObjectMeta{Name: "platform"},
		Spec:     v1alpha1.ConfigSpec{Guardrails: g},
	}
}

// errorLines renders the errors of l as diag.Diagnostic.String does.
func errorLines(l diag.List) []string {
	var out []string
	for _, d := range errorsOf(l) {
		out = append(out, d.String())
	}
	return out
}

func inline(name string, st ...v1alpha1.Statement) v1alpha1.InlinePolicy {
	return v1alpha1.InlinePolicy{Name: name, Statements: st}
}

func allow(actions ...string) v1alpha1.Statement {
	return v1alpha1.Statement{Actions: actions, Resources: []string{"*"}}
}

func TestGuardrailViolations(t *testing.T) {
	s3Write := allow("s3:PutObject")
	s3Write.Resources = []string{"arn:aws:s3:::b/*"}
	tests := []struct {
		name   string
		guard  v1alpha1.Guardrails
		change func(b *v1alpha1.IRSABinding)
		want   []string
	}{{
		name:  "another permissions boundary",
		guard: v1alpha1.Guardrails{PermissionsBoundary: guardBoundary},
		change: func(b *v1alpha1.IRSABinding) {
			b.Spec.Role.PermissionsBoundary = "arn:aws:iam::aws:policy/AdministratorAccess"
		},
		want: []string{`spec.role.permissionsBoundary: permissions boundary "arn:aws:iam::aws:policy/AdministratorAccess" is not the one ` + gBoundary +
			` requires (allowed: arn:aws:iam::123456789012:policy/eks-boundary, or no permissionsBoundary: the role gets it)`},
	}, {
		name:   "a path outside rolePath",
		guard:  v1alpha1.Guardrails{RolePath: "/irsa/"},
		change: func(b *v1alpha1.IRSABinding) { b.Spec.Role.Path = "/" },
		want:   []string{`spec.role.path: role path "/" is outside ` + gPath + ` (allowed: a path that starts with /irsa/, or no path: the role gets /irsa/)`},
	}, {
		name:   "a path that only shares characters with rolePath",
		guard:  v1alpha1.Guardrails{RolePath: "/irsa/"},
		change: func(b *v1alpha1.IRSABinding) { b.Spec.Role.Path = "/irsa-admin/" },
		want:   []string{`spec.role.path: role path "/irsa-admin/" is outside ` + gPath + ` (allowed: a path that starts with /irsa/, or no path: the role gets /irsa/)`},
	}, {
		name:   "an account not allowed",
		guard:  v1alpha1.Guardrails{Accounts: []string{"111122223333", "123456789012"}},
		change: func(b *v1alpha1.IRSABinding) { b.Spec.Role.AccountID = "999999999999" },
		want:   []string{`spec.role.accountID: account "999999999999" is not among ` + gAccounts + ` (allowed: one of the accounts 111122223333, 123456789012)`},
	}, {
		name:  "a bring-your-own role in another account and path",
		guard: v1alpha1.Guardrails{Accounts: []string{"123456789012"}, RolePath: "/irsa/"},
		change: func(b *v1alpha1.IRSABinding) {
			b.Spec.Role = v1alpha1.Role{ARN: "arn:aws:iam::999999999999:role/admin/Existing"}
			b.Spec.Policies = v1alpha1.Policies{}
		},
		want: []string{
			`spec.role.arn: role "arn:aws:iam::999999999999:role/admin/Existing" is in account "999999999999", which is not among ` + gAccounts + ` (allowed: a role in one of the accounts 123456789012)`,
			`spec.role.arn: role "arn:aws:iam::999999999999:role/admin/Existing" has path "/admin/", outside ` + gPath + ` (allowed: a role whose path starts with /irsa/)`,
		},
	}, {
		name:  "an action that overlaps denied patterns",
		guard: v1alpha1.Guardrails{DeniedActions: []string{"iam:PassRole", "iam:Create*", "sts:AssumeRole"}},
		change: func(b *v1alpha1.IRSABinding) {
			b.Spec.Policies.Inline = append(b.Spec.Policies.Inline, inline("admin", s3Write, allow("s3:GetObject", "IAM:*Role")))
		},
		want: []string{`spec.policies.inline[1].statements[1].actions[1]: action "IAM:*Role" grants what ` + gActions +
			` denies ("iam:PassRole", "iam:Create*") (allowed: actions that overlap none of iam:PassRole, iam:Create*, sts:AssumeRole)`},
	}, {
		name:  "NotAction that leaves a denied action",
		guard: v1alpha1.Guardrails{DeniedActions: []string{"iam:Pass*", "S3:Delete*"}},
		change: func(b *v1alpha1.IRSABinding) {
			b.Spec.Policies.Inline = []v1alpha1.InlinePolicy{inline("all-but", v1alpha1.Statement{NotActions: []string{"s3:*", "iam:Get*"}, Resources: []string{"*"}})}
		},
		want: []string{`spec.policies.inline[0].statements[0].notActions: notActions allows every action it does not list, iam:PassRole among them, which ` + gActions +
			` denies ("iam:Pass*") (allowed: actions that overlap none of iam:Pass*, S3:Delete*; or a notActions list that excludes every action they match)`},
	}, {
		name:  "a JSON document granting everything",
		guard: v1alpha1.Guardrails{DeniedActions: []string{"iam:PassRole"}},
		change: func(b *v1alpha1.IRSABinding) {
			b.Spec.Policies.Inline = []v1alpha1.InlinePolicy{{Name: "raw", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"},{"Effect":"Allow","Action":["s3:GetObject","*"],"Resource":"*"}]}`}}
		},
		want: []string{`spec.policies.inline[0].document.Statement[1].Action[1]: action "*" grants what ` + gActions + ` denies ("iam:PassRole") (allowed: actions that overlap none of iam:PassRole)`},
	}, {
		name:  "a customer managed policy",
		guard: v1alpha1.Guardrails{DeniedActions: []string{"kms:Decrypt"}},
		change: func(b *v1alpha1.IRSABinding) {
			b.Spec.Policies.CustomerManaged = []v1alpha1.CustomerManagedPolicy{{Name: "keys", Statements: []v1alpha1.Statement{allow("kms:De*")}}}
		},
		want: []string{`spec.policies.customerManaged[0].statements[0].actions[0]: action "kms:De*" grants what ` + gActions + ` denies ("kms:Decrypt") (allowed: actions that overlap none of kms:Decrypt)`},
	}, {
		name:  "* denies every action",
		guard: v1alpha1.Guardrails{DeniedActions: []string{"*"}},
		want:  []string{`spec.policies.inline[0].statements[0].actions[0]: action "s3:PutObject" grants what ` + gActions + ` denies ("*") (allowed: actions that overlap none of *)`},
	}, {
		name:  "a well-known add-on that grants a denied action",
		guard: v1alpha1.Guardrails{DeniedActions: []string{"iam:PassRole", "sqs:DeleteMessage"}},
		change: func(b *v1alpha1.IRSABinding) {
			b.Spec.Policies.WellKnown = []v1alpha1.WellKnownPolicy{{Name: "external-dns", HostedZoneIDs: []string{"Z0123456789ABCDEFGHIJ"}}, {Name: "karpenter-controller"}}
		},
		want: []string{`spec.policies.wellKnown[1]: the karpenter-controller add-on's policy grants iam:PassRole, sqs:DeleteMessage, which ` + gActions +
			` denies ("iam:PassRole", "sqs:DeleteMessage") (allowed: add-ons whose policies grant no action that iam:PassRole, sqs:DeleteMessage matches; or a policy of your own without those actions)`},
	}, {
		name:  "denied AWS managed policies, by name; another account's policy of that name is not AWS managed",
		guard: v1alpha1.Guardrails{DeniedManagedPolicies: []string{"AdministratorAccess", "*FullAccess", "service-role/*"}},
		change: func(b *v1alpha1.IRSABinding) {
			b.Spec.Policies.Managed = []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "arn:aws:iam::123456789012:policy/AdministratorAccess", "arn:aws:iam::aws:policy/AmazonS3FullAccess"}
		},
		want: []string{
			`spec.policies.managed[2]: AWS managed policy "arn:aws:iam::aws:policy/AmazonS3FullAccess" is denied by ` + gManaged +
				` ("*FullAccess") (allowed: AWS managed policies whose name and path/name match none of AdministratorAccess, *FullAccess, service-role/*)`,
		},
	}, {
		name:  "an add-on's AWS managed policy, by path",
		guard: v1alpha1.Guardrails{DeniedManagedPolicies: []string{"AdministratorAccess", "*FullAccess", "service-role/*"}},
		change: func(b *v1alpha1.IRSABinding) {
			b.Spec.Policies.WellKnown = []v1alpha1.WellKnownPolicy{{Name: "efs-csi-driver"}}
		},
		want: []string{
			`spec.policies.wellKnown[0]: the efs-csi-driver add-on attaches AWS managed policy "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy", which ` + gManaged +
				` denies ("service-role/*") (allowed: AWS managed policies whose name and path/name match none of AdministratorAccess, *FullAccess, service-role/*)`,
		},
	}, {
		name:  "a well-known add-on from the IRSAConfig's defaults",
		guard: v1alpha1.Guardrails{DeniedManagedPolicies: []string{"AmazonEBSCSIDriverPolicy*"}},
		change: func(b *v1alpha1.IRSABinding) {
			b.Spec.Policies = v1alpha1.Policies{}
		},
		want: []string{`spec.policies.wellKnown[0]: the ebs-csi-driver add-on attaches AWS managed policy "arn:aws:iam::aws:policy/AmazonEBSCSIDriverPolicyV2", which ` + gManaged +
			` denies ("AmazonEBSCSIDriverPolicy*") (from IRSAConfig platform) (allowed: AWS managed policies whose name and path/name match none of AmazonEBSCSIDriverPolicy*)`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := validBinding()
			if tt.change != nil {
				tt.change(&b)
			}
			cfg := guardedConfig(tt.guard)
			if len(b.Spec.Policies.Inline)+len(b.Spec.Policies.Managed)+len(b.Spec.Policies.WellKnown)+len(b.Spec.Policies.CustomerManaged) == 0 && b.Spec.Role.ARN == "" {
				cfg.Spec.Defaults.Policies.WellKnown = []v1alpha1.WellKnownPolicy{{Name: "ebs-csi-driver"}}
			}
			if errs := errorLines(ValidateConfig(cfg)); len(errs) > 0 {
				t.Fatalf("the guardrails themselves are refused: %v", errs)
			}
			res := Generate(Input{Binding: b, Config: cfg})
			got := errorLines(res.Diagnostics)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if res.Role != nil || len(res.Objects) > 0 {
				t.Errorf("a binding that breaks a guardrail rendered %d objects", len(res.Objects))
			}
			// Without the guardrails the same binding renders: the error is the guardrail's.
			if errs := errorLines(Generate(Input{Binding: b, Config: guardedConfig(v1alpha1.Guardrails{})}).Diagnostics); len(errs) > 0 {
				t.Errorf("without guardrails: %v", errs)
			}
		})
	}
}

func TestGuardrailsCompliant(t *testing.T) {
	all := v1alpha1.Guardrails{
		PermissionsBoundary:   guardBoundary,
		RolePath:              "/irsa/",
		Accounts:              []string{"123456789012"},
		DeniedActions:         []string{"iam:CreateRole", "iam:Attach*", "sts:AssumeRole", "s3:DeleteBucket"},
		DeniedManagedPolicies: []string{"AdministratorAccess", "*FullAccess"},
	}
	tests := []struct {
		name         string
		change       func(b *v1alpha1.IRSABinding)
		path, bounds string
	}{{
		name:   "nothing set: the role gets the guardrails' boundary and path",
		path:   "/irsa/",
		bounds: guardBoundary,
	}, {
		name: "the same boundary, a path below rolePath, allowed policies and add-ons",
		change: func(b *v1alpha1.IRSABinding) {
			b.Spec.Role.PermissionsBoundary = guardBoundary
			b.Spec.Role.Path = "/irsa/payments/"
			b.Spec.Policies.Managed = []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}
			b.Spec.Policies.WellKnown = []v1alpha1.WellKnownPolicy{{Name: "karpenter-controller"}, {Name: "ebs-csi-driver"}}
			b.Spec.Policies.Inline = append(b.Spec.Policies.Inline,
				inline("notaction", v1alpha1.Statement{NotActions: []string{"iam:*", "sts:*", "s3:*"}, Resources: []string{"*"}}),
				v1alpha1.InlinePolicy{Name: "deny", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`})
		},
		path:   "/irsa/payments/",
		bounds: guardBoundary,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := validBinding()
			if tt.change != nil {
				tt.change(&b)
			}
			res := Generate(Input{Binding: b, Config: guardedConfig(all)})
			if errs := errorLines(res.Diagnostics); len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if res.Role.Path != tt.path || res.Role.PermissionsBoundary != tt.bounds {
				t.Errorf("role path %q, boundary %q; want %q, %q", res.Role.Path, res.Role.PermissionsBoundary, tt.path, tt.bounds)
			}
			if want := "arn:aws:iam::123456789012:role" + tt.path + "prod-eu-production-s3-writer"; res.RoleARN != want {
				t.Errorf("role ARN %q, want %q", res.RoleARN, want)
			}
		})
	}
	t.Run("a bring-your-own role in an allowed account and path", func(t *testing.T) {
		b := validBinding()
		b.Spec.Role = v1alpha1.Role{ARN: "arn:aws:iam::123456789012:role/irsa/Existing"}
		b.Spec.Policies = v1alpha1.Policies{}
		if errs := errorLines(Generate(Input{Binding: b, Config: guardedConfig(all)}).Diagnostics); len(errs) > 0 {
			t.Fatalf("errors: %v", errs)
		}
	})
}

// TestGuardrailsNotOverridable: a binding that breaks every guardrail at once gets an error for
// each, in the order of its fields, and the same errors on every run.
func TestGuardrailsNotOverridable(t *testing.T) {
	b := validBinding()
	b.Spec.Role = v1alpha1.Role{AccountID: "999999999999", Path: "/", PermissionsBoundary: "arn:aws:iam::aws:policy/AdministratorAccess"}
	b.Spec.Policies.Managed = []string{"arn:aws:iam::aws:policy/AdministratorAccess"}
	b.Spec.Policies.Inline = append(b.Spec.Policies.Inline, inline("pass", allow("iam:PassRole")))
	cfg := guardedConfig(v1alpha1.Guardrails{
		PermissionsBoundary: guardBoundary, RolePath: "/irsa/", Accounts: []string{"123456789012"},
		DeniedActions: []string{"iam:PassRole"}, DeniedManagedPolicies: []string{"AdministratorAccess"},
	})
	first := errorLines(Generate(Input{Binding: b, Config: cfg}).Diagnostics)
	var fields []string
	for _, d := range errorsOf(Generate(Input{Binding: b, Config: cfg}).Diagnostics) {
		fields = append(fields, d.Field)
	}
	want := []string{"spec.role.permissionsBoundary", "spec.role.path", "spec.role.accountID", "spec.policies.managed[0]", "spec.policies.inline[1].statements[0].actions[0]"}
	if strings.Join(fields, " ") != strings.Join(want, " ") {
		t.Errorf("fields %v, want %v", fields, want)
	}
	for i := 0; i < 10; i++ {
		if got := errorLines(Generate(Input{Binding: b, Config: cfg}).Diagnostics); strings.Join(got, "\n") != strings.Join(first, "\n") {
			t.Fatalf("run %d differs:\n%s\nwant:\n%s", i+2, strings.Join(got, "\n"), strings.Join(first, "\n"))
		}
	}
}

func TestValidateConfigGuardrails(t *testing.T) {
	cfg := guardedConfig(v1alpha1.Guardrails{
		PermissionsBoundary:   "eks-boundary",
		RolePath:              "/irsa",
		Accounts:              []string{"12345678901", "", "123456789012", "123456789012"},
		DeniedActions:         []string{"iam", "iam:PasRole", "*", "s3:Gett*"},
		DeniedManagedPolicies: []string{"arn:aws:iam::aws:policy/AdministratorAccess", "AdministratorAcess", "*FullAccess"},
	})
	want := []string{
		`spec.guardrails.permissionsBoundary: "eks-boundary" is not a policy ARN (allowed: a managed policy ARN, arn:aws:iam::<account or aws>:policy/<name>)`,
		`spec.guardrails.rolePath: role path "/irsa" is not valid (allowed: / or /segments/ of printable ASCII, at most 512 characters, such as /irsa/)`,
		`spec.guardrails.accounts[0]: account ID "12345678901" is not 12 digits (it has 11 characters) (allowed: exactly 12 digits, quoted in YAML ("012345678901"))`,
		`spec.guardrails.accounts[1]: an account ID is empty (allowed: exactly 12 digits, quoted in YAML ("012345678901"))`,
		`spec.guardrails.accounts[3]: account "123456789012" is also accounts[2] (allowed: each account once)`,
		`spec.guardrails.deniedActions[0]: action pattern "iam" is not of the form service:Action (allowed: service:Action, wildcards * and ?, or *)`,
		`spec.guardrails.deniedActions[1]: "iam:PasRole" is not an action of iam; did you mean "iam:PassRole"? (allowed: an action of iam in IAM's service reference)`,
		`spec.guardrails.deniedActions[3]: action pattern "s3:Gett*" matches no action of s3 (allowed: a pattern that matches one or more actions of s3)`,
		`spec.guardrails.deniedManagedPolicies[0]: managed policy pattern "arn:aws:iam::aws:policy/AdministratorAccess" is not a policy name pattern (allowed: a policy name or path/name with wildcards * and ?, such as AdministratorAccess, *FullAccess or service-role/*; not an ARN)`,
		`spec.guardrails.deniedManagedPolicies[1]: managed policy pattern "AdministratorAcess" matches no AWS managed policy; did you mean "AdministratorAccess"? (allowed: a pattern that matches one or more AWS managed policies (aws iam list-policies --scope AWS))`,
	}
	if got := errorLines(ValidateConfig(cfg)); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The IRSAConfig's own defaults are held to its guardrails, and reported once, against it.
	cfg = guardedConfig(v1alpha1.Guardrails{
		PermissionsBoundary: guardBoundary, RolePath: "/irsa/", Accounts: []string{"123456789012"},
		DeniedActions: []string{"iam:PassRole"}, DeniedManagedPolicies: []string{"AdministratorAccess"},
	})
	cfg.Spec.Defaults = v1alpha1.Settings{
		Role: v1alpha1.Role{AccountID: "111122223333", Path: "/", PermissionsBoundary: "arn:aws:iam::123456789012:policy/other"},
		Policies: v1alpha1.Policies{
			Managed: []string{"arn:aws:iam::aws:policy/AdministratorAccess"},
			Inline:  []v1alpha1.InlinePolicy{inline("pass", allow("iam:PassRole"))},
		},
	}
	want = []string{
		`spec.defaults.role.permissionsBoundary: permissions boundary "arn:aws:iam::123456789012:policy/other" is not the one ` + gBoundary + ` requires (allowed: arn:aws:iam::123456789012:policy/eks-boundary, or no permissionsBoundary: the role gets it)`,
		`spec.defaults.role.path: role path "/" is outside ` + gPath + ` (allowed: a path that starts with /irsa/, or no path: the role gets /irsa/)`,
		`spec.defaults.role.accountID: account "111122223333" is not among ` + gAccounts + ` (allowed: one of the accounts 123456789012)`,
		`spec.defaults.policies.managed[0]: AWS managed policy "arn:aws:iam::aws:policy/AdministratorAccess" is denied by ` + gManaged + ` ("AdministratorAccess") (allowed: AWS managed policies whose name and path/name match none of AdministratorAccess)`,
		`spec.defaults.policies.inline[0].statements[0].actions[0]: action "iam:PassRole" grants what ` + gActions + ` denies ("iam:PassRole") (allowed: actions that overlap none of iam:PassRole)`,
	}
	if got := errorLines(ValidateConfig(cfg)); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// ... and not again for each binding they are merged into.
	b := validBinding()
	b.Spec.Role, b.Spec.Policies = v1alpha1.Role{}, v1alpha1.Policies{}
	for _, d := range errorsOf(Generate(Input{Binding: b, Config: cfg}).Diagnostics) {
		if strings.Contains(d.Message, "spec.guardrails.") {
			t.Errorf("a default's guardrail error reported again for the binding: %s", d)
		}
	}
}

// TestGuardrailsReferenceAsWarnings: with spec.lint.iamReference: Warning (the reference lags
// behind AWS), a denied pattern the reference lacks is a warning and still enforced as a pattern.
func TestGuardrailsReferenceAsWarnings(t *testing.T) {
	cfg := guardedConfig(v1alpha1.Guardrails{DeniedActions: []string{"newservice:Do*"}})
	cfg.Spec.Lint.IAMReference = v1alpha1.IAMReferenceWarning
	if errs := errorLines(ValidateConfig(cfg)); len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	b := validBinding()
	b.Spec.Policies.Inline = []v1alpha1.InlinePolicy{inline("x", allow("newservice:DoThing")), inline("y", v1alpha1.Statement{NotActions: []string{"s3:*"}, Resources: []string{"*"}}), inline("z", v1alpha1.Statement{NotActions: []string{"newservice:*"}, Resources: []string{"*"}})}
	want := []string{
		`spec.policies.inline[0].statements[0].actions[0]: action "newservice:DoThing" grants what spec.guardrails.deniedActions of IRSAConfig platform denies ("newservice:Do*") (allowed: actions that overlap none of newservice:Do*)`,
		`spec.policies.inline[1].statements[0].notActions: notActions allows every action it does not list, newservice:Do* among them, which spec.guardrails.deniedActions of IRSAConfig platform denies ("newservice:Do*") (allowed: actions that overlap none of newservice:Do*; or a notActions list that excludes every action they match)`,
	}
	if got := errorLines(Generate(Input{Binding: b, Config: cfg}).Diagnostics); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestGuardrailsSkipMalformedValues: a value that is not well formed gets its own error only,
// not a second one from the guardrail it would also break.
func TestGuardrailsSkipMalformedValues(t *testing.T) {
	b := validBinding()
	b.Spec.Role.PermissionsBoundary = "not-an-arn"
	b.Spec.Role.AccountID = "1234"
	b.Spec.Policies.Managed = []string{"arn:aws:iam:us-east-1:aws:policy/AdministratorAccess"}
	cfg := &v1alpha1.IRSAConfig{Metadata: v1alpha1.ObjectMeta{Name: "platform"}, Spec: v1alpha1.ConfigSpec{Guardrails: v1alpha1.Guardrails{
		PermissionsBoundary:   "arn:aws:iam::123456789012:policy/eks-workload-boundary",
		Accounts:              []string{"123456789012"},
		DeniedManagedPolicies: []string{"AdministratorAccess"},
	}}}
	errs := errorsOf(Generate(Input{Binding: b, Config: cfg}).Diagnostics)
	for _, e := range errs {
		if strings.Contains(e.Message, "spec.guardrails") {
			t.Errorf("a malformed value is reported again by a guardrail: %s", e)
		}
	}
	if len(errs) != 3 {
		t.Errorf("want the three form errors, got %v", errs)
	}
}
