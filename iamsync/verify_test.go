package iamsync

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestVerifyReportStatus checks that drift wins over could not check, and that an unchecked
// role, provider or ServiceAccount reference alone makes the report unchecked.
func TestVerifyReportStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		rep  VerifyReport
		want Status
	}{
		{"in sync", VerifyReport{Roles: []RoleResult{{Name: "a", Status: StatusInSync}}}, StatusInSync},
		{"unchecked role", VerifyReport{Roles: []RoleResult{{Name: "a", Status: StatusInSync}, {Name: "b", Status: StatusUnchecked}}}, StatusUnchecked},
		{"drift wins", VerifyReport{Roles: []RoleResult{{Name: "a", Status: StatusDrift}, {Name: "b", Status: StatusUnchecked}}}, StatusDrift},
		{"provider in another account", VerifyReport{Providers: []ProviderCheck{{ARN: "p", State: "not checked: it is in account 2"}}}, StatusUnchecked},
		{"provider missing", VerifyReport{Providers: []ProviderCheck{{ARN: "p", State: "missing", Problem: true}}}, StatusDrift},
		{"ServiceAccount naming another account's role", VerifyReport{UncheckedRefs: []string{"x"}}, StatusUnchecked},
		{"ServiceAccount finding", VerifyReport{ServiceAccounts: []string{"x"}, UncheckedRefs: []string{"y"}}, StatusDrift},
	} {
		if got := tc.rep.Status(); got != tc.want {
			t.Errorf("%s: status %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestVerifyReportJSONOnlyProblems checks that -o json --only-problems keeps every role and
// provider that is not in sync, and only those.
func TestVerifyReportJSONOnlyProblems(t *testing.T) {
	rep := VerifyReport{Account: "123456789012", Roles: []RoleResult{
		{Name: "a", Status: StatusInSync},
		{Name: "b", Status: StatusDrift, Drifts: []string{"path"}},
		{Name: "c", Status: StatusUnchecked, Unchecked: "another account"},
	}, Providers: []ProviderCheck{{ARN: "ok", State: "ok"}, {ARN: "gone", State: "missing", Problem: true}}}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf, true); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Status string
		Roles  []struct{ Name, Status string }
		OIDC   []struct{ ARN string } `json:"oidcProviders"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if doc.Status != "drift" || len(doc.Roles) != 2 || doc.Roles[0].Name != "b" || doc.Roles[1].Status != "unchecked" || len(doc.OIDC) != 1 || doc.OIDC[0].ARN != "gone" {
		t.Errorf("only problems: got\n%s", buf.String())
	}
}

// TestCallerErrorOneLine checks that an SDK error over several lines is reported on one.
func TestCallerErrorOneLine(t *testing.T) {
	err := &CallerError{What: "no usable AWS credentials", Err: errors.New("failed to refresh cached credentials,\n  no EC2 IMDS role found")}
	if got := err.Error(); strings.Contains(got, "\n") || got != "no usable AWS credentials: failed to refresh cached credentials, no EC2 IMDS role found" {
		t.Errorf("got %q", got)
	}
}
