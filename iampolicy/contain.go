package iampolicy

import (
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/iamref"
)

// These functions decide whether one policy grants no more than another: whether a statement's
// principal, action, resource and conditions are within another statement's. They are sound
// rather than complete: when they cannot show containment they answer false, so a caller that
// classifies a change as narrowing only on true never calls a broadening narrowing.

// Grant is one principal, action and resource of a statement without NotPrincipal, NotAction or
// NotResource, with the statement's conditions. Principal is "AWS:<arn>", "Federated:<arn>" or
// "Service:<name>"; empty in a permission policy. Resource is empty in a trust policy.
type Grant struct {
	Statement                   int
	Effect                      string
	Principal, Action, Resource string
	Condition                   Condition
}

// HasNot reports whether the statement uses NotAction or NotResource, whose reach the grants of
// a statement cannot list.
func (s Statement) HasNot() bool {
	return len(s.NotAction) > 0 || len(s.NotResource) > 0
}

// Principals lists the statement's principals as Grant writes them, sorted; one empty entry when
// it names none (a permission policy).
func (s Statement) Principals() []string {
	if s.Principal == nil {
		return []string{""}
	}
	var out []string
	for _, p := range s.Principal.AWS {
		out = append(out, "AWS:"+p)
	}
	for _, p := range s.Principal.Federated {
		out = append(out, "Federated:"+p)
	}
	for _, p := range s.Principal.Service {
		out = append(out, "Service:"+p)
	}
	if len(out) == 0 {
		return []string{""}
	}
	slices.Sort(out)
	return out
}

// Grants lists every principal, action and resource of the document's statements of an effect
// ("Allow" or "Deny") that use neither NotAction nor NotResource, in document order.
func Grants(d Document, effect string) []Grant {
	var out []Grant
	for i, st := range d.Statement {
		if st.Effect != effect || st.HasNot() {
			continue
		}
		resources := st.Resource
		if len(resources) == 0 {
			resources = Values{""}
		}
		for _, p := range st.Principals() {
			for _, a := range st.Action {
				for _, r := range resources {
					out = append(out, Grant{Statement: i, Effect: effect, Principal: p, Action: a, Resource: r, Condition: st.Condition})
				}
			}
		}
	}
	return out
}

// Covers reports whether the grant outer applies to every request inner applies to: its
// principal is the same (or every AWS principal), its action and resource patterns match all
// of inner's, and inner's conditions imply outer's.
func (outer Grant) Covers(inner Grant) bool {
	return (outer.Principal == inner.Principal || outer.Principal == "AWS:*") &&
		ActionCovers(outer.Action, inner.Action) &&
		ResourceCovers(outer.Resource, inner.Resource) &&
		ConditionImplies(inner.Condition, outer.Condition)
}

// ConditionImplies reports whether every request that meets the condition block strict also
// meets loose: each operator and key of loose (keys without regard to case) is in strict, with
// values that admit no more. For an operator that asks for any of its values (StringEquals,
// StringLike, ArnLike, IpAddress, Bool…), strict's values must each be among loose's (for
// StringLike and the Arn operators, within one of loose's patterns); for a negated operator
// (StringNotEquals…), strict must list every value of loose. strict may add operators and keys.
func ConditionImplies(strict, loose Condition) bool {
	for op, keys := range loose {
		for key, lv := range keys {
			implied := false
			for _, sop := range siblings(op) {
				if sv, ok := conditionValues(strict, sop, key); ok && valuesWithin(sop, op, sv, lv) {
					implied = true
				}
			}
			if !implied {
				return false
			}
		}
	}
	return true
}

// siblings are the operators whose values can be compared with op's: op itself, and for
// StringEquals and StringLike (with the same qualifiers) each other.
func siblings(op string) []string {
	for _, pair := range [][2]string{{"StringEquals", "StringLike"}, {"StringLike", "StringEquals"}} {
		if strings.Contains(op, pair[0]) && !strings.Contains(op, "Not") {
			return []string{op, strings.Replace(op, pair[0], pair[1], 1)}
		}
	}
	return []string{op}
}

// conditionValues finds the values of an operator and key (without regard to case) of a block.
func conditionValues(c Condition, op, key string) (Values, bool) {
	for k, v := range c[op] {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// valuesWithin reports whether the values strict of the operator strictOp admit no more than the
// values loose of looseOp (the same operator, or its StringEquals/StringLike sibling).
func valuesWithin(strictOp, looseOp string, strict, loose Values) bool {
	base := func(op string) string { return strings.TrimSuffix(op[strings.Index(op, ":")+1:], "IfExists") }
	sb, lb := base(strictOp), base(looseOp)
	if strings.Contains(lb, "Not") {
		// Not any of the values: more values admit less.
		return !slices.ContainsFunc(loose, func(l string) bool { return !slices.Contains(strict, l) })
	}
	within := func(s, l string) bool { return s == l }
	switch {
	case sb == "StringLike" && lb == "StringEquals":
		// A pattern is within a literal only when it is that literal.
		within = func(s, l string) bool { return s == l && !strings.ContainsAny(s, "*?") }
	case lb == "StringLike" || strings.HasPrefix(lb, "Arn"):
		within = func(s, l string) bool { return s == l || LikeCovers(l, s) }
	case lb == "StringEqualsIgnoreCase":
		within = strings.EqualFold
	}
	return !slices.ContainsFunc(strict, func(s string) bool {
		return !slices.ContainsFunc(loose, func(l string) bool { return within(s, l) })
	})
}

// ExpandAction lists the actions of IAM's service reference an action pattern matches, as
// service:Action, sorted; false when the pattern is * or its service is not in the reference.
func ExpandAction(pattern string) ([]string, bool) {
	prefix, name, ok := strings.Cut(pattern, ":")
	if !ok || pattern == "*" {
		return nil, false
	}
	svc, ok := iamref.LookupService(strings.ToLower(prefix))
	if !ok {
		return nil, false
	}
	var out []string
	for _, a := range svc.MatchActions(name) {
		out = append(out, svc.Prefix()+":"+a.Name())
	}
	return out, true
}
