package iampolicy

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/iamref"
)

// Findings says how CheckReference and CheckManagedPolicyARN report what IAM would refuse or
// never match.
type Findings struct {
	// AsWarnings reports them as warnings, which do not fail a render; the message says why.
	AsWarnings bool
}

// errorf records a finding: an error, or a warning that says it was one.
func (f Findings) errorf(l *diag.List, path diag.Path, allowed, format string, args ...any) {
	if !f.AsWarnings {
		l.Errorf(path, allowed, format, args...)
		return
	}
	l.Warnf(path, "%s (an error, reported as a warning because the IRSAConfig sets spec.lint.iamReference: Warning; allowed: %s)", fmt.Sprintf(format, args...), allowed)
}

// CheckReference checks a permission policy against IAM's service reference (package iamref):
// every action and action pattern names real actions; every action can act on one of its
// statement's resources; no resource has an empty region or account field where the resource
// types name one; every condition key applies to the statement's actions. Unknown actions and
// resources that can never match are errors, with the nearest real name; so is a condition key
// the reference does not know at all, while a known key that none of the statement's actions
// carries is a warning. Diagnostics are reported under base with the user's field names.
func CheckReference(d Document, base diag.Path, names FieldNames, f Findings, l *diag.List) {
	stPath := base.Child(names.name("Statement"))
	m := newMatcher(matchBudget)
	for i, st := range d.Statement {
		path := stPath.Index(i)
		checkStatementReference(st, func(jsonName string) diag.Path { return path.Child(names.name(jsonName)) }, f, m, l)
	}
}

// matchBudget bounds the work of matching one document's resources against ARN templates, in
// pairs of positions (about 60 ms): real policies use a thousandth of it; once a hostile one has
// spent it, the rest of its resources are taken to match, so a render never hangs on them.
const matchBudget = 50_000_000

// resolvedAction is an Action entry of a statement with the actions of the reference it names.
type resolvedAction struct {
	index   int // in the statement's Action list
	entry   string
	actions []iamref.Action
	pattern bool
	// templates are the ARN templates of the actions' resource types, once each.
	templates []string
}

func checkStatementReference(st Statement, field func(string) diag.Path, f Findings, m *matcher, l *diag.List) {
	var entries []resolvedAction
	known := true // every entry names real actions
	for j, a := range st.Action {
		r, ok := resolveAction(a, field("Action").Index(j), f, l)
		known = known && ok
		if ok {
			r.index = j
			entries = append(entries, r)
		}
	}
	for j, a := range st.NotAction {
		resolveAction(a, field("NotAction").Index(j), f, l)
	}
	for k, r := range st.Resource {
		checkARNFields(r, field("Resource").Index(k), f, l)
	}
	for k, r := range st.NotResource {
		checkARNFields(r, field("NotResource").Index(k), f, l)
	}
	unknownKeys := checkConditionKeysExist(st, field, f, l)
	if slices.Contains(st.Action, "*") {
		return
	}
	if !slices.Contains(st.Resource, "*") && len(st.Resource) > 0 {
		checkResources(st, entries, field, f, m, l)
	}
	if known && len(entries) > 0 {
		checkConditionKeys(st, entries, unknownKeys, field, l)
	}
}

// resolveAction looks an Action entry up; ok is false for "*" and for entries that name no real
// action, which it reports.
func resolveAction(entry string, path diag.Path, f Findings, l *diag.List) (resolvedAction, bool) {
	prefix, name, _ := strings.Cut(entry, ":")
	if entry == "*" || !actionPattern.MatchString(entry) {
		return resolvedAction{}, false // "*" allows everything; a malformed entry is reported by CheckPermissions
	}
	svc, ok := iamref.LookupService(prefix)
	if !ok {
		f.errorf(l, path, "an action of IAM's service reference, service:Action", "action %q: %q is not an AWS service prefix%s", entry, prefix, didYouMean(iamref.Suggest(iamref.ServicePrefixes(), prefix), ""))
		return resolvedAction{}, false
	}
	if strings.ContainsAny(name, "*?") {
		matched := svc.MatchActions(name)
		if len(matched) == 0 {
			f.errorf(l, path, "a pattern that matches one or more actions of "+svc.Prefix(), "action pattern %q matches no action of %s", entry, svc.Prefix())
			return resolvedAction{}, false
		}
		return resolvedAction{entry: entry, actions: matched, pattern: true}, true
	}
	a, ok := svc.LookupAction(name)
	if !ok {
		var names []string
		for _, x := range svc.Actions() {
			names = append(names, x.Name())
		}
		f.errorf(l, path, "an action of "+svc.Prefix()+" in IAM's service reference", "%q is not an action of %s%s", entry, svc.Prefix(), didYouMean(iamref.Suggest(names, name), svc.Prefix()+":"))
		return resolvedAction{}, false
	}
	return resolvedAction{entry: entry, actions: []iamref.Action{a}}, true
}

// checkResources reports the resources with an empty region or account field where every
// resource type they could be meant for names one, and the actions none of whose resource types
// any resource of the statement can match.
func checkResources(st Statement, entries []resolvedAction, field func(string) diag.Path, f Findings, m *matcher, l *diag.List) {
	var all []string
	for i := range entries {
		entries[i].templates = templatesOf(entries[i].actions)
		for _, t := range entries[i].templates {
			if !slices.Contains(all, t) {
				all = append(all, t)
			}
		}
	}
	reported := make([]bool, len(st.Resource))
	for k, r := range st.Resource {
		reported[k] = checkEmptyFields(r, all, field("Resource").Index(k), f, m, l)
	}
	for _, e := range entries {
		if matchesAny(e, st.Resource, reported, m) {
			continue
		}
		path := field("Action").Index(e.index)
		if !e.pattern && len(e.actions[0].ResourceTypes()) == 0 {
			// IAM documents Resource "*" for such actions, but the reference lags behind some
			// services, and AWS's own managed policies scope many of them: a warning.
			l.Warnf(path, "%s acts on no resource type in IAM's service reference, which documents Resource \"*\" for it; the statement lists only %s", e.entry, quoteAll(st.Resource))
			continue
		}
		if e.pattern {
			f.errorf(l, path, "resources the matched actions act on", "none of the %d actions that %q matches acts on any of the statement's resources %s", len(e.actions), e.entry, quoteAll(st.Resource))
			continue
		}
		f.errorf(l, path, forms(e.actions[0], partitionOf(st.Resource[0])), "%s can match none of the statement's resources %s", e.entry, quoteAll(st.Resource))
	}
}

// maxARNLength bounds the resources matched against templates: IAM's ARNs are at most 2,048
// characters, and the matching costs the product of the two lengths.
const maxARNLength = 2048

// matchesAny reports whether one of the entry's actions can act on one of the resources; a
// resource already reported for an empty field counts as matching, so it is reported once.
func matchesAny(e resolvedAction, resources []string, reported []bool, m *matcher) bool {
	for k, r := range resources {
		if len(r) > maxARNLength {
			return true // no ARN is that long; not worth matching, and the size quotas report it
		}
		rs := policySymbols(r)
		for _, t := range e.templates {
			// A resource reported for an empty field counts for the actions it was meant for.
			if m.matches(rs, t, reported[k] || awsOwned(r)) {
				return true
			}
		}
	}
	return false
}

// templatesOf lists the ARN templates of the actions' resource types, with the forms the
// reference lacks (referenceGaps), each once: a pattern such as ec2:* names hundreds of actions
// but only some dozens of resource types.
func templatesOf(actions []iamref.Action) []string {
	var out []string
	for _, a := range actions {
		for _, rt := range a.ResourceTypes() {
			for _, t := range append(rt.ARNs, gapTemplates(a, rt)...) {
				if !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
		}
	}
	return out
}

// forms lists the ARN forms an action's resource types take, for the "allowed" part of a
// message: arn:aws:s3:::${BucketName}/${ObjectName} (object).
func forms(a iamref.Action, partition string) string {
	var out []string
	for _, rt := range a.ResourceTypes() {
		for _, t := range rt.ARNs {
			out = append(out, readableTemplate(t, partition)+" ("+rt.Name+")")
		}
	}
	return "an ARN of the form " + strings.Join(out, ", or ")
}

// checkEmptyFields reports a resource whose region (field 3) or account (field 4) is literally
// empty although every resource type of the statement's actions it could be meant for has a
// value there: IAM compares ARNs field by field, so it matches nothing. Resources AWS owns that
// really have no account (public SSM parameters; AMIs and snapshots, whose templates have none)
// pass.
func checkEmptyFields(resource string, templates []string, path diag.Path, f Findings, m *matcher, l *diag.List) bool {
	if awsOwned(resource) || len(resource) > maxARNLength {
		return false
	}
	rs := policySymbols(resource)
	for _, n := range []int{3, 4} {
		if value, whole := arnField(resource, n); !whole || value != "" {
			continue
		}
		for _, t := range templates {
			if m.matches(rs, t, false) {
				return false // some resource type has that field empty (an S3 bucket's region)
			}
		}
		var candidates []string
		for _, t := range templates {
			if m.matches(rs, t, true) {
				candidates = append(candidates, t)
			}
		}
		if len(candidates) == 0 {
			continue
		}
		what := map[int]string{3: "region", 4: "account"}[n]
		f.errorf(l, path, "the "+what+" (or * for any) in "+readableTemplate(candidates[0], partitionOf(resource)), "resource %q has an empty %s field, but %s names one: IAM compares ARNs field by field, so this resource matches nothing", resource, what, readableTemplate(candidates[0], partitionOf(resource)))
		return true
	}
	return false
}

// awsOwned reports resources AWS publishes without an account, which IAM's service reference
// writes with one: the public SSM parameters under /aws/ (AMI IDs, for instance), and the SSM
// documents and automation runbooks AWS owns (AWS-RunShellScript, AmazonEKS-…), which AWS's own
// managed policies grant as arn:aws:ssm:REGION::document/AWS-….
func awsOwned(resource string) bool {
	service, _ := arnField(resource, 2)
	rest := strings.SplitN(resource, ":", 6)
	if service != "ssm" || len(rest) != 6 {
		return false
	}
	for _, prefix := range []string{"parameter/aws/", "document/AWS-", "document/Amazon", "automation-definition/AWS-", "automation-definition/Amazon"} {
		if strings.HasPrefix(rest[5], prefix) {
			return true
		}
	}
	return false
}

// partitionOf returns an ARN's partition field.
func partitionOf(arn string) string {
	p, _ := arnField(arn, 1)
	return p
}

// checkConditionKeysExist reports condition keys that IAM's service reference does not know at
// all (neither a global key nor a key of the service their prefix names), such as a mistyped
// aws:SourceVpcc, with the nearest real key: a condition on a key no request carries never holds,
// or, with IfExists and negated operators, always does. It returns those keys.
func checkConditionKeysExist(st Statement, field func(string) diag.Path, f Findings, l *diag.List) map[string]bool {
	var unknown map[string]bool
	for _, op := range slices.Sorted(maps.Keys(st.Condition)) {
		for _, key := range slices.Sorted(maps.Keys(st.Condition[op])) {
			if iamref.IsGlobalConditionKey(key) {
				continue
			}
			prefix, _, _ := strings.Cut(key, ":")
			svc, ok := iamref.LookupService(prefix)
			if ok && svc.HasConditionKey(key) {
				continue
			}
			if unknown == nil {
				unknown = map[string]bool{}
			}
			unknown[key] = true
			candidates := iamref.GlobalConditionKeys()
			if ok {
				candidates = append(slices.Clone(candidates), svc.ConditionKeys()...)
			}
			f.errorf(l, field("Condition").Key(op).Key(key), "a global condition key or a condition key of the service the prefix names, in IAM's service reference",
				"condition key %q is not in IAM's service reference: no request carries it%s", key, didYouMean(iamref.Suggest(candidates, key), ""))
		}
	}
	return unknown
}

// checkConditionKeys warns about condition keys, known to IAM's service reference, that are
// neither global aws: keys nor keys of any of the statement's actions or their resource types:
// the request never carries them, so a condition on them never holds (or, with IfExists and
// negated operators, always does). Keys in unknown were reported as unknown already.
func checkConditionKeys(st Statement, entries []resolvedAction, unknown map[string]bool, field func(string) diag.Path, l *diag.List) {
	for _, op := range slices.Sorted(maps.Keys(st.Condition)) {
		for _, key := range slices.Sorted(maps.Keys(st.Condition[op])) {
			if unknown[key] || iamref.IsGlobalConditionKey(key) || actionsHaveKey(entries, key) {
				continue
			}
			var actions []string
			for _, e := range entries {
				actions = append(actions, e.entry)
			}
			l.Warnf(field("Condition").Key(op).Key(key), "condition key %q is not a global key nor a key of %s or their resources: their requests never carry it", key, strings.Join(actions, ", "))
		}
	}
}

func actionsHaveKey(entries []resolvedAction, key string) bool {
	for _, e := range entries {
		for _, a := range e.actions {
			if a.HasConditionKey(key) {
				return true
			}
		}
	}
	return false
}

// CheckManagedPolicyARN checks that an AWS managed policy ARN (arn:<partition>:iam::aws:policy/…)
// names a policy AWS publishes: unknown in the aws partition is an error with the nearest name;
// in aws-cn and aws-us-gov, whose lists the reference lacks, a warning. Other ARNs pass.
func CheckManagedPolicyARN(arn string, path diag.Path, f Findings, l *diag.List) {
	fields := strings.SplitN(arn, ":", 6)
	if len(fields) != 6 || fields[2] != "iam" || fields[4] != "aws" || !strings.HasPrefix(fields[5], "policy/") {
		return
	}
	name := strings.TrimPrefix(fields[5], "policy/")
	if iamref.ManagedPolicyExists(name) {
		return
	}
	suggestion := didYouMean(nearestManagedPolicy(name), "arn:"+fields[1]+":iam::aws:policy/")
	if fields[1] == "aws" {
		f.errorf(l, path, "an AWS managed policy (aws iam list-policies --scope AWS)", "AWS managed policy %q does not exist%s", arn, suggestion)
		return
	}
	l.Warnf(path, "AWS managed policy %q is not among the aws partition's managed policies (%s is not listed): check that it exists there%s", arn, fields[1], suggestion)
}

// nearestManagedPolicy is the managed policy a misspelt path and name most likely meant: one of
// the same name under another path (service-role/AmazonEBSCSIDriverPolicy for
// AmazonEBSCSIDriverPolicy), else the nearest by edit distance if it is near; "" for none.
func nearestManagedPolicy(pathAndName string) string {
	names := iamref.ManagedPolicyNames()
	base := pathAndName[strings.LastIndex(pathAndName, "/")+1:]
	for _, n := range names {
		if n[strings.LastIndex(n, "/")+1:] == base {
			return n
		}
	}
	return iamref.Suggest(names, pathAndName)
}

// didYouMean is "; did you mean "<prefix><suggestion>"?", or nothing without a suggestion.
func didYouMean(suggestion, prefix string) string {
	if suggestion == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", prefix+suggestion)
}

// quoteAll quotes the first few values, each cut to a readable length, and joins them with
// commas: a message names what was wrong without repeating a hostile input whole.
func quoteAll(values []string) string {
	const shown, maxLen = 3, 200
	var out []string
	for i, v := range values {
		if i == shown {
			out = append(out, fmt.Sprintf("and %d more", len(values)-shown))
			break
		}
		if len(v) > maxLen {
			v = v[:maxLen] + "…"
		}
		out = append(out, fmt.Sprintf("%q", v))
	}
	return strings.Join(out, ", ")
}

var (
	// partitions are the AWS partitions an ARN names.
	partitions = []string{"aws", "aws-cn", "aws-eusc", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-us-gov"}
	// regionField is a region name (eu-west-1, us-gov-west-1, cn-north-1, us-isob-east-1,
	// eusc-de-east-1).
	regionField = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]+$`)
	// accountField is an account ID, or aws for resources AWS owns (managed policies).
	accountField = regexp.MustCompile(`^([0-9]{12}|aws)$`)
)

// checkARNFields reports a resource whose partition, region or account field holds what no ARN
// can: IAM compares the fields literally, so arn:aws-gov:… or an 11-digit account matches
// nothing. Fields with wildcards or policy variables pass, as do fields after a * (it may span
// colons).
func checkARNFields(resource string, path diag.Path, f Findings, l *diag.List) {
	if resource == "*" || !strings.HasPrefix(resource, "arn:") {
		return
	}
	wild := func(v string) bool { return strings.ContainsAny(v, "*?") || strings.Contains(v, "${") }
	if p, whole := arnField(resource, 1); whole && !wild(p) && !slices.Contains(partitions, p) {
		f.errorf(l, path, strings.Join(partitions, ", "), "resource %q names partition %q, which is not an AWS partition", resource, p)
		return
	}
	if r, whole := arnField(resource, 3); whole && r != "" && !wild(r) && !regionField.MatchString(r) {
		f.errorf(l, path, "a region such as eu-west-1, empty, or a pattern", "resource %q names region %q, which is not a region name", resource, r)
	}
	if a, whole := arnField(resource, 4); whole && a != "" && !wild(a) && !accountField.MatchString(a) {
		f.errorf(l, path, "a 12-digit account ID, empty, or a pattern", "resource %q names account %q, which is not 12 digits", resource, a)
	}
}

// CheckResourcePartition reports the resources of a permission policy in another partition than
// the role's: a role in aws-cn is never allowed anything by arn:aws:… resources.
func CheckResourcePartition(d Document, partition string, base diag.Path, names FieldNames, f Findings, l *diag.List) {
	stPath := base.Child(names.name("Statement"))
	for i, st := range d.Statement {
		for _, field := range []struct {
			name   string
			values Values
		}{{"Resource", st.Resource}, {"NotResource", st.NotResource}} {
			for k, r := range field.values {
				p, whole := arnField(r, 1)
				if !whole || p == partition || strings.ContainsAny(p, "*?") || !slices.Contains(partitions, p) {
					continue
				}
				f.errorf(l, stPath.Index(i).Child(names.name(field.name)).Index(k), "resources in partition "+partition+", the role's", "resource %q is in partition %s, the role in %s: IAM never matches it", r, p, partition)
			}
		}
	}
}
