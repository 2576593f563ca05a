package iamsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
)

// Options say how apply behaves.
type Options struct {
	// Owner is the value of the ownership tag for roles that declare none (`--owner`), and the
	// owner --prune deletes the roles of. See ResolveOwners: it is never derived.
	Owner string
	// Adopt takes over existing roles that have no ownership tag.
	Adopt bool
	// AdoptOwner takes over declared roles tagged with this other owner (such as LegacyOwner),
	// re-tagging them with their declared owner. It never makes such roles prunable.
	AdoptOwner string
	// Prune deletes roles of exactly Owner (under PathPrefix) that are not declared.
	Prune bool
	// PathPrefix limits which roles --prune looks at. Default: /.
	PathPrefix string
	// DryRun plans and prints, and changes nothing.
	DryRun bool
	// CreateOIDCProviders creates the IAM OIDC providers the roles trust when they are missing.
	CreateOIDCProviders bool
	// Concurrency bounds how many roles are worked on at once. Default: 4.
	Concurrency int
	// Progress, when set, is called after each role is worked on, with how many are done of how
	// many are known so far.
	Progress func(done, total int)
}

// Syncer applies declared roles to IAM.
type Syncer struct {
	IAM *iam.Client
	// STS, when set, tells the account of the credentials, so that roles declared for another
	// account are refused instead of created in the wrong one.
	STS *sts.Client
	Options
}

// Report is the outcome of an apply.
type Report struct {
	// Err is why nothing could be checked: no owner, no credentials, no endpoint. When it is set,
	// no role was read or changed.
	Err       error
	Account   string
	Notes     []string
	Roles     []*RolePlan
	Providers []ProviderCheck
	DryRun    bool
}

// OK reports whether every role is as declared (or would be, in a dry run) and every provider
// is usable.
func (r *Report) OK() bool {
	if r.Err != nil {
		return false
	}
	for _, p := range r.Roles {
		if p.Err != nil {
			return false
		}
	}
	for _, p := range r.Providers {
		if p.Problem {
			return false
		}
	}
	return true
}

// ExitCode is the command's exit status for the report: 0 when IAM holds the declared roles,
// 1 when changes are pending (a dry run), a role was refused or a call failed, or a provider is
// unusable, and 2 when something could not be checked (credentials, endpoint, throttling).
func (r *Report) ExitCode() int {
	if r.Err != nil {
		return 2
	}
	for _, p := range r.Roles {
		if p.Unchecked {
			return 2
		}
	}
	if !r.OK() {
		return 1
	}
	for _, p := range r.Roles {
		if r.DryRun && p.Action != ActionNone {
			return 1
		}
	}
	return 0
}

// Apply makes IAM hold the declared roles, or only plans it in a dry run.
func (s *Syncer) Apply(ctx context.Context, roles []v1alpha1.IAMRoleSpec) *Report {
	opts := s.Options
	if opts.Concurrency < 1 {
		opts.Concurrency = 4
	}
	if opts.PathPrefix == "" {
		opts.PathPrefix = "/"
	}
	rep := &Report{DryRun: opts.DryRun}
	roles = slices.Clone(roles)
	owner, err := ResolveOwners(roles, opts.Owner, opts.Prune)
	if err != nil {
		rep.Err = err
		return rep
	}
	opts.Owner = owner
	if rep.Account, err = CallerAccount(ctx, s.STS); err != nil {
		rep.Err = err
		return rep
	}
	progress := newProgress(opts.Progress, len(roles))

	plans := make([]*RolePlan, len(roles))
	s.forEach(len(roles), opts.Concurrency, func(i int) {
		defer progress.done()
		spec := roles[i]
		if err := checkAccount(spec, rep.Account); err != nil {
			plans[i] = &RolePlan{Role: spec.RoleName, Action: ActionRefused, Err: err}
			return
		}
		live, err := readRole(ctx, s.IAM, spec.RoleName)
		if err != nil {
			plans[i] = &RolePlan{Role: spec.RoleName, Action: ActionFailed, Err: err, Unchecked: couldNotCheck(err)}
			return
		}
		plans[i] = planRole(spec, live, spec.Owner, opts.Adopt, opts.AdoptOwner)
		s.execute(ctx, plans[i], opts.DryRun)
	})
	rep.Roles = plans
	if opts.Prune {
		// Pruning deletes what the input does not declare: with a declared role refused or
		// failed, the input is not what this account should hold, and prune could delete the
		// very roles it was meant to keep (a render for another account, roles without account).
		blocked := 0
		for _, p := range plans {
			if p.Action == ActionRefused || p.Action == ActionFailed {
				blocked++
			}
		}
		if blocked > 0 {
			rep.Roles = append(rep.Roles, &RolePlan{Role: "(prune)", Action: ActionRefused,
				Err: fmt.Errorf("not pruning: %d of the %d declared role(s) were refused or failed, so the input is not what account %s should hold", blocked, len(plans), rep.Account)})
		} else {
			rep.Roles = append(rep.Roles, s.prune(ctx, roles, opts, progress)...)
		}
	}
	slices.SortStableFunc(rep.Roles, func(a, b *RolePlan) int { return strings.Compare(a.Role, b.Role) })
	rep.Providers = s.checkProviders(ctx, roles, rep.Account, opts)
	return rep
}

// execute makes a plan's calls in order, stopping at the first error.
func (s *Syncer) execute(ctx context.Context, p *RolePlan, dryRun bool) {
	if dryRun || p.Err != nil {
		return
	}
	for _, st := range p.steps {
		if err := st.call(ctx, s.IAM); err != nil {
			p.Action, p.Err = ActionFailed, fmt.Errorf("%s: %w", strings.TrimSpace(st.say[0]), err)
			p.Unchecked = couldNotCheck(err)
			return
		}
	}
}

// forEach runs fn for 0..n-1 with at most limit at once.
func (s *Syncer) forEach(n, limit int, fn func(i int)) {
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i)
		}(i)
	}
	wg.Wait()
}

func (s *Syncer) callerAccount(ctx context.Context, rep *Report) string {
	if s.STS == nil {
		return ""
	}
	out, err := s.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		rep.Notes = append(rep.Notes, fmt.Sprintf("could not tell the account of the credentials (%v); roles are not checked against it", err))
		return ""
	}
	return aws.ToString(out.Account)
}

// prune plans the deletion of owned roles under the path prefix that are not declared.
func (s *Syncer) prune(ctx context.Context, roles []v1alpha1.IAMRoleSpec, opts Options, progress *progress) []*RolePlan {
	if opts.Owner == "" || opts.Owner == LegacyOwner {
		return []*RolePlan{{Role: "(prune)", Action: ActionRefused, Err: fmt.Errorf("prune needs this pipeline's own owner, not %q", opts.Owner)}}
	}
	declared := map[string]bool{}
	for _, r := range roles {
		declared[strings.ToLower(r.RoleName)] = true
	}
	var candidates []string
	pages := iam.NewListRolesPaginator(s.IAM, &iam.ListRolesInput{PathPrefix: aws.String(opts.PathPrefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return []*RolePlan{{Role: "(prune)", Action: ActionFailed, Err: fmt.Errorf("list roles under %s: %w", opts.PathPrefix, err), Unchecked: couldNotCheck(err)}}
		}
		for _, r := range page.Roles {
			if name := aws.ToString(r.RoleName); !declared[strings.ToLower(name)] {
				candidates = append(candidates, name)
			}
		}
	}
	plans := make([]*RolePlan, len(candidates))
	progress.add(len(candidates))
	s.forEach(len(candidates), opts.Concurrency, func(i int) {
		defer progress.done()
		name := candidates[i]
		live, err := readRole(ctx, s.IAM, name)
		switch {
		case err != nil:
			plans[i] = &RolePlan{Role: name, Action: ActionFailed, Err: err, Unchecked: couldNotCheck(err)}
		case live.tags[OwnerTag] != opts.Owner:
			return // not this owner's: another pipeline's, the legacy owner's, or untagged
		default:
			plans[i] = planDelete(name, live, opts.Owner)
			s.execute(ctx, plans[i], opts.DryRun)
		}
	})
	var out []*RolePlan
	for _, p := range plans {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// planDelete lists the calls that delete a role: its attachments, inline policies and instance
// profile memberships go first, as IAM requires.
func planDelete(name string, live liveRole, owner string) *RolePlan {
	p := &RolePlan{Role: name, Action: ActionDelete}
	role := aws.String(name)
	for _, arn := range slices.Sorted(maps.Keys(live.managed)) {
		p.add("DetachRolePolicy", func(ctx context.Context, c *iam.Client) error {
			_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: role, PolicyArn: aws.String(arn)})
			return err
		}, "- detach "+arn)
	}
	for _, pol := range slices.Sorted(maps.Keys(live.inline)) {
		p.add("DeleteRolePolicy", func(ctx context.Context, c *iam.Client) error {
			_, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: role, PolicyName: aws.String(pol)})
			return err
		}, "- inline policy "+pol)
	}
	p.add("DeleteRole", func(ctx context.Context, c *iam.Client) error {
		profiles, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: role})
		if err != nil {
			return err
		}
		for _, ip := range profiles.InstanceProfiles {
			if _, err := c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{RoleName: role, InstanceProfileName: ip.InstanceProfileName}); err != nil {
				return err
			}
		}
		_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: role})
		return err
	}, "- role "+name+" (owner "+owner+", no longer declared)")
	return p
}

// ProviderCheck is the state of one IAM OIDC provider the declared roles trust.
type ProviderCheck struct {
	ARN   string
	State string
	// Problem is set when pods could not assume the roles through this provider.
	Problem bool
	// Fix says how to repair a problem.
	Fix string
	// Created is set when apply created the provider (--create-oidc-providers).
	Created bool
}

// checkProviders checks that every OIDC provider the roles trust exists in the account with
// every audience as a client ID, and creates missing ones when asked.
func (s *Syncer) checkProviders(ctx context.Context, roles []v1alpha1.IAMRoleSpec, account string, opts Options) []ProviderCheck {
	type want struct {
		url       string
		clientIDs map[string]bool
	}
	wanted := map[string]*want{}
	for _, r := range roles {
		for _, p := range r.OIDCProviders {
			w, ok := wanted[p.ARN]
			if !ok {
				w = &want{url: p.URL, clientIDs: map[string]bool{}}
				wanted[p.ARN] = w
			}
			for _, id := range p.ClientIDs {
				w.clientIDs[id] = true
			}
		}
	}
	var out []ProviderCheck
	for _, arn := range slices.Sorted(maps.Keys(wanted)) {
		w := wanted[arn]
		ids := slices.Sorted(maps.Keys(w.clientIDs))
		if providerAccount := strings.Split(arn, ":")[4]; account != "" && providerAccount != account {
			out = append(out, ProviderCheck{ARN: arn, State: fmt.Sprintf("not checked: it is in account %s, the credentials are for %s; run irsa-fn verify with credentials of %s", providerAccount, account, providerAccount)})
			continue
		}
		got, err := s.IAM.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
		var nse *iamtypes.NoSuchEntityException
		switch {
		case errors.As(err, &nse) && opts.CreateOIDCProviders && !opts.DryRun:
			_, err := s.IAM.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(w.url), ClientIDList: ids})
			if err != nil {
				out = append(out, ProviderCheck{ARN: arn, State: "missing, and creating it failed: " + err.Error(), Problem: true})
			} else {
				out = append(out, ProviderCheck{ARN: arn, State: "created with client IDs " + strings.Join(ids, ", "), Created: true})
			}
		case errors.As(err, &nse):
			state := "missing: pods will fail with InvalidIdentityToken (No OpenIDConnect provider found in your account)"
			if opts.CreateOIDCProviders {
				state += "; --create-oidc-providers would create it"
			}
			out = append(out, ProviderCheck{ARN: arn, State: state, Problem: true, Fix: fmt.Sprintf(
				"aws iam create-open-id-connect-provider --url %s --client-id-list %s   (or: eksctl utils associate-iam-oidc-provider --cluster <name> --approve, or irsa-fn apply --create-oidc-providers)",
				w.url, strings.Join(ids, ","))})
		case err != nil:
			out = append(out, ProviderCheck{ARN: arn, State: "could not be read: " + err.Error(), Problem: true})
		default:
			have := map[string]bool{}
			for _, id := range got.ClientIDList {
				have[id] = true
			}
			var missing []string
			for _, id := range ids {
				if !have[id] {
					missing = append(missing, id)
				}
			}
			if len(missing) == 0 {
				out = append(out, ProviderCheck{ARN: arn, State: "ok"})
				continue
			}
			check := ProviderCheck{ARN: arn, Problem: true,
				State: fmt.Sprintf("lacks client ID(s) %s: tokens with that audience fail with InvalidIdentityToken (Incorrect token audience)", strings.Join(missing, ", "))}
			for _, id := range missing {
				check.Fix += fmt.Sprintf("aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn %s --client-id %s\n", arn, id)
			}
			check.Fix = strings.TrimSuffix(check.Fix, "\n")
			out = append(out, check)
		}
	}
	return out
}

// Write prints the report: each role's plan or outcome, the providers, and a summary line.
// onlyProblems leaves out roles that are in sync.
func (r *Report) Write(w io.Writer, onlyProblems bool) {
	writeHeader(w, r.Account, r.Notes)
	counts := map[Action]int{}
	for _, p := range r.Roles {
		counts[p.Action]++
		if onlyProblems && p.Action == ActionNone {
			continue
		}
		fmt.Fprintf(w, "role %s: %s\n", p.Role, p.Action)
		for _, l := range p.Lines {
			fmt.Fprintf(w, "  %s\n", l)
		}
		if p.Err != nil {
			fmt.Fprintf(w, "  error: %v\n", p.Err)
		}
	}
	writeProviders(w, r.Providers)
	verbs := "created, %d updated, %d deleted"
	if r.DryRun {
		verbs = "to create, %d to update, %d to delete"
	}
	fmt.Fprintf(w, "summary: %d "+verbs+", %d unchanged, %d refused, %d failed",
		counts[ActionCreate], counts[ActionUpdate], counts[ActionDelete], counts[ActionNone], counts[ActionRefused], counts[ActionFailed])
	created := 0
	for _, p := range r.Providers {
		if p.Created {
			created++
		}
	}
	if created > 0 {
		fmt.Fprintf(w, "; %d OIDC provider(s) created", created)
	}
	switch {
	case r.DryRun:
		fmt.Fprint(w, " (dry run: nothing was changed)")
	case counts[ActionCreate]+counts[ActionUpdate]+counts[ActionDelete]+created == 0 && counts[ActionFailed] == 0:
		fmt.Fprint(w, " (no changes were made)")
	}
	fmt.Fprintln(w)
}

func writeHeader(w io.Writer, account string, notes []string) {
	if account != "" {
		fmt.Fprintf(w, "account %s\n", account)
	}
	for _, n := range notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// writeProviders prints the provider checks and returns how many are problems.
func writeProviders(w io.Writer, providers []ProviderCheck) int {
	problems := 0
	for _, p := range providers {
		fmt.Fprintf(w, "oidc provider %s: %s\n", p.ARN, p.State)
		if p.Problem {
			problems++
		}
		for _, l := range strings.Split(p.Fix, "\n") {
			if l != "" {
				fmt.Fprintf(w, "  fix: %s\n", l)
			}
		}
	}
	return problems
}
