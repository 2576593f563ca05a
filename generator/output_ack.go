package generator

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
)

// ACK API versions and annotations.
const (
	// ACKRoleAPIVersion is the API version of ACK iam-controller Roles, Policies and
	// OpenIDConnectProviders.
	ACKRoleAPIVersion = "iam.services.k8s.aws/v1alpha1"
	// ACKPodIdentityAssociationAPIVersion is the API version of ACK eks-controller associations.
	ACKPodIdentityAssociationAPIVersion = "eks.services.k8s.aws/v1alpha1"

	AnnotationACKRegion         = "services.k8s.aws/region"
	AnnotationACKDeletionPolicy = "services.k8s.aws/deletion-policy"
	AnnotationACKAdoptionPolicy = "services.k8s.aws/adoption-policy"
	AnnotationACKAdoptionFields = "services.k8s.aws/adoption-fields"

	// ACKRetain is the deletion policy that keeps the AWS resource when its ACK object is deleted.
	ACKRetain = "retain"
)

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
	URL         string   `yaml:"url"`
	ClientIDs   []string `yaml:"clientIDs"`
	Thumbprints []string `yaml:"thumbprints"`
}

// maxThumbprints is how many thumbprints IAM lets an OIDC provider hold.
const maxThumbprints = 5

// thumbprintPattern is the form of an OIDC provider thumbprint irsa-fn accepts: a SHA-1
// fingerprint, in lower case and without colons, as IAM returns it.
var thumbprintPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// thumbprintsNeeded says why ack.oidcProviders needs each issuer's thumbprints and how to get them.
const thumbprintsNeeded = "ack.oidcProviders renders the provider's thumbprint list from it: IAM always holds a thumbprint " +
	"(CreateOpenIDConnectProvider fetches one when given none), and the ACK iam-controller, seeing an object without " +
	"thumbprints, calls UpdateOpenIDConnectProviderThumbprint with an empty list, which fails: the provider never syncs. " +
	"Get it with `openssl s_client -servername HOST -showcerts -connect HOST:443` (HOST: the issuer's host) and take the " +
	"SHA-1 fingerprint of the last (top intermediate or root CA) certificate, e.g. `openssl x509 -noout -fingerprint -sha1`, " +
	"in lower case without colons. For issuers whose certificate is from a CA in IAM's trusted library (EKS issuers, " +
	"S3-hosted JWKS) IAM keeps the thumbprint but does not use it for validation"

// thumbprintsAllowed is what oidcThumbprints may hold.
const thumbprintsAllowed = "1 to 5 SHA-1 thumbprints, each 40 lower-case hex digits without colons, such as 9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

// ACKPodIdentityAssociationSpec is the spec of an ACK eks-controller PodIdentityAssociation.
type ACKPodIdentityAssociationSpec struct {
	ClusterName    string            `yaml:"clusterName"`
	Namespace      string            `yaml:"namespace"`
	ServiceAccount string            `yaml:"serviceAccount"`
	RoleARN        string            `yaml:"roleARN"`
	Tags           map[string]string `yaml:"tags,omitempty"`
}

// ackOutput renders AWS Controllers for Kubernetes objects: a Role, a Policy per customer
// managed policy, a PodIdentityAssociation per association, and, for an IRSAConfig with
// ack.oidcProviders, an OpenIDConnectProvider per issuer.
type ackOutput struct{}

func (ackOutput) Name() v1alpha1.Output { return v1alpha1.OutputACK }

func (ackOutput) Traits() OutputTraits {
	return OutputTraits{
		Summary: "AWS Controllers for Kubernetes", Default: true, NamesObjects: true,
		CustomerManaged: "which renders them as ACK Policy objects",
	}
}

// CheckConfig checks spec.ack.
func (ackOutput) CheckConfig(cfg *v1alpha1.IRSAConfig, spec diag.Path, l *diag.List) {
	ack, p := cfg.Spec.ACK, spec.Child("ack")
	if ns := ack.Namespace; ns != "" && !isDNS1123Label(ns) {
		l.Errorf(p.Child("namespace"), "a DNS-1123 label: lower case letters, digits and '-', at most 63", "namespace %q is not a valid namespace name", ns)
	}
	if r := ack.Region; r != "" && !regionNamePattern.MatchString(r) {
		l.Errorf(p.Child("region"), "an AWS region such as eu-west-1", "region %q is not a region name", r)
	}
	if d := ack.DeletionPolicy; d != "" && d != "delete" && d != ACKRetain {
		l.Errorf(p.Child("deletionPolicy"), "delete or retain", "deletion policy %q is not valid", d)
	}
	if a := ack.AdoptionPolicy; a != "" && a != "adopt" && a != "adopt-or-create" {
		l.Errorf(p.Child("adoptionPolicy"), "adopt or adopt-or-create", "adoption policy %q is not valid", a)
	}
	for i, c := range cfg.Spec.Clusters {
		checkThumbprints(c, ack.OIDCProviders, spec.Child("clusters").Index(i).Child("oidcThumbprints"), l)
	}
}

// checkThumbprints checks a cluster's oidcThumbprints, which ack.oidcProviders requires.
func checkThumbprints(c v1alpha1.ConfigCluster, required bool, p diag.Path, l *diag.List) {
	if len(c.OIDCThumbprints) == 0 && required && c.OIDCIssuer != "" {
		l.Errorf(p, thumbprintsAllowed, "cluster %s has no oidcThumbprints: %s", c.OIDCIssuer, thumbprintsNeeded)
	}
	if len(c.OIDCThumbprints) > maxThumbprints {
		l.Errorf(p, thumbprintsAllowed, "%d thumbprints; IAM holds at most %d", len(c.OIDCThumbprints), maxThumbprints)
	}
	for j, tp := range c.OIDCThumbprints {
		switch {
		case !thumbprintPattern.MatchString(tp):
			l.Errorf(p.Index(j), thumbprintsAllowed, "%q is not a thumbprint", tp)
		case slices.Index(c.OIDCThumbprints, tp) < j:
			l.Errorf(p.Index(j), thumbprintsAllowed, "thumbprint %s is listed twice", tp)
		}
	}
}

func (ackOutput) Render(m Model) []Object {
	var cfg v1alpha1.ACKSettings
	if m.Config != nil {
		cfg = m.Config.Spec.ACK
	}
	meta := func(name string, adoptionFields map[string]string) v1alpha1.ObjectMeta {
		return ackAnnotate(m.meta(name, m.Namespace), cfg, adoptionFields)
	}
	var out []Object
	if role := m.Role; role != nil {
		for _, p := range role.CustomerManaged {
			out = append(out, Object{
				APIVersion: ACKRoleAPIVersion, Kind: "Policy",
				Metadata: meta(childName(KubernetesName(role.Name), p.Name), map[string]string{"arn": p.ARN}),
				Spec:     ACKPolicySpec{Name: p.Name, Path: p.Path, Description: p.Description, PolicyDocument: p.Document.JSON(), Tags: role.Tags},
			})
		}
		out = append(out, Object{APIVersion: ACKRoleAPIVersion, Kind: "Role", Metadata: meta(KubernetesName(role.Name), map[string]string{"name": role.Name}), Spec: ackRoleSpec(role)})
	}
	for _, as := range m.Associations {
		md := meta(as.objectName(), nil)
		if as.Region != "" {
			// The association lives in its cluster's region; ack.region is only the default.
			md.Annotations[AnnotationACKRegion] = as.Region
		}
		out = append(out, Object{
			APIVersion: ACKPodIdentityAssociationAPIVersion, Kind: "PodIdentityAssociation", Metadata: md,
			Spec: ACKPodIdentityAssociationSpec{ClusterName: as.Cluster, Namespace: as.Namespace, ServiceAccount: as.ServiceAccount, RoleARN: as.RoleARN, Tags: m.tagMap()},
		})
	}
	return out
}

// ackRoleSpec is the spec of the role's ACK Role. It attaches every policy by ARN, the customer
// managed ones too, never by policyRefs: the iam-controller refuses a Role with both policies
// and policyRefs ("both resource reference wrapper and ID cannot be used together") and never
// creates it, and a reference cannot name an AWS managed policy. Until ACK has created a Policy
// in IAM, the controller retries the attachment.
func ackRoleSpec(role *Role) ACKRoleSpec {
	spec := ACKRoleSpec{
		Name:                     role.Name,
		Path:                     role.Path,
		Description:              role.Description,
		AssumeRolePolicyDocument: role.Trust.JSON(),
		Policies:                 slices.Clone(role.Managed),
		PermissionsBoundary:      role.PermissionsBoundary,
		MaxSessionDuration:       role.MaxSessionDuration,
		Tags:                     role.Tags,
	}
	for _, p := range role.CustomerManaged {
		spec.Policies = append(spec.Policies, p.ARN)
	}
	if len(role.Inline) > 0 {
		spec.InlinePolicies = map[string]string{}
		for _, p := range role.Inline {
			spec.InlinePolicies[p.Name] = p.Document.JSON()
		}
	}
	return spec
}

// ackAnnotate places an ACK object and sets the annotations the IRSAConfig asks for.
// adoptionFields identify the resource for adoption; nil for resources adoption cannot find by a
// declared field.
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

// RenderConfig renders, for an IRSAConfig with ack.oidcProviders, an OpenIDConnectProvider per
// provider, whose client IDs are every audience the render's bindings use. They are retained
// when their objects are deleted unless ack.deletionPolicy says delete: a cluster's provider
// serves every IRSA role of the cluster, not only irsa-fn's. A warning for each says that ACK
// owns its client IDs.
func (ackOutput) RenderConfig(cfg *v1alpha1.IRSAConfig, providers []v1alpha1.OIDCProvider) ConfigObjects {
	out := ConfigObjects{Setting: diag.NewPath("spec", "ack", "oidcProviders"), Off: "set oidcProviders: false"}
	if cfg == nil || !cfg.Spec.ACK.OIDCProviders {
		return out
	}
	ns := cfg.Metadata.Namespace
	if ns == "" {
		ns = "default"
	}
	thumbprints := map[string][]string{}
	for _, c := range cfg.Spec.Clusters {
		if is, err := ParseIssuer(c.OIDCIssuer); err == nil { // a bad issuer is reported on the cluster
			thumbprints["https://"+is.HostPath] = c.OIDCThumbprints
		}
	}
	for _, p := range providers {
		tps, ok := thumbprints[p.URL]
		if !ok {
			out.Errors = append(out.Errors, diag.Diagnostic{Severity: diag.Error, Field: "spec.clusters",
				Message: fmt.Sprintf("a binding's role trusts OIDC provider %s, whose issuer is not one of the clusters, so its oidcThumbprints are unknown: %s", p.URL, thumbprintsNeeded),
				Allowed: "a cluster with oidcIssuer " + p.URL + " and its oidcThumbprints in spec.clusters, or " + out.Off})
			continue
		}
		if len(tps) == 0 {
			continue // reported on the cluster by CheckConfig
		}
		meta := ackAnnotate(v1alpha1.ObjectMeta{
			Name: KubernetesName("oidc-" + strings.TrimPrefix(p.URL, "https://")), Namespace: ns,
			Labels:      map[string]string{LabelManagedBy: ManagedByValue},
			Annotations: map[string]string{AnnotationConfig: cfg.Metadata.Name},
		}, cfg.Spec.ACK, map[string]string{"arn": p.ARN})
		deletion := "deleting the object keeps the provider (services.k8s.aws/deletion-policy: retain)"
		if cfg.Spec.ACK.DeletionPolicy == "" {
			meta.Annotations[AnnotationACKDeletionPolicy] = ACKRetain
		} else if cfg.Spec.ACK.DeletionPolicy != ACKRetain {
			deletion = "deleting the object deletes the provider, and every IRSA role of the cluster stops working (ack.deletionPolicy: delete)"
		}
		out.Objects = append(out.Objects, ConfigObject{
			Object: Object{APIVersion: ACKRoleAPIVersion, Kind: "OpenIDConnectProvider", Metadata: meta, Spec: ACKOIDCProviderSpec{URL: p.URL, ClientIDs: p.ClientIDs, Thumbprints: slices.Clone(tps)}},
			Warning: fmt.Sprintf("ACK owns OIDC provider %s and its client IDs: it removes every client ID but %s (the audiences of this render's bindings), including any another tool or person added; %s",
				p.URL, strings.Join(p.ClientIDs, ", "), deletion),
		})
	}
	return out
}

// Read reads the role an ACK Role stands for, the policy of an ACK Policy (its account from its
// adoption fields, when set) and an ACK PodIdentityAssociation.
func (ackOutput) Read(o ObjectView) (Rendered, bool) {
	switch {
	case o.group() == groupOf(ACKRoleAPIVersion) && o.Kind == "Role":
		return Rendered{RoleName: o.String("spec", "name"), Trust: o.String("spec", "assumeRolePolicyDocument")}, true
	case o.group() == groupOf(ACKRoleAPIVersion) && o.Kind == "Policy":
		var fields struct{ ARN string }
		_ = json.Unmarshal([]byte(o.Annotations[AnnotationACKAdoptionFields]), &fields) // absent or not JSON: the account is unknown
		account := ""
		if parts := strings.SplitN(fields.ARN, ":", 6); len(parts) == 6 {
			account = parts[4]
		}
		return Rendered{PolicyName: o.String("spec", "name"), PolicyAccount: account}, true
	case o.group() == groupOf(ACKPodIdentityAssociationAPIVersion) && o.Kind == "PodIdentityAssociation":
		return Rendered{Association: &Association{Cluster: o.String("spec", "clusterName"), Namespace: o.String("spec", "namespace"),
			ServiceAccount: o.String("spec", "serviceAccount"), RoleARN: o.String("spec", "roleARN")}}, true
	}
	return Rendered{}, false
}
