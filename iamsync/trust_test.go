package iamsync

import (
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/iampolicy"
)

func TestAdmits(t *testing.T) {
	const host = "oidc.eks.eu-west-1.amazonaws.com/id/X"
	const provider = "arn:aws:iam::111122223333:oidc-provider/" + host
	tok := Token{ProviderARN: provider, HostPath: host, Sub: "system:serviceaccount:prod:web", Aud: "sts.amazonaws.com"}
	stmt := func(effect string, cond iampolicy.Condition) iampolicy.Statement {
		return iampolicy.Statement{Effect: effect, Principal: &iampolicy.Principal{Federated: iampolicy.Values{provider}}, Action: iampolicy.Values{"sts:AssumeRoleWithWebIdentity"}, Condition: cond}
	}
	exact := iampolicy.Condition{"StringEquals": {host + ":sub": {"system:serviceaccount:prod:web"}, host + ":aud": {"sts.amazonaws.com"}}}
	tests := []struct {
		name   string
		doc    []iampolicy.Statement
		tok    Token
		want   bool
		reason string
	}{
		{"exact", []iampolicy.Statement{stmt("Allow", exact)}, tok, true, ""},
		{"keys ignore case", []iampolicy.Statement{stmt("Allow", iampolicy.Condition{"StringEquals": {strings.ToUpper(host) + ":SUB": {"system:serviceaccount:prod:web"}}})}, tok, true, ""},
		{"list is OR", []iampolicy.Statement{stmt("Allow", iampolicy.Condition{"StringEquals": {host + ":sub": {"system:serviceaccount:a:b", "system:serviceaccount:prod:web"}}})}, tok, true, ""},
		{"pattern", []iampolicy.Statement{stmt("Allow", iampolicy.Condition{"StringLike": {host + ":sub": {"system:serviceaccount:prod:*"}}})}, tok, true, ""},
		{"other namespace", []iampolicy.Statement{stmt("Allow", exact)}, Token{ProviderARN: provider, HostPath: host, Sub: "system:serviceaccount:dev:web", Aud: "sts.amazonaws.com"}, false, `requires sub to be "system:serviceaccount:prod:web"; the token has "system:serviceaccount:dev:web"`},
		{"other audience", []iampolicy.Statement{stmt("Allow", exact)}, Token{ProviderARN: provider, HostPath: host, Sub: tok.Sub, Aud: "other"}, false, `requires aud to be "sts.amazonaws.com"`},
		{"StringEquals with *", []iampolicy.Statement{stmt("Allow", iampolicy.Condition{"StringEquals": {host + ":sub": {"system:serviceaccount:prod:*"}}})}, tok, false, "StringEquals compares literally"},
		{"https in key", []iampolicy.Statement{stmt("Allow", iampolicy.Condition{"StringEquals": {"https://" + host + ":sub": {tok.Sub}}})}, tok, false, "contains the URL scheme"},
		{"other provider", []iampolicy.Statement{stmt("Allow", exact)}, Token{ProviderARN: "arn:aws:iam::999999999999:oidc-provider/" + host, HostPath: host, Sub: tok.Sub, Aud: tok.Aud}, false, "no statement allows"},
		{"deny wins", []iampolicy.Statement{stmt("Allow", exact), stmt("Deny", nil)}, tok, false, "denies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reasons := Admits(iampolicy.Document{Version: iampolicy.Version, Statement: tt.doc}, tt.tok)
			if ok != tt.want {
				t.Fatalf("admits %v, want %v (%v)", ok, tt.want, reasons)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(reasons, "\n"), tt.reason) {
				t.Errorf("reasons %q lack %q", reasons, tt.reason)
			}
		})
	}
}
