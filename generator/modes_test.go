package generator

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
)

func TestModes(t *testing.T) {
	tests := []struct {
		mode                      v1alpha1.Mode
		wantWebIdentity, wantPods bool
	}{
		{v1alpha1.ModeIRSA, true, false},
		{v1alpha1.ModeBoth, true, true},
		{v1alpha1.ModePodIdentity, false, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			b := validBinding()
			b.Spec.Mode = tt.mode
			res := Generate(Input{Binding: b})
			if errs := errorsOf(res.Diagnostics); len(errs) > 0 {
				t.Fatal(errs)
			}
			trust := res.Role.Trust.JSON()
			if got := strings.Contains(trust, "sts:AssumeRoleWithWebIdentity"); got != tt.wantWebIdentity {
				t.Errorf("web identity statement: %v, want %v\n%s", got, tt.wantWebIdentity, trust)
			}
			if got := strings.Contains(trust, `"Service": "pods.eks.amazonaws.com"`) && strings.Contains(trust, "sts:TagSession"); got != tt.wantPods {
				t.Errorf("pod identity statement: %v, want %v\n%s", got, tt.wantPods, trust)
			}
			_, annotated := res.ServiceAccounts[0].Annotations[AnnotationRoleARN]
			if annotated != tt.wantWebIdentity {
				t.Errorf("role-arn annotation: %v, want %v", annotated, tt.wantWebIdentity)
			}
			var associations []Object
			for _, o := range res.Objects {
				if o.Kind == "PodIdentityAssociation" {
					associations = append(associations, o)
				}
			}
			if (len(associations) == 1) != tt.wantPods {
				t.Fatalf("%d associations", len(associations))
			}
			if tt.wantPods {
				spec := associations[0].Spec.(ACKPodIdentityAssociationSpec)
				if spec.ClusterName != "prod-eu" || spec.Namespace != "production" || spec.ServiceAccount != "s3-writer" || spec.RoleARN != res.RoleARN {
					t.Errorf("association %+v", spec)
				}
				if associations[0].Metadata.Annotations[AnnotationACKRegion] != "eu-west-1" {
					t.Errorf("association region annotation: %v", associations[0].Metadata.Annotations)
				}
			}
		})
	}
}

func TestPodIdentityClusterRequirements(t *testing.T) {
	b := validBinding()
	b.Spec.Mode = v1alpha1.ModePodIdentity
	b.Spec.Clusters = []v1alpha1.Cluster{{OIDCIssuer: issuer}}
	if errs := errorsOf(Generate(Input{Binding: b}).Diagnostics); len(errs) != 1 || errs[0].Field != "spec.clusters[0].name" {
		t.Errorf("a cluster without a name in podIdentity mode: %v", errs)
	}
	b.Spec.Clusters = []v1alpha1.Cluster{{Name: "prod"}}
	b.Spec.Output = []v1alpha1.Output{v1alpha1.OutputCrossplane}
	if errs := errorsOf(Generate(Input{Binding: b}).Diagnostics); len(errs) != 1 || errs[0].Field != "spec.clusters[0].region" {
		t.Errorf("crossplane associations without a region: %v", errs)
	}
	b.Spec.Clusters = []v1alpha1.Cluster{{Name: "prod", Region: "cn-north-1"}}
	if errs := errorsOf(Generate(Input{Binding: b}).Diagnostics); len(errs) != 1 || errs[0].Field != "spec.policies.inline[0].statements[0].resources[0]" {
		t.Errorf("an aws resource in an aws-cn role: %v", errs)
	}
	b.Spec.Policies.Inline[0].Statements[0].Resources = []string{"arn:aws-cn:s3:::b/*"}
	res := Generate(Input{Binding: b})
	if errs := errorsOf(res.Diagnostics); len(errs) > 0 {
		t.Fatal(errs)
	}
	if !strings.HasPrefix(res.RoleARN, "arn:aws-cn:") {
		t.Errorf("partition from the region: %s", res.RoleARN)
	}
	b.Spec.Mode = v1alpha1.ModeIRSA
	if errs := errorsOf(Generate(Input{Binding: b}).Diagnostics); len(errs) != 1 || errs[0].Field != "spec.clusters[0].oidcIssuer" {
		t.Errorf("irsa without an issuer: %v", errs)
	}
}

func TestCrossplane(t *testing.T) {
	b := validBinding()
	b.Spec.Role.Name = "S3WriterRole"
	b.Spec.Role.Tags = map[string]string{"team": "payments"}
	b.Spec.Policies.Managed = []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}
	b.Spec.Mode = v1alpha1.ModeBoth
	b.Spec.Output = []v1alpha1.Output{v1alpha1.OutputCrossplane}
	for _, tt := range []struct {
		settings             v1alpha1.CrossplaneSettings
		group, ns, kind      string
		deletion, management bool
	}{
		{v1alpha1.CrossplaneSettings{}, "iam.aws.upbound.io/v1beta1", "", "", false, false},
		{v1alpha1.CrossplaneSettings{DeletionPolicy: "Orphan", ProviderConfigRef: v1alpha1.ProviderConfigRef{Name: "aws-prod"}}, "iam.aws.upbound.io/v1beta1", "", "", true, false},
		{v1alpha1.CrossplaneSettings{Scope: "Namespaced", DeletionPolicy: "Orphan"}, "iam.aws.m.upbound.io/v1beta1", "production", "ClusterProviderConfig", false, true},
	} {
		cfg := &v1alpha1.IRSAConfig{Spec: v1alpha1.ConfigSpec{Crossplane: tt.settings}}
		res := Generate(Input{Binding: b, Config: cfg})
		if errs := errorsOf(res.Diagnostics); len(errs) > 0 {
			t.Fatal(errs)
		}
		kinds := map[string]Object{}
		for _, o := range res.Objects {
			kinds[o.Kind] = o
			if o.Metadata.Namespace != tt.ns {
				t.Errorf("%s namespace %q, want %q", o.Kind, o.Metadata.Namespace, tt.ns)
			}
			spec := o.Spec.(XPSpec)
			if (spec.DeletionPolicy != "") != tt.deletion || (len(spec.ManagementPolicies) > 0) != tt.management || spec.ProviderConfigRef.Kind != tt.kind {
				t.Errorf("%s spec %+v for settings %+v", o.Kind, spec, tt.settings)
			}
			if want := tt.settings.ProviderConfigRef.Name; want != "" && spec.ProviderConfigRef.Name != want {
				t.Errorf("providerConfigRef %q", spec.ProviderConfigRef.Name)
			}
			if len(o.Metadata.Name) > 63 || KubernetesName(o.Metadata.Name) != o.Metadata.Name {
				t.Errorf("object name %q", o.Metadata.Name)
			}
		}
		if len(res.Objects) != 4 || kinds["Role"].APIVersion != tt.group {
			t.Fatalf("objects %+v", res.Objects)
		}
		role := kinds["Role"]
		if role.Metadata.Annotations[AnnotationExternalName] != "S3WriterRole" || role.Spec.(XPSpec).ForProvider.(XPRoleParameters).Tags["team"] != "payments" {
			t.Errorf("role %+v", role)
		}
		policy := kinds["RolePolicy"]
		if policy.Metadata.Annotations[AnnotationExternalName] != "s3-write" || policy.Spec.(XPSpec).ForProvider.(XPRolePolicyParameters).RoleRef.Name != role.Metadata.Name {
			t.Errorf("role policy %+v", policy)
		}
		if !strings.HasPrefix(kinds["RolePolicyAttachment"].Metadata.Name, "s3writerrole-amazons3readonlyaccess-") {
			t.Errorf("attachment name %q", kinds["RolePolicyAttachment"].Metadata.Name)
		}
		if pia := kinds["PodIdentityAssociation"].Spec.(XPSpec).ForProvider.(XPPodIdentityAssociationParameters); pia.Region != "eu-west-1" || pia.RoleArn != res.RoleARN {
			t.Errorf("association %+v", pia)
		}
	}
	if errs := errorsOf(ValidateConfig(&v1alpha1.IRSAConfig{Metadata: v1alpha1.ObjectMeta{Name: "prod"}, Spec: v1alpha1.ConfigSpec{Crossplane: v1alpha1.CrossplaneSettings{Scope: "Cluster", Namespace: "x", ProviderConfigRef: v1alpha1.ProviderConfigRef{Kind: "ProviderConfig"}}}})); len(errs) != 2 {
		t.Errorf("namespace and kind with cluster scope: %v", errs)
	}
}

// TestPodIdentityTrust checks the Pod Identity statements: one per namespace, each naming only
// that namespace's service accounts, every cluster, and both actions EKS needs; and that no
// association disables the session tags these conditions read.
func TestPodIdentityTrust(t *testing.T) {
	b := validBinding()
	b.Spec.Mode = v1alpha1.ModePodIdentity
	b.Spec.Clusters = []v1alpha1.Cluster{{Name: "prod-eu", Region: "eu-west-1"}, {Name: "prod-us", Region: "us-east-1"}}
	b.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Name: "web"}, {Name: "batch", Namespace: "jobs"}, {Name: "worker"}}
	b.Spec.Workloads = nil
	b.Spec.Output = []v1alpha1.Output{v1alpha1.OutputACK, v1alpha1.OutputCrossplane}
	res := Generate(Input{Binding: b})
	if errs := errorsOf(res.Diagnostics); len(errs) > 0 {
		t.Fatal(errs)
	}
	want := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Service": "pods.eks.amazonaws.com"
      },
      "Action": [
        "sts:AssumeRole",
        "sts:TagSession"
      ],
      "Condition": {
        "StringEquals": {
          "aws:RequestTag/eks-cluster-name": [
            "prod-eu",
            "prod-us"
          ],
          "aws:RequestTag/kubernetes-namespace": "production",
          "aws:RequestTag/kubernetes-service-account": [
            "web",
            "worker"
          ]
        }
      }
    },
    {
      "Effect": "Allow",
      "Principal": {
        "Service": "pods.eks.amazonaws.com"
      },
      "Action": [
        "sts:AssumeRole",
        "sts:TagSession"
      ],
      "Condition": {
        "StringEquals": {
          "aws:RequestTag/eks-cluster-name": [
            "prod-eu",
            "prod-us"
          ],
          "aws:RequestTag/kubernetes-namespace": "jobs",
          "aws:RequestTag/kubernetes-service-account": "batch"
        }
      }
    }
  ]
}`
	if got := res.Role.Trust.JSON(); got != want {
		t.Errorf("trust policy:\n%s\nwant:\n%s", got, want)
	}
	associations := 0
	for _, o := range res.Objects {
		if o.Kind != "PodIdentityAssociation" {
			continue
		}
		associations++
		data, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToLower(string(data)), "disablesessiontags") {
			t.Errorf("association %s disables the session tags the trust policy requires:\n%s", o.Metadata.Name, data)
		}
	}
	if associations != 2*2*3 {
		t.Errorf("%d associations, want one per output, cluster and service account (12)", associations)
	}
}
