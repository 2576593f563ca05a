package iamsync

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
)

func TestResolveOwners(t *testing.T) {
	role := func(name, owner string) v1alpha1.IAMRoleSpec {
		return v1alpha1.IAMRoleSpec{RoleName: name, Owner: owner}
	}
	for _, tc := range []struct {
		name      string
		roles     []v1alpha1.IAMRoleSpec
		flag      string
		prune     bool
		want      string
		wantErr   string
		wantOwner []string
	}{
		{name: "from the config", roles: []v1alpha1.IAMRoleSpec{role("A", "us"), role("B", "us")}, prune: true, want: "us", wantOwner: []string{"us", "us"}},
		{name: "from the flag", roles: []v1alpha1.IAMRoleSpec{role("A", ""), role("B", "eu")}, flag: "eu", prune: true, want: "eu", wantOwner: []string{"eu", "eu"}},
		{name: "conflict", roles: []v1alpha1.IAMRoleSpec{role("A", "us")}, flag: "eu", wantErr: `role A has owner "us" (IRSAConfig spec.owner) but --owner is "eu"`},
		{name: "none", roles: []v1alpha1.IAMRoleSpec{role("A", ""), role("B", "")}, wantErr: "role(s) A, B have no owner"},
		{name: "prune without roles or owner", prune: true, wantErr: "--prune needs an owner"},
		{name: "prune without roles, flag", prune: true, flag: "us", want: "us"},
		{name: "prune with two owners", roles: []v1alpha1.IAMRoleSpec{role("A", "us"), role("B", "eu")}, prune: true, wantErr: "--prune with roles of 2 owners (eu, us)"},
		{name: "apply with two owners", roles: []v1alpha1.IAMRoleSpec{role("A", "us"), role("B", "eu")}, wantOwner: []string{"us", "eu"}},
		{name: "legacy flag", roles: []v1alpha1.IAMRoleSpec{role("A", "")}, flag: LegacyOwner, wantErr: "old default"},
		{name: "legacy config", roles: []v1alpha1.IAMRoleSpec{role("A", LegacyOwner)}, wantErr: "old default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveOwners(tc.roles, tc.flag, tc.prune)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
			for i, r := range tc.roles {
				if r.Owner != tc.wantOwner[i] {
					t.Errorf("role %s owner %q, want %q", r.RoleName, r.Owner, tc.wantOwner[i])
				}
			}
		})
	}
}

func TestCheckAccount(t *testing.T) {
	const arn = "arn:aws:iam::123456789012:role/R"
	for _, tc := range []struct {
		account, arn, caller, wantErr string
	}{
		{"123456789012", arn, "123456789012", ""},
		{"", arn, "123456789012", "declares no account ID"},
		{"", "arn:aws:iam::999999999999:role/R", "123456789012", "declares no account ID"},
		{"999999999999", arn, "123456789012", "but its ARN"},
		{"999999999999", "arn:aws:iam::999999999999:role/R", "123456789012", "the credentials are for account 123456789012"},
		{"123456789012", arn, "", "account of the credentials is unknown"},
		{"123456789012", "not-an-arn", "123456789012", "but its ARN"},
	} {
		err := checkAccount(v1alpha1.IAMRoleSpec{RoleName: "R", AccountID: tc.account, ARN: tc.arn}, tc.caller)
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("checkAccount(%q, %q, %q) = %v, want %q", tc.account, tc.arn, tc.caller, err, tc.wantErr)
		}
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		rep  Report
		want int
	}{
		{"in sync", Report{Roles: []*RolePlan{{Action: ActionNone}}}, 0},
		{"applied", Report{Roles: []*RolePlan{{Action: ActionCreate}, {Action: ActionDelete}}}, 0},
		{"pending", Report{DryRun: true, Roles: []*RolePlan{{Action: ActionNone}, {Action: ActionUpdate}}}, 1},
		{"dry run in sync", Report{DryRun: true, Roles: []*RolePlan{{Action: ActionNone}}}, 0},
		{"refused", Report{Roles: []*RolePlan{{Action: ActionRefused, Err: errors.New("x")}}}, 1},
		{"provider", Report{Providers: []ProviderCheck{{Problem: true}}}, 1},
		{"throttled", Report{Roles: []*RolePlan{{Action: ActionRefused, Err: errors.New("x")}, {Action: ActionFailed, Err: errors.New("y"), Unchecked: true}}}, 2},
		{"no credentials", Report{Err: errors.New("x")}, 2},
	} {
		if got := tc.rep.ExitCode(); got != tc.want {
			t.Errorf("%s: exit %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestCouldNotCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"throttled", fmt.Errorf("put: %w", &smithy.GenericAPIError{Code: "Throttling"}), true},
		{"access denied", &smithy.GenericAPIError{Code: "AccessDenied"}, false},
		{"retries exhausted", &retry.MaxAttemptsError{Attempt: 3, Err: errors.New("x")}, true},
		{"connection refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{"other", errors.New("x"), false},
	} {
		if got := couldNotCheck(tc.err); got != tc.want {
			t.Errorf("%s: couldNotCheck = %v, want %v", tc.name, got, tc.want)
		}
	}
}
