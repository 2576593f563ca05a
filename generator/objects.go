package generator

import (
	"encoding/json"
	"strings"

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

// ACKPolicySpec is the spec of an ACK iam-controller Policy.
type ACKPolicySpec struct {
	Name           string `yaml:"name"`
	Path           string `yaml:"path,omitempty"`
	Description    string `yaml:"description,omitempty"`
	PolicyDocument string `yaml:"policyDocument"`
	Tags           []Tag  `yaml:"tags,omitempty"`
}

// ACKOIDCProviderSpec is the spec of an ACK iam-controller OpenIDConnectProvider.
type ACKOIDCProviderSpec struct {
	URL       string   `yaml:"url"`
	ClientIDs []string `yaml:"clientIDs"`
}

// ACK annotations irsa-fn can set from the IRSAConfig.
const (
	AnnotationACKDeletionPolicy = "services.k8s.aws/deletion-policy"
	AnnotationACKAdoptionPolicy = "services.k8s.aws/adoption-policy"
	AnnotationACKAdoptionFields = "services.k8s.aws/adoption-fields"
)

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
				out = append(out, r.ackPolicies()...)
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

// oidcProviders lists the IAM OIDC providers the IRSA trust policy names, with the audiences
// the service accounts use.
func (r *resolver) oidcProviders() []v1alpha1.OIDCProvider {
	audiences, _ := r.audiences()
	var out []v1alpha1.OIDCProvider
	for _, c := range r.clusters {
		out = append(out, v1alpha1.OIDCProvider{
			ARN: OIDCProviderARN(c.partition, c.providerAccount, c.issuer), URL: "https://" + c.issuer.HostPath, ClientIDs: audiences,
		})
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
		meta := r.ackMeta(associationName(c, sa), nil)
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
	if r.in.Config != nil {
		spec.Owner = r.in.Config.Spec.Owner
	}
	if r.irsa() {
		spec.OIDCProviders = r.oidcProviders()
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
// binding's), with its region, deletion and adoption annotations. adoptionFields identify the
// resource for adoption; nil for resources adoption cannot find by a declared field.
func (r *resolver) ackMeta(name string, adoptionFields map[string]string) v1alpha1.ObjectMeta {
	meta := r.meta(name, r.namespace)
	var cfg v1alpha1.ACKSettings
	if r.in.Config != nil {
		cfg = r.in.Config.Spec.ACK
	}
	return ackAnnotate(meta, cfg, adoptionFields)
}

// ackAnnotate places an ACK object and sets the annotations the IRSAConfig asks for.
func ackAnnotate(meta v1alpha1.ObjectMeta, cfg v1alpha1.ACKSettings, adoptionFields map[string]string) v1alpha1.ObjectMeta {
	if cfg.Namespace != "" {
		meta.Namespace = cfg.Namespace
	}
	if cfg.Region != "" {
		meta.Annotations[AnnotationACKRegion] = cfg.Region
	}
	if cfg.DeletionPolicy != "" {
		meta.Annotations[AnnotationACKDeletionPolicy] = cfg.DeletionPolicy
	}
	if cfg.AdoptionPolicy != "" && adoptionFields != nil {
		fields, _ := json.Marshal(adoptionFields) // a map of strings: cannot fail, keys sorted
		meta.Annotations[AnnotationACKAdoptionPolicy] = cfg.AdoptionPolicy
		meta.Annotations[AnnotationACKAdoptionFields] = string(fields)
	}
	return meta
}

// ackPolicies renders the customer managed policies as ACK Policy objects.
func (r *resolver) ackPolicies() []Object {
	var out []Object
	for _, p := range r.role.CustomerManaged {
		out = append(out, Object{
			APIVersion: ACKRoleAPIVersion, Kind: "Policy",
			Metadata: r.ackMeta(ackPolicyObjectName(r.role.Name, p.Name), map[string]string{"arn": p.ARN}),
			Spec:     ACKPolicySpec{Name: p.Name, Path: p.Path, Description: p.Description, PolicyDocument: p.Document.JSON(), Tags: r.role.Tags},
		})
	}
	return out
}

func ackPolicyObjectName(role, policy string) string {
	return childName(KubernetesName(role), policy)
}

// ACKOIDCProviders renders an ACK OpenIDConnectProvider per provider, for an IRSAConfig with
// ack.oidcProviders. The providers' client IDs are every audience the render's bindings use.
func ACKOIDCProviders(cfg *v1alpha1.IRSAConfig, providers []v1alpha1.OIDCProvider) []Object {
	ns := cfg.Metadata.Namespace
	if ns == "" {
		ns = "default"
	}
	var out []Object
	for _, p := range providers {
		meta := v1alpha1.ObjectMeta{
			Name: KubernetesName("oidc-" + strings.TrimPrefix(p.URL, "https://")), Namespace: ns,
			Labels:      map[string]string{LabelManagedBy: ManagedByValue},
			Annotations: map[string]string{AnnotationConfig: cfg.Metadata.Name},
		}
		out = append(out, Object{
			APIVersion: ACKRoleAPIVersion, Kind: "OpenIDConnectProvider",
			Metadata: ackAnnotate(meta, cfg.Spec.ACK, map[string]string{"arn": p.ARN}),
			Spec:     ACKOIDCProviderSpec{URL: p.URL, ClientIDs: p.ClientIDs},
		})
	}
	return out
}

func (r *resolver) ackRole() Object {
	role := r.role
	meta := r.ackMeta(KubernetesName(role.Name), map[string]string{"name": role.Name})
	spec := ACKRoleSpec{
		Name:                     role.Name,
		Path:                     role.Path,
		Description:              role.Description,
		AssumeRolePolicyDocument: role.Trust.JSON(),
		PermissionsBoundary:      role.PermissionsBoundary,
		MaxSessionDuration:       role.MaxSessionDuration,
		Tags:                     role.Tags,
	}
	// Customer managed policies by their computed ARNs beside the AWS managed ones, never by
	// policyRefs: the controller refuses a Role with both (it never creates it), and a reference
	// cannot name an AWS managed policy. The Role retries until its Policy objects exist.
	spec.Policies = append([]string(nil), role.Managed...)
	for _, p := range role.CustomerManaged {
		spec.Policies = append(spec.Policies, p.ARN)
	}
	if len(role.Inline) > 0 {
		spec.InlinePolicies = map[string]string{}
		for _, p := range role.Inline {
			spec.InlinePolicies[p.Name] = p.Document.JSON()
		}
	}
	return Object{APIVersion: ACKRoleAPIVersion, Kind: "Role", Metadata: meta, Spec: spec}
}
