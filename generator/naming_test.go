package generator

import (
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
)

func TestDefaultRoleName(t *testing.T) {
	long := strings.Repeat("a", 40)
	tests := []struct {
		name, cluster, ns, sa, want string
	}{
		{"with cluster", "prod-eu", "production", "s3-writer", "prod-eu-production-s3-writer"},
		{"without cluster", "", "production", "s3-writer", "production-s3-writer"},
		{"dots kept", "", "ns", "my.sa", "ns-my.sa"},
		{"cut with hash", "cluster", long, long, "cluster-" + long + "-" + long[:7] + "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DefaultRoleName(tt.cluster, tt.ns, tt.sa)
			if tt.name == "cut with hash" {
				if len(got) != MaxRoleNameLength {
					t.Fatalf("len %d, want %d: %s", len(got), MaxRoleNameLength, got)
				}
				if !strings.HasPrefix(got, tt.want[:55]) || !roleNamePattern.MatchString(got) {
					t.Errorf("got %q", got)
				}
				if again := DefaultRoleName(tt.cluster, tt.ns, tt.sa); again != got {
					t.Errorf("not stable: %q then %q", got, again)
				}
				if other := DefaultRoleName(tt.cluster, tt.ns, long+"b"); other == got {
					t.Errorf("two long names cut to the same role name %q", got)
				}
				return
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPartitionAndIssuer(t *testing.T) {
	tests := []struct {
		issuer, wantHostPath, wantPartition string
		wantErr                             string
	}{
		{"https://oidc.eks.eu-west-1.amazonaws.com/id/ABC", "oidc.eks.eu-west-1.amazonaws.com/id/ABC", "aws", ""},
		{"https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC", "oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC", "aws-cn", ""},
		{"https://oidc.eks.cn-northwest-1.amazonaws.com.cn/id/ABC", "oidc.eks.cn-northwest-1.amazonaws.com.cn/id/ABC", "aws-cn", ""},
		{"https://oidc.eks.us-gov-west-1.amazonaws.com/id/ABC", "oidc.eks.us-gov-west-1.amazonaws.com/id/ABC", "aws-us-gov", ""},
		{"https://issuer.example.com/cluster-1", "issuer.example.com/cluster-1", "", ""},
		{"https://my-bucket.s3.us-gov-west-1.amazonaws.com", "my-bucket.s3.us-gov-west-1.amazonaws.com", "aws-us-gov", ""},
		{"https://my-bucket.s3.eu-west-1.amazonaws.com/prod", "my-bucket.s3.eu-west-1.amazonaws.com/prod", "aws", ""},
		{"https://my-bucket.s3-us-gov-east-1.amazonaws.com", "my-bucket.s3-us-gov-east-1.amazonaws.com", "aws-us-gov", ""},
		{"https://my-bucket.s3.cn-north-1.amazonaws.com.cn", "my-bucket.s3.cn-north-1.amazonaws.com.cn", "aws-cn", ""},
		{"https://my-bucket.s3.amazonaws.com", "my-bucket.s3.amazonaws.com", "", ""},
		{"https://acme-oidc-dr-cn-north-1.s3.eu-west-1.amazonaws.com", "acme-oidc-dr-cn-north-1.s3.eu-west-1.amazonaws.com", "aws", ""},
		{"https://my-bucket.s3.dualstack.us-gov-east-1.amazonaws.com/c1", "my-bucket.s3.dualstack.us-gov-east-1.amazonaws.com/c1", "aws-us-gov", ""},
		{"https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E\u200b", "", "", "contains the character U+200B"},
		{"https://oidc.eks.eu-west-1.amazonaws.com/id/AB\u00a0C", "", "", "contains the character U+00A0"},
		{"https://oidc.eks.eu-west-1.amazonaws.com/id/AB*C", "", "", `has the path "/id/AB*C"; an EKS issuer's is /id/ and the cluster's OIDC ID`},
		{"https://oidc.eks.eu-west-1.amazonaws.com/id//ABC", "", "", `has the path "/id//ABC"`},
		{"https://oidc.eks.eu-west-1.amazonaws.com/x/ABC", "", "", `has the path "/x/ABC"`},
		{"https://issuer.example.com/a:b", "", "", `has the path "/a:b": only letters, digits and . _ ~ - in segments between single slashes`},
		{"https://issuer.example.com/a/${aws:username}", "", "", `only letters, digits`},
		{"https://issuer.example.com/%41BC", "", "", `has the path "/%41BC"`},
		{"https://issuer.example.com/id/../ABC", "", "", `with a ".." segment`},
		{"http://oidc.eks.eu-west-1.amazonaws.com/id/ABC", "", "", "not an https:// URL"},
		// The scheme is matched in any case and never copied: IAM's keys and ARNs leave it out.
		{"HTTPS://oidc.eks.eu-west-1.amazonaws.com/id/ABC", "oidc.eks.eu-west-1.amazonaws.com/id/ABC", "aws", ""},
		{"Https://issuer.example.com/cluster-1", "issuer.example.com/cluster-1", "", ""},
		{"HTTPS://OIDC.eks.eu-west-1.amazonaws.com/id/ABC", "", "", `issuer host "OIDC.eks.eu-west-1.amazonaws.com" is not a lowercase DNS name`},
		{"HTTP://oidc.eks.eu-west-1.amazonaws.com/id/ABC", "", "", "not an https:// URL"},
		{"https:/", "", "", "not an https:// URL"},
		{"oidc.eks.eu-west-1.amazonaws.com/id/ABC", "", "", "not an https:// URL"},
		{"https://OIDC.eks.eu-west-1.amazonaws.com/id/ABC", "", "", `issuer host "OIDC.eks.eu-west-1.amazonaws.com" is not a lowercase DNS name`},
		{"https://oidc.eks.eu-west-1.amazonaws.com:443/id/ABC", "", "", "has a port"},
		{"https://oidc.eks.eu-west-1.amazonaws.com /id/ABC", "", "", "contains white space"},
		{"https://oidc.eks.eu-west-1.amazonaws.com/id/A BC", "", "", "contains white space"},
		{"https://*.example.com/x", "", "", `issuer host "*.example.com" is not a lowercase DNS name`},
		{"https://oidc.eks.eu-west-1.amazonaws.com.cn/id/ABC", "", "", "names region eu-west-1, which EKS serves under amazonaws.com"},
		{"https://oidc.eks.cn-north-1.amazonaws.com/id/ABC", "", "", "names region cn-north-1, which EKS serves under amazonaws.com.cn"},
		{"https://oidc.eks.eu-west-1.amazonaws.com/id/ABC/", "", "", "ends with /"},
		{"https://oidc.eks.eu-west-1.amazonaws.com/id/ABC?x=1", "", "", "query"},
		{"https:///id/ABC", "", "", "no host"},
	}
	for _, tt := range tests {
		t.Run(tt.issuer, func(t *testing.T) {
			is, err := ParseIssuer(tt.issuer)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if is.HostPath != tt.wantHostPath || is.Partition != tt.wantPartition {
				t.Errorf("got %q %q, want %q %q", is.HostPath, is.Partition, tt.wantHostPath, tt.wantPartition)
			}
		})
	}
}

func TestRoleARNRoundTrip(t *testing.T) {
	for _, tt := range []struct{ partition, account, path, name string }{
		{"aws", "123456789012", "/", "S3WriterRole"},
		{"aws-cn", "210987654321", "/irsa/team/", "x"},
	} {
		arn := RoleARN(tt.partition, tt.account, tt.path, tt.name)
		p, a, path, n, err := ParseRoleARN(arn)
		if err != nil || p != tt.partition || a != tt.account || path != tt.path || n != tt.name {
			t.Errorf("%s parsed to %q %q %q %q %v", arn, p, a, path, n, err)
		}
	}
	if _, _, _, _, err := ParseRoleARN("arn:aws:iam::123456789012:policy/x"); err == nil {
		t.Error("a policy ARN parsed as a role ARN")
	}
}

func TestKubernetesName(t *testing.T) {
	for in, want := range map[string]string{
		"S3WriterRole": "s3writerrole", "a_b+c=d,e@f": "a-b-c-d-e-f", "-x.": "x", "prod-eu-ns-sa": "prod-eu-ns-sa",
		"Big+=,.@_-Role": "big.role", "a..b": "a.b", "a.-b": "a.b", "v1.2_": "v1.2", "+=,.@_-": "",
	} {
		if got := KubernetesName(in); got != want {
			t.Errorf("KubernetesName(%q) = %q, want %q", in, got, want)
		}
	}
	// Every role name of two to four of IAM's characters gives a DNS-1123 subdomain, or nothing.
	chars := "aZ9+=,.@_-"
	var names []string
	for _, a := range chars {
		for _, b := range chars {
			names = append(names, string(a)+string(b))
			for _, c := range chars {
				for _, d := range chars {
					names = append(names, string(a)+string(b)+string(c)+string(d))
				}
			}
		}
	}
	for _, in := range names {
		if got := KubernetesName(in); got != "" && !dns1123Subdomain.MatchString(got) {
			t.Errorf("KubernetesName(%q) = %q, not a DNS-1123 subdomain", in, got)
		}
	}
}

// TestClusterPartition checks that the role's partition comes from the issuer's host when it
// names one, else from the cluster's region, and that a contradiction is an error on the field.
func TestClusterPartition(t *testing.T) {
	tests := []struct {
		name, issuer, region string
		wantARN, wantErr     string
	}{
		{"EKS issuer", "https://oidc.eks.us-gov-west-1.amazonaws.com/id/ABC", "", "arn:aws-us-gov:iam::123456789012:role/r", ""},
		{"EKS issuer, same region", "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC", "cn-north-1", "arn:aws-cn:iam::123456789012:role/r", ""},
		{"S3 issuer names GovCloud", "https://my-bucket.s3.us-gov-west-1.amazonaws.com", "us-gov-west-1", "arn:aws-us-gov:iam::123456789012:role/r", ""},
		{"S3 issuer names GovCloud, no region", "https://my-bucket.s3.us-gov-west-1.amazonaws.com", "", "arn:aws-us-gov:iam::123456789012:role/r", ""},
		{"own issuer, region decides", "https://issuer.example.com/cluster-1", "cn-northwest-1", "arn:aws-cn:iam::123456789012:role/r", ""},
		{"own issuer, no region", "https://issuer.example.com/cluster-1", "", "arn:aws:iam::123456789012:role/r", ""},
		{"S3 issuer contradicts region", "https://my-bucket.s3.us-gov-west-1.amazonaws.com", "eu-west-1",
			"", "spec.clusters[0].region: region eu-west-1 is in partition aws, but the issuer \"https://my-bucket.s3.us-gov-west-1.amazonaws.com\" is in aws-us-gov (allowed: a region of partition aws-us-gov, which the issuer's host names)"},
		{"EKS issuer contradicts region", "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC", "eu-central-1",
			"", "spec.clusters[0].region: region eu-central-1 contradicts the EKS issuer \"https://oidc.eks.eu-west-1.amazonaws.com/id/ABC\", which is in eu-west-1 (allowed: the issuer's region, eu-west-1, or no region)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := validBinding()
			b.Spec.Clusters = []v1alpha1.Cluster{{Name: "prod", OIDCIssuer: tt.issuer, Region: tt.region}}
			b.Spec.Role.Name = "r"
			b.Spec.Policies = v1alpha1.Policies{}
			res := Generate(Input{Binding: b})
			errs := errorsOf(res.Diagnostics)
			if tt.wantErr != "" {
				if len(errs) != 1 || errs[0].String() != tt.wantErr {
					t.Fatalf("errors %v, want exactly %q", errs, tt.wantErr)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("unexpected errors: %v", errs)
			}
			if res.RoleARN != tt.wantARN {
				t.Errorf("role ARN %q, want %q", res.RoleARN, tt.wantARN)
			}
			if !strings.Contains(res.Role.Trust.JSON(), strings.SplitN(tt.wantARN, ":", 3)[1]+":iam::123456789012:oidc-provider/") {
				t.Errorf("the trust policy's provider is not in the role's partition:\n%s", res.Role.Trust.JSON())
			}
		})
	}
}

// TestUppercaseIssuerScheme: an issuer written HTTPS:// is the issuer https://; the scheme is in
// no ARN or condition key.
func TestUppercaseIssuerScheme(t *testing.T) {
	b := validBinding()
	b.Spec.Clusters[0].OIDCIssuer = "HTTPS://" + hostPath
	res := Generate(Input{Binding: b})
	if errs := errorsOf(res.Diagnostics); len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := Generate(Input{Binding: validBinding()})
	if got := res.Role.Trust.JSON(); got != want.Role.Trust.JSON() || strings.Contains(strings.ToLower(got), "https") {
		t.Errorf("trust policy %s, want %s", got, want.Role.Trust.JSON())
	}
	if p := res.OIDCProviders; len(p) != 1 || p[0].URL != issuer || p[0].ARN != "arn:aws:iam::123456789012:oidc-provider/"+hostPath {
		t.Errorf("providers %+v", p)
	}
}

// TestExistingRolePartition: a bring-your-own role of another partition than its clusters'.
func TestExistingRolePartition(t *testing.T) {
	b := validBinding()
	b.Spec.Role.ARN = "arn:aws-cn:iam::123456789012:role/irsa/x"
	errs := errorsOf(Generate(Input{Binding: b}).Diagnostics)
	want := `spec.role.arn: role "arn:aws-cn:iam::123456789012:role/irsa/x" is in partition aws-cn, but clusters[0] is in aws: its pods could never assume it (allowed: a role in partition aws, that of the cluster's issuer or region)`
	if len(errs) != 1 || errs[0].String() != want {
		t.Errorf("got %v, want %q", errs, want)
	}
	b.Spec.Role.ARN = "arn:aws:iam::123456789012:role/irsa/x"
	if errs := errorsOf(Generate(Input{Binding: b}).Diagnostics); len(errs) > 0 {
		t.Errorf("a role of the clusters' partition: %v", errs)
	}
}
