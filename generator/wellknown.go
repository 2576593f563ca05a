package generator

import (
	"regexp"
	"strings"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/generator/wellknown"
	"github.com/irsa-dev/irsa-fn/iampolicy"
)

var (
	hostedZoneIDPattern = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	bucketNamePattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	// arnPattern is an ARN's form: arn:partition:service:region:account:resource.
	arnPattern = regexp.MustCompile(`^arn:([^:]*:){4}[\s\S]*$`)
)

// wellKnownSet is what the well-known add-ons a binding names add to its role.
type wellKnownSet struct {
	inline  []NamedPolicy
	managed []string
}

// wellKnownPolicies checks the well-known add-ons the binding names and builds their policies:
// their inline documents (which follow the declared ones) and their AWS managed policies. The
// parameters are always checked, those that need the clusters only with sound clusters (a
// partition; "" when not); the documents need the partition and the account ("" when it is
// not sound), and are built only when both are known.
func (r *resolver) wellKnownPolicies(partition, account string) wellKnownSet {
	var out wellKnownSet
	inlineNames := map[string]bool{}
	for _, ip := range r.spec.Policies.Inline {
		inlineNames[strings.ToLower(ip.Name)] = true
	}
	for i, wk := range r.spec.Policies.WellKnown {
		p := specPath.Child("policies", "wellKnown").Index(i)
		if !r.checkWellKnownValues(wk, p) || r.unread(p) {
			continue
		}
		params := wellknown.Params{
			Partition: partition, AccountID: account, Region: wk.Region, ClusterName: wk.ClusterName,
			HostedZoneIDs: wk.HostedZoneIDs, BucketNames: wk.BucketNames, KMSKeyARNs: wk.KMSKeyARNs,
			SecretARNs: wk.SecretARNs, ParameterARNs: wk.ParameterARNs, NodeRoleARN: wk.NodeRoleARN, InterruptionQueueARN: wk.InterruptionQueueARN,
			ContextUnknown: partition == "",
		}
		if partition != "" { // the clusters are sound
			if params.ClusterName == "" {
				params.ClusterName = r.clusters[0].name
			}
			if params.Region == "" {
				params.Region = r.clusters[0].region
			}
		}
		problems := wellknown.Check(wk.Name, params)
		for _, pr := range problems {
			r.diags.Errorf(p.Child(pr.Field), pr.Allowed, "%s", pr.Message)
		}
		if len(problems) > 0 || partition == "" || account == "" {
			continue
		}
		policy := wellknown.Build(wk.Name, params)
		guardrailsOf(r.in.Config).checkWellKnown(wk.Name, policy, p, r.origin(len(r.in.Binding.Spec.Policies.WellKnown) > 0), &r.diags)
		for _, d := range policy.Inline {
			// The add-on policies are checked against IAM's service reference like any other.
			iampolicy.CheckReference(d.Document, p, nil, FindingsFor(r.in.Config), &r.diags)
			if inlineNames[strings.ToLower(d.Name)] {
				r.diags.Errorf(p.Child("name"), "each add-on once, and no inline policy of the same name", "the %s policy is also named by another inline or well-known policy", d.Name)
				continue
			}
			inlineNames[strings.ToLower(d.Name)] = true
			out.inline = append(out.inline, NamedPolicy{Name: d.Name, Document: d.Document})
		}
		for _, arn := range policy.Managed {
			iampolicy.CheckManagedPolicyARN(arn, p, FindingsFor(r.in.Config), &r.diags)
			if !contains(out.managed, arn) {
				out.managed = append(out.managed, arn)
			}
		}
	}
	return out
}

// checkWellKnownValues checks the form of each parameter value.
func (r *resolver) checkWellKnownValues(wk v1alpha1.WellKnownPolicy, p diag.Path) bool {
	ok := true
	bad := func(field string, i int, allowed, format string, args ...any) {
		r.diags.Errorf(p.Child(field).Index(i), allowed, format, args...)
		ok = false
	}
	for i, z := range wk.HostedZoneIDs {
		if !hostedZoneIDPattern.MatchString(z) {
			bad("hostedZoneIDs", i, "a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ (not the domain name)", "%q is not a hosted zone ID", z)
		}
	}
	for i, b := range wk.BucketNames {
		if !bucketNamePattern.MatchString(b) {
			bad("bucketNames", i, "an S3 bucket name: 3-63 of a-z 0-9 . -", "%q is not a bucket name (give the name, not the ARN)", b)
		}
	}
	for _, f := range []struct {
		field  string
		values []string
	}{{"kmsKeyARNs", wk.KMSKeyARNs}, {"secretARNs", wk.SecretARNs}, {"parameterARNs", wk.ParameterARNs}} {
		field := f.field
		for i, v := range f.values {
			if !arnPattern.MatchString(v) {
				bad(field, i, "an ARN arn:partition:service:region:account:resource", "%q is not an ARN", v)
			}
		}
	}
	for _, f := range []struct{ field, value string }{{"nodeRoleARN", wk.NodeRoleARN}, {"interruptionQueueARN", wk.InterruptionQueueARN}} {
		if f.value != "" && !arnPattern.MatchString(f.value) {
			r.diags.Errorf(p.Child(f.field), "an ARN arn:partition:service:region:account:resource", "%q is not an ARN", f.value)
			ok = false
		}
	}
	if c := wk.ClusterName; c != "" && (len(c) > 100 || !clusterNameChars.MatchString(c)) {
		r.diags.Errorf(p.Child("clusterName"), "an EKS cluster name: 1-100 of A-Z a-z 0-9 - _, starting with a letter or digit", "cluster name %q is not valid", c)
		ok = false
	}
	if wk.Region != "" && !regionNamePattern.MatchString(wk.Region) {
		r.diags.Errorf(p.Child("region"), "an AWS region such as eu-west-1", "region %q is not a region name", wk.Region)
		ok = false
	}
	return ok
}
