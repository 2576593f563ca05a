package access

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const (
	hostA = "oidc.eks.eu-west-1.amazonaws.com/id/AAAA"
	hostB = "oidc.eks.us-east-1.amazonaws.com/id/BBBB"
	provA = "arn:aws:iam::123456789012:oidc-provider/" + hostA
	provB = "arn:aws:iam::123456789012:oidc-provider/" + hostB
)

// irsaStatement is an IRSA Allow (or Deny) statement for a provider with a condition block.
func irsaStatement(effect, provider, condition string) string {
	return fmt.Sprintf(`{"Effect":%q,"Principal":{"Federated":%q},"Action":"sts:AssumeRoleWithWebIdentity","Condition":%s}`, effect, provider, condition)
}

func policy(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

const podIdentityStatement = `{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]%s}`

// row is a subject as the tests compare it.
func row(s Subject) string {
	return fmt.Sprintf("%s %s %s/%s aud=%s pattern=%v", s.Mechanism, s.Cluster, s.Namespace, s.ServiceAccount, strings.Join(s.Audiences, ","), s.Pattern)
}

func TestSubjects(t *testing.T) {
	cases := []struct {
		name    string
		trust   string
		want    []string
		complex bool
		note    string // a note that must be there
	}{
		{
			name:  "IRSA exact sub",
			trust: policy(irsaStatement("Allow", provA, `{"StringEquals":{"`+hostA+`:sub":"system:serviceaccount:shop:orders","`+hostA+`:aud":"sts.amazonaws.com"}}`)),
			want:  []string{"IRSA " + hostA + " shop/orders aud=sts.amazonaws.com pattern=false"},
		},
		{
			name:  "IRSA StringLike sub wildcard",
			trust: policy(irsaStatement("Allow", provA, `{"StringEquals":{"`+hostA+`:aud":"sts.amazonaws.com"},"StringLike":{"`+hostA+`:sub":["system:serviceaccount:team-*:*","system:serviceaccount:shop:*"]}}`)),
			want: []string{
				"IRSA " + hostA + " team-*/* aud=sts.amazonaws.com pattern=true",
				"IRSA " + hostA + " shop/* aud=sts.amazonaws.com pattern=true",
			},
		},
		{
			name:  "IRSA without a sub condition",
			trust: policy(irsaStatement("Allow", provA, `{"StringEquals":{"`+hostA+`:aud":"sts.amazonaws.com"}}`)),
			want:  []string{"IRSA " + hostA + " */* aud=sts.amazonaws.com pattern=true"},
			note:  "every service account of that cluster",
		},
		{
			name: "multiple providers",
			trust: policy(
				irsaStatement("Allow", provA, `{"StringEquals":{"`+hostA+`:sub":"system:serviceaccount:shop:orders","`+hostA+`:aud":"sts.amazonaws.com"}}`),
				irsaStatement("Allow", provB, `{"StringEquals":{"`+hostB+`:sub":["system:serviceaccount:shop:orders","system:serviceaccount:ops:orders"],"`+hostB+`:aud":"sts.amazonaws.com"}}`),
			),
			want: []string{
				"IRSA " + hostA + " shop/orders aud=sts.amazonaws.com pattern=false",
				"IRSA " + hostB + " shop/orders aud=sts.amazonaws.com pattern=false",
				"IRSA " + hostB + " ops/orders aud=sts.amazonaws.com pattern=false",
			},
		},
		{
			name:  "two providers in one statement: each token lacks the other issuer's claims",
			trust: policy(`{"Effect":"Allow","Principal":{"Federated":["` + provA + `","` + provB + `"]},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + hostA + `:sub":"system:serviceaccount:shop:orders"}}}`),
			want:  []string{"IRSA " + hostA + " shop/orders aud=* pattern=false"},
			note:  "claim of another issuer",
		},
		{
			name:  "Pod Identity with conditions",
			trust: policy(fmt.Sprintf(podIdentityStatement, `,"Condition":{"StringEquals":{"aws:RequestTag/eks-cluster-name":"prod-eu","aws:RequestTag/kubernetes-namespace":"finance","aws:RequestTag/kubernetes-service-account":["billing","reports"]}}`)),
			want: []string{
				"PodIdentity prod-eu finance/billing aud= pattern=false",
				"PodIdentity prod-eu finance/reports aud= pattern=false",
			},
		},
		{
			name:  "Pod Identity without conditions",
			trust: policy(fmt.Sprintf(podIdentityStatement, ``)),
			want:  []string{"PodIdentity * */* aud= pattern=true"},
			note:  "any matching association in the account",
		},
		{
			name: "unconditional Deny removes the provider",
			trust: policy(
				irsaStatement("Allow", provA, `{"StringEquals":{"`+hostA+`:sub":"system:serviceaccount:shop:orders"}}`),
				`{"Effect":"Deny","Principal":{"Federated":"`+provA+`"},"Action":"sts:AssumeRoleWithWebIdentity"}`,
			),
			want: []string{},
			note: "denied by a Deny statement without conditions",
		},
		{
			name: "conditional Deny refuses a literal subject and leaves a pattern complex",
			trust: policy(
				irsaStatement("Allow", provA, `{"StringEquals":{"`+hostA+`:sub":["system:serviceaccount:shop:orders","system:serviceaccount:shop:admin"]}}`),
				irsaStatement("Allow", provA, `{"StringLike":{"`+hostA+`:sub":"system:serviceaccount:ops:*"}}`),
				irsaStatement("Deny", provA, `{"StringLike":{"`+hostA+`:sub":"system:serviceaccount:*:admin"}}`),
			),
			want: []string{
				"IRSA " + hostA + " shop/orders aud=* pattern=false",
				"IRSA " + hostA + " ops/* aud=* pattern=true",
			},
			complex: true,
			note:    "shop/admin is refused",
		},
		{
			name:    "an operator access does not list is complex",
			trust:   policy(irsaStatement("Allow", provA, `{"StringEquals":{"`+hostA+`:sub":"system:serviceaccount:shop:orders"},"StringNotEquals":{"`+hostA+`:aud":"other"}}`)),
			want:    []string{"IRSA " + hostA + " shop/orders aud=* pattern=false"},
			complex: true,
			note:    "StringNotEquals",
		},
		{
			name:    "NotPrincipal is unknown/complex",
			trust:   policy(`{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			want:    []string{},
			complex: true,
			note:    "unknown/complex: the trust policy is not one access can read",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := Evaluate(Input{Roles: []RoleInput{{Name: "r", Trust: c.trust}}})
			role := rep.Roles[0]
			got := []string{}
			for _, s := range role.Subjects {
				got = append(got, row(s))
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("subjects:\n%s\nwant:\n%s\nnotes: %q", strings.Join(got, "\n"), strings.Join(c.want, "\n"), role.Notes)
			}
			if role.Complex != c.complex {
				t.Errorf("complex = %v, want %v; notes: %q", role.Complex, c.complex, role.Notes)
			}
			if c.note != "" && !strings.Contains(strings.Join(role.Notes, "\n"), c.note) {
				t.Errorf("no note says %q: %q", c.note, role.Notes)
			}
		})
	}
}

func TestChecks(t *testing.T) {
	trust := policy(
		irsaStatement("Allow", provA, `{"StringEquals":{"`+hostA+`:sub":"system:serviceaccount:shop:orders","`+hostA+`:aud":"sts.amazonaws.com"}}`),
		fmt.Sprintf(podIdentityStatement, `,"Condition":{"StringEquals":{"aws:RequestTag/kubernetes-namespace":"shop","aws:RequestTag/kubernetes-service-account":"orders"}}`),
	)
	arn := "arn:aws:iam::123456789012:role/irsa/orders"
	in := Input{
		Roles: []RoleInput{{Name: "orders", Account: "123456789012", Trust: trust}},
		ServiceAccounts: []ServiceAccount{
			{Namespace: "shop", Name: "orders", RoleARN: arn, Audience: "sts.amazonaws.com"},
			{Namespace: "shop", Name: "catalog", RoleARN: arn, Audience: "sts.amazonaws.com"},
			{Namespace: "shop", Name: "orders2", RoleARN: "arn:aws:iam::123456789012:role/elsewhere", Audience: "sts.amazonaws.com"},
		},
		Associations: []Association{
			{Cluster: "prod", Namespace: "shop", ServiceAccount: "orders", RoleARN: arn},
			{Cluster: "prod", Namespace: "ops", ServiceAccount: "orders", RoleARN: arn},
		},
	}
	rep := Evaluate(in)
	got := map[string]string{}
	for _, c := range rep.Checks {
		got[c.Kind+" "+c.Cluster+" "+c.Namespace+"/"+c.Name] = c.Status
	}
	want := map[string]string{
		"ServiceAccount  shop/orders":             StatusAdmitted,
		"ServiceAccount  shop/catalog":            StatusRefused,
		"ServiceAccount  shop/orders2":            StatusNotRendered,
		"PodIdentityAssociation prod shop/orders": StatusAdmitted,
		"PodIdentityAssociation prod ops/orders":  StatusRefused,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if !rep.Refused() || rep.ExitCode() != 1 {
		t.Errorf("a refused ServiceAccount: Refused() = %v, ExitCode() = %d", rep.Refused(), rep.ExitCode())
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Status   string `json:"status"`
		ExitCode int    `json:"exitCode"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil || doc.Status != StatusRefused || doc.ExitCode != 1 {
		t.Errorf("JSON status %+v (%v):\n%s", doc, err, buf.String())
	}
	buf.Reset()
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "shop/catalog: "+hostA+": StringEquals requires") {
		t.Errorf("the text does not say why shop/catalog is refused:\n%s", buf.String())
	}
	again := Evaluate(in)
	var buf2 bytes.Buffer
	_ = again.WriteText(&buf2)
	if buf2.String() != buf.String() {
		t.Error("two runs on the same input gave other text")
	}
}

// TestWriteTextRowPerCluster checks that a ServiceAccount whose role admits it through two
// clusters gets a row per cluster, each naming one issuer, instead of one row of both joined.
func TestWriteTextRowPerCluster(t *testing.T) {
	cond := func(host string) string {
		return `{"StringEquals":{"` + host + `:sub":"system:serviceaccount:shop:orders","` + host + `:aud":"sts.amazonaws.com"}}`
	}
	arn := "arn:aws:iam::123456789012:role/orders"
	rep := Evaluate(Input{
		Roles:           []RoleInput{{Name: "orders", Account: "123456789012", Trust: policy(irsaStatement("Allow", provA, cond(hostA)), irsaStatement("Allow", provB, cond(hostB)))}},
		ServiceAccounts: []ServiceAccount{{Namespace: "shop", Name: "orders", RoleARN: arn, Audience: "sts.amazonaws.com"}},
	})
	if len(rep.Checks) != 1 || len(rep.Checks[0].Via) != 2 {
		t.Fatalf("want one check admitted through two clusters, got %+v", rep.Checks)
	}
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(buf.String(), "\n\n")
	lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "KIND") {
		t.Fatalf("want a header and two rows, got:\n%s", table)
	}
	for i, host := range []string{hostA, hostB} {
		row := strings.Fields(lines[i+1])
		want := []string{"ServiceAccount", "shop/orders", arn, StatusAdmitted, host}
		if strings.Join(row, " ") != strings.Join(want, " ") {
			t.Errorf("row %d: %q, want %q", i+1, row, want)
		}
	}
}
