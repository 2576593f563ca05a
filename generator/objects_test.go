package generator

import (
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
)

// TestACKRoleAttachesCustomerManagedByARN: an ACK Role lists its customer managed policies by
// their computed ARNs in spec.policies, after the AWS managed ones, and has no policyRefs. The
// iam-controller refuses a Role that has both ("both resource reference wrapper and ID cannot be
// used together"), never creating it, and a reference cannot name an AWS managed policy.
func TestACKRoleAttachesCustomerManagedByARN(t *testing.T) {
	b := validBinding()
	b.Spec.Policies.Managed = []string{"arn:aws:iam::aws:policy/AmazonAthenaFullAccess"}
	b.Spec.Policies.CustomerManaged = []v1alpha1.CustomerManagedPolicy{
		{Name: "lake-read", Path: "/data/", Statements: b.Spec.Policies.Inline[0].Statements},
		{Name: "lake-write", Statements: b.Spec.Policies.Inline[0].Statements},
	}
	res := Generate(Input{Binding: b})
	if errs := errorsOf(res.Diagnostics); len(errs) > 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	var role *Object
	var policies []string
	for i, o := range res.Objects {
		switch o.Kind {
		case "Role":
			role = &res.Objects[i]
		case "Policy":
			policies = append(policies, o.Spec.(ACKPolicySpec).Name)
		}
	}
	if role == nil || !reflect.DeepEqual(policies, []string{"lake-read", "lake-write"}) {
		t.Fatalf("want a Role and the Policies lake-read and lake-write, got %+v", res.Objects)
	}
	want := []string{
		"arn:aws:iam::aws:policy/AmazonAthenaFullAccess",
		"arn:aws:iam::123456789012:policy/data/lake-read",
		"arn:aws:iam::123456789012:policy/lake-write",
	}
	if got := role.Spec.(ACKRoleSpec).Policies; !reflect.DeepEqual(got, want) {
		t.Errorf("spec.policies %v, want %v", got, want)
	}
	out, err := yaml.Marshal(role)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "policyRefs") {
		t.Errorf("the Role has policyRefs:\n%s", out)
	}
}
