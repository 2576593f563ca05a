package iampolicy

import (
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/diag"
)

func TestMatchLike(t *testing.T) {
	tests := []struct {
		pattern, value string
		want           bool
	}{
		{"system:serviceaccount:prod:*", "system:serviceaccount:prod:web", true},
		{"system:serviceaccount:prod:*", "system:serviceaccount:production:web", false},
		{"system:serviceaccount:*:web", "system:serviceaccount:a:b:web", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*", "", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"abc", "ABC", false},
		{"**x", "x", true},
	}
	for _, tt := range tests {
		if got := MatchLike(tt.pattern, tt.value); got != tt.want {
			t.Errorf("MatchLike(%q, %q) = %v, want %v", tt.pattern, tt.value, got, tt.want)
		}
	}
}

func TestDocumentJSON(t *testing.T) {
	d := Document{Version: Version, Statement: []Statement{{
		Effect: "Allow", Action: Values{"s3:GetObject"}, Resource: Values{"arn:aws:s3:::a/*", "arn:aws:s3:::b/*"},
		Condition: Condition{"StringLike": {"s3:prefix": {"home/&<>"}}},
	}}}
	want := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::a/*","arn:aws:s3:::b/*"],"Condition":{"StringLike":{"s3:prefix":"home/&<>"}}}]}`
	compact := strings.Join(strings.Fields(d.JSON()), "")
	if compact != want {
		t.Errorf("got  %s\nwant %s", compact, want)
	}
	if d.Size() != len(want) {
		t.Errorf("size %d, want %d", d.Size(), len(want))
	}
}

func TestParse(t *testing.T) {
	d, err := Parse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":10}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Statement) != 1 || d.Statement[0].Condition["Bool"]["aws:SecureTransport"][0] != "true" || d.Statement[0].Condition["NumericLessThan"]["s3:max-keys"][0] != "10" {
		t.Errorf("parsed %+v", d)
	}
	for _, bad := range []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Actions":"s3:x"}]}`, `not json`, `{"Version":"2012-10-17"} {}`, `{"Statement":"x"}`} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%s) accepted it", bad)
		}
	}
}

func TestCheckPermissionsWarnings(t *testing.T) {
	tests := []struct {
		st   Statement
		warn string
	}{
		{Statement{Effect: "Allow", Action: Values{"*"}, Resource: Values{"arn:aws:s3:::b"}}, `action "*" allows every action`},
		{Statement{Effect: "Allow", Action: Values{"s3:*"}, Resource: Values{"arn:aws:s3:::b"}}, "every action of the service"},
		{Statement{Effect: "Allow", Action: Values{"s3:PutObject"}, Resource: Values{"*"}}, `resource "*" with write action "s3:PutObject"`},
		{Statement{Effect: "Allow", NotAction: Values{"iam:*"}, Resource: Values{"*"}}, "NotAction"},
		{Statement{Effect: "Allow", Action: Values{"s3:GetObject"}, NotResource: Values{"arn:aws:s3:::b"}}, "NotResource"},
	}
	for _, tt := range tests {
		var l diag.List
		CheckPermissions(Document{Version: Version, Statement: []Statement{tt.st}}, diag.NewPath("doc"), nil, Findings{}, &l)
		found := false
		for _, d := range l {
			if d.Severity == diag.Error {
				t.Errorf("%+v: unexpected error %s", tt.st, d)
			}
			found = found || (d.Severity == diag.Warning && strings.Contains(d.Message, tt.warn))
		}
		if !found {
			t.Errorf("%+v: no warning %q in %v", tt.st, tt.warn, l)
		}
	}
	var l diag.List
	CheckPermissions(Document{Version: Version, Statement: []Statement{{Effect: "Allow", Action: Values{"s3:GetObject"}, Resource: Values{"*"}}}}, diag.Path{}, nil, Findings{}, &l)
	if len(l) != 0 {
		t.Errorf("a read-only action on * warned: %v", l)
	}
}

func TestIsWriteAction(t *testing.T) {
	for a, want := range map[string]bool{"s3:PutObject": true, "s3:GetObject": false, "s3:List*": false, "s3:P*": true, "ec2:*": true, "sqs:DeleteMessage": true, "dynamodb:Query": false} {
		if got := IsWriteAction(a); got != want {
			t.Errorf("IsWriteAction(%q) = %v, want %v", a, got, want)
		}
	}
}

// TestMalformedActionOnlyError: an action that is not service:Action is an error, and no
// warning treats it as a real action.
func TestMalformedActionOnlyError(t *testing.T) {
	var l diag.List
	CheckPermissions(Document{Version: Version, Statement: []Statement{{Effect: "Allow", Action: Values{"*:*"}, Resource: Values{"*"}}}}, diag.Path{}, nil, Findings{}, &l)
	if len(l) != 1 || l[0].Severity != diag.Error {
		t.Errorf("want one error, got %v", l)
	}
}

// TestParseRefusesDuplicateKeys: a key written twice would lose its first value silently.
func TestParseRefusesDuplicateKeys(t *testing.T) {
	_, err := Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Action":"s3:GetObject","Resource":"*"}]}`)
	if err == nil || err.Error() != `Statement[0].Action: key "Action" appears twice; JSON keeps only the last, so the first would be lost` {
		t.Errorf("got %v", err)
	}
	if _, err := Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`); err != nil {
		t.Errorf("the same keys in two statements are fine: %v", err)
	}
}
