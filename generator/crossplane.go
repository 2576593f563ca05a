package generator

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
)

// Crossplane scopes: the cluster-scoped *.aws.upbound.io groups, or the namespaced
// *.aws.m.upbound.io groups of provider-aws v2.
const (
	CrossplaneCluster    = "Cluster"
	CrossplaneNamespaced = "Namespaced"

	// AnnotationExternalName is the name of a Crossplane managed resource in AWS.
	AnnotationExternalName = "crossplane.io/external-name"
)

// XPRoleParameters are the forProvider fields of an Upbound IAM Role.
type XPRoleParameters struct {
	AssumeRolePolicy    string            `yaml:"assumeRolePolicy"`
	Path                string            `yaml:"path,omitempty"`
	Description         string            `yaml:"description,omitempty"`
	MaxSessionDuration  int64             `yaml:"maxSessionDuration,omitempty"`
	PermissionsBoundary string            `yaml:"permissionsBoundary,omitempty"`
	Tags                map[string]string `yaml:"tags,omitempty"`
}

// XPRolePolicyParameters are the forProvider fields of an Upbound IAM RolePolicy.
type XPRolePolicyParameters struct {
	Policy  string `yaml:"policy"`
	RoleRef XPRef  `yaml:"roleRef"`
}

// XPRolePolicyAttachmentParameters are the forProvider fields of an Upbound RolePolicyAttachment.
type XPRolePolicyAttachmentParameters struct {
	PolicyArn string `yaml:"policyArn"`
	RoleRef   XPRef  `yaml:"roleRef"`
}

// XPPodIdentityAssociationParameters are the forProvider fields of an Upbound EKS
// PodIdentityAssociation.
type XPPodIdentityAssociationParameters struct {
	Region         string            `yaml:"region,omitempty"`
	ClusterName    string            `yaml:"clusterName"`
	Namespace      string            `yaml:"namespace"`
	ServiceAccount string            `yaml:"serviceAccount"`
	RoleArn        string            `yaml:"roleArn"`
	Tags           map[string]string `yaml:"tags,omitempty"`
}

// XPRef references another managed resource by its object name.
type XPRef struct {
	Name string `yaml:"name"`
}

// XPProviderConfigRef is a managed resource's providerConfigRef.
type XPProviderConfigRef struct {
	Name string `yaml:"name"`
	Kind string `yaml:"kind,omitempty"`
}

// XPSpec is the spec of a Crossplane managed resource.
type XPSpec struct {
	ForProvider        any                 `yaml:"forProvider"`
	ProviderConfigRef  XPProviderConfigRef `yaml:"providerConfigRef"`
	DeletionPolicy     string              `yaml:"deletionPolicy,omitempty"`
	ManagementPolicies []string            `yaml:"managementPolicies,omitempty"`
}

// crossplane renders the role as Upbound provider-aws managed resources: a Role, a RolePolicy
// per inline policy, a RolePolicyAttachment per managed policy, and in Pod Identity modes a
// PodIdentityAssociation per cluster and service account.
func (r *resolver) crossplane() []Object {
	var settings v1alpha1.CrossplaneSettings
	if r.in.Config != nil {
		settings = r.in.Config.Spec.Crossplane
	}
	namespaced := settings.Scope == CrossplaneNamespaced
	iamGroup, eksGroup := "iam.aws.upbound.io/v1beta1", "eks.aws.upbound.io/v1beta1"
	if namespaced {
		iamGroup, eksGroup = "iam.aws.m.upbound.io/v1beta1", "eks.aws.m.upbound.io/v1beta1"
	}
	spec := func(forProvider any) XPSpec {
		s := XPSpec{ForProvider: forProvider, ProviderConfigRef: XPProviderConfigRef{Name: settings.ProviderConfigRef.Name}}
		if s.ProviderConfigRef.Name == "" {
			s.ProviderConfigRef.Name = "default"
		}
		switch {
		case namespaced:
			s.ProviderConfigRef.Kind = settings.ProviderConfigRef.Kind
			if s.ProviderConfigRef.Kind == "" {
				s.ProviderConfigRef.Kind = "ClusterProviderConfig"
			}
			if settings.DeletionPolicy == "Orphan" {
				// Namespaced managed resources have no deletionPolicy: leaving out Delete orphans.
				s.ManagementPolicies = []string{"Observe", "Create", "Update", "LateInitialize"}
			}
		default:
			s.DeletionPolicy = settings.DeletionPolicy
		}
		return s
	}
	meta := func(name string) v1alpha1.ObjectMeta {
		ns := ""
		if namespaced {
			ns = settings.Namespace
			if ns == "" {
				ns = r.namespace
			}
		}
		return r.meta(name, ns)
	}
	var out []Object
	if role := r.role; role != nil {
		roleObject := KubernetesName(role.Name)
		m := meta(roleObject)
		m.Annotations[AnnotationExternalName] = role.Name
		out = append(out, Object{APIVersion: iamGroup, Kind: "Role", Metadata: m, Spec: spec(XPRoleParameters{
			AssumeRolePolicy: role.Trust.JSON(), Path: role.Path, Description: role.Description,
			MaxSessionDuration: role.MaxSessionDuration, PermissionsBoundary: role.PermissionsBoundary, Tags: r.tagMap(),
		})})
		for _, p := range role.Inline {
			m := meta(childName(roleObject, p.Name))
			m.Annotations[AnnotationExternalName] = p.Name
			out = append(out, Object{APIVersion: iamGroup, Kind: "RolePolicy", Metadata: m, Spec: spec(XPRolePolicyParameters{
				Policy: p.Document.JSON(), RoleRef: XPRef{Name: roleObject},
			})})
		}
		for _, arn := range role.Managed {
			out = append(out, Object{APIVersion: iamGroup, Kind: "RolePolicyAttachment", Metadata: meta(childName(roleObject, arn)), Spec: spec(XPRolePolicyAttachmentParameters{
				PolicyArn: arn, RoleRef: XPRef{Name: roleObject},
			})})
		}
	}
	if r.podIdentity() {
		r.associations(func(c cluster, sa v1alpha1.ServiceAccount) {
			out = append(out, Object{APIVersion: eksGroup, Kind: "PodIdentityAssociation", Metadata: meta(associationName(c, sa)), Spec: spec(XPPodIdentityAssociationParameters{
				Region: c.region, ClusterName: c.name, Namespace: sa.Namespace, ServiceAccount: sa.Name, RoleArn: r.roleARN, Tags: r.tagMap(),
			})})
		})
	}
	return out
}

// childName names an object that belongs to a role object: <role object>-<what, readable>-<8 hex
// digits of the SHA-256 of what>, so that it reads well and stays distinct and within 63 characters.
func childName(roleObject, what string) string {
	sum := sha256.Sum256([]byte(what))
	suffix := "-" + hex.EncodeToString(sum[:])[:8]
	readable := KubernetesName(what[strings.LastIndex(what, "/")+1:])
	base := strings.TrimRight(roleObject+"-"+readable, "-.")
	if max := 63 - len(suffix); len(base) > max {
		base = strings.TrimRight(base[:max], "-.")
	}
	return base + suffix
}
