package iampolicy

import (
	"regexp"
	"strings"

	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/iamref"
)

// A platform denies actions with patterns such as iam:PassRole, iam:Create* or * (an
// IRSAConfig's spec.guardrails.deniedActions). These functions decide which statements of a
// permission policy grant a denied action: an Action entry when the two patterns share an action,
// a NotAction list when some real action the denied pattern matches is not excluded by it.

// ActionsOverlap reports whether two action patterns (service:Action with IAM's wildcards * and
// ?, or * alone) match a common action name. The patterns are compared as patterns, without
// regard to case and without consulting IAM's service reference, so iam:Pass* and iam:*Role
// overlap (iam:PassRole) even if no such action existed.
func ActionsOverlap(a, b string) bool {
	if a == "*" || b == "*" {
		return true
	}
	// The search needs only the matcher's scratch space: no templates, no budget.
	return new(matcher).intersects(policySymbols(strings.ToLower(a)), policySymbols(strings.ToLower(b)))
}

// actionCovers reports whether every action the pattern inner matches is matched by outer too.
// It is exact for patterns without wildcards and sound otherwise: outer's * may span any part of
// inner, its ? stands for exactly one character of inner that is not a *, and its other
// characters must equal inner's, without regard to case.
func actionCovers(outer, inner string) bool {
	if outer == "*" {
		return true
	}
	return patternCovers(strings.ToLower(outer), strings.ToLower(inner))
}

// ActionCovers reports whether the action pattern outer matches every action the pattern inner
// matches, as patterns (without IAM's service reference, so it holds for actions IAM adds
// later), without regard to case: s3:* covers s3:Get*, s3:Get* covers s3:GetObject.
func ActionCovers(outer, inner string) bool { return actionCovers(outer, inner) }

// ResourceCovers reports whether the Resource pattern outer matches every ARN the pattern inner
// matches, case-sensitively as IAM compares ARNs: arn:aws:s3:::b/* covers arn:aws:s3:::b/a/*.
// A policy variable such as ${aws:username} in inner may stand for anything, so only a * of
// outer covers it; equal patterns always cover each other.
func ResourceCovers(outer, inner string) bool {
	if outer == inner || outer == "*" {
		return true
	}
	return patternCovers(outer, policyVariable.ReplaceAllString(inner, "*"))
}

// policyVariable matches a policy variable of a Resource: ${aws:username}, ${aws:PrincipalTag/team}.
var policyVariable = regexp.MustCompile(`\$\{[^}]*\}`)

// patternCovers reports whether the IAM pattern o matches every string the pattern in matches:
// o's * may span any part of in, its ? stands for exactly one character of in that is not a *,
// and its other characters must equal in's.
func patternCovers(o, in string) bool {
	// reach[j]: o[:i] can match in[:j], for the current i.
	reach := make([]bool, len(in)+1)
	reach[0] = true
	for i := 0; i < len(o); i++ {
		next := make([]bool, len(in)+1)
		for j := 0; j <= len(in); j++ {
			switch {
			case o[i] == '*':
				next[j] = reach[j] || (j > 0 && next[j-1])
			case j == 0:
			case o[i] == '?':
				next[j] = reach[j-1] && in[j-1] != '*'
			default:
				next[j] = reach[j-1] && o[i] == in[j-1] && in[j-1] != '*' && in[j-1] != '?'
			}
		}
		reach = next
	}
	return reach[len(in)]
}

// matchesAction reports whether an action pattern matches the action service:name, without
// regard to case.
func matchesAction(pattern, service, name string) bool {
	if pattern == "*" {
		return true
	}
	return MatchLike(strings.ToLower(pattern), strings.ToLower(service+":"+name))
}

// NotActionGrants reports whether an Allow statement with the NotAction list grants an action
// the denied pattern matches, and names one. It looks for a real action of IAM's service
// reference that the denied pattern matches and no NotAction entry matches (for "*", an action of
// any service). When the reference knows no action the pattern matches (a service or action newer
// than the embedded data), the pattern itself is the example and is granted unless a NotAction
// entry covers the whole pattern.
func NotActionGrants(notAction []string, denied string) (example string, granted bool) {
	excluded := func(service, name string) bool {
		for _, n := range notAction {
			if matchesAction(n, service, name) {
				return true
			}
		}
		return false
	}
	var services []iamref.Service
	pattern := "*"
	if denied == "*" {
		for _, prefix := range iamref.ServicePrefixes() {
			svc, _ := iamref.LookupService(prefix)
			services = append(services, svc)
		}
	} else if prefix, name, _ := strings.Cut(denied, ":"); name != "" {
		if svc, ok := iamref.LookupService(prefix); ok {
			services, pattern = []iamref.Service{svc}, name
		}
	}
	known := false
	for _, svc := range services {
		for _, a := range svc.MatchActions(pattern) {
			known = true
			if !excluded(svc.Prefix(), a.Name()) {
				return svc.Prefix() + ":" + a.Name(), true
			}
		}
	}
	if known {
		return "", false
	}
	for _, n := range notAction {
		if actionCovers(n, denied) {
			return "", false
		}
	}
	return denied, true
}

// DeniedGrant is a part of an Allow statement that grants actions a denied pattern matches.
type DeniedGrant struct {
	// Path is the Action entry, or the NotAction list, with the user's field names.
	Path diag.Path
	// Statement is the statement's index in the document.
	Statement int
	// Entry is the Action entry; empty for a NotAction list.
	Entry string
	// Field is the user's name of the Action or NotAction field.
	Field string
	// Denied are the denied patterns the entry overlaps (one, for a NotAction list).
	Denied []string
	// Example is, for a NotAction list, an action it grants that Denied[0] matches.
	Example string
}

// DeniedGrants lists where the Allow statements of a permission policy grant actions that one of
// the denied patterns matches: each Action entry that overlaps one or more of them (ActionsOverlap),
// and each NotAction list with each denied pattern it does not exclude (NotActionGrants), in
// document order. Entries that are not of the form service:Action are skipped: CheckPermissions
// reports them. Paths start at base and use names as CheckPermissions does.
func DeniedGrants(d Document, denied []string, base diag.Path, names FieldNames) []DeniedGrant {
	var valid []string
	for _, p := range denied {
		if actionPattern.MatchString(p) {
			valid = append(valid, p) // a malformed pattern is reported where it is declared
		}
	}
	if len(valid) == 0 {
		return nil
	}
	denied = valid
	var out []DeniedGrant
	stPath := base.Child(names.name("Statement"))
	for i, st := range d.Statement {
		if st.Effect != "Allow" {
			continue
		}
		field := func(jsonName string) diag.Path { return stPath.Index(i).Child(names.name(jsonName)) }
		for j, a := range st.Action {
			if !actionPattern.MatchString(a) {
				continue
			}
			var hit []string
			for _, p := range denied {
				if ActionsOverlap(a, p) {
					hit = append(hit, p)
				}
			}
			if len(hit) > 0 {
				out = append(out, DeniedGrant{Path: field("Action").Index(j), Statement: i, Entry: a, Field: names.name("Action"), Denied: hit})
			}
		}
		if len(st.NotAction) == 0 {
			continue
		}
		for _, p := range denied {
			if example, ok := NotActionGrants(st.NotAction, p); ok {
				out = append(out, DeniedGrant{Path: field("NotAction"), Statement: i, Field: names.name("NotAction"), Denied: []string{p}, Example: example})
			}
		}
	}
	return out
}

// CheckActionPattern checks a pattern that denies actions (not one that grants them): that it is
// * or service:Action with wildcards, as an error, and that it names a real action of IAM's
// service reference, reported as f says with the nearest name. It reports whether the pattern
// has the right form.
func CheckActionPattern(pattern string, path diag.Path, f Findings, l *diag.List) bool {
	if !actionPattern.MatchString(pattern) {
		l.Errorf(path, "service:Action, wildcards * and ?, or *", "action pattern %q is not of the form service:Action", pattern)
		return false
	}
	if pattern != "*" {
		resolveAction(pattern, path, f, l)
	}
	return true
}

// managedPolicyPattern is a pattern of AWS managed policy names: a name or path/name with
// wildcards.
var managedPolicyPattern = regexp.MustCompile(`^[\w+=,.@/*?-]{1,512}$`)

// MatchManagedPolicy reports whether a name pattern (AdministratorAccess, *FullAccess,
// service-role/*) matches the AWS managed policy ARN arn:<partition>:iam::aws:policy/<path><name>,
// without regard to case: against its name without the path, or its path and name. ARNs of other
// accounts' policies never match.
func MatchManagedPolicy(pattern, arn string) bool {
	fields := strings.SplitN(arn, ":", 6)
	if len(fields) != 6 || fields[2] != "iam" || fields[4] != "aws" || !strings.HasPrefix(fields[5], "policy/") {
		return false
	}
	pathAndName := strings.ToLower(strings.TrimPrefix(fields[5], "policy/"))
	name := pathAndName[strings.LastIndex(pathAndName, "/")+1:]
	p := strings.ToLower(pattern)
	return MatchLike(p, name) || MatchLike(p, pathAndName)
}

// CheckManagedPolicyPattern checks a pattern of AWS managed policy names: its form, as an error,
// and that it matches some AWS managed policy, reported as f says (a pattern that matches none is
// likely misspelt, and would deny nothing). It reports whether the pattern has the right form.
func CheckManagedPolicyPattern(pattern string, path diag.Path, f Findings, l *diag.List) bool {
	if !managedPolicyPattern.MatchString(pattern) {
		l.Errorf(path, "a policy name or path/name with wildcards * and ?, such as AdministratorAccess, *FullAccess or service-role/*; not an ARN", "managed policy pattern %q is not a policy name pattern", pattern)
		return false
	}
	for _, n := range iamref.ManagedPolicyNames() {
		if MatchManagedPolicy(pattern, "arn:aws:iam::aws:policy/"+n) {
			return true
		}
	}
	suggestion := ""
	if !strings.ContainsAny(pattern, "*?") {
		suggestion = nearestManagedPolicy(pattern)
	}
	f.errorf(l, path, "a pattern that matches one or more AWS managed policies (aws iam list-policies --scope AWS)", "managed policy pattern %q matches no AWS managed policy%s", pattern, didYouMean(suggestion, ""))
	return true
}
