package iampolicy

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/diag"
)

// FieldNames maps a document's JSON element names (Statement, Action, ...) to the names the
// user wrote them under, so that diagnostics point at the user's own field. Names missing from
// the map are used as they are.
type FieldNames map[string]string

// YAMLNames are the field names of statements written as YAML in an IRSABinding.
var YAMLNames = FieldNames{
	"Statement": "statements", "Sid": "sid", "Effect": "effect", "Action": "actions",
	"NotAction": "notActions", "Resource": "resources", "NotResource": "notResources",
	"Condition": "conditions",
}

func (n FieldNames) name(jsonName string) string {
	if v, ok := n[jsonName]; ok {
		return v
	}
	return jsonName
}

var (
	actionPattern = regexp.MustCompile(`^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$`)
	sidPattern    = regexp.MustCompile(`^[A-Za-z0-9]*$`)
	conditionOps  = map[string]bool{}
)

func init() {
	for _, op := range strings.Fields(`StringEquals StringNotEquals StringEqualsIgnoreCase
		StringNotEqualsIgnoreCase StringLike StringNotLike NumericEquals NumericNotEquals
		NumericLessThan NumericLessThanEquals NumericGreaterThan NumericGreaterThanEquals DateEquals
		DateNotEquals DateLessThan DateLessThanEquals DateGreaterThan DateGreaterThanEquals Bool
		BinaryEquals IpAddress NotIpAddress ArnEquals ArnLike ArnNotEquals ArnNotLike`) {
		conditionOps[op] = true
	}
}

// ValidConditionOperator reports whether op is an IAM condition operator, with its optional
// ForAllValues:/ForAnyValue: prefix and IfExists suffix.
func ValidConditionOperator(op string) bool {
	if op == "Null" {
		return true
	}
	op = strings.TrimPrefix(strings.TrimPrefix(op, "ForAllValues:"), "ForAnyValue:")
	return conditionOps[strings.TrimSuffix(op, "IfExists")]
}

// CheckPermissions checks an identity (permission) policy as IAM would accept it, against IAM's
// service reference (CheckReference, reported as f says), and adds least-privilege warnings. Diagnostics are reported under base with the user's field names.
func CheckPermissions(d Document, base diag.Path, names FieldNames, f Findings, l *diag.List) {
	if d.Version != Version && d.Version != "2008-10-17" {
		l.Errorf(base.Child(names.name("Version")), Version, "policy version %q is not an IAM policy language version", d.Version)
	}
	stPath := base.Child(names.name("Statement"))
	if len(d.Statement) == 0 {
		l.Errorf(stPath, "one or more statements", "a policy needs at least one statement")
	}
	for i, st := range d.Statement {
		checkStatement(st, stPath.Index(i), names, l)
	}
	CheckReference(d, base, names, f, l)
}

func checkStatement(st Statement, path diag.Path, names FieldNames, l *diag.List) {
	field := func(jsonName string) diag.Path { return path.Child(names.name(jsonName)) }
	if !sidPattern.MatchString(st.Sid) {
		l.Errorf(field("Sid"), "letters and digits", "sid %q has other characters", st.Sid)
	}
	if st.Effect != "Allow" && st.Effect != "Deny" {
		l.Errorf(field("Effect"), "Allow, Deny", "effect %q is not valid", st.Effect)
	}
	if st.Principal != nil {
		l.Errorf(field("Principal"), "no Principal in a permission policy", "a permission policy names no principal; the trust policy says who may assume the role")
	}
	exactlyOne(st.Action, st.NotAction, field("Action"), names.name("Action"), names.name("NotAction"), l)
	exactlyOne(st.Resource, st.NotResource, field("Resource"), names.name("Resource"), names.name("NotResource"), l)
	for j, a := range st.Action {
		if !actionPattern.MatchString(a) {
			l.Errorf(field("Action").Index(j), "service:Action, wildcards * and ?, or *", "action %q is not of the form service:Action", a)
		}
	}
	for j, a := range st.NotAction {
		if !actionPattern.MatchString(a) {
			l.Errorf(field("NotAction").Index(j), "service:Action, wildcards * and ?, or *", "action %q is not of the form service:Action", a)
		}
	}
	for j, r := range append(append(Values{}, st.Resource...), st.NotResource...) {
		p := field("Resource").Index(j)
		if j >= len(st.Resource) {
			p = field("NotResource").Index(j - len(st.Resource))
		}
		if r != "*" && !(strings.HasPrefix(r, "arn:") && strings.Count(r, ":") >= 5) {
			l.Errorf(p, "*, or an ARN arn:partition:service:region:account:resource", "resource %q is not an ARN", r)
		}
	}
	for _, op := range slices.Sorted(maps.Keys(st.Condition)) {
		keys := st.Condition[op]
		if !ValidConditionOperator(op) {
			l.Errorf(field("Condition").Key(op), "an IAM condition operator such as StringEquals, ArnLike, Bool, with ForAnyValue:/ForAllValues: or IfExists", "unknown condition operator %q", op)
		}
		if len(keys) == 0 {
			l.Errorf(field("Condition").Key(op), "one or more condition keys", "operator %q has no condition keys", op)
		}
	}
	if st.Effect == "Allow" {
		lint(st, field, l)
	}
}

func exactlyOne(a, notA Values, path diag.Path, name, notName string, l *diag.List) {
	switch {
	case len(a) == 0 && len(notA) == 0:
		l.Errorf(path, name+" or "+notName, "a statement needs %s (or %s)", name, notName)
	case len(a) > 0 && len(notA) > 0:
		l.Errorf(path, name+" or "+notName+", not both", "a statement has both %s and %s", name, notName)
	}
}

// writePrefixes are the verbs of AWS actions that change something.
var writePrefixes = strings.Fields(`Put Delete Create Update Attach Detach Modify Write Tag Untag
	Set Add Remove Replace Restore Terminate Run Start Stop Reboot Upload Copy Associate
	Disassociate Enable Disable Register Deregister Send Publish Invoke Pass Import Reset Revoke
	Authorize Change Cancel Execute Rotate Encrypt Decrypt Abort Complete Batch Restore Reject
	Accept Apply Admin`)

// IsWriteAction reports whether an action (or an action pattern) may change resources.
func IsWriteAction(action string) bool {
	_, name, ok := strings.Cut(action, ":")
	if !ok {
		return action == "*"
	}
	if strings.HasPrefix(name, "*") {
		return true
	}
	for _, p := range writePrefixes {
		if strings.HasPrefix(name, p) || strings.HasPrefix(p, strings.TrimSuffix(name, "*")) && strings.HasSuffix(name, "*") {
			return true
		}
	}
	return false
}

func lint(st Statement, field func(string) diag.Path, l *diag.List) {
	// Malformed entries are errors already; the warnings speak of real actions only.
	for j, a := range st.Action {
		if !actionPattern.MatchString(a) {
			continue
		}
		if a == "*" {
			l.Warnf(field("Action").Index(j), `action "*" allows every action on every service; list the actions the workload calls`)
		} else if strings.HasSuffix(a, ":*") {
			l.Warnf(field("Action").Index(j), "action %q allows every action of the service; list the actions the workload calls", a)
		}
	}
	if len(st.NotAction) > 0 {
		l.Warnf(field("NotAction"), "Allow with NotAction allows every action not listed, including those AWS adds later")
	}
	if len(st.NotResource) > 0 {
		l.Warnf(field("NotResource"), "Allow with NotResource allows every resource not listed")
	}
	allResources := false
	for _, r := range st.Resource {
		allResources = allResources || r == "*"
	}
	if !allResources || len(st.Condition) > 0 {
		return
	}
	for _, a := range st.Action {
		if actionPattern.MatchString(a) && IsWriteAction(a) {
			l.Warnf(field("Resource"), `resource "*" with write action %q: scope the resources the workload changes`, a)
			return
		}
	}
}
