package iamsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

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

// Status is the outcome of verify for one role.
type Status string

const (
	// StatusInSync is a role IAM holds as declared.
	StatusInSync Status = "in_sync"
	// StatusDrift is a role that differs from the declared one, or that a declared pod could not
	// assume.
	StatusDrift Status = "drift"
	// StatusUnchecked is a role verify could not read: another account's, or one IAM did not
	// answer for.
	StatusUnchecked Status = "unchecked"
)

// RoleResult is the outcome of verify for one declared role.
type RoleResult struct {
	Name    string `json:"name"`
	Account string `json:"account,omitempty"`
	Status  Status `json:"status"`
	// Drifts are the fields IAM holds otherwise than declared.
	Drifts []string `json:"drifts,omitempty"`
	// Reasons are the errors pods get with the role, in their words (InvalidIdentityToken,
	// Not authorized to perform sts:AssumeRoleWithWebIdentity, ...).
	Reasons []string `json:"reasons,omitempty"`
	// Unchecked says why the role could not be checked.
	Unchecked string `json:"unchecked,omitempty"`
	// providers are the OIDC providers the role's pods get tokens from.
	providers []string
	// problems are the drifts and the reasons in the order they were found, for the text report.
	problems []string
}

// VerifyReport is the outcome of a verify.
type VerifyReport struct {
	Account   string
	Notes     []string
	Roles     []RoleResult
	Providers []ProviderCheck
	// ServiceAccounts are the findings about rendered ServiceAccounts and associations.
	ServiceAccounts []string
	// UncheckedRefs say which ServiceAccounts and associations name roles verify could not read.
	UncheckedRefs []string
}

// Drift reports whether verify found a difference from the declared state.
func (r *VerifyReport) Drift() bool {
	for _, f := range r.Roles {
		if f.Status == StatusDrift {
			return true
		}
	}
	for _, p := range r.Providers {
		if p.Problem {
			return true
		}
	}
	return len(r.ServiceAccounts) > 0
}

// Unchecked reports whether something could not be checked: a role, an OIDC provider or a role a
// ServiceAccount names.
func (r *VerifyReport) Unchecked() bool {
	for _, f := range r.Roles {
		if f.Status == StatusUnchecked {
			return true
		}
	}
	for _, p := range r.Providers {
		if providerUnchecked(p) {
			return true
		}
	}
	return len(r.UncheckedRefs) > 0
}

// OK reports whether IAM matches the declared state in every respect and everything was checked.
func (r *VerifyReport) OK() bool {
	return !r.Drift() && !r.Unchecked()
}

// providerUnchecked reports whether verify could not read a provider: another account's, or one
// IAM did not answer for.
func providerUnchecked(p ProviderCheck) bool {
	return strings.HasPrefix(p.State, "not checked") || strings.HasPrefix(p.State, "could not be read")
}

// CallerError is a failure to reach AWS with the configured credentials, found up front before
// any role is read: no credentials, an endpoint that does not answer, throttling that outlasted
// the retries, or credentials that may not read IAM.
type CallerError struct {
	// What says, in a few words, what failed.
	What string
	// Err is the SDK's error.
	Err error
}

func (e *CallerError) Error() string {
	return e.What + ": " + strings.Join(strings.Fields(e.Err.Error()), " ")
}

func (e *CallerError) Unwrap() error { return e.Err }

// checkCaller finds, before any role is read, a failure that would make every read fail alike:
// it retrieves the credentials, asks STS for their account (GetCallerIdentity) and reads the first
// declared role. It returns the account, or "" when the Syncer has no STS client.
func (s *Syncer) checkCaller(ctx context.Context, roles []v1alpha1.IAMRoleSpec) (string, error) {
	if s.STS == nil {
		return "", nil
	}
	if creds := s.STS.Options().Credentials; creds == nil {
		return "", &CallerError{What: "no AWS credentials", Err: errors.New("the SDK found no credentials provider")}
	} else if _, err := creds.Retrieve(ctx); err != nil {
		return "", &CallerError{What: "no usable AWS credentials (set AWS_PROFILE, AWS_ACCESS_KEY_ID or a web identity token)", Err: err}
	}
	out, err := s.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", &CallerError{What: "could not confirm the credentials with STS GetCallerIdentity" + transportHint(err), Err: err}
	}
	if len(roles) > 0 {
		// Any role will do: an unreachable or throttling IAM endpoint fails every read alike.
		_, err := s.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(roles[0].RoleName)})
		if err != nil && (isTransport(err) || isThrottle(err)) {
			return "", &CallerError{What: "could not read IAM" + transportHint(err), Err: err}
		}
	}
	return aws.ToString(out.Account), nil
}

// isTransport reports whether a request never got an answer: the endpoint is down or unreachable.
func isTransport(err error) bool {
	var send *smithyhttp.RequestSendError
	return errors.As(err, &send)
}

// isThrottle reports whether the SDK gave up retrying a throttled request.
func isThrottle(err error) bool {
	var max *retry.MaxAttemptsError
	var api smithy.APIError
	return errors.As(err, &max) && errors.As(err, &api) && strings.Contains(api.ErrorCode(), "Throttl")
}

// transportHint says what kind of failure an error is, for the one-line message.
func transportHint(err error) string {
	switch {
	case isTransport(err):
		return " (the endpoint did not answer; check AWS_ENDPOINT_URL_* and the network)"
	case isThrottle(err):
		return " (throttled, and the SDK's retries ran out)"
	}
	return ""
}

// Verify reads the live roles and OIDC providers and explains every way they differ from the
// declared roles, in the words of the error a pod would get. roleBindings maps each role name to
// the binding it was rendered for, to check the binding's service accounts. Every annotated
// ServiceAccount and every association is checked against the live trust of the role it names:
// a declared role's among its findings, any other role's (read by the name in its ARN) among the
// ServiceAccount findings. A role must carry the ownership tag, with the value Options.Owner when
// set, else the rendered role's owner when it has one. It returns a *CallerError, and no report, when the credentials or the endpoints fail
// before any role is read.
func (s *Syncer) Verify(ctx context.Context, roles []v1alpha1.IAMRoleSpec, roleBindings map[string]string, sas []ServiceAccount, assocs []Association) (*VerifyReport, error) {
	account, err := s.checkCaller(ctx, roles)
	if err != nil {
		return nil, err
	}
	rep := &VerifyReport{Account: account}
	if s.STS == nil {
		rep.Notes = append(rep.Notes, "the account of the credentials is unknown; roles are not checked against it")
	}
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
	results := make([]RoleResult, len(roles))
	progress := newProgress(s.Progress, len(roles))
	s.forEach(len(roles), concurrency, func(i int) {
		defer progress.done()
		r := roles[i]
		own := byBinding[roleBindings[r.RoleName]]
		for _, sa := range byARN[r.ARN] {
			if sa.Binding != roleBindings[r.RoleName] || sa.Binding == "" {
				own = append(own, sa)
			}
		}
		results[i] = s.verifyRole(ctx, r, account, own, assocsByARN[r.ARN])
	})
	rep.Providers = s.checkProviders(ctx, roles, account, Options{DryRun: true})
	addProviderReasons(results, rep.Providers)
	slices.SortFunc(results, func(a, b RoleResult) int { return strings.Compare(a.Name, b.Name) })
	rep.Roles = results
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
	findings, unchecked := s.verifyOtherRoles(ctx, roles, roleBindings, byARN, assocsByARN, account, concurrency)
	rep.ServiceAccounts = append(rep.ServiceAccounts, findings...)
	rep.UncheckedRefs = unchecked
	return rep, nil
}

// addProviderReasons gives each checked role the problems of the OIDC providers it trusts, as
// reasons its pods fail.
func addProviderReasons(results []RoleResult, providers []ProviderCheck) {
	for i := range results {
		r := &results[i]
		if r.Status == StatusUnchecked {
			continue
		}
		for _, p := range providers {
			if p.Problem && slices.Contains(r.providers, p.ARN) {
				reason := "oidc provider " + p.ARN + ": " + p.State
				r.Reasons, r.problems = append(r.Reasons, reason), append(r.problems, reason)
				r.Status = StatusDrift
			}
		}
	}
}

// verifyOtherRoles checks the ServiceAccounts and associations that name a role the render does
// not declare (a bring-your-own role, an edited annotation) against that role's live trust. A
// ServiceAccount's tokens come from the OIDC providers its binding's role trusts, or, when its
// binding declares no role here, from every provider the render's roles trust.
//
// It returns the findings, and apart from them the roles it could not read.
func (s *Syncer) verifyOtherRoles(ctx context.Context, roles []v1alpha1.IAMRoleSpec, roleBindings map[string]string, byARN map[string][]ServiceAccount, assocsByARN map[string][]Association, account string, concurrency int) (findings, unchecked []string) {
	declared := map[string]bool{}
	bindingProviders := map[string][]string{}
	var allProviders []string
	for _, r := range roles {
		declared[r.ARN] = true
		doc, err := iampolicy.Parse(r.TrustPolicy)
		if err != nil {
			continue // verifyRole reports it
		}
		for _, p := range iampolicy.OIDCProviders(doc) {
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
	notRead := make([]string, len(arns))
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
			out[i], notRead[i] = nil, fmt.Sprintf("%s in account %s; verify's credentials are for account %s, so its trust could not be checked", prefix, arnAccount, account)
			return
		}
		live, err := readRole(ctx, s.IAM, name)
		switch {
		case err != nil:
			out[i], notRead[i] = nil, fmt.Sprintf("%s, which could not be read: %v", prefix, err)
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
	for i, o := range out {
		findings = append(findings, o...)
		if notRead[i] != "" {
			unchecked = append(unchecked, notRead[i])
		}
	}
	return findings, unchecked
}

// roleNameOf returns the name and account of a role ARN (arn:<partition>:iam::<account>:role/<path><name>).
func roleNameOf(arn string) (name, account string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return "", "", false
	}
	return parts[5][strings.LastIndex(parts[5], "/")+1:], parts[4], true
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
// associations in the render that name the role. A role of another account than account (the
// credentials'), or one IAM does not answer for, is unchecked.
func (s *Syncer) verifyRole(ctx context.Context, spec v1alpha1.IAMRoleSpec, account string, sas []ServiceAccount, assocs []Association) RoleResult {
	f := RoleResult{Name: spec.RoleName, Account: spec.AccountID, Status: StatusInSync}
	if f.Account == "" {
		_, f.Account, _ = roleNameOf(spec.ARN)
	}
	for _, p := range spec.OIDCProviders {
		f.providers = append(f.providers, p.ARN)
	}
	problem := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		f.Drifts, f.problems, f.Status = append(f.Drifts, msg), append(f.problems, msg), StatusDrift
	}
	refused := func(msgs ...string) {
		if len(msgs) > 0 {
			f.Reasons, f.problems, f.Status = append(f.Reasons, msgs...), append(f.problems, msgs...), StatusDrift
		}
	}
	if account != "" && f.Account != "" && f.Account != account {
		f.Status, f.Unchecked = StatusUnchecked, fmt.Sprintf("declared for account %s, but verify's credentials are for account %s: run verify with credentials of %s", f.Account, account, f.Account)
		return f
	}
	live, err := readRole(ctx, s.IAM, spec.RoleName)
	if err != nil {
		f.Status, f.Unchecked = StatusUnchecked, "could not be read: "+strings.Join(strings.Fields(err.Error()), " ")
		return f
	}
	if !live.exists {
		refused("does not exist: pods get AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity or sts:AssumeRole (create it with irsa-fn apply)")
		return f
	}
	// The owner is --owner when given, else the rendered role's own (IRSAConfig.spec.owner).
	owner := s.Owner
	if owner == "" {
		owner = spec.Owner
	}
	switch got := live.tags[OwnerTag]; {
	case got == "":
		problem("tags.%s: missing, so irsa-fn apply refuses the role (it did not create it); apply --adopt takes it over", OwnerTag)
	case owner != "" && got != owner:
		problem("tags.%s: expected %q, actual %q: the role belongs to another owner, so irsa-fn apply refuses it as %s's", OwnerTag, owner, got, owner)
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
	providers := iampolicy.OIDCProviders(declared)
	for _, sa := range sas {
		if sa.RoleARN == spec.ARN {
			for _, tok := range saTokens(sa, providers) {
				if !slices.Contains(toks, tok) {
					toks = append(toks, tok)
				}
			}
		}
	}
	refused(refusals(liveTrust, toks, podRequests(append(declaredAssociations(declared), assocs...)))...)
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

// Write prints the report and a summary line; onlyProblems leaves out the roles and OIDC
// providers that are as declared.
func (r *VerifyReport) Write(w io.Writer, onlyProblems bool) {
	writeHeader(w, r.Account, r.Notes)
	counts := map[Status]int{}
	for _, f := range r.Roles {
		counts[f.Status]++
		switch f.Status {
		case StatusInSync:
			if !onlyProblems {
				fmt.Fprintf(w, "role %s: ok\n", f.Name)
			}
		case StatusUnchecked:
			fmt.Fprintf(w, "role %s: not checked: %s\n", f.Name, f.Unchecked)
		default:
			fmt.Fprintf(w, "role %s: %d problem(s)\n", f.Name, len(f.problems))
			for _, p := range f.problems {
				fmt.Fprintf(w, "  - %s\n", p)
			}
		}
	}
	var providers []ProviderCheck
	for _, p := range r.Providers {
		if !onlyProblems || p.Problem || providerUnchecked(p) {
			providers = append(providers, p)
		}
	}
	writeProviders(w, providers)
	for _, s := range r.ServiceAccounts {
		fmt.Fprintf(w, "%s\n", s)
	}
	for _, s := range r.UncheckedRefs {
		fmt.Fprintf(w, "%s\n", s)
	}
	if r.OK() {
		fmt.Fprintf(w, "verify: %d role(s) match the declared state\n", len(r.Roles))
		return
	}
	fmt.Fprintf(w, "verify: %d role(s) in sync, %d drifted, %d not checked; %d ServiceAccount finding(s), %d not checked\n",
		counts[StatusInSync], counts[StatusDrift], counts[StatusUnchecked], len(r.ServiceAccounts), len(r.UncheckedRefs))
}

// verifyJSON is the document `verify -o json` prints.
type verifyJSON struct {
	Account string       `json:"account,omitempty"`
	Status  Status       `json:"status"`
	Notes   []string     `json:"notes,omitempty"`
	Roles   []RoleResult `json:"roles"`
	// Providers are the OIDC providers the roles trust.
	Providers       []providerJSON `json:"oidcProviders,omitempty"`
	ServiceAccounts []string       `json:"serviceAccounts,omitempty"`
	UncheckedRefs   []string       `json:"uncheckedServiceAccounts,omitempty"`
}

// providerJSON is one OIDC provider in `verify -o json`.
type providerJSON struct {
	ARN    string `json:"arn"`
	Status Status `json:"status"`
	State  string `json:"state"`
	Fix    string `json:"fix,omitempty"`
}

// Status is the outcome of the whole verify: drift when anything drifted, else unchecked when
// anything could not be checked, else in sync.
func (r *VerifyReport) Status() Status {
	switch {
	case r.Drift():
		return StatusDrift
	case r.Unchecked():
		return StatusUnchecked
	}
	return StatusInSync
}

// WriteJSON prints the report as one JSON document: one result per role, with its status, its
// drifts and the errors its pods get; onlyProblems leaves out what is in sync.
func (r *VerifyReport) WriteJSON(w io.Writer, onlyProblems bool) error {
	doc := verifyJSON{Account: r.Account, Status: r.Status(), Notes: r.Notes, Roles: []RoleResult{},
		ServiceAccounts: r.ServiceAccounts, UncheckedRefs: r.UncheckedRefs}
	for _, f := range r.Roles {
		if !onlyProblems || f.Status != StatusInSync {
			doc.Roles = append(doc.Roles, f)
		}
	}
	for _, p := range r.Providers {
		status := StatusInSync
		switch {
		case p.Problem:
			status = StatusDrift
		case providerUnchecked(p):
			status = StatusUnchecked
		}
		if !onlyProblems || status != StatusInSync {
			doc.Providers = append(doc.Providers, providerJSON{ARN: p.ARN, Status: status, State: p.State, Fix: p.Fix})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write the verify report: %w", err)
	}
	return nil
}
