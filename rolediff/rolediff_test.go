package rolediff

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/access"
)

const (
	issuer   = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E"
	provider = "arn:aws:iam::123456789012:oidc-provider/" + issuer
)

// trust is an IRSA trust policy admitting the sub values with the operator (StringEquals or
// StringLike), and extra statements after it.
func trust(op string, subs []string, extra ...string) string {
	quoted, _ := json.Marshal(subs)
	st := `{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + issuer + `:aud":"sts.amazonaws.com"},"` + op + `":{"` + issuer + `:sub":` + string(quoted) + `}}}`
	if op == "StringEquals" {
		st = `{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + issuer + `:aud":"sts.amazonaws.com","` + issuer + `:sub":` + string(quoted) + `}}}`
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(append([]string{st}, extra...), ",") + `]}`
}

// policy is a permission policy of the statements.
func policy(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// allow is an Allow statement of actions on resources, with an optional condition block.
func allow(actions, resources []string, condition string) string {
	return statement("Allow", "Action", actions, resources, condition)
}

func statement(effect, actionField string, actions, resources []string, condition string) string {
	a, _ := json.Marshal(actions)
	r, _ := json.Marshal(resources)
	s := `{"Effect":"` + effect + `","` + actionField + `":` + string(a) + `,"Resource":` + string(r)
	if condition != "" {
		s += `,"Condition":` + condition
	}
	return s + "}"
}

const bucket = "arn:aws:s3:::shop"

// base is the role every case changes.
func base() Role {
	return Role{
		Name: "shop", Account: "123456789012",
		Trust:  trust("StringEquals", []string{"system:serviceaccount:prod:shop"}),
		Inline: []Policy{{Name: "s3", Document: policy(allow([]string{"s3:GetObject", "s3:PutObject"}, []string{bucket + "/a/*"}, ""))}},
	}
}

func withInline(docs ...string) func(*Role) {
	return func(r *Role) {
		r.Inline = nil
		for i, d := range docs {
			r.Inline = append(r.Inline, Policy{Name: string(rune('a' + i)), Document: d})
		}
	}
}

func TestCompareRoles(t *testing.T) {
	s3 := func(actions ...string) string { return policy(allow(actions, []string{bucket + "/a/*"}, "")) }
	vpc := `{"StringEquals":{"aws:SourceVpc":"vpc-1"}}`
	cases := []struct {
		name      string
		old, new  func(*Role)
		class     string
		change    string // a change that must be listed, "" for none
		wantEmpty bool
	}{
		{name: "identical", wantEmpty: true},
		{name: "subject added", new: func(r *Role) {
			r.Trust = trust("StringEquals", []string{"system:serviceaccount:prod:shop", "system:serviceaccount:prod:other"})
		}, class: Broadening, change: "subject added"},
		{name: "subject removed", old: func(r *Role) {
			r.Trust = trust("StringEquals", []string{"system:serviceaccount:prod:shop", "system:serviceaccount:prod:other"})
		}, class: Narrowing, change: "subject removed"},
		{name: "StringLike wildcard in the trust sub", new: func(r *Role) {
			r.Trust = trust("StringLike", []string{"system:serviceaccount:prod:*"})
		}, class: Broadening, change: "subject added"},
		{name: "StringLike wildcard narrowed to one service account", old: func(r *Role) {
			r.Trust = trust("StringLike", []string{"system:serviceaccount:prod:*"})
		}, class: Narrowing, change: "subject removed"},
		{name: "s3:* to s3:Get* narrows", old: withInline(s3("s3:*")), new: withInline(s3("s3:Get*")), class: Narrowing, change: "allow action removed"},
		{name: "s3:GetObject to s3:Get* broadens", old: withInline(s3("s3:GetObject")), new: withInline(s3("s3:Get*")), class: Broadening, change: "allow action added"},
		{name: "wildcard equal to today's list broadens", old: withInline(s3("s3:GetObjectAcl", "s3:GetObjectAnnotation", "s3:GetObjectAttributes")), new: withInline(s3("s3:GetObjectA*")), class: Broadening, change: "allow wildcard introduced"},
		{name: "action removed", old: withInline(s3("s3:GetObject", "s3:PutObject")), new: withInline(s3("s3:GetObject")), class: Narrowing, change: "allow action removed"},
		{name: "resource to a wider prefix broadens",
			new: withInline(policy(allow([]string{"s3:GetObject", "s3:PutObject"}, []string{bucket + "/*"}, ""))), class: Broadening, change: "allow resource wildcard introduced"},
		{name: "resource to a narrower prefix narrows",
			new: withInline(policy(allow([]string{"s3:GetObject", "s3:PutObject"}, []string{bucket + "/a/b/*"}, ""))), class: Narrowing, change: "allow resource removed"},
		{name: "statement moved to another inline policy", new: withInline(policy(), s3("s3:GetObject", "s3:PutObject")), class: Neutral, change: "policy added"},
		{name: "actions regrouped onto other resources broadens",
			old:   withInline(policy(allow([]string{"s3:GetObject"}, []string{bucket + "/a/*"}, ""), allow([]string{"s3:PutObject"}, []string{bucket + "/b/*"}, ""))),
			new:   withInline(policy(allow([]string{"s3:GetObject", "s3:PutObject"}, []string{bucket + "/a/*", bucket + "/b/*"}, ""))),
			class: Broadening, change: "grant added"},
		{name: "Deny removed broadens", old: withInline(s3("s3:*"), policy(statement("Deny", "Action", []string{"s3:DeleteObject"}, []string{"*"}, ""))),
			new: withInline(s3("s3:*")), class: Broadening, change: "deny action removed"},
		{name: "Deny added narrows", old: withInline(s3("s3:*")),
			new: withInline(s3("s3:*"), policy(statement("Deny", "Action", []string{"s3:DeleteObject"}, []string{"*"}, ""))), class: Narrowing, change: "deny action added"},
		{name: "Deny with NotAction added is not provably narrowing", old: withInline(s3("s3:*")),
			new: withInline(s3("s3:*"), policy(statement("Deny", "NotAction", []string{"s3:GetObject"}, []string{"*"}, ""))), class: Broadening, change: "NotAction/NotResource statement added or changed"},
		{name: "Deny narrowed by a condition broadens",
			old: withInline(s3("s3:*"), policy(statement("Deny", "Action", []string{"s3:DeleteObject"}, []string{"*"}, ""))),
			new: withInline(s3("s3:*"), policy(statement("Deny", "Action", []string{"s3:DeleteObject"}, []string{"*"}, vpc))), class: Broadening, change: "condition changed"},
		{name: "condition added narrows", new: withInline(policy(allow([]string{"s3:GetObject", "s3:PutObject"}, []string{bucket + "/a/*"}, vpc))), class: Narrowing, change: "condition tightened"},
		{name: "condition changed broadens",
			old: withInline(policy(allow([]string{"s3:GetObject"}, []string{bucket + "/a/*"}, vpc))),
			new: withInline(policy(allow([]string{"s3:GetObject"}, []string{bucket + "/a/*"}, `{"StringEquals":{"aws:SourceVpc":"vpc-2"}}`))), class: Broadening, change: "condition changed"},
		{name: "condition removed broadens",
			old: withInline(policy(allow([]string{"s3:GetObject"}, []string{bucket + "/a/*"}, vpc))),
			new: withInline(policy(allow([]string{"s3:GetObject"}, []string{bucket + "/a/*"}, ""))), class: Broadening, change: "condition changed"},
		{name: "condition loosened to StringLike broadens",
			old: withInline(policy(allow([]string{"s3:GetObject"}, []string{bucket + "/a/*"}, vpc))),
			new: withInline(policy(allow([]string{"s3:GetObject"}, []string{bucket + "/a/*"}, `{"StringLike":{"aws:SourceVpc":"vpc-*"}}`))), class: Broadening, change: "condition changed"},
		{name: "action moved into NotAction broadens",
			old: withInline(s3("s3:GetObject")),
			new: withInline(policy(statement("Allow", "NotAction", []string{"s3:GetObject"}, []string{bucket + "/a/*"}, ""))), class: Broadening, change: "NotAction/NotResource statement added or changed"},
		{name: "NotAction statement removed counts as broadening", old: withInline(policy(statement("Allow", "NotAction", []string{"iam:*"}, []string{"*"}, ""))),
			new: withInline(policy()), class: Broadening, change: "NotAction/NotResource statement removed or changed"},
		{name: "boundary removed", old: func(r *Role) { r.Boundary = "arn:aws:iam::123456789012:policy/b" }, class: Broadening, change: "boundary removed"},
		{name: "boundary changed", old: func(r *Role) { r.Boundary = "arn:aws:iam::123456789012:policy/b" },
			new: func(r *Role) { r.Boundary = "arn:aws:iam::123456789012:policy/c" }, class: Broadening, change: "boundary changed"},
		{name: "boundary added", new: func(r *Role) { r.Boundary = "arn:aws:iam::123456789012:policy/b" }, class: Narrowing, change: "boundary added"},
		{name: "managed policy attached", new: func(r *Role) { r.Managed = []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"} }, class: Broadening, change: "managed policy attached"},
		{name: "managed policy detached", old: func(r *Role) { r.Managed = []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"} }, class: Narrowing, change: "managed policy detached"},
		{name: "session duration raised", new: func(r *Role) { r.MaxSessionDuration = 7200 }, class: Broadening, change: "max session duration raised"},
		{name: "session duration lowered", old: func(r *Role) { r.MaxSessionDuration = 7200 }, class: Narrowing, change: "max session duration lowered"},
		{name: "default session duration written out", new: func(r *Role) { r.MaxSessionDuration = 3600 }, wantEmpty: true},
		{name: "policy variable where a StringLike pattern stood broadens",
			old: withInline(policy(allow([]string{"s3:ListBucket"}, []string{bucket}, `{"StringLike":{"s3:prefix":"home/$*"}}`))),
			new: withInline(policy(allow([]string{"s3:ListBucket"}, []string{bucket}, `{"StringLike":{"s3:prefix":"home/${aws:username}"}}`))), class: Broadening, change: "condition changed"},
		{name: "the same policy variable is no change", old: withInline(policy(allow([]string{"s3:ListBucket"}, []string{bucket}, `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`))),
			new: withInline(policy(allow([]string{"s3:ListBucket"}, []string{bucket}, `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`)), policy()), class: Neutral, change: "policy added"},
		{name: "unmodeled field added broadens", new: func(r *Role) { r.Other = map[string]string{"spec.policyRefs": `[{"from":{"name":"admin"}}]`} }, class: Broadening, change: "unmodeled field added"},
		{name: "unmodeled field changed broadens", old: func(r *Role) { r.Other = map[string]string{"spec.tags": `[{"key":"team","value":"a"}]`} },
			new: func(r *Role) { r.Other = map[string]string{"spec.tags": `[{"key":"team","value":"admins"}]`} }, class: Broadening, change: "unmodeled field changed"},
		{name: "unmodeled field removed broadens", old: func(r *Role) { r.Other = map[string]string{"spec.path": `"/x/"`} }, class: Broadening, change: "unmodeled field removed"},
		{name: "unreadable new policy broadens", new: withInline(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Bogus":1}]}`), class: Broadening, change: "policy changed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, n := base(), base()
			if tc.old != nil {
				tc.old(&o)
			}
			if tc.new != nil {
				tc.new(&n)
			}
			rep := Compare(Input{Roles: []Role{o}}, Input{Roles: []Role{n}})
			if tc.wantEmpty {
				if !rep.Empty() {
					t.Fatalf("want no change, got %+v", rep.Roles)
				}
				return
			}
			if len(rep.Roles) != 1 {
				t.Fatalf("want one role changed, got %+v", rep.Roles)
			}
			d := rep.Roles[0]
			if d.Class != tc.class || rep.Broadening() != (tc.class == Broadening) {
				t.Errorf("class %s (broadening %v), want %s; changes:\n%s", d.Class, rep.Broadening(), tc.class, dump(d.Changes))
			}
			found := false
			for _, c := range d.Changes {
				found = found || c.Change == tc.change
			}
			if !found {
				t.Errorf("no %q change among:\n%s", tc.change, dump(d.Changes))
			}
		})
	}
}

func dump(cs []Change) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString("  " + c.Class + " " + c.Aspect + " " + c.Change + ": " + c.Detail + "\n")
	}
	return b.String()
}

// TestRoleAddedRemovedRenamed checks that a role added is broadening, a role removed narrowing,
// and a rename (one removed, one added) broadening.
func TestRoleAddedRemovedRenamed(t *testing.T) {
	r := base()
	renamed := base()
	renamed.Name = "shop-v2"
	for _, tc := range []struct {
		name     string
		old, new []Role
		class    string
		statuses string
	}{
		{"added", nil, []Role{r}, Broadening, "added"},
		{"removed", []Role{r}, nil, Narrowing, "removed"},
		{"renamed", []Role{r}, []Role{renamed}, Broadening, "removed,added"},
		{"other account", []Role{r}, []Role{{Name: r.Name, Account: "210987654321", Trust: r.Trust, Inline: r.Inline}}, Broadening, "removed,added"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := Compare(Input{Roles: tc.old}, Input{Roles: tc.new})
			var statuses []string
			for _, d := range rep.Roles {
				statuses = append(statuses, d.Status)
			}
			if rep.Broadening() != (tc.class == Broadening) {
				t.Errorf("broadening %v, want class %s: %+v", rep.Broadening(), tc.class, rep.Roles)
			}
			if got := strings.Join(statuses, ","); got != tc.statuses {
				t.Errorf("statuses %s, want %s", got, tc.statuses)
			}
		})
	}
}

// TestRoleAddedDescribesPolicies checks that the line describing an added or removed role counts
// its policies in words that agree with the counts (1 managed policy, 0 inline policies).
func TestRoleAddedDescribesPolicies(t *testing.T) {
	one := base()
	one.Managed = []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}
	two := base()
	two.Inline = append(two.Inline, Policy{Name: "more", Document: two.Inline[0].Document})
	none := base()
	none.Inline = nil
	for _, tc := range []struct {
		name string
		role Role
		want string
	}{
		{"one of each", one, "; 1 inline policy and 1 managed policy"},
		{"two inline", two, "; 2 inline policies and 0 managed policies"},
		{"none", none, "; 0 inline policies and 0 managed policies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := Compare(Input{}, Input{Roles: []Role{tc.role}})
			if len(rep.Roles) != 1 || len(rep.Roles[0].Changes) != 1 {
				t.Fatalf("want one added role with one change, got %+v", rep.Roles)
			}
			if d := rep.Roles[0].Changes[0].Detail; !strings.HasSuffix(d, tc.want) {
				t.Errorf("detail %q, want it to end with %q", d, tc.want)
			}
		})
	}
}

// TestRenderedTwice checks that a role or a customer managed policy the new render holds twice
// with different content is broadening whichever copy comes first (IAM ends with one of them),
// and that an identical repeat is no change.
func TestRenderedTwice(t *testing.T) {
	broad := base()
	broad.Source = "Role ack-system/sneaky"
	broad.Managed = []string{"arn:aws:iam::aws:policy/AdministratorAccess"}
	for _, tc := range []struct {
		name   string
		new    []Role
		change string
	}{
		{"broad copy first", []Role{broad, base()}, "role rendered more than once"},
		{"broad copy last", []Role{base(), broad}, "role rendered more than once"},
		{"identical repeat", []Role{base(), base()}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := Compare(Input{Roles: []Role{base()}}, Input{Roles: tc.new})
			if tc.change == "" {
				if !rep.Empty() {
					t.Fatalf("want no change, got %+v", rep.Roles)
				}
				return
			}
			if len(rep.Roles) != 1 || rep.Roles[0].Class != Broadening || !rep.Broadening() {
				t.Fatalf("want one broadening role, got %+v", rep.Roles)
			}
			if !strings.Contains(dump(rep.Roles[0].Changes), tc.change) {
				t.Errorf("no %q among:\n%s", tc.change, dump(rep.Roles[0].Changes))
			}
		})
	}
	t.Run("customer managed policy", func(t *testing.T) {
		r := base()
		r.Managed = []string{"arn:aws:iam::123456789012:policy/lake"}
		narrow := ManagedPolicy{Path: "/", Name: "lake", Document: policy(allow([]string{"s3:GetObject"}, []string{bucket + "/a/*"}, ""))}
		wide := ManagedPolicy{Path: "/", Name: "lake", Document: policy(allow([]string{"s3:*"}, []string{"*"}, ""))}
		rep := Compare(Input{Roles: []Role{r}, Policies: []ManagedPolicy{narrow}}, Input{Roles: []Role{r}, Policies: []ManagedPolicy{narrow, wide}})
		if len(rep.Roles) != 1 || rep.Roles[0].Class != Broadening || !strings.Contains(dump(rep.Roles[0].Changes), "managed policy rendered more than once") {
			t.Fatalf("want the repeated policy broadening, got %+v", rep.Roles)
		}
	})
}

// TestCompareObjects checks the bindings: a workload switching service account, a
// ServiceAccount switching role, an association added, and a workload leaving a role.
func TestCompareObjects(t *testing.T) {
	arnA, arnB := "arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b"
	sas := []access.ServiceAccount{{Namespace: "prod", Name: "a", RoleARN: arnA, Audience: "sts.amazonaws.com"}, {Namespace: "prod", Name: "b", RoleARN: arnB, Audience: "sts.amazonaws.com"}}
	old := Input{ServiceAccounts: sas, Workloads: []Workload{{"Deployment", "prod", "web", "a"}, {"Deployment", "prod", "plain", "default"}},
		TokenLifetimes: []TokenLifetime{{"prod", "a", ""}, {"prod", "b", "3600"}}}
	lifetimes := func(a, b string) Input {
		in := old
		in.TokenLifetimes = []TokenLifetime{{"prod", "a", a}, {"prod", "b", b}}
		return in
	}
	cases := []struct {
		name   string
		new    Input
		class  string
		detail string
	}{
		{"workload switched service account", Input{ServiceAccounts: sas, Workloads: []Workload{{"Deployment", "prod", "web", "b"}, {"Deployment", "prod", "plain", "default"}}}, Broadening, "a -> b"},
		{"service account switched role", Input{ServiceAccounts: []access.ServiceAccount{{Namespace: "prod", Name: "a", RoleARN: arnB, Audience: "sts.amazonaws.com"}, sas[1]}, Workloads: old.Workloads}, Broadening, arnA + " (aud sts.amazonaws.com) -> " + arnB + " (aud sts.amazonaws.com)"},
		{"association added", Input{ServiceAccounts: sas, Workloads: old.Workloads, Associations: []access.Association{{Cluster: "c", Namespace: "prod", ServiceAccount: "a", RoleARN: arnA}}}, Broadening, arnA},
		{"workload moved to a service account without a role", Input{ServiceAccounts: sas, Workloads: []Workload{{"Deployment", "prod", "web", "default"}, {"Deployment", "prod", "plain", "default"}}}, Narrowing, "a"},
		{"workload without a role changed", Input{ServiceAccounts: sas, Workloads: []Workload{{"Deployment", "prod", "web", "a"}, {"Deployment", "prod", "plain", "other"}}}, "", ""},
		{"service account repeated with another role", Input{ServiceAccounts: append([]access.ServiceAccount{{Namespace: "prod", Name: "a", RoleARN: arnB, Audience: "sts.amazonaws.com"}}, sas...), Workloads: old.Workloads}, Broadening,
			arnA + " (aud sts.amazonaws.com) -> " + arnA + " (aud sts.amazonaws.com) | " + arnB + " (aud sts.amazonaws.com)"},
		{"workload without a namespace on a role's service account", Input{ServiceAccounts: sas, Workloads: append(slices.Clone(old.Workloads), Workload{"Deployment", "", "sneaky", "b"})}, Broadening, "b"},
		{"token lifetime raised", lifetimes("", "7200"), Broadening, "3600s -> 7200s"},
		{"token lifetime from the webhook default to a longer one", lifetimes("172800", "3600"), Broadening, "86400s (webhook default) -> 172800s"},
		{"token lifetime lowered", lifetimes("3600", "3600"), Narrowing, "86400s (webhook default) -> 3600s"},
		{"token lifetime back to the webhook default", lifetimes("", ""), Broadening, "3600s -> 86400s (webhook default)"},
		{"token lifetime not a number", lifetimes("", "1h"), Broadening, `3600s -> "1h"`},
		{"token lifetime written otherwise", lifetimes("", "+3600"), Neutral, "3600s -> +3600s"},
		{"unmodeled IAM object added", Input{ServiceAccounts: sas, Workloads: old.Workloads, TokenLifetimes: old.TokenLifetimes, Unmodeled: []Object{{"RolePolicyAttachment.iam.aws.m.upbound.io", "x", "sneaky", "{}"}}}, Broadening, "{}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := Compare(old, tc.new)
			if tc.name == "unmodeled IAM object added" {
				// Removed, it may have denied: broadening too.
				if back := Compare(tc.new, old); len(back.Objects) != 1 || back.Objects[0].Class != Broadening {
					t.Errorf("unmodeled IAM object removed: want one broadening change, got %+v", back.Objects)
				}
			}
			if tc.class == "" {
				if !rep.Empty() {
					t.Fatalf("want no change, got %+v", rep.Objects)
				}
				return
			}
			if len(rep.Objects) != 1 || rep.Objects[0].Class != tc.class || rep.Objects[0].Detail != tc.detail {
				t.Fatalf("want one %s change %q, got %+v", tc.class, tc.detail, rep.Objects)
			}
		})
	}
}

// TestWriteDeterministic writes the same report twice in each format and checks the outputs are
// equal and carry the summary line.
func TestWriteDeterministic(t *testing.T) {
	o, n := base(), base()
	n.Trust = trust("StringEquals", []string{"system:serviceaccount:prod:shop", "system:serviceaccount:prod:a", "system:serviceaccount:prod:b"})
	n.Managed = []string{"arn:aws:iam::aws:policy/b", "arn:aws:iam::aws:policy/a"}
	write := func(f func(*bytes.Buffer) error) string {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for name, f := range map[string]func(Report, *bytes.Buffer) error{
		"text":     func(r Report, b *bytes.Buffer) error { return r.WriteText(b) },
		"markdown": func(r Report, b *bytes.Buffer) error { return r.WriteMarkdown(b) },
		"json":     func(r Report, b *bytes.Buffer) error { return r.WriteJSON(b, 1) },
	} {
		first := write(func(b *bytes.Buffer) error { return f(Compare(Input{Roles: []Role{o}}, Input{Roles: []Role{n}}), b) })
		for range 5 {
			if again := write(func(b *bytes.Buffer) error { return f(Compare(Input{Roles: []Role{o}}, Input{Roles: []Role{n}}), b) }); again != first {
				t.Fatalf("%s: two runs differ:\n%s\n%s", name, first, again)
			}
		}
		if !strings.Contains(first, "1 role changed, broadening: yes") {
			t.Errorf("%s: no summary line:\n%s", name, first)
		}
	}
}

// TestCustomerManagedPolicy checks that a change of the document of a customer managed policy
// the render creates is a change of each role that attaches it.
func TestCustomerManagedPolicy(t *testing.T) {
	arn := "arn:aws:iam::123456789012:policy/team/lake-read"
	r := base()
	r.Managed = []string{arn}
	read := ManagedPolicy{Path: "/team/", Name: "lake-read", Document: policy(allow([]string{"s3:GetObject"}, []string{bucket + "/*"}, ""))}
	write := read
	write.Document = policy(allow([]string{"s3:GetObject", "s3:DeleteObject"}, []string{bucket + "/*"}, ""))
	rep := Compare(Input{Roles: []Role{r}, Policies: []ManagedPolicy{read}}, Input{Roles: []Role{r}, Policies: []ManagedPolicy{write}})
	if !rep.Broadening() || len(rep.Roles) != 1 || !strings.Contains(dump(rep.Roles[0].Changes), "allow action added: s3:DeleteObject") {
		t.Errorf("an action added to an attached customer managed policy: %+v", rep.Roles)
	}
	other := write
	other.Name = "lake-write"
	if rep := Compare(Input{Roles: []Role{r}, Policies: []ManagedPolicy{read}}, Input{Roles: []Role{r}, Policies: []ManagedPolicy{read, other}}); !rep.Empty() {
		t.Errorf("a policy no role attaches changed a role: %+v", rep.Roles)
	}
}

// TestAddedActionSaysWhere: an added action names the resources of the statements that list it,
// and only those, so a reviewer sees what it acts on.
func TestAddedActionSaysWhere(t *testing.T) {
	old, new := base(), base()
	old.Inline = []Policy{{Name: "p", Document: policy(allow([]string{"s3:GetObject"}, []string{bucket + "/a/*"}, ""))}}
	new.Inline = []Policy{{Name: "p", Document: policy(allow([]string{"s3:GetObject"}, []string{bucket + "/a/*"}, ""),
		allow([]string{"s3:DeleteObject"}, []string{bucket + "/b/*", bucket + "/c/*"}, ""))}}
	rep := Compare(Input{Roles: []Role{old}}, Input{Roles: []Role{new}})
	want := "s3:DeleteObject on " + bucket + "/b/*, " + bucket + "/c/*: 1 action not allowed before: s3:DeleteObject"
	if !strings.Contains(dump(rep.Roles[0].Changes), want) {
		t.Errorf("want %q among:\n%s", want, dump(rep.Roles[0].Changes))
	}
}
