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

// Association is a rendered EKS Pod Identity association (ACK or Crossplane) that verify checks
// against the live trust of the role it names.
type Association struct {
	Cluster, Namespace, ServiceAccount string
	// RoleARN is the role it associates with the service account.
	RoleARN string
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
// the binding it was rendered for, to check the binding's service accounts. Every annotated
// ServiceAccount and every association is checked against the live trust of the role it names:
// a declared role's among its findings, any other role's (read by the name in its ARN) among the
// ServiceAccount findings.
func (s *Syncer) Verify(ctx context.Context, roles []v1alpha1.IAMRoleSpec, roleBindings map[string]string, sas []ServiceAccount, assocs []Association) *VerifyReport {
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
	assocsByARN := map[string][]Association{}
	for _, a := range assocs {
		assocsByARN[a.RoleARN] = append(assocsByARN[a.RoleARN], a)
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
		findings[i] = s.verifyRole(ctx, r, own, assocsByARN[r.ARN])
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
	rep.ServiceAccounts = append(rep.ServiceAccounts, s.verifyOtherRoles(ctx, roles, roleBindings, byARN, assocsByARN, rep.Account, concurrency)...)
	return rep
}

// verifyOtherRoles checks the ServiceAccounts and associations that name a role the render does
// not declare (a bring-your-own role, an edited annotation) against that role's live trust. A
// ServiceAccount's tokens come from the OIDC providers its binding's role trusts, or, when its
// binding declares no role here, from every provider the render's roles trust.
func (s *Syncer) verifyOtherRoles(ctx context.Context, roles []v1alpha1.IAMRoleSpec, roleBindings map[string]string, byARN map[string][]ServiceAccount, assocsByARN map[string][]Association, account string, concurrency int) []string {
	declared := map[string]bool{}
	bindingProviders := map[string][]string{}
	var allProviders []string
	for _, r := range roles {
		declared[r.ARN] = true
		doc, err := iampolicy.Parse(r.TrustPolicy)
		if err != nil {
			continue // verifyRole reports it
		}
		for _, p := range federatedProviders(doc) {
			if b := roleBindings[r.RoleName]; b != "" && !slices.Contains(bindingProviders[b], p) {
				bindingProviders[b] = append(bindingProviders[b], p)
			}
			if !slices.Contains(allProviders, p) {
				allProviders = append(allProviders, p)
			}
		}
	}
	var arns []string
	for arn := range byARN {
		if !declared[arn] {
			arns = append(arns, arn)
		}
	}
	for arn := range assocsByARN {
		if !declared[arn] && byARN[arn] == nil {
			arns = append(arns, arn)
		}
	}
	slices.Sort(arns)
	out := make([][]string, len(arns))
	s.forEach(len(arns), concurrency, func(i int) {
		arn := arns[i]
		var toks []iampolicy.Token
		var who, unknown []string
		for _, sa := range byARN[arn] {
			providers := bindingProviders[sa.Binding]
			if len(providers) == 0 {
				providers = allProviders
			}
			if len(providers) == 0 {
				unknown = append(unknown, sa.Namespace+"/"+sa.Name)
			}
			toks = append(toks, saTokens(sa, providers)...)
			who = append(who, "ServiceAccount "+sa.Namespace+"/"+sa.Name)
		}
		for _, a := range assocsByARN[arn] {
			who = append(who, fmt.Sprintf("PodIdentityAssociation %s/%s on cluster %s", a.Namespace, a.ServiceAccount, a.Cluster))
		}
		prefix := fmt.Sprintf("%s: names role %s", strings.Join(who, ", "), arn)
		if len(unknown) > 0 {
			// Checked no further: no declared role says which cluster's issuer signs the tokens.
			out[i] = append(out[i], fmt.Sprintf("%s; no role in the render trusts an OIDC provider, so which issuer signs the tokens of %s is unknown and its web identity trust could not be checked", prefix, strings.Join(unknown, ", ")))
		}
		name, arnAccount, ok := roleNameOf(arn)
		switch {
		case !ok:
			out[i] = []string{prefix + ", which is not a role ARN: its pods get AccessDenied"}
			return
		case account != "" && arnAccount != account:
			out[i] = []string{fmt.Sprintf("%s in account %s; verify's credentials are for account %s, so its trust could not be checked", prefix, arnAccount, account)}
			return
		}
		live, err := readRole(ctx, s.IAM, name)
		switch {
		case err != nil:
			out[i] = []string{fmt.Sprintf("%s, which could not be read: %v", prefix, err)}
			return
		case !live.exists:
			out[i] = []string{prefix + ", which does not exist: its pods get AccessDenied"}
			return
		}
		trust, err := iampolicy.Parse(live.trust)
		if err != nil {
			out[i] = []string{fmt.Sprintf("%s, whose trust policy in IAM is not a policy document: %v", prefix, err)}
			return
		}
		for _, p := range refusals(trust, toks, podRequests(assocsByARN[arn])) {
			out[i] = append(out[i], prefix+": "+p)
		}
	})
	var all []string
	for _, o := range out {
		all = append(all, o...)
	}
	return all
}

// roleNameOf returns the name and account of a role ARN (arn:<partition>:iam::<account>:role/<path><name>).
func roleNameOf(arn string) (name, account string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return "", "", false
	}
	return parts[5][strings.LastIndex(parts[5], "/")+1:], parts[4], true
}

// federatedProviders lists the OIDC provider ARNs a trust policy names, in order.
func federatedProviders(doc iampolicy.Document) []string {
	var out []string
	for _, st := range doc.Statement {
		if st.Principal == nil {
			continue
		}
		for _, p := range st.Principal.Federated {
			if strings.Contains(p, ":oidc-provider/") && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// saTokens are the tokens a ServiceAccount's pods present, one per provider.
func saTokens(sa ServiceAccount, providers []string) []iampolicy.Token {
	var out []iampolicy.Token
	for _, p := range providers {
		_, hostPath, _ := strings.Cut(p, ":oidc-provider/")
		out = append(out, iampolicy.Token{ProviderARN: p, HostPath: hostPath, Sub: "system:serviceaccount:" + sa.Namespace + ":" + sa.Name, Aud: sa.Audience})
	}
	return out
}

// refusals evaluates a live trust policy for web identity tokens and Pod Identity associations,
// and says, in the words of the error a pod would get, why each refused one is refused.
func refusals(trust iampolicy.Document, toks []iampolicy.Token, assocs []Association) []string {
	var out []string
	for _, tok := range toks {
		if ok, reasons := iampolicy.Admits(trust, tok); !ok {
			out = append(out, fmt.Sprintf("service account %s (aud %s) cannot assume the role: Not authorized to perform sts:AssumeRoleWithWebIdentity: %s",
				strings.Replace(strings.TrimPrefix(tok.Sub, "system:serviceaccount:"), ":", "/", 1), tok.Aud, strings.Join(reasons, "; ")))
		}
	}
	for _, a := range assocs {
		req := iampolicy.PodIdentityRequest{Tags: iampolicy.PodIdentityTags(a.Cluster, a.Namespace, a.ServiceAccount)}
		if ok, reasons := iampolicy.AdmitsPodIdentity(trust, req); !ok {
			out = append(out, fmt.Sprintf("service account %s/%s on cluster %s cannot assume the role through EKS Pod Identity: Not authorized to perform sts:AssumeRole: %s",
				a.Namespace, a.ServiceAccount, a.Cluster, strings.Join(reasons, "; ")))
		}
	}
	return out
}

// podRequests keeps one association per (cluster, namespace, service account), in order.
func podRequests(assocs []Association) []Association {
	var out []Association
	for _, a := range assocs {
		a.RoleARN = ""
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// declaredAssociations lists the associations a declared trust policy is meant to admit: every
// combination of the clusters, namespace and service accounts of each Pod Identity statement's
// StringEquals session tag conditions.
func declaredAssociations(declared iampolicy.Document) []Association {
	var out []Association
	tag := func(eq map[string]iampolicy.Values, t string) iampolicy.Values { return eq[iampolicy.RequestTag(t)] }
	for _, st := range declared.Statement {
		if st.Principal == nil || !slices.Contains(st.Principal.Service, iampolicy.PodIdentityPrincipal) {
			continue
		}
		eq := st.Condition["StringEquals"]
		for _, c := range tag(eq, iampolicy.TagEKSClusterName) {
			for _, ns := range tag(eq, iampolicy.TagKubernetesNamespace) {
				for _, sa := range tag(eq, iampolicy.TagKubernetesServiceAccount) {
					out = append(out, Association{Cluster: c, Namespace: ns, ServiceAccount: sa})
				}
			}
		}
	}
	return out
}

// scopesPodIdentity reports whether a statement conditions on the namespace and the service
// account session tags; without both, any association in the account can assume the role.
func scopesPodIdentity(c iampolicy.Condition) bool {
	has := map[string]bool{}
	for _, keys := range c {
		for k := range keys {
			has[strings.ToLower(k)] = true
		}
	}
	return has[strings.ToLower(iampolicy.RequestTag(iampolicy.TagKubernetesNamespace))] && has[strings.ToLower(iampolicy.RequestTag(iampolicy.TagKubernetesServiceAccount))]
}

// verifyRole compares one declared role with IAM. The live trust must admit the tokens and
// associations the declared trust is meant to admit, and those of the ServiceAccounts and
// associations in the render that name the role.
func (s *Syncer) verifyRole(ctx context.Context, spec v1alpha1.IAMRoleSpec, sas []ServiceAccount, assocs []Association) RoleFindings {
	f := RoleFindings{Role: spec.RoleName}
	problem := func(format string, args ...any) { f.Problems = append(f.Problems, fmt.Sprintf(format, args...)) }
	live, err := readRole(ctx, s.IAM, spec.RoleName)
	if err != nil {
		problem("could not be read: %v", err)
		return f
	}
	if !live.exists {
		problem("does not exist: pods get AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity or sts:AssumeRole (create it with irsa-fn apply)")
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
	toks := tokens(declared, sas)
	providers := federatedProviders(declared)
	for _, sa := range sas {
		if sa.RoleARN == spec.ARN {
			for _, tok := range saTokens(sa, providers) {
				if !slices.Contains(toks, tok) {
					toks = append(toks, tok)
				}
			}
		}
	}
	f.Problems = append(f.Problems, refusals(liveTrust, toks, podRequests(append(declaredAssociations(declared), assocs...)))...)
	for i, st := range liveTrust.Statement {
		if st.Principal == nil || st.Effect != "Allow" {
			continue
		}
		if len(st.Principal.Federated) > 0 && !hasAudCondition(st.Condition) {
			problem("trust policy statement %d does not check the aud claim: tokens for any audience are accepted", i)
		}
		if slices.Contains(st.Principal.Service, iampolicy.PodIdentityPrincipal) && !scopesPodIdentity(st.Condition) {
			problem("trust policy statement %d trusts %s without conditions on the session tags %s and %s: every EKS Pod Identity association in the account can assume the role",
				i, iampolicy.PodIdentityPrincipal, iampolicy.RequestTag(iampolicy.TagKubernetesNamespace), iampolicy.RequestTag(iampolicy.TagKubernetesServiceAccount))
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
func tokens(declared iampolicy.Document, sas []ServiceAccount) []iampolicy.Token {
	var out []iampolicy.Token
	seen := map[iampolicy.Token]bool{}
	add := func(t iampolicy.Token) {
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
					add(iampolicy.Token{ProviderARN: provider, HostPath: hostPath, Sub: sub, Aud: aud})
				}
				for _, pattern := range st.Condition["StringLike"][hostPath+":sub"] {
					for _, sa := range sas {
						sub := "system:serviceaccount:" + sa.Namespace + ":" + sa.Name
						if sa.Audience == aud && iampolicy.MatchLike(pattern, sub) {
							add(iampolicy.Token{ProviderARN: provider, HostPath: hostPath, Sub: sub, Aud: aud})
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
