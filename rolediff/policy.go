package rolediff

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/access"
	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// maxListed is how many actions a change's detail names before it counts the rest.
const maxListed = 5

// subject is who a trust policy admits, as a line and as access reads it.
type subject struct {
	text string
	s    access.Subject
}

// trustSubjects lists who a trust policy admits, sorted; none when it cannot be read.
func trustSubjects(trust string) []subject {
	doc, err := iampolicy.Parse(trust)
	if err != nil {
		return nil
	}
	subjects, _ := access.Subjects(doc)
	var out []subject
	for _, s := range subjects {
		out = append(out, subject{describeSubject(s), s})
	}
	slices.SortFunc(out, func(a, b subject) int { return cmp.Compare(a.text, b.text) })
	return slices.CompactFunc(out, func(a, b subject) bool { return a.text == b.text })
}

// describeSubject writes a subject: mechanism, cluster, namespace/service account, and for IRSA
// the sub as written when it is a pattern, and the audiences.
func describeSubject(s access.Subject) string {
	if s.Mechanism == access.PodIdentity {
		return fmt.Sprintf("%s cluster %s %s/%s", s.Mechanism, s.Cluster, s.Namespace, s.ServiceAccount)
	}
	who := s.Namespace + "/" + s.ServiceAccount
	if s.Pattern {
		who = "sub " + s.Sub
	}
	return fmt.Sprintf("%s %s %s (aud %s)", s.Mechanism, s.Cluster, who, strings.Join(s.Audiences, ","))
}

// subjectCovers reports whether every caller inner admits is admitted by outer.
func subjectCovers(outer, inner access.Subject) bool {
	field := func(o, i string) bool {
		return o == i || o == access.Any || (outer.Pattern && iampolicy.LikeCovers(o, i))
	}
	if outer.Mechanism != inner.Mechanism || outer.Provider != inner.Provider {
		return false
	}
	if outer.Mechanism == access.PodIdentity {
		return field(outer.Cluster, inner.Cluster) && field(outer.Namespace, inner.Namespace) && field(outer.ServiceAccount, inner.ServiceAccount)
	}
	if outer.Cluster != inner.Cluster || !field(outer.Sub, inner.Sub) {
		return false
	}
	return !slices.ContainsFunc(inner.Audiences, func(a string) bool {
		return !slices.ContainsFunc(outer.Audiences, func(o string) bool { return field(o, a) })
	})
}

// compareTrust lists what changed in who can assume the role.
func compareTrust(oldText, newText string) []Change {
	if oldText == newText {
		return nil
	}
	o, n, changes := parsePair(AspectTrust, "trust policy", oldText, newText)
	if changes != nil {
		return changes
	}
	var out []Change
	olds, news := trustSubjects(oldText), trustSubjects(newText)
	for _, s := range news {
		if slices.ContainsFunc(olds, func(x subject) bool { return x.text == s.text }) {
			continue
		}
		c := Change{AspectTrust, "subject added", s.text, Broadening}
		if i := slices.IndexFunc(olds, func(x subject) bool { return subjectCovers(x.s, s.s) }); i >= 0 {
			c.Detail, c.Class = s.text+", within the old "+olds[i].text, Narrowing
		}
		out = append(out, c)
	}
	for _, s := range olds {
		if !slices.ContainsFunc(news, func(x subject) bool { return x.text == s.text }) {
			out = append(out, Change{AspectTrust, "subject removed", s.text, Narrowing})
		}
	}
	return append(out, compareDocuments(AspectTrust, o, n, out)...)
}

// parsePair parses both versions of a document; when one cannot be read the change is broadening
// (it cannot be shown not to be) and the changes say why.
func parsePair(aspect, what, oldText, newText string) (iampolicy.Document, iampolicy.Document, []Change) {
	o, oerr := iampolicy.Parse(oldText)
	n, nerr := iampolicy.Parse(newText)
	switch {
	case nerr != nil:
		return o, n, []Change{{aspect, what + " changed", "the new " + what + " cannot be evaluated: " + nerr.Error(), Broadening}}
	case oerr != nil:
		return o, n, []Change{{aspect, what + " changed", "the old " + what + " cannot be evaluated: " + oerr.Error(), Broadening}}
	}
	return o, n, nil
}

// comparePermissions lists what changed in what the role may do: its inline policies (and the
// documents of the customer managed policies it attaches) taken together, so a statement moved
// from one policy to another changes nothing.
func comparePermissions(oldPolicies, newPolicies []Policy) []Change {
	names := func(ps []Policy) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	var out []Change
	for _, name := range minus(names(newPolicies), names(oldPolicies)) {
		out = append(out, Change{AspectPermissions, "policy added", name, Neutral})
	}
	for _, name := range minus(names(oldPolicies), names(newPolicies)) {
		out = append(out, Change{AspectPermissions, "policy removed", name, Neutral})
	}
	merge := func(ps []Policy, other []Policy) (iampolicy.Document, []Change) {
		var doc iampolicy.Document
		var bad []Change
		for _, p := range slices.SortedFunc(slices.Values(ps), func(a, b Policy) int { return cmp.Compare(a.Name, b.Name) }) {
			d, err := iampolicy.Parse(p.Document)
			if err != nil {
				// Unchanged and unreadable on both sides: nothing to say of it.
				if !slices.Contains(other, p) {
					bad = append(bad, Change{AspectPermissions, "policy changed", p.Name + " cannot be evaluated: " + err.Error(), Broadening})
				}
				continue
			}
			doc.Statement = append(doc.Statement, d.Statement...)
		}
		return doc, bad
	}
	o, _ := merge(oldPolicies, newPolicies)
	n, bad := merge(newPolicies, oldPolicies)
	out = append(out, bad...)
	return append(out, compareDocuments(AspectPermissions, o, n, out)...)
}

// compareDocuments lists the changes between two versions of a policy: actions and resources
// added and removed per effect, NotAction and NotResource statements, conditions of statements
// that are otherwise the same. Last, it checks that every new Allow is within an old one and
// every old Deny within a new one; when not, and the changes so far (before) show nothing
// broadening, it says where.
func compareDocuments(aspect string, o, n iampolicy.Document, before []Change) []Change {
	var out []Change
	for _, effect := range []string{"Allow", "Deny"} {
		out = append(out, compareActions(aspect, effect, o, n)...)
		if aspect == AspectPermissions {
			out = append(out, compareResources(aspect, effect, o, n)...)
		}
	}
	out = append(out, compareNots(aspect, o, n)...)
	out = append(out, compareConditions(aspect, o, n)...)
	if classOf(append(slices.Clone(before), out...)) == Broadening {
		return out
	}
	if g, ok := uncovered(iampolicy.Grants(n, "Allow"), iampolicy.Grants(o, "Allow")); ok {
		out = append(out, Change{aspect, "grant added", describeGrant(g) + ", which no old Allow statement granted with conditions at least as strict", Broadening})
	}
	if g, ok := uncovered(iampolicy.Grants(o, "Deny"), iampolicy.Grants(n, "Deny")); ok {
		out = append(out, Change{aspect, "Deny narrowed", describeGrant(g) + " is no longer denied under the same conditions", Broadening})
	}
	return out
}

// uncovered returns a grant of inner that no grant of outer covers.
func uncovered(inner, outer []iampolicy.Grant) (iampolicy.Grant, bool) {
	for _, g := range inner {
		if !slices.ContainsFunc(outer, func(o iampolicy.Grant) bool { return o.Covers(g) }) {
			return g, true
		}
	}
	return iampolicy.Grant{}, false
}

func describeGrant(g iampolicy.Grant) string {
	s := fmt.Sprintf("%s %s", g.Effect, g.Action)
	if g.Resource != "" {
		s += " on " + g.Resource
	}
	if g.Principal != "" {
		s += " to " + g.Principal
	}
	if len(g.Condition) > 0 {
		s += " if " + describeCondition(g.Condition)
	}
	return s
}

// patterns lists the Action (or Resource) entries of a document's statements of an effect that
// use neither NotAction nor NotResource, sorted, without repeats.
func patterns(d iampolicy.Document, effect string, field func(iampolicy.Statement) iampolicy.Values) []string {
	var out []string
	for _, st := range d.Statement {
		if st.Effect == effect && !st.HasNot() {
			out = append(out, field(st)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// expandAll lists the actions of IAM's reference the patterns match (lower case), and the
// patterns the reference cannot expand.
func expandAll(ps []string) (map[string]bool, []string) {
	actions := map[string]bool{}
	var unknown []string
	for _, p := range ps {
		as, ok := iampolicy.ExpandAction(p)
		if !ok {
			unknown = append(unknown, p)
		}
		for _, a := range as {
			actions[strings.ToLower(a)] = true
		}
	}
	return actions, unknown
}

// compareActions lists the action patterns added to and removed from the statements of an
// effect, each expanded through IAM's service reference: what it grants (or denies) that the
// other version did not.
func compareActions(aspect, effect string, o, n iampolicy.Document) []Change {
	action := func(st iampolicy.Statement) iampolicy.Values { return st.Action }
	ops, nps := patterns(o, effect, action), patterns(n, effect, action)
	oldActions, _ := expandAll(ops)
	newActions, _ := expandAll(nps)
	// gained lists what pattern p reaches that the other version's actions do not, and the
	// other version's pattern that covers p as a pattern, if one does.
	gained := func(p string, others []string, otherActions map[string]bool) ([]string, string, bool) {
		var extra []string
		as, known := iampolicy.ExpandAction(p)
		for _, a := range as {
			if !otherActions[strings.ToLower(a)] {
				extra = append(extra, a)
			}
		}
		for _, q := range others {
			if iampolicy.ActionCovers(q, p) {
				return nil, q, true
			}
		}
		return extra, "", known
	}
	var out []Change
	word := strings.ToLower(effect)
	for _, p := range minusFold(nps, ops) {
		extra, by, known := gained(p, ops, oldActions)
		c := Change{Aspect: aspect, Change: word + " action added", Detail: p}
		where := on(n, effect, p)
		switch {
		case by != "":
			c.Detail, c.Class = p+": within "+by+", already "+word+"ed", Neutral
		case !known:
			c.Detail = p + where + ": not in IAM's service reference, and no old action pattern covers it"
		case len(extra) > 0:
			c.Detail = fmt.Sprintf("%s%s: %s not %sed before: %s", p, where, count(len(extra)), word, list(extra))
		default:
			c.Change = word + " wildcard introduced"
			c.Detail = p + where + ": matches every action IAM adds later under it; the old version listed today's one by one"
		}
		if c.Class == "" {
			c.Class = Broadening
			if effect == "Deny" {
				c.Class = Narrowing
			}
		}
		out = append(out, c)
	}
	for _, p := range minusFold(ops, nps) {
		lost, by, known := gained(p, nps, newActions)
		c := Change{Aspect: aspect, Change: word + " action removed", Detail: p}
		switch {
		case by != "":
			c.Detail, c.Class = p+": still "+word+"ed by "+by, Neutral
		case known && len(lost) > 0:
			c.Detail = fmt.Sprintf("%s: %s no longer %sed: %s", p, count(len(lost)), word, list(lost))
		}
		if c.Class == "" {
			c.Class = Narrowing
			if effect == "Deny" {
				c.Class = Broadening
			}
		}
		out = append(out, c)
	}
	return out
}

// on says which resources the statements of an effect that list action pattern p name, so that
// a reviewer sees what an added action acts on: " on R1, R2".
func on(d iampolicy.Document, effect, p string) string {
	var rs []string
	for _, st := range d.Statement {
		if st.Effect != effect || st.HasNot() || !slices.ContainsFunc(st.Action, func(a string) bool { return strings.EqualFold(a, p) }) {
			continue
		}
		for _, r := range st.Resource {
			if !slices.Contains(rs, r) {
				rs = append(rs, r)
			}
		}
	}
	if len(rs) == 0 {
		return ""
	}
	slices.Sort(rs)
	return " on " + list(rs)
}

// compareResources lists the resource patterns added to and removed from the statements of an
// effect.
func compareResources(aspect, effect string, o, n iampolicy.Document) []Change {
	resource := func(st iampolicy.Statement) iampolicy.Values { return st.Resource }
	ops, nps := patterns(o, effect, resource), patterns(n, effect, resource)
	within := func(r string, others []string) string {
		for _, q := range others {
			if iampolicy.ResourceCovers(q, r) {
				return q
			}
		}
		return ""
	}
	word := strings.ToLower(effect)
	grow, shrink := Broadening, Narrowing
	if effect == "Deny" {
		grow, shrink = Narrowing, Broadening
	}
	var out []Change
	for _, r := range minus(nps, ops) {
		c := Change{aspect, word + " resource added", r, grow}
		if by := within(r, ops); by != "" {
			c.Detail, c.Class = r+": within "+by, Neutral
		} else if strings.ContainsAny(r, "*?") && effect == "Allow" {
			c.Change = word + " resource wildcard introduced"
		}
		out = append(out, c)
	}
	for _, r := range minus(ops, nps) {
		c := Change{aspect, word + " resource removed", r, shrink}
		if by := within(r, nps); by != "" {
			c.Detail, c.Class = r+": still within "+by, Neutral
		}
		out = append(out, c)
	}
	return out
}

// compareNots lists statements with NotAction or NotResource added or removed: their reach
// cannot be compared, so any such change is broadening.
func compareNots(aspect string, o, n iampolicy.Document) []Change {
	nots := func(d iampolicy.Document) []string {
		var out []string
		for _, st := range d.Statement {
			if st.HasNot() {
				st.Sid = ""
				out = append(out, iampolicy.Document{Statement: []iampolicy.Statement{st}}.JSON())
			}
		}
		return out
	}
	on, nn := nots(o), nots(n)
	var out []Change
	for _, s := range minus(nn, on) {
		out = append(out, Change{aspect, "NotAction/NotResource statement added or changed", compact(s), Broadening})
	}
	for _, s := range minus(on, nn) {
		out = append(out, Change{aspect, "NotAction/NotResource statement removed or changed", compact(s), Broadening})
	}
	return out
}

// compact writes a statement of a one-statement document on one line.
func compact(doc string) string {
	var d iampolicy.Document
	_ = json.Unmarshal([]byte(doc), &d) // written by Document.JSON: cannot fail
	b, _ := json.Marshal(d.Statement[0])
	return string(b)
}

// statementKey identifies a statement across versions: its Sid, or its effect, principals,
// actions and resources.
func statementKey(st iampolicy.Statement) string {
	if st.Sid != "" {
		return "sid " + st.Sid
	}
	lower := func(v iampolicy.Values) string {
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = strings.ToLower(s)
		}
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	res := slices.Sorted(slices.Values(st.Resource))
	return strings.Join([]string{st.Effect, strings.Join(st.Principals(), ","), lower(st.Action), lower(st.NotAction), strings.Join(res, ","), strings.Join(st.NotResource, ",")}, "|")
}

// compareConditions compares the conditions of statements found in both versions (same Sid, or
// same effect, principals, actions and resources). On an Allow, conditions that imply the old
// ones narrow; on a Deny, conditions the old ones imply narrow (the Deny applies at least as
// often); any other change is broadening.
func compareConditions(aspect string, o, n iampolicy.Document) []Change {
	olds := map[string]iampolicy.Statement{}
	for _, st := range o.Statement {
		olds[statementKey(st)] = st
	}
	var out []Change
	for _, st := range n.Statement {
		old, ok := olds[statementKey(st)]
		if !ok || old.Effect != st.Effect || describeCondition(old.Condition) == describeCondition(st.Condition) {
			continue
		}
		narrows := iampolicy.ConditionImplies(st.Condition, old.Condition)
		if st.Effect == "Deny" {
			narrows = iampolicy.ConditionImplies(old.Condition, st.Condition)
		}
		c := Change{aspect, "condition changed", fmt.Sprintf("%s %s: %s", st.Effect, describeStatement(st), conditionDelta(old.Condition, st.Condition)), Broadening}
		if narrows {
			c.Change, c.Class = "condition tightened", Narrowing
		}
		out = append(out, c)
	}
	return out
}

func describeStatement(st iampolicy.Statement) string {
	if st.Sid != "" {
		return "statement " + st.Sid
	}
	return strings.Join(append(slices.Clone(st.Action), st.NotAction...), ",")
}

// conditionDelta writes what differs between two condition blocks: each operator and key added,
// removed or with other values.
func conditionDelta(o, n iampolicy.Condition) string {
	flat := func(c iampolicy.Condition) map[string]string {
		out := map[string]string{}
		for op, keys := range c {
			for key, v := range keys {
				out[op+" "+key] = strings.Join(v, "|")
			}
		}
		return out
	}
	of, nf := flat(o), flat(n)
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(nf)) {
		switch ov, ok := of[k]; {
		case !ok:
			parts = append(parts, "added "+k+"="+nf[k])
		case ov != nf[k]:
			parts = append(parts, k+": "+ov+" -> "+nf[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(of)) {
		if _, ok := nf[k]; !ok {
			parts = append(parts, "removed "+k+"="+of[k])
		}
	}
	return strings.Join(parts, "; ")
}

// describeCondition writes a condition block on one line, sorted; "none" when empty.
func describeCondition(c iampolicy.Condition) string {
	var parts []string
	for _, op := range slices.Sorted(maps.Keys(c)) {
		for _, key := range slices.Sorted(maps.Keys(c[op])) {
			parts = append(parts, fmt.Sprintf("%s %s=%s", op, key, strings.Join(c[op][key], "|")))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " and ")
}

// minusFold is minus without regard to case, as IAM compares actions.
func minusFold(a, b []string) []string {
	var out []string
	for _, v := range a {
		if !slices.ContainsFunc(b, func(w string) bool { return strings.EqualFold(v, w) }) {
			out = append(out, v)
		}
	}
	return out
}

// list names up to maxListed values and counts the rest.
func list(vs []string) string {
	if len(vs) <= maxListed {
		return strings.Join(vs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(vs[:maxListed], ", "), len(vs)-maxListed)
}

// count says how many actions.
func count(n int) string {
	if n == 1 {
		return "1 action"
	}
	return fmt.Sprintf("%d actions", n)
}
