package access

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// complexPrefix starts a note about something access could not list exactly.
const complexPrefix = "unknown/complex: "

const (
	webIdentity = "sts:AssumeRoleWithWebIdentity"
	assumeRole  = "sts:AssumeRole"
	tagSession  = "sts:TagSession"
	subPrefix   = "system:serviceaccount:"
)

// Subjects lists who a trust policy admits, read from its Allow statements: for IRSA, each OIDC
// provider with its sub and aud conditions; for Pod Identity, the session tag conditions on the
// cluster, namespace and service account. StringLike values are kept as patterns. A Deny
// without conditions removes what it denies; a conditional Deny removes the literal subjects it
// refuses (evaluated as verify does) and makes patterns complex. The notes say what is not
// listed exactly, each starting "unknown/complex: " when it leaves the list uncertain.
func Subjects(doc iampolicy.Document) ([]Subject, []string) {
	var subjects []Subject
	var notes []string
	complexf := func(format string, args ...any) { notes = append(notes, complexPrefix+fmt.Sprintf(format, args...)) }
	tagSessionAllowed := false
	for i, st := range doc.Statement {
		if st.Principal == nil {
			complexf("statement %d names no Principal", i)
			continue
		}
		if len(st.NotAction) > 0 {
			complexf("statement %d uses NotAction", i)
			continue
		}
		if st.Effect != "Allow" {
			continue
		}
		for _, p := range st.Principal.Federated {
			if !strings.Contains(p, ":oidc-provider/") {
				notes = append(notes, fmt.Sprintf("statement %d also trusts the federated principal %s (not an EKS cluster)", i, p))
				continue
			}
			if !actionMatches(st.Action, webIdentity) {
				continue
			}
			s, n := irsaSubjects(i, p, st.Condition)
			subjects = append(subjects, s...)
			notes = append(notes, n...)
		}
		for _, p := range st.Principal.AWS {
			if p == "*" {
				complexf("statement %d trusts every AWS principal (\"*\")", i)
			} else {
				notes = append(notes, fmt.Sprintf("statement %d also trusts the AWS principal %s (not a pod)", i, p))
			}
		}
		for _, p := range st.Principal.Service {
			if p != iampolicy.PodIdentityPrincipal {
				notes = append(notes, fmt.Sprintf("statement %d also trusts the service %s (not a pod)", i, p))
				continue
			}
			tagSessionAllowed = tagSessionAllowed || actionMatches(st.Action, tagSession)
			if actionMatches(st.Action, assumeRole) {
				s, n := podIdentitySubjects(i, st.Condition)
				subjects = append(subjects, s...)
				notes = append(notes, n...)
			}
		}
	}
	if !tagSessionAllowed && slices.ContainsFunc(subjects, func(s Subject) bool { return s.Mechanism == PodIdentity }) {
		notes = append(notes, "no statement allows "+tagSession+" for "+iampolicy.PodIdentityPrincipal+": only associations with session tags disabled can assume the role")
	}
	subjects, denyNotes := applyDenies(doc, subjects)
	return subjects, append(notes, denyNotes...)
}

// irsaSubjects reads an Allow statement's conditions for one OIDC provider.
func irsaSubjects(stmt int, provider string, cond iampolicy.Condition) ([]Subject, []string) {
	host := hostPath(provider)
	var notes []string
	var subs, auds []string
	subLike, audLike := false, false
	for _, op := range slices.Sorted(maps.Keys(cond)) {
		for _, key := range slices.Sorted(maps.Keys(cond[op])) {
			values := cond[op][key]
			lk := strings.ToLower(key)
			literal := op == "StringEquals"
			if !literal && op != "StringLike" {
				notes = append(notes, fmt.Sprintf("%sstatement %d: %s on %s is not listed; the subjects below may be fewer", complexPrefix, stmt, op, key))
				continue
			}
			switch lk {
			case strings.ToLower(host + ":sub"):
				if subs != nil {
					notes = append(notes, fmt.Sprintf("%sstatement %d: %s is conditioned twice", complexPrefix, stmt, key))
				}
				subs, subLike = values, !literal
			case strings.ToLower(host + ":aud"):
				auds, audLike = values, !literal
			default:
				if strings.HasSuffix(lk, ":sub") || strings.HasSuffix(lk, ":aud") {
					// Another issuer's claim: never in this provider's tokens, so the statement
					// admits none of them.
					return nil, []string{fmt.Sprintf("statement %d: %s is a claim of another issuer, so tokens of %s are never admitted by it", stmt, key, host)}
				}
				notes = append(notes, fmt.Sprintf("%sstatement %d: condition key %s is not listed; the subjects below may be fewer", complexPrefix, stmt, key))
			}
		}
	}
	audiences := []string{Any}
	if auds != nil {
		audiences = slices.Clone(auds)
	}
	if subs == nil {
		notes = append(notes, fmt.Sprintf("statement %d: no sub condition for %s, so every service account of that cluster is admitted", stmt, host))
		subs, subLike = []string{"*"}, true
	}
	var out []Subject
	for _, sub := range subs {
		s := Subject{Mechanism: IRSA, Cluster: host, Provider: provider, Audiences: audiences, Sub: sub, Statement: stmt,
			Pattern: (subLike && wildcard(sub)) || (audLike && slices.ContainsFunc(auds, wildcard))}
		s.Namespace, s.ServiceAccount = splitSub(sub, subLike)
		out = append(out, s)
	}
	return out, notes
}

// splitSub reads the namespace and service account of a sub value; "?" where a pattern's
// wildcard spans the separator, so either could be anything.
func splitSub(sub string, like bool) (string, string) {
	rest, ok := strings.CutPrefix(sub, subPrefix)
	if !ok {
		if like && (sub == "*" || strings.HasPrefix(subPrefix, strings.TrimSuffix(sub, "*"))) && strings.HasSuffix(sub, "*") {
			return Any, Any
		}
		return "?", "?"
	}
	if like && rest == "*" {
		return Any, Any
	}
	ns, sa, ok := strings.Cut(rest, ":")
	switch {
	case !ok && like && strings.HasSuffix(rest, "*"):
		return rest, Any // the * also matches the separator and any service account
	case !ok || strings.Contains(sa, ":"):
		return "?", "?"
	}
	return ns, sa
}

// podIdentitySubjects reads an Allow statement's session tag conditions.
func podIdentitySubjects(stmt int, cond iampolicy.Condition) ([]Subject, []string) {
	var notes []string
	fields := map[string][]string{}
	pattern := false
	tags := map[string]string{
		strings.ToLower(iampolicy.RequestTag(iampolicy.TagEKSClusterName)):           "cluster",
		strings.ToLower(iampolicy.RequestTag(iampolicy.TagKubernetesNamespace)):      "namespace",
		strings.ToLower(iampolicy.RequestTag(iampolicy.TagKubernetesServiceAccount)): "serviceAccount",
	}
	for _, op := range slices.Sorted(maps.Keys(cond)) {
		for _, key := range slices.Sorted(maps.Keys(cond[op])) {
			values := cond[op][key]
			field, known := tags[strings.ToLower(key)]
			if (op != "StringEquals" && op != "StringLike") || !known {
				notes = append(notes, fmt.Sprintf("%sstatement %d: %s on %s is not listed; the subjects below may be fewer", complexPrefix, stmt, op, key))
				continue
			}
			if fields[field] != nil {
				notes = append(notes, fmt.Sprintf("%sstatement %d: %s is conditioned twice", complexPrefix, stmt, key))
			}
			fields[field] = values
			pattern = pattern || (op == "StringLike" && slices.ContainsFunc(values, wildcard))
		}
	}
	or := func(f string) []string {
		if v := fields[f]; v != nil {
			return v
		}
		pattern = true
		return []string{Any}
	}
	clusters, namespaces, sas := or("cluster"), or("namespace"), or("serviceAccount")
	if fields["namespace"] == nil || fields["serviceAccount"] == nil {
		notes = append(notes, fmt.Sprintf("statement %d: Pod Identity without both a namespace and a service account condition: any matching association in the account can assume the role", stmt))
	}
	var out []Subject
	for _, c := range clusters {
		for _, ns := range namespaces {
			for _, sa := range sas {
				out = append(out, Subject{Mechanism: PodIdentity, Cluster: c, Namespace: ns, ServiceAccount: sa, Pattern: pattern, Statement: stmt})
			}
		}
	}
	return out, notes
}

// applyDenies removes what Deny statements refuse. A literal subject is evaluated with the whole
// policy, as verify evaluates a token; a pattern under a Deny that applies to it cannot be, and is
// kept with a note, unless the Deny has no condition at all.
func applyDenies(doc iampolicy.Document, subjects []Subject) ([]Subject, []string) {
	var notes []string
	out := []Subject{}
	for _, s := range subjects {
		denies := denyingStatements(doc, s)
		if len(denies) == 0 {
			out = append(out, s)
			continue
		}
		if slices.ContainsFunc(denies, func(i int) bool { return len(doc.Statement[i].Condition) == 0 }) {
			notes = append(notes, fmt.Sprintf("statement %d's subject %s is denied by a Deny statement without conditions", s.Statement, describe(s)))
			continue
		}
		if s.Pattern || s.Namespace == Any || s.ServiceAccount == Any || s.Cluster == Any || (slices.Contains(s.Audiences, Any) && conditionsOnAudience(doc, denies)) {
			notes = append(notes, fmt.Sprintf("%sstatement %d's subject %s is a pattern under a conditional Deny (statement %v): some of it may be refused", complexPrefix, s.Statement, describe(s), denies))
			out = append(out, s)
			continue
		}
		if ok, why := admitsLiteral(doc, s); !ok {
			notes = append(notes, fmt.Sprintf("statement %d's subject %s is refused: %s", s.Statement, describe(s), strings.Join(why, "; ")))
			continue
		}
		out = append(out, s)
	}
	return out, notes
}

// denyingStatements lists the Deny statements whose principal and action apply to a subject.
func denyingStatements(doc iampolicy.Document, s Subject) []int {
	var out []int
	for i, st := range doc.Statement {
		if st.Effect != "Deny" || st.Principal == nil {
			continue
		}
		switch {
		case s.Mechanism == IRSA && (slices.Contains(st.Principal.Federated, s.Provider) || slices.Contains(st.Principal.AWS, "*")) && actionMatches(st.Action, webIdentity),
			s.Mechanism == PodIdentity && (slices.Contains(st.Principal.Service, iampolicy.PodIdentityPrincipal) || slices.Contains(st.Principal.AWS, "*")) && (actionMatches(st.Action, assumeRole) || actionMatches(st.Action, tagSession)):
			out = append(out, i)
		}
	}
	return out
}

// admitsLiteral evaluates a subject without patterns as verify does.
func admitsLiteral(doc iampolicy.Document, s Subject) (bool, []string) {
	if s.Mechanism == PodIdentity {
		return iampolicy.AdmitsPodIdentity(doc, iampolicy.PodIdentityRequest{Tags: iampolicy.PodIdentityTags(s.Cluster, s.Namespace, s.ServiceAccount)})
	}
	var why []string
	for _, aud := range s.Audiences {
		if aud == Any {
			// Any audience: the Deny does not look at it (applyDenies), so the default one stands for all.
			aud = v1alpha1.DefaultAudience
		}
		ok, w := iampolicy.Admits(doc, iampolicy.Token{ProviderARN: s.Provider, HostPath: s.Cluster, Sub: s.Sub, Aud: aud})
		if ok {
			return true, nil
		}
		why = append(why, w...)
	}
	return false, why
}

// conditionsOnAudience reports whether one of the statements conditions on an aud claim.
func conditionsOnAudience(doc iampolicy.Document, statements []int) bool {
	for _, i := range statements {
		for _, keys := range doc.Statement[i].Condition {
			for k := range keys {
				if strings.HasSuffix(strings.ToLower(k), ":aud") {
					return true
				}
			}
		}
	}
	return false
}

func describe(s Subject) string {
	return fmt.Sprintf("%s %s %s/%s", s.Mechanism, s.Cluster, s.Namespace, s.ServiceAccount)
}

func wildcard(v string) bool { return strings.ContainsAny(v, "*?") }

// actionMatches reports whether a statement's actions (IAM patterns, ignoring case) include an action.
func actionMatches(actions iampolicy.Values, action string) bool {
	return slices.ContainsFunc(actions, func(a string) bool {
		return iampolicy.MatchLike(strings.ToLower(a), strings.ToLower(action))
	})
}
