package iampolicy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/iamref"
)

func TestActionsOverlap(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"iam:PassRole", "iam:PassRole", true},
		{"iam:passrole", "IAM:PassRole", true}, // IAM ignores case in actions
		{"iam:PassRole", "iam:PassRoles", false},
		{"iam:*", "iam:PassRole", true},
		{"iam:Pass*", "iam:*Role", true}, // both match iam:PassRole
		{"iam:Get*", "iam:*Role", true},  // iam:GetRole
		{"iam:Get*", "iam:Pass*", false},
		{"iam:?assRole", "iam:P*", true},
		{"iam:??", "iam:PassRole", false},
		{"iam:*", "sts:AssumeRole", false},
		{"s3:*", "s3express:CreateSession", false}, // a prefix of another service's prefix
		{"*", "sts:AssumeRole", true},
		{"kms:*", "*", true},
		{"ec2:*Instances", "ec2:Describe*", true},
		{"ec2:*Instances", "ec2:Describe*Groups", false},
	}
	for _, tt := range tests {
		if got := ActionsOverlap(tt.a, tt.b); got != tt.want {
			t.Errorf("ActionsOverlap(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := ActionsOverlap(tt.b, tt.a); got != tt.want {
			t.Errorf("ActionsOverlap(%q, %q) = %v, want %v (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestActionCovers(t *testing.T) {
	tests := []struct {
		outer, inner string
		want         bool
	}{
		{"*", "anything:At*All", true},
		{"new:*", "new:Do*", true},
		{"NEW:Do*", "new:DoThing", true},
		{"new:Do*", "new:*", false},
		{"new:Do?", "new:Do*", false}, // Do* matches DoIt, which Do? does not
		{"new:Do?", "new:Do?", true},
		{"new:Do*", "new:Do?x*", true},
		{"new:D?*", "new:Do*", true},
		{"new:*Thing", "new:Do*", false},
		{"other:*", "new:Do*", false},
	}
	for _, tt := range tests {
		if got := actionCovers(tt.outer, tt.inner); got != tt.want {
			t.Errorf("actionCovers(%q, %q) = %v, want %v", tt.outer, tt.inner, got, tt.want)
		}
	}
}

func TestNotActionGrants(t *testing.T) {
	tests := []struct {
		notAction []string
		denied    string
		example   string // "" when not granted
	}{
		{[]string{"s3:*"}, "iam:PassRole", "iam:PassRole"},
		{[]string{"iam:*"}, "iam:PassRole", ""},
		{[]string{"IAM:PASSROLE"}, "iam:PassRole", ""},
		// The reference's iam actions that Pass* matches are all excluded.
		{[]string{"iam:P*"}, "iam:Pass*", ""},
		// iam:Create* matches more than CreateRole: the first one not excluded is named.
		{[]string{"iam:CreateAccessKey", "iam:CreateAccountAlias"}, "iam:Create*", "iam:CreateDelegationRequest"},
		{[]string{"*"}, "*", ""},
		// "*" denies every action: NotAction lists only some (the first service in the reference).
		{[]string{"s3:*"}, "*", firstAction()},
		// A service the reference lacks: granted unless a NotAction entry covers the pattern.
		{[]string{"s3:*"}, "newservice:Do*", "newservice:Do*"},
		{[]string{"newservice:*"}, "newservice:Do*", ""},
		{[]string{"newservice:Do?"}, "newservice:Do*", "newservice:Do*"},
	}
	for _, tt := range tests {
		example, granted := NotActionGrants(tt.notAction, tt.denied)
		if granted != (tt.example != "") || example != tt.example {
			t.Errorf("NotActionGrants(%q, %q) = %q, %v; want %q", tt.notAction, tt.denied, example, granted, tt.example)
		}
	}
}

// firstAction is the first action of the first service of IAM's service reference.
func firstAction() string {
	svc, _ := iamref.LookupService(iamref.ServicePrefixes()[0])
	return svc.Prefix() + ":" + svc.Actions()[0].Name()
}

func TestDeniedGrants(t *testing.T) {
	doc, err := Parse(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Action":"iam:*","Resource":"*"},
		{"Effect":"Allow","Action":["s3:GetObject","iam:Pass*","not an action","*"],"Resource":"*"},
		{"Effect":"Allow","NotAction":["iam:*","s3:*"],"Resource":"*"}
	]}`)
	if err != nil {
		t.Fatal(err)
	}
	got := DeniedGrants(doc, []string{"iam:PassRole", "sts:AssumeRole", "malformed"}, diag.NewPath("spec", "doc"), nil)
	var lines []string
	for _, g := range got {
		lines = append(lines, fmt.Sprintf("%s %q %s %v %q", g.Path, g.Entry, g.Field, g.Denied, g.Example))
	}
	want := []string{
		`spec.doc.Statement[1].Action[1] "iam:Pass*" Action [iam:PassRole] ""`,
		`spec.doc.Statement[1].Action[3] "*" Action [iam:PassRole sts:AssumeRole] ""`,
		`spec.doc.Statement[2].NotAction "" NotAction [sts:AssumeRole] "sts:AssumeRole"`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("grants:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if g := DeniedGrants(doc, nil, diag.Path{}, nil); g != nil {
		t.Errorf("no denied patterns, grants %v", g)
	}
}

func TestMatchManagedPolicy(t *testing.T) {
	tests := []struct {
		pattern, arn string
		want         bool
	}{
		{"AdministratorAccess", "arn:aws:iam::aws:policy/AdministratorAccess", true},
		{"administratoraccess", "arn:aws:iam::aws:policy/AdministratorAccess", true},
		{"AdministratorAccess", "arn:aws:iam::aws:policy/job-function/AdministratorAccess", true}, // by name
		{"*FullAccess", "arn:aws-cn:iam::aws:policy/AmazonS3FullAccess", true},
		{"*FullAccess", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", false},
		{"service-role/*", "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy", true}, // by path and name
		{"service-role/*", "arn:aws:iam::aws:policy/AmazonEBSCSIDriverPolicyV2", false},
		{"AdministratorAccess", "arn:aws:iam::123456789012:policy/AdministratorAccess", false}, // not AWS managed
		{"*", "arn:aws:iam::123456789012:policy/x", false},
	}
	for _, tt := range tests {
		if got := MatchManagedPolicy(tt.pattern, tt.arn); got != tt.want {
			t.Errorf("MatchManagedPolicy(%q, %q) = %v, want %v", tt.pattern, tt.arn, got, tt.want)
		}
	}
}

func TestCheckGuardrailPatterns(t *testing.T) {
	var l diag.List
	p := diag.NewPath("p")
	for _, a := range []string{"*", "iam:PassRole", "iam:pass*", "sts:AssumeRole*"} {
		CheckActionPattern(a, p, Findings{}, &l)
	}
	for _, m := range []string{"AdministratorAccess", "*FullAccess", "service-role/*", "job-function/ViewOnlyAccess"} {
		CheckManagedPolicyPattern(m, p, Findings{}, &l)
	}
	if len(l) > 0 {
		t.Errorf("valid patterns refused: %v", l)
	}
	CheckActionPattern("iam:NoSuchAction*", p, Findings{AsWarnings: true}, &l)
	CheckManagedPolicyPattern("NoSuch*Policy", p, Findings{AsWarnings: true}, &l)
	if len(l) != 2 || l.HasErrors() {
		t.Errorf("unknown patterns with iamReference: Warning: %v", l)
	}
}

// TestActionsOverlapAgainstReference: whenever a real action matches two patterns, they overlap.
func TestActionsOverlapAgainstReference(t *testing.T) {
	patterns := []string{"iam:*", "iam:Pass*", "iam:*Role", "iam:Get*", "iam:?et*", "iam:*Policy*", "iam:List*s",
		"iam:*User", "iam:Create*", "iam:PassRole", "IAM:passrole", "iam:*Role*Policy", "iam:??tRole", "*"}
	svc, _ := iamref.LookupService("iam")
	for _, a := range patterns {
		for _, b := range patterns {
			for _, act := range svc.Actions() {
				if matchesAction(a, "iam", act.Name()) && matchesAction(b, "iam", act.Name()) {
					if !ActionsOverlap(a, b) {
						t.Errorf("%s matches %q and %q, which do not overlap", act.Name(), a, b)
					}
					break
				}
			}
		}
	}
}
