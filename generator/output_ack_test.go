package generator

import (
	"maps"
	"reflect"
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
			Clusters: []v1alpha1.ConfigCluster{{Cluster: v1alpha1.Cluster{OIDCIssuer: issuer}, OIDCThumbprints: []string{thumbprint}}},
			ACK:      v1alpha1.ACKSettings{OIDCProviders: true, DeletionPolicy: tt.deletionPolicy}}}
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

// thumbprint is a SHA-1 thumbprint in the form oidcThumbprints takes.
const thumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

// TestACKOIDCProviderThumbprints: with ack.oidcProviders each provider's spec.thumbprints are
// its cluster's oidcThumbprints, found by issuer also for a binding that names the cluster
// itself; a cluster without them, or a binding's issuer that is not one of the IRSAConfig's
// clusters, is an error, as the controller would try to empty IAM's thumbprint list and never
// sync.
func TestACKOIDCProviderThumbprints(t *testing.T) {
	config := func(oidcProviders bool, thumbprints ...string) *v1alpha1.IRSAConfig {
		return &v1alpha1.IRSAConfig{Metadata: v1alpha1.ObjectMeta{Name: "prod-eu"}, Spec: v1alpha1.ConfigSpec{
			Clusters: []v1alpha1.ConfigCluster{{Cluster: v1alpha1.Cluster{Name: "prod", OIDCIssuer: "HTTPS://" + hostPath}, OIDCThumbprints: thumbprints}},
			ACK:      v1alpha1.ACKSettings{OIDCProviders: oidcProviders}}}
	}
	other := "https://oidc.eks.eu-west-1.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9"
	for _, tt := range []struct {
		name          string
		cfg           *v1alpha1.IRSAConfig
		bindingIssuer string // the binding's own cluster; none: the IRSAConfig's
		wantField     string // the one error's field; none: the provider renders with the thumbprints
		wantMessage   string
	}{
		{name: "config cluster", cfg: config(true, thumbprint, strings.Repeat("0", 40))},
		{name: "binding names the config's cluster", cfg: config(true, thumbprint), bindingIssuer: issuer},
		{name: "missing", cfg: config(true), wantField: "spec.clusters[0].oidcThumbprints", wantMessage: "calls UpdateOpenIDConnectProviderThumbprint with an empty list"},
		{name: "upper case", cfg: config(true, strings.ToUpper(thumbprint)), wantField: "spec.clusters[0].oidcThumbprints[0]", wantMessage: "is not a thumbprint"},
		{name: "colons", cfg: config(true, "9e:99:a4:8a:99:60:b1:49:26:bb:7f:3b:02:e2:2d:a2:b0:ab:72:80"), wantField: "spec.clusters[0].oidcThumbprints[0]", wantMessage: "is not a thumbprint"},
		{name: "twice", cfg: config(true, thumbprint, thumbprint), wantField: "spec.clusters[0].oidcThumbprints[1]", wantMessage: "listed twice"},
		{name: "six", cfg: config(true, "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222", "3333333333333333333333333333333333333333",
			"4444444444444444444444444444444444444444", "5555555555555555555555555555555555555555", "6666666666666666666666666666666666666666"),
			wantField: "spec.clusters[0].oidcThumbprints", wantMessage: "at most 5"},
		{name: "binding's issuer not a config cluster", cfg: config(true, thumbprint), bindingIssuer: other, wantField: "spec.clusters", wantMessage: "OIDC provider " + other + ", whose issuer is not one of the clusters"},
		{name: "checked without oidcProviders", cfg: config(false, "x"), wantField: "spec.clusters[0].oidcThumbprints[0]", wantMessage: "is not a thumbprint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := binding("shop", "web", func(b *v1alpha1.IRSABinding) {
				b.Spec.Clusters = nil
				if tt.bindingIssuer != "" {
					b.Spec.Clusters = []v1alpha1.Cluster{{Name: "prod", OIDCIssuer: tt.bindingIssuer}}
				}
			})
			var errs []string
			for _, d := range errorsOf(ValidateConfig(tt.cfg)) {
				errs = append(errs, d.String())
			}
			p := Render(thisRun, tt.cfg, []v1alpha1.IRSABinding{b}, Existing{Items: []Item{deployment(0, "shop", "web", "", nil)}})
			errs = append(errs, findingsOf(p, diag.Error)...)
			if tt.wantField != "" {
				if len(errs) != 1 || !strings.HasPrefix(errs[0], tt.wantField+": ") || !strings.Contains(errs[0], tt.wantMessage) {
					t.Fatalf("errors %q, want one on %s saying %q", errs, tt.wantField, tt.wantMessage)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			var got [][]string
			for _, n := range p.Add {
				if n.Object.Kind == "OpenIDConnectProvider" {
					got = append(got, n.Object.Spec.(ACKOIDCProviderSpec).Thumbprints)
				}
			}
			if want := [][]string{tt.cfg.Spec.Clusters[0].OIDCThumbprints}; !reflect.DeepEqual(got, want) {
				t.Errorf("thumbprints of the providers %q, want %q", got, want)
			}
		})
	}
}
