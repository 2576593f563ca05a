package iampolicy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
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
// principal and allow sts:AssumeRoleWithWebIdentity, and every condition must hold (see
// conditionsHold); a matching Deny wins. When the token is refused, the reasons say what each
// statement for this provider required.
func Admits(doc Document, tok Token) (bool, []string) {
	req := request{
		principal: func(p *Principal) bool { return trustContains(p.Federated, tok.ProviderARN) },
		context: map[string][]string{
			strings.ToLower(tok.HostPath + ":sub"): {tok.Sub},
			strings.ToLower(tok.HostPath + ":aud"): {tok.Aud},
		},
		claim: func(key string) string { return key[strings.LastIndex(key, ":")+1:] },
		has:   "the token has",
		missing: func(key string) string {
			return fmt.Sprintf("condition key %q is not in a token of %s", key, tok.HostPath)
		},
	}
	return admits(doc, req, "sts:AssumeRoleWithWebIdentity", "the Federated principal "+tok.ProviderARN)
}

// OIDCProviders lists the OIDC provider ARNs a trust policy names as Federated principals, in
// order, each once.
func OIDCProviders(doc Document) []string {
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

// PodIdentityRequest is what EKS Pod Identity presents to STS AssumeRole for a pod: the service
// principal pods.eks.amazonaws.com and the session tags of the pod (none when its association
// disables them).
type PodIdentityRequest struct {
	// Tags are the session tags, by key (TagEKSClusterName, ...).
	Tags map[string]string
}

// PodIdentityTags are the session tags EKS Pod Identity sets that irsa-fn can know before a pod
// runs: its cluster's name, namespace and service account (not the cluster ARN, pod name or UID).
func PodIdentityTags(cluster, namespace, serviceAccount string) map[string]string {
	return map[string]string{
		TagEKSClusterName:           cluster,
		TagKubernetesNamespace:      namespace,
		TagKubernetesServiceAccount: serviceAccount,
	}
}

// AdmitsPodIdentity evaluates a trust policy for a Pod Identity request as IAM does: EKS calls
// sts:AssumeRole with session tags, so an Allow statement for the service principal must allow
// sts:AssumeRole and, when the request carries tags, one must allow sts:TagSession too, each with
// its conditions holding on aws:RequestTag/<tag> and aws:TagKeys; a matching Deny wins. A
// principal of "*" (AWS) matches the service too. When the request is refused, the reasons say
// what the statements for the service required.
func AdmitsPodIdentity(doc Document, pr PodIdentityRequest) (bool, []string) {
	ctx := map[string][]string{}
	var keys []string
	for _, k := range slices.Sorted(maps.Keys(pr.Tags)) {
		ctx[strings.ToLower(RequestTag(k))] = []string{pr.Tags[k]}
		keys = append(keys, k)
	}
	if len(keys) > 0 {
		ctx["aws:tagkeys"] = keys
	}
	req := request{
		principal: func(p *Principal) bool {
			return trustContains(p.Service, PodIdentityPrincipal) || trustContains(p.AWS, "*")
		},
		context: ctx,
		claim: func(key string) string {
			if tag, ok := strings.CutPrefix(strings.ToLower(key), "aws:requesttag/"); ok {
				return "session tag " + tag
			}
			return key
		},
		has: "the request has",
		missing: func(key string) string {
			if tag, ok := strings.CutPrefix(strings.ToLower(key), "aws:requesttag/"); ok {
				return fmt.Sprintf("condition key %q: the request has no session tag %s", key, tag)
			}
			return fmt.Sprintf("condition key %q is not in a Pod Identity request that irsa-fn can predict (it knows the session tags %s, %s and %s)",
				key, TagEKSClusterName, TagKubernetesNamespace, TagKubernetesServiceAccount)
		},
	}
	actions := []string{"sts:AssumeRole"}
	if len(pr.Tags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	for _, action := range actions {
		if ok, reasons := admits(doc, req, action, "the service principal "+PodIdentityPrincipal); !ok {
			return false, reasons
		}
	}
	return true, nil
}

// request is what a trust policy is evaluated against: which principals name the caller, the
// condition context (lower-case keys, each with its values) and how to word a refusal.
type request struct {
	principal func(*Principal) bool
	context   map[string][]string
	// claim names a condition key in a reason; has introduces the request's value.
	claim   func(key string) string
	has     string
	missing func(key string) string
}

// admits evaluates the statements of a trust policy that name the request's principal and the
// action: an Allow whose conditions hold admits it, unless a Deny whose conditions hold refuses
// it.
func admits(doc Document, req request, action, principal string) (bool, []string) {
	allowed := false
	var reasons []string
	for i, st := range doc.Statement {
		if st.Principal == nil || !req.principal(st.Principal) || !trustActionMatches(st.Action, action) {
			continue
		}
		ok, why := conditionsHold(st.Condition, req)
		switch {
		case ok && st.Effect == "Deny":
			return false, []string{fmt.Sprintf("statement %d denies %s", i, action)}
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
		reasons = []string{fmt.Sprintf("no statement allows %s for %s", action, principal)}
	}
	return false, reasons
}

func trustContains(values Values, s string) bool {
	for _, v := range values {
		if v == s {
			return true
		}
	}
	return false
}

func trustActionMatches(actions Values, action string) bool {
	for _, a := range actions {
		if MatchLike(strings.ToLower(a), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

// conditionsHold evaluates a statement's condition block for a request. Operators: StringEquals,
// StringLike and their IgnoreCase/Not forms, with an IfExists suffix and a ForAnyValue: or
// ForAllValues: prefix; condition keys compare ignoring case; several values of a key are
// alternatives; a key of several values in the request (aws:TagKeys) matches when any of them
// does, or with ForAllValues: when all of them do.
func conditionsHold(cond Condition, req request) (bool, []string) {
	var reasons []string
	for _, op := range slices.Sorted(maps.Keys(cond)) {
		keys := cond[op]
		base, set := op, ""
		for _, prefix := range []string{"ForAnyValue:", "ForAllValues:"} {
			if rest, ok := strings.CutPrefix(base, prefix); ok {
				base, set = rest, prefix
			}
		}
		base = strings.TrimSuffix(base, "IfExists")
		ifExists := strings.HasSuffix(op, "IfExists")
		for _, key := range slices.Sorted(maps.Keys(keys)) {
			values := keys[key]
			if strings.Contains(key, "://") {
				reasons = append(reasons, fmt.Sprintf("condition key %q contains the URL scheme: IAM's keys are the issuer without https://, so it is never present and %s fails", key, op))
				continue
			}
			got, present := req.context[strings.ToLower(key)]
			if !present {
				// An absent key: IfExists and negated operators hold, and ForAllValues holds
				// (vacuously); everything else fails.
				if !ifExists && !strings.HasPrefix(base, "StringNot") && set != "ForAllValues:" {
					reasons = append(reasons, req.missing(key))
				}
				continue
			}
			match := func(g string) bool { return trustEvaluate(base, values, g) }
			held := slices.ContainsFunc(got, match)
			if set == "ForAllValues:" {
				held = !slices.ContainsFunc(got, func(g string) bool { return !match(g) })
			}
			if !held {
				reason := fmt.Sprintf("%s requires %s %s %s; %s %s", op, req.claim(key), trustDescribeOp(base), trustQuoteAll(values), req.has, trustQuoteList(got))
				if base == "StringEquals" && trustAnyWildcard(values) {
					reason += " (StringEquals compares literally, so * matches only a literal *: use StringLike for a pattern)"
				}
				reasons = append(reasons, reason)
			}
		}
	}
	return len(reasons) == 0, reasons
}

func trustEvaluate(op string, values Values, got string) bool {
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
		return any(func(v string) bool { return MatchLike(v, got) })
	case "StringNotEquals":
		return !any(func(v string) bool { return v == got })
	case "StringNotEqualsIgnoreCase":
		return !any(func(v string) bool { return strings.EqualFold(v, got) })
	case "StringNotLike":
		return !any(func(v string) bool { return MatchLike(v, got) })
	}
	return false // an operator IRSA tokens are not checked with
}

func trustDescribeOp(op string) string {
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

func trustAnyWildcard(values Values) bool {
	for _, v := range values {
		if strings.ContainsAny(v, "*?") {
			return true
		}
	}
	return false
}

func trustQuote(s string) string { return fmt.Sprintf("%q", s) }

// quoteList quotes the values of a key in a request: one, or all of them.
func trustQuoteList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = trustQuote(v)
	}
	return strings.Join(q, ", ")
}

func trustQuoteAll(values Values) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = trustQuote(v)
	}
	if len(q) == 1 {
		return q[0]
	}
	return "one of " + strings.Join(q, ", ")
}
