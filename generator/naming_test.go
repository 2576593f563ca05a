package generator

import (
	"strings"
	"testing"
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
		{"https://issuer.example.com/cluster-1", "issuer.example.com/cluster-1", "aws", ""},
		{"http://oidc.eks.eu-west-1.amazonaws.com/id/ABC", "", "", "not an https:// URL"},
		{"oidc.eks.eu-west-1.amazonaws.com/id/ABC", "", "", "not an https:// URL"},
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
			if is.HostPath != tt.wantHostPath || IssuerPartition(is) != tt.wantPartition {
				t.Errorf("got %q %q, want %q %q", is.HostPath, IssuerPartition(is), tt.wantHostPath, tt.wantPartition)
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
	} {
		if got := KubernetesName(in); got != want {
			t.Errorf("KubernetesName(%q) = %q, want %q", in, got, want)
		}
	}
}
