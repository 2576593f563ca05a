package v1alpha1

// KindIAMRole is the kind irsa-fn renders for `output: json`.
const KindIAMRole = "IAMRole"

// IAMRole is an IAM role rendered for a pipeline (`output: json`): everything `irsa-fn export`
// writes to files and `irsa-fn apply` creates or updates in IAM. It is not applied to a cluster.
// +irsa:root
type IAMRole struct {
	// APIVersion is irsa.dev/v1alpha1.
	// +kubebuilder:validation:Enum=irsa.dev/v1alpha1
	APIVersion string `yaml:"apiVersion"`
	// Kind is IAMRole.
	// +kubebuilder:validation:Enum=IAMRole
	Kind string `yaml:"kind"`
	// Metadata of the object; the irsa.dev/binding annotation names the binding it came from.
	Metadata ObjectMeta `yaml:"metadata"`
	// Spec is the role.
	Spec IAMRoleSpec `yaml:"spec"`
}

// IAMRoleSpec is an IAM role as irsa-fn renders it.
type IAMRoleSpec struct {
	// RoleName is the IAM role name.
	// +kubebuilder:validation:MaxLength=64
	RoleName string `yaml:"roleName" json:"RoleName"`
	// AccountID is the role's 12-digit account.
	// +kubebuilder:validation:Pattern=`^[0-9]{12}$`
	// +irsa:schema:allowed=exactly 12 digits, quoted in YAML ("012345678901")
	AccountID string `yaml:"accountID" json:"AccountID"`
	// ARN is the role's ARN.
	ARN string `yaml:"arn" json:"Arn"`
	// Path of the role.
	Path string `yaml:"path" json:"Path"`
	// Description of the role.
	// +optional
	Description string `yaml:"description,omitempty" json:"Description,omitempty"`
	// MaxSessionDuration in seconds.
	// +kubebuilder:validation:Minimum=3600
	// +kubebuilder:validation:Maximum=43200
	MaxSessionDuration int64 `yaml:"maxSessionDuration" json:"MaxSessionDuration"`
	// PermissionsBoundary is the ARN of the boundary policy.
	// +optional
	PermissionsBoundary string `yaml:"permissionsBoundary,omitempty" json:"PermissionsBoundary,omitempty"`
	// Tags of the role, sorted by key.
	// +optional
	Tags []Tag `yaml:"tags,omitempty" json:"Tags,omitempty"`
	// TrustPolicy is the assume-role policy document, as JSON.
	TrustPolicy string `yaml:"trustPolicy" json:"-"`
	// InlinePolicies are the role's inline policies, in declared order.
	// +optional
	InlinePolicies []PolicyDocument `yaml:"inlinePolicies,omitempty" json:"-"`
	// ManagedPolicies are the ARNs of the managed policies attached to the role.
	// +optional
	ManagedPolicies []string `yaml:"managedPolicies,omitempty" json:"ManagedPolicyArns,omitempty"`
	// Owner is the value of the role's irsa.dev/owner tag, from the IRSAConfig's spec.owner: the
	// pipeline that owns the role, and whose `irsa-fn apply --prune` may delete it.
	// +optional
	Owner string `yaml:"owner,omitempty" json:"Owner,omitempty"`
	// OIDCProviders are the IAM OIDC providers the trust policy relies on, one per cluster.
	// +optional
	OIDCProviders []OIDCProvider `yaml:"oidcProviders,omitempty" json:"OIDCProviders,omitempty"`
}

// Tag is one IAM tag.
type Tag struct {
	// Key of the tag.
	Key string `yaml:"key" json:"Key"`
	// Value of the tag.
	Value string `yaml:"value" json:"Value"`
}

// PolicyDocument is a named inline policy.
type PolicyDocument struct {
	// Name of the policy.
	Name string `yaml:"name" json:"PolicyName"`
	// Document is the policy document, as JSON.
	Document string `yaml:"document" json:"-"`
}

// OIDCProvider is an IAM OIDC identity provider a role's trust policy names.
type OIDCProvider struct {
	// ARN of the provider.
	ARN string `yaml:"arn" json:"Arn"`
	// URL is the issuer URL (https://...).
	URL string `yaml:"url" json:"Url"`
	// ClientIDs are the audiences the role's service accounts use: the provider must list each.
	ClientIDs []string `yaml:"clientIDs" json:"ClientIDs"`
}
