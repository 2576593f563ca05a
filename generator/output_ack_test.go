package generator

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
)

// ackObjects renders a binding for ACK and returns its objects by kind, failing on any error.
func ackObjects(t *testing.T, b v1alpha1.IRSABinding, cfg *v1alpha1.IRSAConfig) map[string][]Object {
	t.Helper()
	res := Generate(Input{Binding: b, Config: cfg})
	if errs := errorsOf(res.Diagnostics); len(errs) > 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	out := map[string][]Object{}
	for _, o := range res.Objects {
		out[o.Kind] = append(out[o.Kind], o)
	}
	return out
}

// TestACKRolePoliciesByARN: the ACK Role attaches every policy by ARN in spec.policies (the
// declared managed ones, a well-known add-on's, and the customer managed ones it renders as
// Policy objects, with their paths and the clusters' partition), and never has policyRefs,
// which the iam-controller refuses beside spec.policies.
func TestACKRolePoliciesByARN(t *testing.T) {
	b := validBinding()
	b.Spec.Clusters = []v1alpha1.Cluster{{Name: "prod-cn", Region: "cn-north-1", OIDCIssuer: "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLED539D4633E53DE1B716D3041E"}}
	b.Spec.Policies.Inline[0].Statements[0].Resources = []string{"arn:aws-cn:s3:::b/*"}
	b.Spec.Policies.Managed = []string{"arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess"}
	b.Spec.Policies.WellKnown = []v1alpha1.WellKnownPolicy{{Name: "ebs-csi-driver"}}
	b.Spec.Policies.CustomerManaged = []v1alpha1.CustomerManagedPolicy{
		{Name: "lake-read", Path: "/data/", Statements: b.Spec.Policies.Inline[0].Statements},
		{Name: "lake-write", Statements: b.Spec.Policies.Inline[0].Statements},
	}
	objects := ackObjects(t, b, nil)
	if len(objects["Role"]) != 1 || len(objects["Policy"]) != 2 {
		t.Fatalf("want a Role and two Policies, got %v", objects)
	}
	want := []string{
		"arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess",
		"arn:aws-cn:iam::aws:policy/AmazonEBSCSIDriverPolicyV2",
		"arn:aws-cn:iam::123456789012:policy/data/lake-read",
		"arn:aws-cn:iam::123456789012:policy/lake-write",
	}
	if got := objects["Role"][0].Spec.(ACKRoleSpec).Policies; !slices.Equal(got, want) {
		t.Errorf("spec.policies\n%v, want\n%v", got, want)
	}
	for i, p := range objects["Policy"] {
		spec := p.Spec.(ACKPolicySpec)
		if arn := "arn:aws-cn:iam::123456789012:policy" + spec.Path + spec.Name; arn != want[2+i] {
			t.Errorf("Policy %s creates %s, the Role attaches %s", p.Metadata.Name, arn, want[2+i])
		}
	}
	out, err := yaml.Marshal(objects["Role"][0])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "policyRefs") {
		t.Errorf("the Role has policyRefs:\n%s", out)
	}
}

// TestACKPodIdentityAssociationRegion: each ACK PodIdentityAssociation is in its cluster's region
// (from the cluster's region or its EKS issuer), whatever the IRSAConfig's ack.region says; the
// ack.region is the region of a cluster that has none, and of the IAM objects.
func TestACKPodIdentityAssociationRegion(t *testing.T) {
	b := validBinding()
	b.Spec.Mode = v1alpha1.ModePodIdentity
	b.Spec.Clusters = []v1alpha1.Cluster{
		{Name: "prod-eu", OIDCIssuer: issuer},
		{Name: "prod-us", Region: "us-east-1"},
		{Name: "lab"},
	}
	cfg := &v1alpha1.IRSAConfig{Spec: v1alpha1.ConfigSpec{ACK: v1alpha1.ACKSettings{Region: "eu-central-1"}}}
	objects := ackObjects(t, b, cfg)
	got := map[string]string{}
	for _, o := range objects["PodIdentityAssociation"] {
		got[o.Spec.(ACKPodIdentityAssociationSpec).ClusterName] = o.Metadata.Annotations[AnnotationACKRegion]
	}
	want := map[string]string{"prod-eu": "eu-west-1", "prod-us": "us-east-1", "lab": "eu-central-1"}
	if !maps.Equal(got, want) {
		t.Errorf("association regions by cluster %v, want %v", got, want)
	}
	if r := objects["Role"][0].Metadata.Annotations[AnnotationACKRegion]; r != "eu-central-1" {
		t.Errorf("the Role's region %q, want ack.region eu-central-1", r)
	}
}

// TestACKOIDCProvidersRetained: the OpenIDConnectProviders of ack.oidcProviders are retained
// when their objects are deleted, unless ack.deletionPolicy says delete (a cluster's provider
// serves every IRSA role of the cluster), and a warning says that ACK owns their client IDs.
func TestACKOIDCProvidersRetained(t *testing.T) {
	for _, tt := range []struct{ deletionPolicy, want, warning string }{
		{"", "retain", "deleting the object keeps the provider"},
		{"retain", "retain", "deleting the object keeps the provider"},
		{"delete", "delete", "deleting the object deletes the provider, and every IRSA role of the cluster stops working"},
	} {
		cfg := &v1alpha1.IRSAConfig{Metadata: v1alpha1.ObjectMeta{Name: "prod-eu"}, Spec: v1alpha1.ConfigSpec{
			ACK: v1alpha1.ACKSettings{OIDCProviders: true, DeletionPolicy: tt.deletionPolicy}}}
		b := binding("shop", "web", func(b *v1alpha1.IRSABinding) {
			b.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Name: "web"}, {Name: "vault", Audience: "vault.example.com"}}
		})
		p := Render(thisRun, cfg, []v1alpha1.IRSABinding{b}, Existing{Items: []Item{deployment(0, "shop", "web", "", nil)}})
		if errs := findingsOf(p, diag.Error); len(errs) > 0 {
			t.Fatal(errs)
		}
		var providers []Object
		for _, n := range p.Add {
			if n.Object.Kind == "OpenIDConnectProvider" {
				providers = append(providers, n.Object)
			}
		}
		if len(providers) != 1 {
			t.Fatalf("deletionPolicy %q: %d providers, want 1", tt.deletionPolicy, len(providers))
		}
		if got := providers[0].Metadata.Annotations[AnnotationACKDeletionPolicy]; got != tt.want {
			t.Errorf("deletionPolicy %q: the provider's deletion policy %q, want %q", tt.deletionPolicy, got, tt.want)
		}
		want := "spec.ack.oidcProviders: ACK owns OIDC provider https://" + hostPath + " and its client IDs: it removes every client ID but sts.amazonaws.com, vault.example.com"
		if w := findingsOf(p, diag.Warning); len(w) != 1 || !strings.HasPrefix(w[0], want) || !strings.Contains(w[0], tt.warning) {
			t.Errorf("deletionPolicy %q: warnings %q, want one starting %q and saying %q", tt.deletionPolicy, w, want, tt.warning)
		}
	}
}
