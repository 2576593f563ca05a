package iamref

import (
	"strings"
	"testing"
)

func TestMatchKey(t *testing.T) {
	tests := []struct {
		tmpl, key string
		want      bool
	}{
		{"aws:RequestTag/${TagKey}", "aws:RequestTag/team", true},
		{"aws:RequestTag/${TagKey}", "aws:requesttag/team", true},
		{"aws:RequestTag/${TagKey}", "aws:RequestTag/kubernetes.io/cluster/prod", true}, // "/" in a placeholder
		{"aws:RequestTag/${TagKey}", "aws:RequestTag/", false},                          // a placeholder is not empty
		{"aws:RequestTag/${TagKey}", "aws:RequestTag", false},
		{"secretsmanager:ResourceTag/tag-key", "secretsmanager:ResourceTag/aws:secretsmanager:owningService", true}, // a literal tag-key placeholder
		{"ssm:resourceTag/tag-key", "ssm:resourceTag/team", true},
		{"ssm:resourceTag/tag-key", "ssm:resourceTag/", false},
		{"lex:ResourceTag/", "lex:ResourceTag/team", true}, // a placeholder left out
		{"aws:RequestTag/${TagKey}", "aws:ResourceTag/team", false},
		{"aws:RequestTag/${TagKey}", "aws:RequestTag/${TagKey}", true},
		{"s3:ExistingObjectTag/<key>", "s3:ExistingObjectTag/env", true}, // the data's other placeholder form
		{"kms:EncryptionContext:${EncryptionContextKey}", "kms:EncryptionContext:app", true},
		{"a:${X}/b/${Y}", "a:1/b/2", true},
		{"a:${X}/b/${Y}", "a:1/2/b/3", true},
		{"a:${X}/b/${Y}", "a:1/b/", false},
		{"a:${X}/b", "a:1/b/c", false}, // whole key
		{"s3:prefix", "S3:Prefix", true},
		{"s3:prefix", "s3:prefix2", false},
		{"s3:prefix", "s3:prefi", false},
		{"a:${unterminated", "a:${unterminated", true},
		{"a:${unterminated", "a:x", false},
		{"", "", true},
	}
	for _, tt := range tests {
		if got := matchKey(tt.tmpl, tt.key); got != tt.want {
			t.Errorf("matchKey(%q, %q) = %v, want %v", tt.tmpl, tt.key, got, tt.want)
		}
	}
}

func TestMatchWildcard(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "", true},
		{"*", "GetObject", true},
		{"Get*", "GetObject", true},
		{"get*", "GetObject", true},
		{"Get*", "PutObject", false},
		{"*Object", "GetObject", true},
		{"*Object", "GetObjectAcl", false},
		{"Get?bject", "GetObject", true},
		{"Get?bject", "Getbject", false},
		{"G*t*t", "GetObject", true},
		{"G**", "G", true},
		{"", "", true},
		{"", "a", false},
		{"?", "", false},
	}
	for _, tt := range tests {
		if got := matchWildcard(tt.pattern, tt.name); got != tt.want {
			t.Errorf("matchWildcard(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestCompareFold(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"abc", "ABC", 0},
		{"abc", "abd", -1},
		{"ABD", "abc", 1},
		{"ab", "abc", -1},
		{"", "", 0},
	}
	for _, tt := range tests {
		if got := compareFold(tt.a, tt.b); (got > 0) != (tt.want > 0) || (got < 0) != (tt.want < 0) {
			t.Errorf("compareFold(%q, %q) = %d, want sign of %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestMatchWildcardIsLinear would take ages if a mismatch retried every '*'.
func TestMatchWildcardIsLinear(t *testing.T) {
	pattern := strings.Repeat("*a", 30) + "b"
	if matchWildcard(pattern, strings.Repeat("a", 200)) {
		t.Error("matched")
	}
}
