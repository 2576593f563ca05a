// Package rolediff compares two renders of irsa-fn's output and says what changed for IAM: per
// role (matched by name and account) who can assume it, what it may do, its boundary, managed
// policies and session duration; per ServiceAccount, workload and Pod Identity association the
// role or service account it uses. Each change is classed broadening, narrowing or neutral, and
// conservatively: a change is narrowing or neutral only when it can be shown to grant no more.
// It does no I/O.
package rolediff

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/access"
)

// Classes of a change.
const (
	// Broadening: the change may give someone more access, or cannot be shown not to.
	Broadening = "broadening"
	// Narrowing: the change takes access away and gives none.
	Narrowing = "narrowing"
	// Neutral: the change grants neither more nor less (a policy renamed, a statement moved).
	Neutral = "neutral"
)

// Aspects of a role a change is about.
const (
	AspectRole        = "role"
	AspectTrust       = "trust"
	AspectPermissions = "permissions"
	AspectBoundary    = "permissionsBoundary"
	AspectManaged     = "managedPolicies"
	AspectSession     = "maxSessionDuration"
)

// Policy is a named inline policy.
type Policy struct {
	Name, Document string
}

// Role is a rendered role: its name, account (empty when the render does not say), where it
// was read, and what IAM holds of it.
type Role struct {
	Name, Account, Source string
	// Trust is the trust policy document, as JSON.
	Trust string
	// Inline are the inline policies; Managed the ARNs of the attached managed policies.
	Inline  []Policy
	Managed []string
	// Boundary is the permissions boundary's ARN; empty for none.
	Boundary string
	// MaxSessionDuration in seconds; 0 when the render leaves IAM's default (3600).
	MaxSessionDuration int64
	// Other holds, by field path, the fields of the rendered object that the comparison does
	// not model (path, tags, policy references, another provider configuration…), as written:
	// any change to them is broadening, since it cannot be shown to grant no more.
	Other map[string]string
}

// Workload is a workload of the render and the service account its pods run as ("default"
// when its pod spec names none).
type Workload struct {
	Kind, Namespace, Name, ServiceAccount string
}

// ManagedPolicy is a customer managed policy the render creates (an ACK Policy): its path,
// name and document. A role that attaches it is compared with its document.
type ManagedPolicy struct {
	Path, Name, Document string
}

// Object is an object of an IAM API group that the comparison does not model (a policy
// attachment to a role the render does not hold, a user, a group…), as written: any change to
// it is broadening, its removal narrowing.
type Object struct {
	Kind, Namespace, Name string
	// Content is the object as written, compared as a whole.
	Content string
}

// Input is one render: roles, customer managed policies, workloads, annotated ServiceAccounts,
// Pod Identity associations and IAM objects the comparison does not model.
type Input struct {
	Roles           []Role
	Policies        []ManagedPolicy
	Workloads       []Workload
	ServiceAccounts []access.ServiceAccount
	Associations    []access.Association
	// TokenLifetimes are the token-expiration annotations of the annotated ServiceAccounts.
	TokenLifetimes []TokenLifetime
	Unmodeled      []Object
}

// TokenLifetime is the eks.amazonaws.com/token-expiration annotation of an annotated
// ServiceAccount: how long the web identity token the pod identity webhook projects stays
// valid, and so how long a leaked token can be exchanged for the role's credentials. Value is
// the annotation as written; empty when there is none (the webhook's default applies).
type TokenLifetime struct {
	Namespace, Name, Value string
}

// Change is one difference, with its class.
type Change struct {
	Aspect string `json:"aspect"`
	// Change says what changed ("subject added", "action removed"); Detail the values.
	Change string `json:"change"`
	Detail string `json:"detail"`
	Class  string `json:"class"`
}

// Role statuses.
const (
	StatusAdded   = "added"
	StatusRemoved = "removed"
	StatusChanged = "changed"
)

// RoleDiff is what changed for one role.
type RoleDiff struct {
	Name    string   `json:"name"`
	Account string   `json:"account,omitempty"`
	Status  string   `json:"status"`
	Class   string   `json:"class"`
	Changes []Change `json:"changes"`
}

// ObjectDiff is what changed for a ServiceAccount, a workload or a Pod Identity association.
type ObjectDiff struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Cluster is the association's cluster.
	Cluster string `json:"cluster,omitempty"`
	Change
}

// Report is the difference between two renders.
type Report struct {
	Roles   []RoleDiff   `json:"roles"`
	Objects []ObjectDiff `json:"objects"`
}

// Broadening reports whether some change is broadening.
func (r Report) Broadening() bool {
	return slices.ContainsFunc(r.Roles, func(d RoleDiff) bool { return d.Class == Broadening }) ||
		slices.ContainsFunc(r.Objects, func(d ObjectDiff) bool { return d.Class == Broadening })
}

// Empty reports whether the renders are the same for IAM.
func (r Report) Empty() bool { return len(r.Roles) == 0 && len(r.Objects) == 0 }

// Compare says what changed from old to new.
func Compare(old, new Input) Report {
	rep := Report{Roles: []RoleDiff{}, Objects: []ObjectDiff{}}
	type key struct{ name, account string }
	// A role rendered more than once (two objects naming one IAM role) ends as one of them,
	// which one the render does not say: each version is compared, and the repeat is broadening.
	index := func(roles []Role) map[key][]Role {
		out := map[key][]Role{}
		for _, r := range roles {
			k := key{r.Name, r.Account}
			if !slices.ContainsFunc(out[k], func(x Role) bool { return sameRole(x, r) }) {
				out[k] = append(out[k], r)
			}
		}
		return out
	}
	olds, news := index(old.Roles), index(new.Roles)
	var keys []key
	for k := range olds {
		keys = append(keys, k)
	}
	for k := range news {
		if _, ok := olds[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.account, b.account)) })
	for _, k := range keys {
		os, ns := olds[k], news[k]
		d := RoleDiff{Name: k.name, Account: k.account}
		switch {
		case len(os) == 0:
			d.Status = StatusAdded
			for _, n := range ns {
				d.Changes = append(d.Changes, Change{AspectRole, "role added", describeRole(n), Broadening})
			}
		case len(ns) == 0:
			d.Status = StatusRemoved
			for _, o := range os {
				d.Changes = append(d.Changes, Change{AspectRole, "role removed", describeRole(o), Narrowing})
			}
		default:
			d.Status = StatusChanged
			for _, o := range os {
				o, odup := withManaged(o, old.Policies, "old")
				for _, n := range ns {
					n, ndup := withManaged(n, new.Policies, "new")
					d.Changes = append(d.Changes, odup...)
					d.Changes = append(d.Changes, ndup...)
					d.Changes = append(d.Changes, compareRole(o, n)...)
				}
			}
		}
		for i, rs := range [][]Role{os, ns} {
			if len(rs) > 1 {
				d.Changes = append(d.Changes, Change{AspectRole, "role rendered more than once",
					fmt.Sprintf("the %s render holds %d different versions (%s); IAM ends with one of them", []string{"old", "new"}[i], len(rs), sources(rs)), Broadening})
			}
		}
		d.Changes = uniqueChanges(d.Changes)
		if len(d.Changes) == 0 {
			continue
		}
		d.Class = classOf(d.Changes)
		rep.Roles = append(rep.Roles, d)
	}
	rep.Objects = compareObjects(old, new)
	return rep
}

// withManaged adds to a role's inline policies the documents of the customer managed policies
// of the render it attaches, named "managed <ARN>", so that a change of such a document is a
// change of what the role may do. A policy the render holds more than once with different
// documents (two objects naming one IAM policy) ends as one of them: each document is added, and
// a broadening change (side is "old" or "new") says so.
func withManaged(r Role, policies []ManagedPolicy, side string) (Role, []Change) {
	r.Inline = slices.Clone(r.Inline)
	var dups []Change
	for _, arn := range r.Managed {
		var docs []string
		for _, p := range policies {
			path := p.Path
			if path == "" {
				path = "/"
			}
			if strings.HasSuffix(arn, ":policy"+path+p.Name) && !slices.Contains(docs, p.Document) {
				docs = append(docs, p.Document)
				r.Inline = append(r.Inline, Policy{Name: "managed " + arn, Document: p.Document})
			}
		}
		if len(docs) > 1 {
			dups = append(dups, Change{AspectManaged, "managed policy rendered more than once",
				fmt.Sprintf("%s: the %s render holds %d different documents; IAM ends with one of them", arn, side, len(docs)), Broadening})
		}
	}
	return r, dups
}

// sameRole reports whether two versions of a role are the same for IAM.
func sameRole(a, b Role) bool {
	return len(compareRole(a, b)) == 0
}

// sources lists where versions of a role were read.
func sources(rs []Role) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Source)
	}
	return strings.Join(out, ", ")
}

// uniqueChanges drops repeats of a change, keeping the first.
func uniqueChanges(cs []Change) []Change {
	var out []Change
	for _, c := range cs {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// classOf is broadening when some change is, else narrowing when some change is, else neutral.
func classOf(changes []Change) string {
	class := Neutral
	for _, c := range changes {
		switch c.Class {
		case Broadening:
			return Broadening
		case Narrowing:
			class = Narrowing
		}
	}
	return class
}

// describeRole says what an added or removed role grants, in a line.
func describeRole(r Role) string {
	subjects := trustSubjects(r.Trust)
	var who []string
	for _, s := range subjects {
		who = append(who, s.text)
	}
	if len(who) == 0 {
		who = []string{"nobody listed"}
	}
	return fmt.Sprintf("assumable by %s; %d inline %s and %d managed %s", strings.Join(who, ", "),
		len(r.Inline), plural(len(r.Inline), "policy", "policies"), len(r.Managed), plural(len(r.Managed), "policy", "policies"))
}

// compareRole lists what changed between two versions of a role.
func compareRole(o, n Role) []Change {
	var out []Change
	out = append(out, compareTrust(o.Trust, n.Trust)...)
	out = append(out, comparePermissions(o.Inline, n.Inline)...)
	switch {
	case o.Boundary == n.Boundary:
	case n.Boundary == "":
		out = append(out, Change{AspectBoundary, "boundary removed", o.Boundary, Broadening})
	case o.Boundary == "":
		out = append(out, Change{AspectBoundary, "boundary added", n.Boundary, Narrowing})
	default:
		out = append(out, Change{AspectBoundary, "boundary changed", o.Boundary + " -> " + n.Boundary, Broadening})
	}
	for _, a := range minus(n.Managed, o.Managed) {
		out = append(out, Change{AspectManaged, "managed policy attached", a, Broadening})
	}
	for _, a := range minus(o.Managed, n.Managed) {
		out = append(out, Change{AspectManaged, "managed policy detached", a, Narrowing})
	}
	for _, f := range slices.Sorted(maps.Keys(o.Other)) {
		if v, ok := n.Other[f]; !ok {
			out = append(out, Change{AspectRole, "unmodeled field removed", f + ": " + o.Other[f], Broadening})
		} else if v != o.Other[f] {
			out = append(out, Change{AspectRole, "unmodeled field changed", f + ": " + o.Other[f] + " -> " + v, Broadening})
		}
	}
	for _, f := range slices.Sorted(maps.Keys(n.Other)) {
		if _, ok := o.Other[f]; !ok {
			out = append(out, Change{AspectRole, "unmodeled field added", f + ": " + n.Other[f], Broadening})
		}
	}
	if os, ns := session(o.MaxSessionDuration), session(n.MaxSessionDuration); os != ns {
		c := Change{AspectSession, "max session duration raised", fmt.Sprintf("%ds -> %ds", os, ns), Broadening}
		if ns < os {
			c.Change, c.Class = "max session duration lowered", Narrowing
		}
		out = append(out, c)
	}
	return out
}

// session is a role's maximum session duration, IAM's default when the render leaves it out.
func session(d int64) int64 {
	if d == 0 {
		return 3600
	}
	return d
}

// minus returns the values of a that are not in b, sorted and without repeats.
func minus(a, b []string) []string {
	var out []string
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
