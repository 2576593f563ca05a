package generator

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
)

// Object is a Kubernetes object irsa-fn renders, as plain data with a fixed field order.
type Object struct {
	APIVersion string              `yaml:"apiVersion"`
	Kind       string              `yaml:"kind"`
	Metadata   v1alpha1.ObjectMeta `yaml:"metadata"`
	Spec       any                 `yaml:"spec,omitempty"`
	// LocalConfig marks an object for irsa-fn's own commands (export, apply), never for a
	// cluster: a kpt package keeps it as local config, and kustomize passes it on.
	LocalConfig bool `yaml:"-"`
}

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

// model is the resolved binding that the outputs render.
func (r *resolver) model() Model {
	m := Model{Binding: r.bindingID, Namespace: r.namespace, Config: r.in.Config, Role: r.role, RoleARN: r.roleARN}
	if r.irsa() {
		m.OIDCProviders = r.oidcProviders()
	}
	if r.podIdentity() {
		for _, c := range r.clusters {
			for _, sa := range r.spec.ServiceAccounts {
				m.Associations = append(m.Associations, Association{Cluster: c.name, Region: c.region, Namespace: sa.Namespace, ServiceAccount: sa.Name, RoleARN: r.roleARN})
			}
		}
	}
	return m
}

// objects renders the IAM role in every requested output form.
func (r *resolver) objects() []Object {
	m := r.model()
	var out []Object
	for _, o := range r.outputs() {
		out = append(out, o.Render(m)...)
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
