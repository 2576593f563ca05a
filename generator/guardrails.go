package generator

import (
	"fmt"
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/generator/wellknown"
	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// guardrails enforces an IRSAConfig's spec.guardrails, the platform's rules, on the settings of
// a binding merged with the IRSAConfig's defaults. Each value is checked once, where it is
// written: what a binding sets, against the binding (checkGuardrails); the IRSAConfig's defaults,
// against the IRSAConfig (ValidateConfig); the well-known add-ons' policies, which exist only
// for a binding, as they are built (addWellKnown). A guardrail value that is itself malformed is
// reported by ValidateConfig and neither applied nor enforced.
type guardrails struct {
	v1alpha1.Guardrails
	// config is the IRSAConfig's name, for messages.
	config string
}

// guardrailsOf returns the guardrails of the IRSAConfig c; none when c is nil.
func guardrailsOf(c *v1alpha1.IRSAConfig) guardrails {
	if c == nil {
		return guardrails{}
	}
	return guardrails{Guardrails: c.Spec.Guardrails, config: c.Metadata.Name}
}

// name names a guardrail in messages: spec.guardrails.rolePath of IRSAConfig platform.
func (g guardrails) name(field string) string {
	return fmt.Sprintf("spec.guardrails.%s of IRSAConfig %s", field, g.config)
}

// boundary is the permissions boundary every role gets; "" when none, or when it is no policy
// ARN.
func (g guardrails) boundary() string {
	if !policyARNPattern.MatchString(g.PermissionsBoundary) {
		return ""
	}
	return g.PermissionsBoundary
}

// rolePath is the prefix every role's path must have; "" when none, or when it is no IAM path.
func (g guardrails) rolePath() string {
	if !validRolePath(g.RolePath) {
		return ""
	}
	return g.RolePath
}

// validRolePath reports whether p is an IAM path: / or /segments/ of printable ASCII.
func validRolePath(p string) bool {
	return len(p) <= MaxRolePathLength && rolePathPattern.MatchString(p)
}

// applyDefaults gives a merged role the guardrails' boundary and path where neither the binding
// nor the IRSAConfig's defaults set one: the guardrail wins over the built-in default.
func (g guardrails) applyDefaults(role *v1alpha1.Role) {
	if role.PermissionsBoundary == "" {
		role.PermissionsBoundary = g.boundary()
	}
	if role.Path == "" {
		role.Path = g.rolePath()
	}
}

// checkRole reports the fields of role, declared at p, that break a guardrail: another
// permissions boundary, a path outside rolePath, an account not among accounts, and a
// bring-your-own role ARN in such an account or path.
func (g guardrails) checkRole(role v1alpha1.Role, p diag.Path, l *diag.List) {
	// A field that is not well formed is reported by its own check; the guardrails judge only
	// well formed values, so a typo is not reported twice.
	if b := g.boundary(); b != "" && role.PermissionsBoundary != "" && role.PermissionsBoundary != b && policyARNPattern.MatchString(role.PermissionsBoundary) {
		l.Errorf(p.Child("permissionsBoundary"), b+", or no permissionsBoundary: the role gets it", "permissions boundary %q is not the one %s requires", role.PermissionsBoundary, g.name("permissionsBoundary"))
	}
	if validRolePath(role.Path) && !g.pathAllowed(role.Path) {
		l.Errorf(p.Child("path"), "a path that starts with "+g.rolePath()+", or no path: the role gets "+g.rolePath(), "role path %q is outside %s", role.Path, g.name("rolePath"))
	}
	if role.AccountID != "" && accountIDPattern.MatchString(role.AccountID) && !g.accountAllowed(role.AccountID) {
		l.Errorf(p.Child("accountID"), g.accountsAllowedText(), "account %q is not among %s", role.AccountID, g.name("accounts"))
	}
	if role.ARN == "" {
		return
	}
	if _, account, path, _, err := ParseRoleARN(role.ARN); err == nil {
		if !g.accountAllowed(account) {
			l.Errorf(p.Child("arn"), "a role in "+g.accountsAllowedText(), "role %q is in account %q, which is not among %s", role.ARN, account, g.name("accounts"))
		}
		if validRolePath(path) && !g.pathAllowed(path) {
			l.Errorf(p.Child("arn"), "a role whose path starts with "+g.rolePath(), "role %q has path %q, outside %s", role.ARN, path, g.name("rolePath"))
		}
	}
}

// pathAllowed reports whether a role path starts with the guardrail's rolePath.
func (g guardrails) pathAllowed(path string) bool {
	return strings.HasPrefix(path, g.rolePath())
}

// accountAllowed reports whether roles may be in the account.
func (g guardrails) accountAllowed(account string) bool {
	return len(g.Accounts) == 0 || slices.Contains(g.Accounts, account)
}

func (g guardrails) accountsAllowedText() string {
	return "one of the accounts " + strings.Join(g.Accounts, ", ")
}

// checkPolicies reports the policies of pol, declared at p, that break a guardrail: AWS managed
// policies deniedManagedPolicies matches, and the Action entries and NotAction lists of inline
// and customer managed policies that grant actions deniedActions matches.
func (g guardrails) checkPolicies(pol v1alpha1.Policies, p diag.Path, l *diag.List) {
	for i, arn := range pol.Managed {
		if !policyARNPattern.MatchString(arn) {
			continue // reported as not a policy ARN
		}
		if denied := g.deniedManaged(arn); len(denied) > 0 {
			l.Errorf(p.Child("managed").Index(i), g.managedAllowedText(), "AWS managed policy %q is denied by %s (%s)", arn, g.name("deniedManagedPolicies"), quoted(denied))
		}
	}
	if len(g.DeniedActions) == 0 {
		return
	}
	for i, ip := range pol.Inline {
		g.checkDeclaredDocument(ip, p.Child("inline").Index(i), l)
	}
	for i, cp := range pol.CustomerManaged {
		g.checkDeclaredDocument(v1alpha1.InlinePolicy{Name: cp.Name, Statements: cp.Statements, Document: cp.Document}, p.Child("customerManaged").Index(i), l)
	}
}

// deniedManaged returns the patterns of deniedManagedPolicies that match an AWS managed policy
// ARN.
func (g guardrails) deniedManaged(arn string) []string {
	var out []string
	for _, pattern := range g.DeniedManagedPolicies {
		if iampolicy.MatchManagedPolicy(pattern, arn) {
			out = append(out, pattern)
		}
	}
	return out
}

func (g guardrails) managedAllowedText() string {
	return "AWS managed policies whose name and path/name match none of " + strings.Join(g.DeniedManagedPolicies, ", ")
}

func (g guardrails) actionsAllowedText() string {
	return "actions that overlap none of " + strings.Join(g.DeniedActions, ", ")
}

// checkDeclaredDocument reports the grants of denied actions in a policy a binding or the
// IRSAConfig's defaults declare at p, as statements or as a JSON document.
func (g guardrails) checkDeclaredDocument(ip v1alpha1.InlinePolicy, p diag.Path, l *diag.List) {
	doc, err := inlineDocument(ip)
	if err != nil {
		return // reported where it is declared
	}
	base, names := p, iampolicy.YAMLNames
	if ip.Document != "" {
		base, names = p.Child("document"), nil
	}
	for _, gr := range iampolicy.DeniedGrants(doc, g.DeniedActions, base, names) {
		if gr.Entry != "" {
			l.Errorf(gr.Path, g.actionsAllowedText(), "action %q grants what %s denies (%s)", gr.Entry, g.name("deniedActions"), quoted(gr.Denied))
			continue
		}
		l.Errorf(gr.Path, g.actionsAllowedText()+"; or a "+gr.Field+" list that excludes every action they match", "%s allows every action it does not list, %s among them, which %s denies (%s)", gr.Field, gr.Example, g.name("deniedActions"), quoted(gr.Denied))
	}
}

// checkWellKnown reports what the policy of the well-known add-on name, declared at p, grants
// or attaches against the guardrails: one error for its documents' denied actions, and one per
// denied AWS managed policy. origin says where the entry came from, as resolver.origin does.
func (g guardrails) checkWellKnown(name string, policy wellknown.Policy, p diag.Path, origin string, l *diag.List) {
	var granted, denied []string
	for _, d := range policy.Inline {
		for _, gr := range iampolicy.DeniedGrants(d.Document, g.DeniedActions, p, nil) {
			what := gr.Entry
			if what == "" {
				what = gr.Example
			}
			granted = appendNew(granted, what)
			for _, x := range gr.Denied {
				denied = appendNew(denied, x)
			}
		}
	}
	if len(granted) > 0 {
		l.Errorf(p, "add-ons whose policies grant no action that "+strings.Join(g.DeniedActions, ", ")+" matches; or a policy of your own without those actions", "the %s add-on's policy grants %s, which %s denies (%s)%s", name, strings.Join(granted, ", "), g.name("deniedActions"), quoted(denied), origin)
	}
	for _, arn := range policy.Managed {
		if d := g.deniedManaged(arn); len(d) > 0 {
			l.Errorf(p, g.managedAllowedText(), "the %s add-on attaches AWS managed policy %q, which %s denies (%s)%s", name, arn, g.name("deniedManagedPolicies"), quoted(d), origin)
		}
	}
}

// appendNew appends s to list unless it is there already.
func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// quoted quotes each value and joins them with commas.
func quoted(values []string) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(out, ", ")
}

// checkGuardrails enforces the IRSAConfig's guardrails on what the binding itself sets (see
// guardrails). A bring-your-own role renders no policy, so only its role fields are checked.
func (r *resolver) checkGuardrails() {
	g := guardrailsOf(r.in.Config)
	own := r.in.Binding.Spec.Settings
	g.checkRole(own.Role, specPath.Child("role"), &r.diags)
	if r.spec.Role.ARN == "" {
		g.checkPolicies(own.Policies, specPath.Child("policies"), &r.diags)
	}
}

// CheckGuardrails checks a binding that another run rendered against cfg's guardrails: its own
// role and policy fields, as checkGuardrails does for the run's own bindings. A platform's
// guardrails hold for every binding in its overlay's input, also one that a base rendered with
// a function config of its own.
func CheckGuardrails(cfg *v1alpha1.IRSAConfig, b v1alpha1.IRSABinding) diag.List {
	var l diag.List
	g := guardrailsOf(cfg)
	own := b.Spec.Settings
	g.checkRole(own.Role, specPath.Child("role"), &l)
	if own.Role.ARN == "" {
		g.checkPolicies(own.Policies, specPath.Child("policies"), &l)
	}
	return l
}

// validateGuardrails checks an IRSAConfig's guardrails, under spec, and the IRSAConfig's defaults
// against them: a default that breaks one is reported once, here, rather than for every binding
// it is merged into.
func validateGuardrails(c *v1alpha1.IRSAConfig, spec diag.Path, l *diag.List) {
	g, f, p := c.Spec.Guardrails, FindingsFor(c), spec.Child("guardrails")
	if b := g.PermissionsBoundary; b != "" && !policyARNPattern.MatchString(b) {
		l.Errorf(p.Child("permissionsBoundary"), "a managed policy ARN, arn:aws:iam::<account or aws>:policy/<name>", "%q is not a policy ARN", b)
	} else if b != "" {
		iampolicy.CheckManagedPolicyARN(b, p.Child("permissionsBoundary"), f, l)
	}
	if g.RolePath != "" && !validRolePath(g.RolePath) {
		l.Errorf(p.Child("rolePath"), "/ or /segments/ of printable ASCII, at most 512 characters, such as /irsa/", "role path %q is not valid", g.RolePath)
	}
	seen := map[string]int{}
	for i, a := range g.Accounts {
		ap := p.Child("accounts").Index(i)
		j, dup := seen[a]
		switch {
		case a == "":
			l.Errorf(ap, "exactly 12 digits, quoted in YAML (\"012345678901\")", "an account ID is empty")
		case !accountIDPattern.MatchString(a):
			checkAccountID(a, ap, l)
		case dup:
			l.Errorf(ap, "each account once", "account %q is also accounts[%d]", a, j)
		}
		if !dup {
			seen[a] = i
		}
	}
	for i, a := range g.DeniedActions {
		iampolicy.CheckActionPattern(a, p.Child("deniedActions").Index(i), f, l)
	}
	for i, m := range g.DeniedManagedPolicies {
		iampolicy.CheckManagedPolicyPattern(m, p.Child("deniedManagedPolicies").Index(i), f, l)
	}
	defaults := spec.Child("defaults")
	guardrailsOf(c).checkRole(c.Spec.Defaults.Role, defaults.Child("role"), l)
	guardrailsOf(c).checkPolicies(c.Spec.Defaults.Policies, defaults.Child("policies"), l)
}
