package generator

import (
	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
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

// crossplaneOutput renders the role as Upbound provider-aws managed resources: a Role, a
// RolePolicy per inline policy, a RolePolicyAttachment per managed policy, and in Pod Identity
// modes a PodIdentityAssociation per cluster and service account.
type crossplaneOutput struct{}

func (crossplaneOutput) Name() v1alpha1.Output { return v1alpha1.OutputCrossplane }

func (crossplaneOutput) Traits() OutputTraits {
	return OutputTraits{
		Summary: "Upbound provider-aws", NamesObjects: true,
		ClusterRegion: "Crossplane's PodIdentityAssociation names the cluster's region",
	}
}

// CheckConfig checks spec.crossplane.
func (crossplaneOutput) CheckConfig(cfg *v1alpha1.IRSAConfig, spec diag.Path, l *diag.List) {
	x, p := cfg.Spec.Crossplane, spec.Child("crossplane")
	if x.Scope != "" && x.Scope != CrossplaneCluster && x.Scope != CrossplaneNamespaced {
		l.Errorf(p.Child("scope"), "Cluster (iam.aws.upbound.io) or Namespaced (iam.aws.m.upbound.io)", "scope %q is not valid", x.Scope)
	}
	if x.Namespace != "" && !isDNS1123Label(x.Namespace) {
		l.Errorf(p.Child("namespace"), "a DNS-1123 label", "namespace %q is not a valid namespace name", x.Namespace)
	}
	if x.Namespace != "" && x.Scope != CrossplaneNamespaced {
		l.Errorf(p.Child("namespace"), "a namespace only with scope: Namespaced", "cluster-scoped managed resources have no namespace")
	}
	if k := x.ProviderConfigRef.Kind; k != "" && k != "ProviderConfig" && k != "ClusterProviderConfig" {
		l.Errorf(p.Child("providerConfigRef", "kind"), "ProviderConfig or ClusterProviderConfig", "kind %q is not valid", k)
	}
	if x.ProviderConfigRef.Kind != "" && x.Scope != CrossplaneNamespaced {
		l.Errorf(p.Child("providerConfigRef", "kind"), "a kind only with scope: Namespaced", "cluster-scoped managed resources reference a ProviderConfig by name only")
	}
	if n := x.ProviderConfigRef.Name; n != "" && !isDNS1123Subdomain(n) {
		l.Errorf(p.Child("providerConfigRef", "name"), "a DNS-1123 subdomain", "name %q is not a valid object name", n)
	}
	if d := x.DeletionPolicy; d != "" && d != "Delete" && d != "Orphan" {
		l.Errorf(p.Child("deletionPolicy"), "Delete or Orphan", "deletion policy %q is not valid", d)
	}
}

func (crossplaneOutput) Render(m Model) []Object {
	var settings v1alpha1.CrossplaneSettings
	if m.Config != nil {
		settings = m.Config.Spec.Crossplane
	}
	namespaced := settings.Scope == CrossplaneNamespaced
	iamGroup, eksGroup := crossplaneGroup("iam", namespaced)+"/v1beta1", crossplaneGroup("eks", namespaced)+"/v1beta1"
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
				ns = m.Namespace
			}
		}
		return m.meta(name, ns)
	}
	var out []Object
	if role := m.Role; role != nil {
		roleObject := KubernetesName(role.Name)
		md := meta(roleObject)
		md.Annotations[AnnotationExternalName] = role.Name
		out = append(out, Object{APIVersion: iamGroup, Kind: "Role", Metadata: md, Spec: spec(XPRoleParameters{
			AssumeRolePolicy: role.Trust.JSON(), Path: role.Path, Description: role.Description,
			MaxSessionDuration: role.MaxSessionDuration, PermissionsBoundary: role.PermissionsBoundary, Tags: m.tagMap(),
		})})
		for _, p := range role.Inline {
			md := meta(childName(roleObject, p.Name))
			md.Annotations[AnnotationExternalName] = p.Name
			out = append(out, Object{APIVersion: iamGroup, Kind: "RolePolicy", Metadata: md, Spec: spec(XPRolePolicyParameters{
				Policy: p.Document.JSON(), RoleRef: XPRef{Name: roleObject},
			})})
		}
		for _, arn := range role.Managed {
			out = append(out, Object{APIVersion: iamGroup, Kind: "RolePolicyAttachment", Metadata: meta(childName(roleObject, arn)), Spec: spec(XPRolePolicyAttachmentParameters{
				PolicyArn: arn, RoleRef: XPRef{Name: roleObject},
			})})
		}
	}
	for _, a := range m.Associations {
		out = append(out, Object{APIVersion: eksGroup, Kind: "PodIdentityAssociation", Metadata: meta(a.objectName()), Spec: spec(XPPodIdentityAssociationParameters{
			Region: a.Region, ClusterName: a.Cluster, Namespace: a.Namespace, ServiceAccount: a.ServiceAccount, RoleArn: a.RoleARN, Tags: m.tagMap(),
		})})
	}
	return out
}

// RenderConfig renders nothing: no IRSAConfig setting asks Crossplane for objects.
func (crossplaneOutput) RenderConfig(*v1alpha1.IRSAConfig, []v1alpha1.OIDCProvider) ConfigObjects {
	return ConfigObjects{}
}

// Read reads the role a Crossplane Role stands for (its external name) and a Crossplane
// PodIdentityAssociation, of either scope.
func (crossplaneOutput) Read(o ObjectView) (Rendered, bool) {
	switch o.group() {
	case crossplaneGroup("iam", false), crossplaneGroup("iam", true):
		if o.Kind == "Role" {
			return Rendered{RoleName: o.Annotations[AnnotationExternalName], Trust: o.String("spec", "forProvider", "assumeRolePolicy")}, true
		}
	case crossplaneGroup("eks", false), crossplaneGroup("eks", true):
		if o.Kind == "PodIdentityAssociation" {
			get := func(field string) string { return o.String("spec", "forProvider", field) }
			return Rendered{Association: &Association{Cluster: get("clusterName"), Namespace: get("namespace"), ServiceAccount: get("serviceAccount"), RoleARN: get("roleArn")}}, true
		}
	}
	return Rendered{}, false
}

// crossplaneGroup is the API group of a provider-aws service (iam, eks): cluster-scoped, or
// namespaced (provider-aws v2).
func crossplaneGroup(service string, namespaced bool) string {
	if namespaced {
		return service + ".aws.m.upbound.io"
	}
	return service + ".aws.upbound.io"
}
