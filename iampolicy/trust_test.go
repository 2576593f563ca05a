package iampolicy

import (
	"strings"
	"testing"
)

func TestAdmits(t *testing.T) {
	const host = "oidc.eks.eu-west-1.amazonaws.com/id/X"
	const provider = "arn:aws:iam::111122223333:oidc-provider/" + host
	tok := Token{ProviderARN: provider, HostPath: host, Sub: "system:serviceaccount:prod:web", Aud: "sts.amazonaws.com"}
	stmt := func(effect string, cond Condition) Statement {
		return Statement{Effect: effect, Principal: &Principal{Federated: Values{provider}}, Action: Values{"sts:AssumeRoleWithWebIdentity"}, Condition: cond}
	}
	exact := Condition{"StringEquals": {host + ":sub": {"system:serviceaccount:prod:web"}, host + ":aud": {"sts.amazonaws.com"}}}
	tests := []struct {
		name   string
		doc    []Statement
		tok    Token
		want   bool
		reason string
	}{
		{"exact", []Statement{stmt("Allow", exact)}, tok, true, ""},
		{"keys ignore case", []Statement{stmt("Allow", Condition{"StringEquals": {strings.ToUpper(host) + ":SUB": {"system:serviceaccount:prod:web"}}})}, tok, true, ""},
		{"list is OR", []Statement{stmt("Allow", Condition{"StringEquals": {host + ":sub": {"system:serviceaccount:a:b", "system:serviceaccount:prod:web"}}})}, tok, true, ""},
		{"pattern", []Statement{stmt("Allow", Condition{"StringLike": {host + ":sub": {"system:serviceaccount:prod:*"}}})}, tok, true, ""},
		{"other namespace", []Statement{stmt("Allow", exact)}, Token{ProviderARN: provider, HostPath: host, Sub: "system:serviceaccount:dev:web", Aud: "sts.amazonaws.com"}, false, `requires sub to be "system:serviceaccount:prod:web"; the token has "system:serviceaccount:dev:web"`},
		{"other audience", []Statement{stmt("Allow", exact)}, Token{ProviderARN: provider, HostPath: host, Sub: tok.Sub, Aud: "other"}, false, `requires aud to be "sts.amazonaws.com"`},
		{"StringEquals with *", []Statement{stmt("Allow", Condition{"StringEquals": {host + ":sub": {"system:serviceaccount:prod:*"}}})}, tok, false, "StringEquals compares literally"},
		{"https in key", []Statement{stmt("Allow", Condition{"StringEquals": {"https://" + host + ":sub": {tok.Sub}}})}, tok, false, "contains the URL scheme"},
		{"other provider", []Statement{stmt("Allow", exact)}, Token{ProviderARN: "arn:aws:iam::999999999999:oidc-provider/" + host, HostPath: host, Sub: tok.Sub, Aud: tok.Aud}, false, "no statement allows"},
		{"deny wins", []Statement{stmt("Allow", exact), stmt("Deny", nil)}, tok, false, "denies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reasons := Admits(Document{Version: Version, Statement: tt.doc}, tt.tok)
			checkVerdict(t, ok, reasons, tt.want, tt.reason)
		})
	}
}

func TestAdmitsPodIdentity(t *testing.T) {
	pods := &Principal{Service: Values{PodIdentityPrincipal}}
	both := PodIdentityActions()
	scoped := Condition{"StringEquals": {
		"aws:RequestTag/eks-cluster-name":           {"prod-eu", "prod-us"},
		"aws:RequestTag/kubernetes-namespace":       {"prod"},
		"aws:RequestTag/kubernetes-service-account": {"web", "worker"},
	}}
	stmt := func(effect string, principal *Principal, actions Values, cond Condition) Statement {
		return Statement{Effect: effect, Principal: principal, Action: actions, Condition: cond}
	}
	web := PodIdentityRequest{Tags: PodIdentityTags("prod-eu", "prod", "web")}
	tests := []struct {
		name   string
		doc    []Statement
		req    PodIdentityRequest
		want   bool
		reason string
	}{
		{"declared", []Statement{stmt("Allow", pods, both, scoped)}, web, true, ""},
		{"another declared cluster and account", []Statement{stmt("Allow", pods, both, scoped)}, PodIdentityRequest{Tags: PodIdentityTags("prod-us", "prod", "worker")}, true, ""},
		{"all six tags", []Statement{stmt("Allow", pods, both, scoped)}, PodIdentityRequest{Tags: map[string]string{
			"eks-cluster-arn": "arn:aws:eks:eu-west-1:123456789012:cluster/prod-eu", "eks-cluster-name": "prod-eu", "kubernetes-namespace": "prod",
			"kubernetes-service-account": "web", "kubernetes-pod-name": "web-1", "kubernetes-pod-uid": "u"}}, true, ""},
		{"tag keys ignore case", []Statement{stmt("Allow", pods, both, Condition{"StringEquals": {"AWS:REQUESTTAG/KUBERNETES-NAMESPACE": {"prod"}}})}, web, true, ""},
		{"another service account", []Statement{stmt("Allow", pods, both, scoped)}, PodIdentityRequest{Tags: PodIdentityTags("prod-eu", "prod", "admin")}, false,
			`StringEquals requires session tag kubernetes-service-account to be one of "web", "worker"; the request has "admin"`},
		{"another namespace", []Statement{stmt("Allow", pods, both, scoped)}, PodIdentityRequest{Tags: PodIdentityTags("prod-eu", "dev", "web")}, false, `session tag kubernetes-namespace to be "prod"`},
		{"another cluster", []Statement{stmt("Allow", pods, both, scoped)}, PodIdentityRequest{Tags: PodIdentityTags("staging", "prod", "web")}, false, "session tag eks-cluster-name"},
		{"no session tags", []Statement{stmt("Allow", pods, both, scoped)}, PodIdentityRequest{}, false, "the request has no session tag kubernetes-namespace"},
		{"open trust admits anything", []Statement{stmt("Allow", pods, both, nil)}, PodIdentityRequest{Tags: PodIdentityTags("x", "y", "z")}, true, ""},
		{"no sts:TagSession", []Statement{stmt("Allow", pods, Values{"sts:AssumeRole"}, scoped)}, web, false, "no statement allows sts:TagSession"},
		{"sts:* allows both", []Statement{stmt("Allow", pods, Values{"sts:*"}, scoped)}, web, true, ""},
		{"another service", []Statement{stmt("Allow", &Principal{Service: Values{"eks.amazonaws.com"}}, both, nil)}, web, false, "no statement allows sts:AssumeRole for the service principal pods.eks.amazonaws.com"},
		{"web identity statements do not count", []Statement{stmt("Allow", &Principal{Federated: Values{"arn:aws:iam::1:oidc-provider/x"}}, Values{"sts:AssumeRoleWithWebIdentity"}, nil)}, web, false, "no statement allows"},
		{"deny wins", []Statement{stmt("Allow", pods, both, scoped), stmt("Deny", pods, Values{"sts:TagSession"}, Condition{"StringEquals": {"aws:RequestTag/kubernetes-service-account": {"web"}}})}, web, false, "statement 1 denies sts:TagSession"},
		{"ForAllValues on aws:TagKeys", []Statement{stmt("Allow", pods, both, Condition{"ForAllValues:StringEquals": {"aws:TagKeys": {"eks-cluster-name", "kubernetes-namespace"}}})}, web, false, `requires aws:TagKeys to be one of "eks-cluster-name", "kubernetes-namespace"`},
		{"ForAnyValue on aws:TagKeys", []Statement{stmt("Allow", pods, both, Condition{"ForAnyValue:StringEquals": {"aws:TagKeys": {"kubernetes-namespace"}}})}, web, true, ""},
		{"a key irsa-fn cannot predict", []Statement{stmt("Allow", pods, both, Condition{"StringEquals": {"aws:RequestTag/kubernetes-pod-name": {"web-1"}}})}, web, false, "the request has no session tag kubernetes-pod-name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reasons := AdmitsPodIdentity(Document{Version: Version, Statement: tt.doc}, tt.req)
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
