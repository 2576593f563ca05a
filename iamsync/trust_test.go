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
			checkVerdict(t, ok, reasons, tt.want, tt.reason)
		})
	}
}

func TestAdmitsPodIdentity(t *testing.T) {
	pods := &iampolicy.Principal{Service: iampolicy.Values{iampolicy.PodIdentityPrincipal}}
	both := iampolicy.PodIdentityActions()
	scoped := iampolicy.Condition{"StringEquals": {
		"aws:RequestTag/eks-cluster-name":           {"prod-eu", "prod-us"},
		"aws:RequestTag/kubernetes-namespace":       {"prod"},
		"aws:RequestTag/kubernetes-service-account": {"web", "worker"},
	}}
	stmt := func(effect string, principal *iampolicy.Principal, actions iampolicy.Values, cond iampolicy.Condition) iampolicy.Statement {
		return iampolicy.Statement{Effect: effect, Principal: principal, Action: actions, Condition: cond}
	}
	web := PodIdentityRequest{Tags: PodIdentityTags("prod-eu", "prod", "web")}
	tests := []struct {
		name   string
		doc    []iampolicy.Statement
		req    PodIdentityRequest
		want   bool
		reason string
	}{
		{"declared", []iampolicy.Statement{stmt("Allow", pods, both, scoped)}, web, true, ""},
		{"another declared cluster and account", []iampolicy.Statement{stmt("Allow", pods, both, scoped)}, PodIdentityRequest{Tags: PodIdentityTags("prod-us", "prod", "worker")}, true, ""},
		{"all six tags", []iampolicy.Statement{stmt("Allow", pods, both, scoped)}, PodIdentityRequest{Tags: map[string]string{
			"eks-cluster-arn": "arn:aws:eks:eu-west-1:123456789012:cluster/prod-eu", "eks-cluster-name": "prod-eu", "kubernetes-namespace": "prod",
			"kubernetes-service-account": "web", "kubernetes-pod-name": "web-1", "kubernetes-pod-uid": "u"}}, true, ""},
		{"tag keys ignore case", []iampolicy.Statement{stmt("Allow", pods, both, iampolicy.Condition{"StringEquals": {"AWS:REQUESTTAG/KUBERNETES-NAMESPACE": {"prod"}}})}, web, true, ""},
		{"another service account", []iampolicy.Statement{stmt("Allow", pods, both, scoped)}, PodIdentityRequest{Tags: PodIdentityTags("prod-eu", "prod", "admin")}, false,
			`StringEquals requires session tag kubernetes-service-account to be one of "web", "worker"; the request has "admin"`},
		{"another namespace", []iampolicy.Statement{stmt("Allow", pods, both, scoped)}, PodIdentityRequest{Tags: PodIdentityTags("prod-eu", "dev", "web")}, false, `session tag kubernetes-namespace to be "prod"`},
		{"another cluster", []iampolicy.Statement{stmt("Allow", pods, both, scoped)}, PodIdentityRequest{Tags: PodIdentityTags("staging", "prod", "web")}, false, "session tag eks-cluster-name"},
		{"no session tags", []iampolicy.Statement{stmt("Allow", pods, both, scoped)}, PodIdentityRequest{}, false, "the request has no session tag kubernetes-namespace"},
		{"open trust admits anything", []iampolicy.Statement{stmt("Allow", pods, both, nil)}, PodIdentityRequest{Tags: PodIdentityTags("x", "y", "z")}, true, ""},
		{"no sts:TagSession", []iampolicy.Statement{stmt("Allow", pods, iampolicy.Values{"sts:AssumeRole"}, scoped)}, web, false, "no statement allows sts:TagSession"},
		{"sts:* allows both", []iampolicy.Statement{stmt("Allow", pods, iampolicy.Values{"sts:*"}, scoped)}, web, true, ""},
		{"another service", []iampolicy.Statement{stmt("Allow", &iampolicy.Principal{Service: iampolicy.Values{"eks.amazonaws.com"}}, both, nil)}, web, false, "no statement allows sts:AssumeRole for the service principal pods.eks.amazonaws.com"},
		{"web identity statements do not count", []iampolicy.Statement{stmt("Allow", &iampolicy.Principal{Federated: iampolicy.Values{"arn:aws:iam::1:oidc-provider/x"}}, iampolicy.Values{"sts:AssumeRoleWithWebIdentity"}, nil)}, web, false, "no statement allows"},
		{"deny wins", []iampolicy.Statement{stmt("Allow", pods, both, scoped), stmt("Deny", pods, iampolicy.Values{"sts:TagSession"}, iampolicy.Condition{"StringEquals": {"aws:RequestTag/kubernetes-service-account": {"web"}}})}, web, false, "statement 1 denies sts:TagSession"},
		{"ForAllValues on aws:TagKeys", []iampolicy.Statement{stmt("Allow", pods, both, iampolicy.Condition{"ForAllValues:StringEquals": {"aws:TagKeys": {"eks-cluster-name", "kubernetes-namespace"}}})}, web, false, `requires aws:TagKeys to be one of "eks-cluster-name", "kubernetes-namespace"`},
		{"ForAnyValue on aws:TagKeys", []iampolicy.Statement{stmt("Allow", pods, both, iampolicy.Condition{"ForAnyValue:StringEquals": {"aws:TagKeys": {"kubernetes-namespace"}}})}, web, true, ""},
		{"a key irsa-fn cannot predict", []iampolicy.Statement{stmt("Allow", pods, both, iampolicy.Condition{"StringEquals": {"aws:RequestTag/kubernetes-pod-name": {"web-1"}}})}, web, false, "the request has no session tag kubernetes-pod-name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reasons := AdmitsPodIdentity(iampolicy.Document{Version: iampolicy.Version, Statement: tt.doc}, tt.req)
			checkVerdict(t, ok, reasons, tt.want, tt.reason)
		})
	}
}

// checkVerdict compares a trust evaluation with the expected verdict and, when given, a reason.
func checkVerdict(t *testing.T, ok bool, reasons []string, want bool, reason string) {
	t.Helper()
	if ok != want {
		t.Fatalf("admits %v, want %v (%v)", ok, want, reasons)
	}
	if reason != "" && !strings.Contains(strings.Join(reasons, "\n"), reason) {
		t.Errorf("reasons %q lack %q", reasons, reason)
	}
}
