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
		if o == v1alpha1.OutputACK {
			out = append(out, r.ackRole())
		}
	}
	return out
}

func (r *resolver) meta(name, namespace string) v1alpha1.ObjectMeta {
	return v1alpha1.ObjectMeta{
		Name:        name,
		Namespace:   namespace,
		Labels:      map[string]string{LabelManagedBy: ManagedByValue},
		Annotations: map[string]string{AnnotationBinding: r.bindingID},
	}
}

func (r *resolver) ackRole() Object {
	role := r.role
	ns := r.namespace
	meta := r.meta(KubernetesName(role.Name), ns)
	if cfg := r.in.Config; cfg != nil {
		if cfg.Spec.ACK.Namespace != "" {
			meta.Namespace = cfg.Spec.ACK.Namespace
		}
		if cfg.Spec.ACK.Region != "" {
			meta.Annotations[AnnotationACKRegion] = cfg.Spec.ACK.Region
		}
	}
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
