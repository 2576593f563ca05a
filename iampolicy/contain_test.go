package iampolicy

import (
	"slices"
	"testing"
)

func TestResourceCovers(t *testing.T) {
	for _, tc := range []struct {
		outer, inner string
		want         bool
	}{
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/a/*", true},
		{"arn:aws:s3:::b/a/*", "arn:aws:s3:::b/*", false},
		{"*", "arn:aws:s3:::b", true},
		{"arn:aws:s3:::B/*", "arn:aws:s3:::b/x", false}, // ARNs compare case-sensitively
		{"arn:aws:s3:::b/?", "arn:aws:s3:::b/x", true},
		{"arn:aws:s3:::b/?", "arn:aws:s3:::b/*", false},
		{"arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/${aws:username}/*", true},
		{"arn:aws:s3:::b/alice/*", "arn:aws:s3:::b/${aws:username}/*", false},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/${aws:username}", true},
	} {
		if got := ResourceCovers(tc.outer, tc.inner); got != tc.want {
			t.Errorf("ResourceCovers(%q, %q) = %v, want %v", tc.outer, tc.inner, got, tc.want)
		}
	}
}

func TestConditionImplies(t *testing.T) {
	eq := func(op, key string, v ...string) Condition { return Condition{op: {key: v}} }
	for _, tc := range []struct {
		name          string
		strict, loose Condition
		want          bool
	}{
		{"none implies none", nil, nil, true},
		{"added condition", eq("StringEquals", "aws:SourceVpc", "v1"), nil, true},
		{"removed condition", nil, eq("StringEquals", "aws:SourceVpc", "v1"), false},
		{"fewer values", eq("StringEquals", "k", "a"), eq("StringEquals", "k", "a", "b"), true},
		{"more values", eq("StringEquals", "k", "a", "b"), eq("StringEquals", "k", "a"), false},
		{"key case", eq("StringEquals", "AWS:SourceVpc", "v1"), eq("StringEquals", "aws:sourcevpc", "v1"), true},
		{"literal within pattern", eq("StringEquals", "k", "ns:a"), eq("StringLike", "k", "ns:*"), true},
		{"pattern not within literal", eq("StringLike", "k", "ns:*"), eq("StringEquals", "k", "ns:a"), false},
		{"narrower pattern", eq("StringLike", "k", "ns:a-*"), eq("StringLike", "k", "ns:*"), true},
		{"a policy variable may be anything", eq("StringLike", "k", "home/${aws:username}"), eq("StringLike", "k", "home/$*"), false},
		{"a policy variable within a *", eq("StringLike", "k", "home/${aws:username}"), eq("StringLike", "k", "home/*"), true},
		{"the same policy variable", eq("ArnLike", "k", "arn:aws:s3:::b/${aws:username}"), eq("ArnLike", "k", "arn:aws:s3:::b/${aws:username}"), true},
		{"negated: more values admit less", eq("StringNotEquals", "k", "a", "b"), eq("StringNotEquals", "k", "a"), true},
		{"negated: fewer values admit more", eq("StringNotEquals", "k", "a"), eq("StringNotEquals", "k", "a", "b"), false},
		{"other operator", eq("NumericLessThan", "k", "5"), eq("NumericLessThan", "k", "6"), false},
	} {
		if got := ConditionImplies(tc.strict, tc.loose); got != tc.want {
			t.Errorf("%s: ConditionImplies(%v, %v) = %v, want %v", tc.name, tc.strict, tc.loose, got, tc.want)
		}
	}
}

func TestExpandAction(t *testing.T) {
	got, ok := ExpandAction("s3:GetObject*")
	if !ok || !slices.Contains(got, "s3:GetObject") || !slices.Contains(got, "s3:GetObjectAcl") || slices.Contains(got, "s3:PutObject") {
		t.Errorf("ExpandAction(s3:GetObject*) = %v, %v", got, ok)
	}
	if _, ok := ExpandAction("*"); ok {
		t.Error("ExpandAction(*) expanded")
	}
	if _, ok := ExpandAction("nosuchservice:Get*"); ok {
		t.Error("an unknown service expanded")
	}
}

func TestGrantCovers(t *testing.T) {
	doc, err := Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*"],"Resource":"arn:aws:s3:::b/*"},{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	gs := Grants(doc, "Allow")
	if len(gs) != 1 {
		t.Fatalf("want the one grant of the statement without NotAction, got %+v", gs)
	}
	if !gs[0].Covers(Grant{Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}) {
		t.Error("s3:Get* on b/* does not cover s3:GetObject on b/k")
	}
	if gs[0].Covers(Grant{Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k"}) {
		t.Error("s3:Get* covers s3:PutObject")
	}
}
