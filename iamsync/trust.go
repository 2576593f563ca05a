package iamsync

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// Token is what a pod presents to STS AssumeRoleWithWebIdentity: its cluster's OIDC provider,
// and the sub and aud claims of its projected service account token.
type Token struct {
	ProviderARN string
	// HostPath is the issuer without https://, the prefix of the condition keys.
	HostPath string
	Sub, Aud string
}

// Admits evaluates a trust policy for a token, with IAM's rules for what irsa-fn and people
// write in IRSA trust policies: an Allow statement must name the provider as Federated
// principal and allow sts:AssumeRoleWithWebIdentity, and every condition must hold (operators
// StringEquals, StringLike and their IgnoreCase/Not/IfExists forms; condition keys compared
// ignoring case; several values of a key are alternatives); a matching Deny wins. When the token
// is refused, the reasons say what each statement for this provider required.
func Admits(doc iampolicy.Document, tok Token) (bool, []string) {
	allowed := false
	var reasons []string
	for i, st := range doc.Statement {
		if st.Principal == nil || !contains(st.Principal.Federated, tok.ProviderARN) || !actionMatches(st.Action, "sts:AssumeRoleWithWebIdentity") {
			continue
		}
		ok, why := conditionsHold(st.Condition, tok)
		switch {
		case ok && st.Effect == "Deny":
			return false, []string{fmt.Sprintf("statement %d denies it", i)}
		case ok:
			allowed = true
		case st.Effect == "Allow":
			reasons = append(reasons, why...)
		}
	}
	if allowed {
		return true, nil
	}
	if len(reasons) == 0 {
		reasons = []string{fmt.Sprintf("no statement allows sts:AssumeRoleWithWebIdentity for the Federated principal %s", tok.ProviderARN)}
	}
	return false, reasons
}

func contains(values iampolicy.Values, s string) bool {
	for _, v := range values {
		if v == s {
			return true
		}
	}
	return false
}

func actionMatches(actions iampolicy.Values, action string) bool {
	for _, a := range actions {
		if iampolicy.MatchLike(strings.ToLower(a), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

// conditionsHold evaluates a statement's condition block for a token.
func conditionsHold(cond iampolicy.Condition, tok Token) (bool, []string) {
	claims := map[string]string{
		strings.ToLower(tok.HostPath + ":sub"): tok.Sub,
		strings.ToLower(tok.HostPath + ":aud"): tok.Aud,
	}
	var reasons []string
	for _, op := range slices.Sorted(maps.Keys(cond)) {
		keys := cond[op]
		base := strings.TrimSuffix(op, "IfExists")
		ifExists := base != op
		for _, key := range slices.Sorted(maps.Keys(keys)) {
			values := keys[key]
			if strings.Contains(key, "://") {
				reasons = append(reasons, fmt.Sprintf("condition key %q contains the URL scheme: IAM's keys are the issuer without https://, so it is never present and %s fails", key, op))
				continue
			}
			got, present := claims[strings.ToLower(key)]
			if !present {
				if !ifExists && !strings.HasPrefix(base, "StringNot") {
					reasons = append(reasons, fmt.Sprintf("condition key %q is not in a token of %s", key, tok.HostPath))
				}
				continue
			}
			if !evaluate(base, values, got) {
				claim := key[strings.LastIndex(key, ":")+1:]
				reason := fmt.Sprintf("%s requires %s %s %s; the token has %s", op, claim, describeOp(base), quoteAll(values), quote(got))
				if base == "StringEquals" && anyWildcard(values) {
					reason += " (StringEquals compares literally, so * matches only a literal *: use StringLike for a pattern)"
				}
				reasons = append(reasons, reason)
			}
		}
	}
	return len(reasons) == 0, reasons
}

func evaluate(op string, values iampolicy.Values, got string) bool {
	any := func(match func(string) bool) bool {
		for _, v := range values {
			if match(v) {
				return true
			}
		}
		return false
	}
	switch op {
	case "StringEquals":
		return any(func(v string) bool { return v == got })
	case "StringEqualsIgnoreCase":
		return any(func(v string) bool { return strings.EqualFold(v, got) })
	case "StringLike":
		return any(func(v string) bool { return iampolicy.MatchLike(v, got) })
	case "StringNotEquals":
		return !any(func(v string) bool { return v == got })
	case "StringNotEqualsIgnoreCase":
		return !any(func(v string) bool { return strings.EqualFold(v, got) })
	case "StringNotLike":
		return !any(func(v string) bool { return iampolicy.MatchLike(v, got) })
	}
	return false // an operator IRSA tokens are not checked with
}

func describeOp(op string) string {
	switch op {
	case "StringLike":
		return "to match"
	case "StringNotEquals", "StringNotEqualsIgnoreCase":
		return "not to be"
	case "StringNotLike":
		return "not to match"
	}
	return "to be"
}

func anyWildcard(values iampolicy.Values) bool {
	for _, v := range values {
		if strings.ContainsAny(v, "*?") {
			return true
		}
	}
	return false
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func quoteAll(values iampolicy.Values) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = quote(v)
	}
	if len(q) == 1 {
		return q[0]
	}
	return "one of " + strings.Join(q, ", ")
}
