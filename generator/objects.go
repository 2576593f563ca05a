package generator

import (
	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
)

// Object is a Kubernetes object irsa-fn renders, as plain data with a fixed field order.
type Object struct {
	APIVersion string              `yaml:"apiVersion"`
	Kind       string              `yaml:"kind"`
	Metadata   v1alpha1.ObjectMeta `yaml:"metadata"`
	Spec       any                 `yaml:"spec,omitempty"`
}

// ACKRoleSpec is the spec of an ACK iam-controller Role (iam.services.k8s.aws/v1alpha1).
type ACKRoleSpec struct {
	Name                     string            `yaml:"name"`
	Path                     string            `yaml:"path,omitempty"`
	Description              string            `yaml:"description,omitempty"`
	AssumeRolePolicyDocument string            `yaml:"assumeRolePolicyDocument"`
	InlinePolicies           map[string]string `yaml:"inlinePolicies,omitempty"`
	Policies                 []string          `yaml:"policies,omitempty"`
	PermissionsBoundary      string            `yaml:"permissionsBoundary,omitempty"`
	MaxSessionDuration       int64             `yaml:"maxSessionDuration,omitempty"`
	Tags                     []Tag             `yaml:"tags,omitempty"`
}

// ACKRoleAPIVersion is the API version of ACK iam-controller Roles.
const ACKRoleAPIVersion = "iam.services.k8s.aws/v1alpha1"

// NewServiceAccount is the ServiceAccount object rendered for a service account with create: true.
func (sa ServiceAccount) NewServiceAccount() Object {
	return Object{
		APIVersion: "v1",
		Kind:       "ServiceAccount",
		Metadata: v1alpha1.ObjectMeta{
			Name:        sa.Name,
			Namespace:   sa.Namespace,
			Labels:      map[string]string{LabelManagedBy: ManagedByValue},
			Annotations: sa.Annotations,
		},
	}
}

// objects renders the IAM role in every requested output form.
func (r *resolver) objects() []Object {
	var out []Object
	for _, o := range r.spec.Output {
		switch o {
		case v1alpha1.OutputACK:
			if r.role != nil {
				out = append(out, r.ackRole())
			}
			if r.podIdentity() {
				out = append(out, r.ackPodIdentityAssociations()...)
			}
		case v1alpha1.OutputCrossplane:
			out = append(out, r.crossplane()...)
		case v1alpha1.OutputJSON:
			if r.role != nil {
				out = append(out, r.iamRole())
			}
		}
	}
	return out
}

// associations lists the (cluster, service account) pairs that need a Pod Identity association.
func (r *resolver) associations(each func(c cluster, sa v1alpha1.ServiceAccount)) {
	for _, c := range r.clusters {
		for _, sa := range r.spec.ServiceAccounts {
			each(c, sa)
		}
	}
}

// associationName names the object of one association: <cluster>-<namespace>-<service account>,
// made a valid object name and cut with a hash like role names.
func associationName(c cluster, sa v1alpha1.ServiceAccount) string {
	return KubernetesName(DefaultRoleName(c.name, sa.Namespace, sa.Name))
}

// ACKPodIdentityAssociationAPIVersion is the API version of ACK eks-controller associations.
const ACKPodIdentityAssociationAPIVersion = "eks.services.k8s.aws/v1alpha1"

// ACKPodIdentityAssociationSpec is the spec of an ACK eks-controller PodIdentityAssociation.
type ACKPodIdentityAssociationSpec struct {
	ClusterName    string            `yaml:"clusterName"`
	Namespace      string            `yaml:"namespace"`
	ServiceAccount string            `yaml:"serviceAccount"`
	RoleARN        string            `yaml:"roleARN"`
	Tags           map[string]string `yaml:"tags,omitempty"`
}

func (r *resolver) ackPodIdentityAssociations() []Object {
	var out []Object
	r.associations(func(c cluster, sa v1alpha1.ServiceAccount) {
		meta := r.ackMeta(associationName(c, sa))
		if meta.Annotations[AnnotationACKRegion] == "" && c.region != "" {
			meta.Annotations[AnnotationACKRegion] = c.region // the association lives in the cluster's region
		}
		out = append(out, Object{
			APIVersion: ACKPodIdentityAssociationAPIVersion, Kind: "PodIdentityAssociation", Metadata: meta,
			Spec: ACKPodIdentityAssociationSpec{ClusterName: c.name, Namespace: sa.Namespace, ServiceAccount: sa.Name, RoleARN: r.roleARN, Tags: r.tagMap()},
		})
	})
	return out
}

// tagMap is the role's tags as a map, for resources that take tags that way.
func (r *resolver) tagMap() map[string]string {
	if r.role == nil || len(r.role.Tags) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, t := range r.role.Tags {
		out[t.Key] = t.Value
	}
	return out
}

// iamRole is the role as an irsa.dev IAMRole, for `irsa-fn export` and `irsa-fn apply`.
func (r *resolver) iamRole() Object {
	role := r.role
	spec := v1alpha1.IAMRoleSpec{
		RoleName: role.Name, AccountID: role.AccountID, ARN: role.ARN, Path: role.Path,
		Description: role.Description, MaxSessionDuration: role.MaxSessionDuration,
		PermissionsBoundary: role.PermissionsBoundary, Tags: role.Tags,
		TrustPolicy: role.Trust.JSON(), ManagedPolicies: role.Managed,
	}
	for _, p := range role.Inline {
		spec.InlinePolicies = append(spec.InlinePolicies, v1alpha1.PolicyDocument{Name: p.Name, Document: p.Document.JSON()})
	}
	audiences, _ := r.audiences()
	for _, c := range r.clusters {
		spec.OIDCProviders = append(spec.OIDCProviders, v1alpha1.OIDCProvider{
			ARN: OIDCProviderARN(c.partition, c.providerAccount, c.issuer), URL: "https://" + c.issuer.HostPath, ClientIDs: audiences,
		})
	}
	return Object{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.KindIAMRole, Metadata: r.meta(KubernetesName(role.Name), r.namespace), Spec: spec}
}

func (r *resolver) meta(name, namespace string) v1alpha1.ObjectMeta {
	return v1alpha1.ObjectMeta{
		Name:        name,
		Namespace:   namespace,
		Labels:      map[string]string{LabelManagedBy: ManagedByValue},
		Annotations: map[string]string{AnnotationBinding: r.bindingID},
	}
}

// ackMeta is the metadata of an ACK object: in the IRSAConfig's ack.namespace (default: the
// binding's), with its ack.region annotation.
func (r *resolver) ackMeta(name string) v1alpha1.ObjectMeta {
	meta := r.meta(name, r.namespace)
	if cfg := r.in.Config; cfg != nil {
		if cfg.Spec.ACK.Namespace != "" {
			meta.Namespace = cfg.Spec.ACK.Namespace
		}
		if cfg.Spec.ACK.Region != "" {
			meta.Annotations[AnnotationACKRegion] = cfg.Spec.ACK.Region
		}
	}
	return meta
}

func (r *resolver) ackRole() Object {
	role := r.role
	meta := r.ackMeta(KubernetesName(role.Name))
	spec := ACKRoleSpec{
		Name:                     role.Name,
		Path:                     role.Path,
		Description:              role.Description,
		AssumeRolePolicyDocument: role.Trust.JSON(),
		Policies:                 role.Managed,
		PermissionsBoundary:      role.PermissionsBoundary,
		MaxSessionDuration:       role.MaxSessionDuration,
		Tags:                     role.Tags,
	}
	if len(role.Inline) > 0 {
		spec.InlinePolicies = map[string]string{}
		for _, p := range role.Inline {
			spec.InlinePolicies[p.Name] = p.Document.JSON()
		}
	}
	return Object{APIVersion: ACKRoleAPIVersion, Kind: "Role", Metadata: meta, Spec: spec}
}
