package rolediff

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/irsa-dev/irsa-fn/access"
)

// compareObjects lists, per ServiceAccount, workload and Pod Identity association, the role or
// service account it now uses. Anything that gives pods a role they did not have, or another
// one, is broadening; a binding that goes away is narrowing.
func compareObjects(old, new Input) []ObjectDiff {
	var out []ObjectDiff
	type saKey struct{ ns, name string }
	saValue := func(sa access.ServiceAccount) string { return sa.RoleARN + " (aud " + sa.Audience + ")" }
	out = append(out, diffMaps(
		keyed(old.ServiceAccounts, func(sa access.ServiceAccount) saKey { return saKey{sa.Namespace, sa.Name} }, saValue),
		keyed(new.ServiceAccounts, func(sa access.ServiceAccount) saKey { return saKey{sa.Namespace, sa.Name} }, saValue),
		func(k saKey) ObjectDiff {
			return ObjectDiff{Kind: "ServiceAccount", Namespace: k.ns, Name: k.name, Change: Change{Aspect: "role-arn"}}
		})...)
	type wKey struct{ kind, ns, name string }
	out = append(out, diffMaps(
		keyed(withRole(old), func(w Workload) wKey { return wKey{w.Kind, w.Namespace, w.Name} }, func(w Workload) string { return w.ServiceAccount }),
		keyed(withRole(new), func(w Workload) wKey { return wKey{w.Kind, w.Namespace, w.Name} }, func(w Workload) string { return w.ServiceAccount }),
		func(k wKey) ObjectDiff {
			return ObjectDiff{Kind: k.kind, Namespace: k.ns, Name: k.name, Change: Change{Aspect: "serviceAccountName"}}
		})...)
	type aKey struct{ cluster, ns, name string }
	akey := func(a access.Association) aKey { return aKey{a.Cluster, a.Namespace, a.ServiceAccount} }
	arole := func(a access.Association) string { return a.RoleARN }
	out = append(out, diffMaps(keyed(old.Associations, akey, arole), keyed(new.Associations, akey, arole),
		func(k aKey) ObjectDiff {
			return ObjectDiff{Kind: "PodIdentityAssociation", Cluster: k.cluster, Namespace: k.ns, Name: k.name, Change: Change{Aspect: "roleArn"}}
		})...)
	out = append(out, compareTokenLifetimes(old.TokenLifetimes, new.TokenLifetimes)...)
	type oKey struct{ kind, ns, name string }
	okey := func(o Object) oKey { return oKey{o.Kind, o.Namespace, o.Name} }
	content := func(o Object) string { return o.Content }
	// An IAM object the comparison does not model may deny as well as grant: its removal too
	// cannot be shown to narrow.
	for _, d := range diffMaps(keyed(old.Unmodeled, okey, content), keyed(new.Unmodeled, okey, content),
		func(k oKey) ObjectDiff {
			return ObjectDiff{Kind: k.kind, Namespace: k.ns, Name: k.name, Change: Change{Aspect: "unmodeled IAM object"}}
		}) {
		d.Class = Broadening
		out = append(out, d)
	}
	return out
}

// keyed indexes values by key. An object the input holds more than once with different values
// (which one the cluster ends with, the input does not say) has all its values, sorted and
// joined with " | ", so that a repeat added to a render is a change.
func keyed[T any, K comparable](items []T, key func(T) K, value func(T) string) map[K]string {
	all := map[K][]string{}
	for _, it := range items {
		k, v := key(it), value(it)
		if !slices.Contains(all[k], v) {
			all[k] = append(all[k], v)
		}
	}
	out := map[K]string{}
	for k, vs := range all {
		slices.Sort(vs)
		out[k] = strings.Join(vs, " | ")
	}
	return out
}

// diffMaps lists the keys whose value was added, removed or changed, sorted by the diff's kind,
// namespace and name. An added or changed value is broadening; a removed one narrowing.
func diffMaps[K comparable](old, new map[K]string, diff func(K) ObjectDiff) []ObjectDiff {
	var out []ObjectDiff
	for k, n := range new {
		d := diff(k)
		o, ok := old[k]
		switch {
		case !ok:
			d.Change.Change, d.Detail, d.Class = "added", n, Broadening
		case o != n:
			d.Change.Change, d.Detail, d.Class = "changed", o+" -> "+n, Broadening
		default:
			continue
		}
		out = append(out, d)
	}
	for k, o := range old {
		if _, ok := new[k]; !ok {
			d := diff(k)
			d.Change.Change, d.Detail, d.Class = "removed", o, Narrowing
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b ObjectDiff) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Cluster, b.Cluster), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// withRole lists the workloads whose service account has a role in the input: annotated with
// one, or given one by a Pod Identity association (for a workload without a namespace, in any
// namespace). Other workloads are of no concern to IAM,
// so a workload that moves to a service account without a role leaves the list (narrowing).
func withRole(in Input) []Workload {
	type sa struct{ ns, name string }
	roled := map[sa]bool{}
	for _, s := range in.ServiceAccounts {
		roled[sa{s.Namespace, s.Name}] = true
	}
	for _, a := range in.Associations {
		roled[sa{a.Namespace, a.ServiceAccount}] = true
	}
	// A workload written without a namespace lands in whichever one it is applied to: it is of
	// concern when a service account of that name has a role in any namespace.
	named := map[string]bool{}
	for s := range roled {
		named[s.name] = true
	}
	var out []Workload
	for _, w := range in.Workloads {
		if roled[sa{w.Namespace, w.ServiceAccount}] || (w.Namespace == "" && named[w.ServiceAccount]) {
			out = append(out, w)
		}
	}
	return out
}

// webhookTokenLifetime is the token lifetime, in seconds, the pod identity webhook projects when
// a ServiceAccount has no token-expiration annotation.
const webhookTokenLifetime = 86400

// compareTokenLifetimes lists the ServiceAccounts, in both inputs, whose token lifetime
// changed: a longer one is broadening (a leaked token is good for longer), a shorter one
// narrowing, the same written otherwise neutral, and one that cannot be read as seconds
// broadening.
func compareTokenLifetimes(old, new []TokenLifetime) []ObjectDiff {
	type key struct{ ns, name string }
	before := map[key]string{}
	for _, t := range old {
		before[key{t.Namespace, t.Name}] = t.Value
	}
	var out []ObjectDiff
	for _, t := range new {
		o, ok := before[key{t.Namespace, t.Name}]
		if !ok || o == t.Value {
			continue
		}
		oldSeconds, oldOK := tokenSeconds(o)
		newSeconds, newOK := tokenSeconds(t.Value)
		class := Broadening
		switch {
		case oldOK && newOK && newSeconds == oldSeconds:
			class = Neutral
		case oldOK && newOK && newSeconds < oldSeconds:
			class = Narrowing
		}
		out = append(out, ObjectDiff{Kind: "ServiceAccount", Namespace: t.Namespace, Name: t.Name,
			Change: Change{Aspect: "token-expiration", Change: "changed", Detail: lifetime(o) + " -> " + lifetime(t.Value), Class: class}})
	}
	slices.SortFunc(out, func(a, b ObjectDiff) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// tokenSeconds reads a token-expiration annotation as the webhook does (an integer, "+3600"
// too); empty is the webhook's default.
func tokenSeconds(v string) (int64, bool) {
	if v == "" {
		return webhookTokenLifetime, true
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n, err == nil
}

// lifetime shows a token-expiration annotation: its value in seconds, or the default.
func lifetime(v string) string {
	if v == "" {
		return strconv.Itoa(webhookTokenLifetime) + "s (webhook default)"
	}
	if _, ok := tokenSeconds(v); ok {
		return v + "s"
	}
	return strconv.Quote(v)
}
