// Package wellknown holds the IAM permissions that popular Kubernetes add-ons document for
// their service accounts, one file per add-on, each scoped as tightly as the add-on allows by
// the parameters a binding gives (hosted zones, buckets, keys, the cluster's name). It does no
// I/O.
package wellknown

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// Params are the parameters a binding gives a well-known policy, with the role's context.
type Params struct {
	// Partition, AccountID and Region of the role and its cluster.
	Partition, AccountID, Region string
	// ContextUnknown says that the role's partition and cluster are not known (the binding's
	// clusters are broken): Check leaves out the checks that need the partition, the cluster's
	// name or its region.
	ContextUnknown bool
	// ClusterName is the EKS cluster the add-on runs in.
	ClusterName string
	// HostedZoneIDs are Route 53 hosted zone IDs (Z0123...).
	HostedZoneIDs []string
	// BucketNames are S3 bucket names.
	BucketNames []string
	// KMSKeyARNs are KMS key ARNs the add-on encrypts or decrypts with.
	KMSKeyARNs []string
	// SecretARNs are Secrets Manager secret ARNs (wildcards allowed).
	SecretARNs []string
	// ParameterARNs are SSM Parameter Store parameter ARNs (wildcards allowed).
	ParameterARNs []string
	// NodeRoleARN is the role Karpenter's nodes run as.
	NodeRoleARN string
	// InterruptionQueueARN is the SQS queue Karpenter reads interruption events from.
	InterruptionQueueARN string
}

// Policy is what a well-known add-on needs: inline documents and AWS managed policy ARNs.
type Policy struct {
	Inline  []Named
	Managed []string
}

// Named is an inline document and its name.
type Named struct {
	Name     string
	Document iampolicy.Document
}

// param names a parameter as the binding spells it, and reads it from Params.
type param struct {
	name string
	set  func(p Params) bool
}

var (
	pHostedZones  = param{"hostedZoneIDs", func(p Params) bool { return len(p.HostedZoneIDs) > 0 }}
	pBuckets      = param{"bucketNames", func(p Params) bool { return len(p.BucketNames) > 0 }}
	pKMSKeys      = param{"kmsKeyARNs", func(p Params) bool { return len(p.KMSKeyARNs) > 0 }}
	pSecrets      = param{"secretARNs", func(p Params) bool { return len(p.SecretARNs) > 0 }}
	pParameters   = param{"parameterARNs", func(p Params) bool { return len(p.ParameterARNs) > 0 }}
	pNodeRole     = param{"nodeRoleARN", func(p Params) bool { return p.NodeRoleARN != "" }}
	pQueue        = param{"interruptionQueueARN", func(p Params) bool { return p.InterruptionQueueARN != "" }}
	optionalNames = []param{pHostedZones, pBuckets, pKMSKeys, pSecrets, pParameters, pNodeRole, pQueue}
)

// addon describes one add-on: its parameters and how its policy is built.
type addon struct {
	// required parameters; allowed ones besides them.
	required, optional []param
	// needsCluster and needsRegion: the policy names the cluster or its region.
	needsCluster, needsRegion bool
	// oneOf: at least one of these parameters is required.
	oneOf []param
	build func(p Params) Policy
}

var addons = map[string]addon{
	"external-dns":                 externalDNS,
	"cert-manager":                 certManager,
	"cluster-autoscaler":           clusterAutoscaler,
	"aws-load-balancer-controller": awsLoadBalancerController,
	"ebs-csi-driver":               ebsCSIDriver,
	"efs-csi-driver":               efsCSIDriver,
	"external-secrets":             externalSecrets,
	"velero":                       velero,
	"karpenter-controller":         karpenterController,
}

// Names lists the add-ons, sorted.
func Names() []string {
	out := make([]string, 0, len(addons))
	for n := range addons {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Parameters says which of the parameters (ParameterNames) the add-on name takes, as the fields
// of a binding's wellKnown entry name them: those it requires, those it may take, and those of
// which it requires at least one. It takes none of the others. ok is false for an unknown add-on.
func Parameters(name string) (required, optional, oneOf []string, ok bool) {
	a, ok := addons[name]
	names := func(ps []param) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.name)
		}
		return out
	}
	return names(a.required), names(a.optional), names(a.oneOf), ok
}

// ParameterNames are the parameters that only the add-ons that use them take.
func ParameterNames() []string {
	out := make([]string, 0, len(optionalNames))
	for _, p := range optionalNames {
		out = append(out, p.name)
	}
	return out
}

// Check reports what is wrong with an add-on's parameters: an unknown add-on, a missing required
// parameter, or a parameter the add-on does not use. Each problem is a field name and a message.
func Check(name string, p Params) []Problem {
	a, ok := addons[name]
	if !ok {
		return []Problem{{Field: "name", Message: fmt.Sprintf("%q is not a well-known add-on", name), Allowed: strings.Join(Names(), ", ")}}
	}
	var out []Problem
	allowed := map[string]bool{}
	for _, r := range a.required {
		allowed[r.name] = true
		if !r.set(p) {
			out = append(out, Problem{Field: r.name, Message: fmt.Sprintf("%s needs %s", name, r.name), Allowed: "one or more values"})
		}
	}
	for _, o := range append(append([]param{}, a.optional...), a.oneOf...) {
		allowed[o.name] = true
	}
	if len(a.oneOf) > 0 {
		given := false
		var names []string
		for _, o := range a.oneOf {
			given = given || o.set(p)
			names = append(names, o.name)
		}
		if !given {
			out = append(out, Problem{Field: a.oneOf[0].name, Message: fmt.Sprintf("%s needs the resources it may read", name), Allowed: strings.Join(names, " or ")})
		}
	}
	for _, o := range optionalNames {
		if o.set(p) && !allowed[o.name] {
			out = append(out, Problem{Field: o.name, Message: fmt.Sprintf("%s does not use %s", name, o.name), Allowed: allowedList(a)})
		}
	}
	for _, f := range []struct {
		field  string
		values []string
	}{
		{pKMSKeys.name, p.KMSKeyARNs}, {pSecrets.name, p.SecretARNs}, {pParameters.name, p.ParameterARNs},
		{pNodeRole.name, []string{p.NodeRoleARN}}, {pQueue.name, []string{p.InterruptionQueueARN}},
	} {
		for _, v := range f.values {
			if parts := strings.SplitN(v, ":", 3); !p.ContextUnknown && v != "" && len(parts) == 3 && parts[1] != p.Partition {
				out = append(out, Problem{Field: f.field, Message: fmt.Sprintf("%q is in partition %s, the role in %s", v, parts[1], p.Partition), Allowed: "ARNs in partition " + p.Partition})
			}
		}
	}
	// Problems are found in a fixed order; the stable sort keeps it among those of one field.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	if p.ContextUnknown {
		return out
	}
	if a.needsCluster && p.ClusterName == "" {
		out = append(out, Problem{Field: "clusterName", Message: fmt.Sprintf("%s scopes its permissions to the cluster: name it here or in spec.clusters[0].name", name), Allowed: "the EKS cluster name"})
	}
	if a.needsRegion && p.Region == "" {
		out = append(out, Problem{Field: "region", Message: fmt.Sprintf("%s scopes its permissions to the cluster's region: give region here or an EKS oidcIssuer or region in spec.clusters[0]", name), Allowed: "an AWS region such as eu-west-1"})
	}
	return out
}

func allowedList(a addon) string {
	var names []string
	for _, p := range append(append(append([]param{}, a.required...), a.optional...), a.oneOf...) {
		names = append(names, p.name)
	}
	if len(names) == 0 {
		return "no parameters"
	}
	return strings.Join(names, ", ")
}

// Problem is one thing wrong with a well-known policy's parameters.
type Problem struct {
	Field, Message, Allowed string
}

// Build returns the add-on's policy. Call Check first: Build assumes the parameters are complete.
func Build(name string, p Params) Policy {
	return addons[name].build(p)
}

// Helpers for writing the policies.

func allow(actions []string, resources []string, cond iampolicy.Condition) iampolicy.Statement {
	return iampolicy.Statement{Effect: "Allow", Action: actions, Resource: resources, Condition: cond}
}

func all() []string { return []string{"*"} }

func arns(format string, p Params, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf(format, p.Partition, n)
	}
	return out
}

func doc(statements ...iampolicy.Statement) iampolicy.Document {
	return iampolicy.Document{Version: iampolicy.Version, Statement: statements}
}

func single(name string, statements ...iampolicy.Statement) Policy {
	return Policy{Inline: []Named{{Name: name, Document: doc(statements...)}}}
}

// kmsUse is the statement that lets an add-on use KMS keys for data it encrypts or decrypts.
func kmsUse(keys []string, actions ...string) iampolicy.Statement {
	return allow(actions, keys, nil)
}
