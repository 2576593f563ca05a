package iamsync

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// ServiceAccount is a rendered ServiceAccount that verify checks against the roles.
type ServiceAccount struct {
	Namespace, Name string
	// RoleARN is its eks.amazonaws.com/role-arn annotation.
	RoleARN string
	// Audience is its eks.amazonaws.com/audience annotation, or sts.amazonaws.com.
	Audience string
	// Binding is its irsa.dev/binding annotation.
	Binding string
}

// RoleFindings are the mismatches found for one role.
type RoleFindings struct {
	Role     string
	Problems []string
}

// VerifyReport is the outcome of a verify.
type VerifyReport struct {
	Account         string
	Notes           []string
	Roles           []RoleFindings
	Providers       []ProviderCheck
	ServiceAccounts []string
}

// OK reports whether IAM matches the declared state in every respect.
func (r *VerifyReport) OK() bool {
	for _, f := range r.Roles {
		if len(f.Problems) > 0 {
			return false
		}
	}
	for _, p := range r.Providers {
		if p.Problem {
			return false
		}
	}
	return len(r.ServiceAccounts) == 0
}

// Verify reads the live roles and OIDC providers and explains every way they differ from the
// declared roles, in the words of the error a pod would get. roleBindings maps each role name to
// the binding it was rendered for, to check the binding's service accounts.
func (s *Syncer) Verify(ctx context.Context, roles []v1alpha1.IAMRoleSpec, roleBindings map[string]string, sas []ServiceAccount) *VerifyReport {
	rep := &VerifyReport{}
	var applyRep Report
	rep.Account = s.callerAccount(ctx, &applyRep)
	rep.Notes = applyRep.Notes
	concurrency := s.Concurrency
	if concurrency < 1 {
		concurrency = 4
	}
	// Index the service accounts once: by binding, and by the role they are annotated with.
	byBinding := map[string][]ServiceAccount{}
	byARN := map[string][]ServiceAccount{}
	for _, sa := range sas {
		if sa.Binding != "" {
			byBinding[sa.Binding] = append(byBinding[sa.Binding], sa)
		}
		byARN[sa.RoleARN] = append(byARN[sa.RoleARN], sa)
	}
	findings := make([]RoleFindings, len(roles))
	s.forEach(len(roles), concurrency, func(i int) {
		r := roles[i]
		own := byBinding[roleBindings[r.RoleName]]
		for _, sa := range byARN[r.ARN] {
			if sa.Binding != roleBindings[r.RoleName] || sa.Binding == "" {
				own = append(own, sa)
			}
		}
		findings[i] = s.verifyRole(ctx, r, own)
	})
	slices.SortFunc(findings, func(a, b RoleFindings) int { return strings.Compare(a.Role, b.Role) })
	rep.Roles = findings
	rep.Providers = s.checkProviders(ctx, roles, rep.Account, Options{DryRun: true})
	for _, r := range roles {
		binding := roleBindings[r.RoleName]
		if binding == "" {
			continue
		}
		for _, sa := range byBinding[binding] {
			if sa.RoleARN != r.ARN {
				rep.ServiceAccounts = append(rep.ServiceAccounts, fmt.Sprintf(
					"ServiceAccount %s/%s: eks.amazonaws.com/role-arn is %q, but binding %s's role is %s: its pods would assume another role (or fail with AccessDenied)",
					sa.Namespace, sa.Name, sa.RoleARN, sa.Binding, r.ARN))
			}
		}
	}
	return rep
}

func (s *Syncer) verifyRole(ctx context.Context, spec v1alpha1.IAMRoleSpec, sas []ServiceAccount) RoleFindings {
	f := RoleFindings{Role: spec.RoleName}
	problem := func(format string, args ...any) { f.Problems = append(f.Problems, fmt.Sprintf(format, args...)) }
	live, err := readRole(ctx, s.IAM, spec.RoleName)
	if err != nil {
		problem("could not be read: %v", err)
		return f
	}
	if !live.exists {
		problem("does not exist: pods get AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity (create it with irsa-fn apply)")
		return f
	}
	if live.arn != spec.ARN {
		problem("arn: expected %s, actual %s", spec.ARN, live.arn)
	}
	declared, err := iampolicy.Parse(spec.TrustPolicy)
	if err != nil {
		problem("declared trust policy: %v", err)
		return f
	}
	liveTrust, err := iampolicy.Parse(live.trust)
	if err != nil {
		problem("trust policy in IAM is not a policy document: %v", err)
		return f
	}
	for _, tok := range tokens(declared, sas) {
		if ok, reasons := Admits(liveTrust, tok); !ok {
			problem("service account %s (aud %s) cannot assume the role: Not authorized to perform sts:AssumeRoleWithWebIdentity: %s",
				strings.Replace(strings.TrimPrefix(tok.Sub, "system:serviceaccount:"), ":", "/", 1), tok.Aud, strings.Join(reasons, "; "))
		}
	}
	for i, st := range liveTrust.Statement {
		if st.Principal != nil && len(st.Principal.Federated) > 0 && st.Effect == "Allow" && !hasAudCondition(st.Condition) {
			problem("trust policy statement %d does not check the aud claim: tokens for any audience are accepted", i)
		}
	}
	if !sameDocument(live.trust, spec.TrustPolicy) {
		problem("trust policy differs from the declared one:\n%s", strings.Join(indent(Diff(live.trust, spec.TrustPolicy)), "\n"))
	}
	compare := func(field string, expected, actual any) {
		if fmt.Sprint(expected) != fmt.Sprint(actual) {
			problem("%s: expected %q, actual %q", field, fmt.Sprint(expected), fmt.Sprint(actual))
		}
	}
	compare("path", spec.Path, live.path)
	compare("description", spec.Description, live.description)
	compare("maxSessionDuration", spec.MaxSessionDuration, live.maxSession)
	compare("permissionsBoundary", spec.PermissionsBoundary, live.boundary)
	wantTags := desiredTags(spec, live.tags[OwnerTag])
	for _, k := range slices.Sorted(maps.Keys(wantTags)) {
		if k != OwnerTag {
			compare("tags."+k, wantTags[k], live.tags[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(live.tags)) {
		if _, ok := wantTags[k]; !ok {
			problem("tags.%s: not declared, actual %q", k, live.tags[k])
		}
	}
	declaredInline := map[string]bool{}
	for _, p := range spec.InlinePolicies {
		declaredInline[p.Name] = true
		current, ok := live.inline[p.Name]
		switch {
		case !ok:
			problem("inline policy %s: declared, missing in IAM", p.Name)
		case !sameDocument(current, p.Document):
			problem("inline policy %s differs:\n%s", p.Name, strings.Join(indent(Diff(current, p.Document)), "\n"))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(live.inline)) {
		if !declaredInline[name] {
			problem("inline policy %s: in IAM, not declared", name)
		}
	}
	for _, arn := range spec.ManagedPolicies {
		if !live.managed[arn] {
			problem("managed policy %s: declared, not attached", arn)
		}
	}
	for _, arn := range slices.Sorted(maps.Keys(live.managed)) {
		if !slices.Contains(spec.ManagedPolicies, arn) {
			problem("managed policy %s: attached, not declared", arn)
		}
	}
	return f
}

func hasAudCondition(c iampolicy.Condition) bool {
	for _, keys := range c {
		for k := range keys {
			if strings.HasSuffix(strings.ToLower(k), ":aud") {
				return true
			}
		}
	}
	return false
}

// tokens lists the tokens the declared trust policy is meant to admit: each exact sub with each
// aud of its statement, and for pattern subjects the matching rendered service accounts.
func tokens(declared iampolicy.Document, sas []ServiceAccount) []Token {
	var out []Token
	seen := map[Token]bool{}
	add := func(t Token) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, st := range declared.Statement {
		if st.Principal == nil {
			continue
		}
		for _, provider := range st.Principal.Federated {
			_, hostPath, ok := strings.Cut(provider, ":oidc-provider/")
			if !ok {
				continue
			}
			auds := st.Condition["StringEquals"][hostPath+":aud"]
			for _, aud := range auds {
				for _, sub := range st.Condition["StringEquals"][hostPath+":sub"] {
					add(Token{ProviderARN: provider, HostPath: hostPath, Sub: sub, Aud: aud})
				}
				for _, pattern := range st.Condition["StringLike"][hostPath+":sub"] {
					for _, sa := range sas {
						sub := "system:serviceaccount:" + sa.Namespace + ":" + sa.Name
						if sa.Audience == aud && iampolicy.MatchLike(pattern, sub) {
							add(Token{ProviderARN: provider, HostPath: hostPath, Sub: sub, Aud: aud})
						}
					}
				}
			}
		}
	}
	return out
}

// Write prints the report and a summary line.
func (r *VerifyReport) Write(w io.Writer) {
	writeHeader(w, r.Account, r.Notes)
	problems := 0
	for _, f := range r.Roles {
		if len(f.Problems) == 0 {
			fmt.Fprintf(w, "role %s: ok\n", f.Role)
			continue
		}
		problems += len(f.Problems)
		fmt.Fprintf(w, "role %s: %d problem(s)\n", f.Role, len(f.Problems))
		for _, p := range f.Problems {
			fmt.Fprintf(w, "  - %s\n", p)
		}
	}
	problems += writeProviders(w, r.Providers)
	for _, s := range r.ServiceAccounts {
		problems++
		fmt.Fprintf(w, "%s\n", s)
	}
	if problems == 0 {
		fmt.Fprintf(w, "verify: %d role(s) match the declared state\n", len(r.Roles))
		return
	}
	fmt.Fprintf(w, "verify: %d problem(s)\n", problems)
}
