package iamref

import (
	"slices"
	"strings"
	"testing"
)

func mustService(t testing.TB, prefix string) Service {
	t.Helper()
	s, ok := LookupService(prefix)
	if !ok {
		t.Fatalf("service %s not found", prefix)
	}
	return s
}

func mustAction(t testing.TB, prefix, name string) Action {
	t.Helper()
	a, ok := mustService(t, prefix).LookupAction(name)
	if !ok {
		t.Fatalf("action %s:%s not found", prefix, name)
	}
	return a
}

func TestLookupAction(t *testing.T) {
	for _, name := range []string{"GetObject", "getobject", "GETOBJECT"} {
		a := mustAction(t, "S3", name)
		if a.Name() != "GetObject" || a.AccessLevel() != "Read" || a.Service().Prefix() != "s3" {
			t.Errorf("%s: got %s, %s, %s", name, a.Name(), a.AccessLevel(), a.Service().Prefix())
		}
		i := slices.IndexFunc(a.ResourceTypes(), func(r ActionResource) bool { return r.Name == "object" })
		if i < 0 {
			t.Fatalf("%s: no resource type object in %v", name, a.ResourceTypes())
		}
		if r := a.ResourceTypes()[i]; !slices.Equal(r.ARNs, []string{"arn:${Partition}:s3:::${BucketName}/${ObjectName}"}) {
			t.Errorf("object: ARNs %q", r.ARNs)
		}
	}
	s3 := mustService(t, "s3")
	if _, ok := s3.LookupAction("GetObjects"); ok {
		t.Error("s3:GetObjects found")
	}
	names := make([]string, 0)
	for _, a := range s3.Actions() {
		names = append(names, a.Name())
	}
	if got := Nearest(names, "GetObjects"); got != "GetObject" {
		t.Errorf("Nearest(GetObjects) = %q", got)
	}
	if _, ok := LookupService("nosuchservice"); ok {
		t.Error("service nosuchservice found")
	}
	if _, ok := (Service{}).LookupAction("GetObject"); ok {
		t.Error("the zero Service has actions")
	}
}

func TestActionsSorted(t *testing.T) {
	prefixes := ServicePrefixes()
	if len(prefixes) < 400 || !slices.IsSorted(prefixes) {
		t.Fatalf("%d service prefixes, sorted: %v", len(prefixes), slices.IsSorted(prefixes))
	}
	total := 0
	for _, p := range prefixes {
		acts := mustService(t, p).Actions()
		total += len(acts)
		for i := 1; i < len(acts); i++ {
			if compareFold(acts[i-1].Name(), acts[i].Name()) >= 0 {
				t.Fatalf("%s: %s before %s", p, acts[i-1].Name(), acts[i].Name())
			}
		}
		for _, a := range acts {
			if got, ok := mustService(t, p).LookupAction(a.Name()); !ok || got != a {
				t.Fatalf("%s:%s does not find itself", p, a.Name())
			}
		}
	}
	if total < 20000 {
		t.Errorf("%d actions", total)
	}
}

func TestMatchActions(t *testing.T) {
	s3 := mustService(t, "s3")
	tests := []struct {
		pattern  string
		min, max int
	}{
		{"Get*", 11, 1000},
		{"get*", 11, 1000},
		{"Nonexistent*", 0, 0},
		{"GetObject", 1, 1},
		{"GetObjec?", 1, 1},
		{"*", len(s3.Actions()), len(s3.Actions())},
		{"*Object", 2, 1000},
		{"", 0, 0},
	}
	for _, tt := range tests {
		got := s3.MatchActions(tt.pattern)
		if len(got) < tt.min || len(got) > tt.max {
			t.Errorf("MatchActions(%q): %d actions, want %d to %d", tt.pattern, len(got), tt.min, tt.max)
		}
		for _, a := range got {
			if !matchWildcard(tt.pattern, a.Name()) {
				t.Errorf("MatchActions(%q) returned %s", tt.pattern, a.Name())
			}
		}
	}
}

func TestResourceTypes(t *testing.T) {
	run := mustAction(t, "ec2", "RunInstances")
	var names []string
	for _, r := range run.ResourceTypes() {
		names = append(names, r.Name)
		if len(r.ARNs) == 0 {
			t.Errorf("ec2:RunInstances %s: no ARN template", r.Name)
		}
	}
	for _, want := range []string{"instance", "image", "subnet", "security-group", "volume", "network-interface"} {
		if !slices.Contains(names, want) {
			t.Errorf("ec2:RunInstances lacks resource type %s: %v", want, names)
		}
	}
	if r := mustAction(t, "ec2", "DescribeInstances").ResourceTypes(); len(r) != 0 {
		t.Errorf("ec2:DescribeInstances has resource types %v", r)
	}
	if r := mustAction(t, "iam", "PassRole").ResourceTypes(); len(r) != 1 || r[0].Name != "role" || !r[0].Required {
		t.Errorf("iam:PassRole resource types %v", r)
	}
	// API Gateway lists two templates for some resource types, in one string in the data.
	for _, r := range mustAction(t, "apigateway", "GET").ResourceTypes() {
		if r.Name == "stage" && len(r.ARNs) != 2 {
			t.Errorf("apigateway stage ARNs %q", r.ARNs)
		}
	}
}

func TestConditionKeys(t *testing.T) {
	tests := []struct {
		prefix, action, key string
		want                bool
	}{
		{"ec2", "CreateTags", "ec2:CreateAction", true},
		{"ec2", "CreateTags", "EC2:createaction", true},
		{"iam", "PassRole", "iam:PassedToService", true},
		{"iam", "PassRole", "iam:PassedToServices", false},
		{"ec2", "RunInstances", "aws:RequestTag/foo", true},
		{"ec2", "RunInstances", "aws:RequestTag/kubernetes.io/cluster/prod", true},
		{"ec2", "RunInstances", "aws:RequestTag/", false},
		{"ec2", "RunInstances", "ec2:InstanceType", true}, // a key of the instance resource type
		{"ec2", "DescribeInstances", "ec2:InstanceType", false},
		{"s3", "GetObject", "s3:ExistingObjectTag/env", true},
	}
	for _, tt := range tests {
		if got := mustAction(t, tt.prefix, tt.action).HasConditionKey(tt.key); got != tt.want {
			t.Errorf("%s:%s HasConditionKey(%q) = %v", tt.prefix, tt.action, tt.key, got)
		}
	}
	s3 := mustService(t, "s3")
	if !s3.HasConditionKey("s3:prefix") || !s3.HasConditionKey("aws:ResourceTag/team") || s3.HasConditionKey("ec2:Region") {
		t.Error("s3 condition keys wrong")
	}
}

func TestGlobalConditionKeys(t *testing.T) {
	tests := map[string]bool{
		"aws:RequestedRegion":   true,
		"AWS:requestedregion":   true,
		"aws:PrincipalTag/team": true,
		"aws:PrincipalTag/a/b":  true,
		"aws:PrincipalTag/":     false,
		"aws:PrincipalTag":      false,
		"aws:SourceIp":          true,
		"aws:NoSuchKey":         false,
		"aws:RequestTag/env":    true,
		"aws:ResourceTag/env":   true,
		"s3:prefix":             false,
		"":                      false,
	}
	for key, want := range tests {
		if got := IsGlobalConditionKey(key); got != want {
			t.Errorf("IsGlobalConditionKey(%q) = %v", key, got)
		}
	}
	if n := len(GlobalConditionKeys()); n < 40 {
		t.Errorf("%d global condition keys", n)
	}
}

func TestManagedPolicies(t *testing.T) {
	tests := map[string]bool{
		"AmazonS3ReadOnlyAccess":                      true,
		"service-role/AmazonEBSCSIDriverPolicy":       true,
		"AmazonS3ReadOnlyAcces":                       false,
		"amazons3readonlyaccess":                      false,
		"AmazonEBSCSIDriverPolicy":                    false,
		"arn:aws:iam::aws:policy/AdministratorAccess": false,
	}
	for name, want := range tests {
		if got := ManagedPolicyExists(name); got != want {
			t.Errorf("ManagedPolicyExists(%q) = %v", name, got)
		}
	}
	names := ManagedPolicyNames()
	if len(names) < 1000 || !slices.IsSorted(names) {
		t.Errorf("%d managed policy names, sorted: %v", len(names), slices.IsSorted(names))
	}
}

func TestNearest(t *testing.T) {
	tests := []struct {
		candidates []string
		s, want    string
	}{
		{nil, "x", ""},
		{[]string{"GetObject", "PutObject"}, "getobjects", "GetObject"},
		{[]string{"b", "a"}, "c", "a"}, // a tie: the first in sorted order
		{[]string{"abc"}, "", "abc"},
		{[]string{"ListBucket", "ListBuckets", "ListAllMyBuckets"}, "listbucket", "ListBucket"},
	}
	for _, tt := range tests {
		if got := Nearest(tt.candidates, tt.s); got != tt.want {
			t.Errorf("Nearest(%q, %q) = %q, want %q", tt.candidates, tt.s, got, tt.want)
		}
	}
}

func BenchmarkLookupAction(b *testing.B) {
	s3 := mustService(b, "s3")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s3.LookupAction("getobject"); !ok {
			b.Fatal("not found")
		}
	}
}

func BenchmarkLookupServiceAndAction(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s, _ := LookupService("ec2")
		if _, ok := s.LookupAction("RunInstances"); !ok {
			b.Fatal("not found")
		}
	}
}

func BenchmarkHasConditionKey(b *testing.B) {
	a := mustAction(b, "ec2", "RunInstances")
	b.ReportAllocs()
	for b.Loop() {
		if !a.HasConditionKey("aws:RequestTag/kubernetes.io/cluster/prod") {
			b.Fatal("not found")
		}
	}
}

// TestSuggest: a typo gets its nearest name; a name nothing like any candidate, or longer than
// any IAM name, gets none.
func TestSuggest(t *testing.T) {
	names := []string{"GetObject", "PutObject", "ListBucket"}
	for s, want := range map[string]string{
		"GetObjects": "GetObject", "getobjet": "GetObject", "ListBuckets": "ListBucket", "PutObjectBrandNew": "",
		"zz0": "", strings.Repeat("Describe", 20): "",
	} {
		if got := Suggest(names, s); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", s, got, want)
		}
	}
}
