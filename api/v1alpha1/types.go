// Package v1alpha1 holds the irsa.dev/v1alpha1 kinds that users write: IRSABinding and
// IRSAConfig. The Go types here are the single source of truth: the decoder checks input against
// them, and the JSON Schema and CRD in schemas/ are generated from their fields, doc comments and
// +kubebuilder:validation markers.
package v1alpha1

// Group, Version and the kinds of the irsa.dev API.
const (
	Group           = "irsa.dev"
	Version         = "v1alpha1"
	APIVersion      = Group + "/" + Version
	KindBinding     = "IRSABinding"
	KindConfig      = "IRSAConfig"
	DefaultAudience = "sts.amazonaws.com"
)

// ObjectMeta is the part of Kubernetes object metadata that irsa-fn reads.
type ObjectMeta struct {
	// Name of the object.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +kubebuilder:validation:MaxLength=253
	// +irsa:schema:allowed=a DNS-1123 subdomain: at most 253 lower case letters, digits, '-' and '.', starting and ending with a letter or digit
	Name string `yaml:"name"`
	// Namespace of the object; for an IRSABinding, the default namespace of its service accounts
	// and workloads.
	// +optional
	Namespace string `yaml:"namespace,omitempty"`
	// Labels of the object.
	// +optional
	Labels map[string]string `yaml:"labels,omitempty"`
	// Annotations of the object.
	// +optional
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// IRSABinding declares one IAM role, the service accounts that assume it and the workloads that
// run as them.
// +irsa:root
type IRSABinding struct {
	// APIVersion must be irsa.dev/v1alpha1.
	// +kubebuilder:validation:Enum=irsa.dev/v1alpha1
	APIVersion string `yaml:"apiVersion"`
	// Kind must be IRSABinding.
	// +kubebuilder:validation:Enum=IRSABinding
	Kind string `yaml:"kind"`
	// Metadata of the binding; metadata.namespace is the default namespace of its service
	// accounts and workloads.
	// +irsa:schema:rule={"properties":{"namespace":{"maxLength":63,"pattern":"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$","errorMessage":"must be a DNS-1123 label: at most 63 lower case letters, digits and '-', starting and ending with a letter or digit"}}}
	Metadata ObjectMeta `yaml:"metadata"`
	// Spec is the desired role, service accounts and workloads.
	Spec BindingSpec `yaml:"spec"`
}

// BindingSpec is the body of an IRSABinding.
type BindingSpec struct {
	// Clusters lists the EKS clusters (OIDC issuers) whose service accounts may assume the role.
	// Usually one. Taken from the IRSAConfig when empty.
	// +optional
	Clusters []Cluster `yaml:"clusters,omitempty"`
	// ServiceAccounts that assume the role. Default: one, named metadata.name in
	// metadata.namespace.
	// +optional
	ServiceAccounts []ServiceAccount `yaml:"serviceAccounts,omitempty"`
	// Workloads to run as the service accounts, by kind and name or by label selector.
	// +optional
	Workloads []WorkloadRef `yaml:"workloads,omitempty"`
	// Settings that an IRSAConfig may also give as defaults.
	Settings `yaml:",inline"`
}

// Settings are the fields of a binding that an IRSAConfig can default for every binding.
// Precedence: binding, then IRSAConfig defaults, then the built-in default. Role tags merge.
type Settings struct {
	// SubjectPattern is an opt-in wildcard subject such as system:serviceaccount:production:*,
	// matched with StringLike instead of the exact service accounts. It is warned about.
	// +optional
	// +kubebuilder:validation:Pattern=`^system:serviceaccount:`
	// +irsa:schema:allowed=system:serviceaccount:<namespace>:<name>, with * or ? wildcards
	SubjectPattern string `yaml:"subjectPattern,omitempty"`
	// Role is the IAM role to create, or an existing role to use (role.arn).
	// +optional
	Role Role `yaml:"role,omitempty"`
	// Policies are the role's permission policies.
	// +optional
	Policies Policies `yaml:"policies,omitempty"`
	// Mode is how pods get credentials: irsa (IAM roles for service accounts: web identity
	// through the cluster's OIDC provider), podIdentity (EKS Pod Identity associations), or both,
	// for a migration from IRSA to Pod Identity without downtime. Default: irsa.
	// +optional
	// +kubebuilder:validation:Enum=irsa;podIdentity;both
	// +kubebuilder:default="irsa"
	Mode Mode `yaml:"mode,omitempty"`
	// Output lists the forms the IAM role is rendered in.
	// +optional
	// +irsa:schema:outputs
	Output []Output `yaml:"output,omitempty"`
}

// Cluster is one EKS cluster: the OIDC issuer its service account tokens are signed by.
type Cluster struct {
	// Name is the EKS cluster name, used in default role names; required for Pod Identity.
	// +optional
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:Pattern=`^[0-9A-Za-z][A-Za-z0-9\-_]*$`
	// +irsa:schema:allowed=an EKS cluster name: 1-100 of A-Z a-z 0-9 - _, starting with a letter or digit
	Name string `yaml:"name,omitempty"`
	// OIDCIssuer is the cluster's OIDC issuer URL, as `aws eks describe-cluster` prints it
	// (https://oidc.eks.<region>.amazonaws.com/id/<ID>); required for IRSA.
	// +optional
	// +kubebuilder:validation:Pattern=`^[Hh][Tt][Tt][Pp][Ss]://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(/[A-Za-z0-9._~-]+)*$`
	// +irsa:schema:rule={"not":{"pattern":"/\\.\\.?(/|$)"}}
	// +irsa:schema:rule={"anyOf":[{"not":{"pattern":"^[^/]*//oidc\\.eks\\."}},{"pattern":"^[^/]*//oidc\\.eks\\.[^/]*/id/[0-9A-Z]+$"}]}
	// +irsa:schema:rule={"not":{"pattern":"^[^/]*//oidc\\.eks\\.(cn(-gov)?-[a-z]+-[0-9]+\\.amazonaws\\.com|([abd-z][a-z]|c[a-mo-z])(-gov)?-[a-z]+-[0-9]+\\.amazonaws\\.com\\.cn)(/|$)"}}
	// +irsa:schema:allowed=an https:// URL of a lowercase host and path without port, user, query, fragment or trailing /, such as https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E
	OIDCIssuer string `yaml:"oidcIssuer,omitempty"`
	// Region of the cluster. Default: the region in the issuer URL. Needed for Pod Identity
	// without an issuer (it gives the partition) and for Crossplane's PodIdentityAssociation.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-gov)?-[a-z]+-[0-9]+$`
	// +irsa:schema:allowed=an AWS region such as eu-west-1, cn-north-1 or us-gov-west-1
	Region string `yaml:"region,omitempty"`
	// ProviderAccountID is the 12-digit account that holds the IAM OIDC provider for the issuer.
	// Default: the role's account.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]{12}$`
	// +irsa:schema:allowed=exactly 12 digits, quoted in YAML ("012345678901")
	ProviderAccountID string `yaml:"providerAccountID,omitempty"`
}

// ConfigCluster is a cluster of an IRSAConfig: a Cluster, and what only the IRSAConfig says of
// it.
type ConfigCluster struct {
	// Cluster is the cluster, as a binding names it.
	Cluster `yaml:",inline"`
	// OIDCThumbprints are the SHA-1 thumbprints (40 lower-case hex digits) of the top
	// intermediate or root CA certificate of the issuer's JWKS endpoint: the thumbprint list of
	// the ACK OpenIDConnectProvider of ack.oidcProviders, which requires them. IAM always holds
	// a thumbprint, and the ACK controller would otherwise try to empty IAM's list and never
	// sync. For issuers whose certificate is from a CA in IAM's trusted library (EKS issuers,
	// S3-hosted JWKS) IAM keeps the thumbprint but does not use it for validation.
	// +optional
	// +kubebuilder:validation:MaxItems=5
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{40}$`
	// +kubebuilder:validation:UniqueItems=true
	// +irsa:schema:allowed=40 lower-case hex digits, each thumbprint once
	OIDCThumbprints []string `yaml:"oidcThumbprints,omitempty"`
}

// ServiceAccount is one Kubernetes service account that assumes the role.
type ServiceAccount struct {
	// Name of the service account. Default: the binding's name.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +irsa:schema:allowed=a DNS-1123 subdomain: at most 253 lower case letters, digits, '-' and '.', starting and ending with a letter or digit
	Name string `yaml:"name,omitempty"`
	// Namespace of the service account. Default: the binding's namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +irsa:schema:allowed=a DNS-1123 label: at most 63 lower case letters, digits and '-', starting and ending with a letter or digit
	Namespace string `yaml:"namespace,omitempty"`
	// Create renders a new ServiceAccount (true, the default); false annotates the one found in
	// the input, and it is an error if there is none.
	// +optional
	// +kubebuilder:default=true
	Create *bool `yaml:"create,omitempty"`
	// Audience of the projected token: the eks.amazonaws.com/audience annotation and the trust
	// policy's aud condition. Default: sts.amazonaws.com.
	// +optional
	// +kubebuilder:validation:Pattern=`^[^ \t\n]*$`
	// +kubebuilder:default="sts.amazonaws.com"
	// +irsa:schema:allowed=one audience without spaces, such as sts.amazonaws.com
	Audience string `yaml:"audience,omitempty"`
	// TokenExpiration in seconds: the eks.amazonaws.com/token-expiration annotation. At least 600,
	// the pod identity webhook's minimum.
	// +optional
	// +kubebuilder:validation:Minimum=600
	// +irsa:schema:allowed=at least 600 seconds
	TokenExpiration int64 `yaml:"tokenExpiration,omitempty"`
	// STSRegionalEndpoints sets the eks.amazonaws.com/sts-regional-endpoints annotation.
	// +optional
	STSRegionalEndpoints *bool `yaml:"stsRegionalEndpoints,omitempty"`
}

// Role is the IAM role the service accounts assume.
type Role struct {
	// AccountID is the 12-digit AWS account of the role. Required here or in the IRSAConfig,
	// unless arn is set.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]{12}$`
	// +irsa:schema:allowed=exactly 12 digits, quoted in YAML ("012345678901")
	AccountID string `yaml:"accountID,omitempty"`
	// Name of the role. Default: <cluster>-<namespace>-<service account>, cut to 64 characters
	// with a stable hash.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[\w+=,.@-]+$`
	// +irsa:schema:allowed=1-64 characters of A-Z a-z 0-9 + = , . @ _ -
	Name string `yaml:"name,omitempty"`
	// ARN of an existing role to use. When set, irsa-fn renders only the service accounts and
	// workloads and no IAM output.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role/([\x21-\x7E]{0,510}/)?[\w+=,.@-]{1,64}$`
	// +irsa:schema:allowed=arn:<aws, aws-cn or aws-us-gov>:iam::<12-digit account>:role/<path><name>, with a path and name as role.path and role.name allow
	ARN string `yaml:"arn,omitempty"`
	// Path of the role: / or /segments/. Default: /.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^/([\x21-\x7E]*/)?$`
	// +kubebuilder:default="/"
	// +irsa:schema:allowed=/ or /segments/ of printable ASCII, at most 512 characters
	Path string `yaml:"path,omitempty"`
	// Description of the role.
	// +optional
	// +kubebuilder:validation:MaxLength=1000
	// +kubebuilder:validation:Pattern=`^[\t\n\r\x20-\x7E\xA1-\xFF]*$`
	// +irsa:schema:allowed=at most 1000 characters of printable Latin-1
	Description string `yaml:"description,omitempty"`
	// MaxSessionDuration in seconds, 3600 to 43200. Default: 3600.
	// +optional
	// +kubebuilder:validation:Minimum=3600
	// +kubebuilder:validation:Maximum=43200
	// +kubebuilder:default=3600
	// +irsa:schema:allowed=3600 to 43200 seconds (1 to 12 hours)
	MaxSessionDuration int64 `yaml:"maxSessionDuration,omitempty"`
	// PermissionsBoundary is the ARN of a managed policy that bounds the role's permissions.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}|aws):policy/[\x21-\x7E]+$`
	// +irsa:schema:allowed=a managed policy ARN, arn:<partition>:iam::<account or aws>:policy/<name>
	PermissionsBoundary string `yaml:"permissionsBoundary,omitempty"`
	// Tags of the role; tags from the IRSAConfig defaults merge in, the binding's win.
	// +optional
	// +kubebuilder:validation:MaxProperties=50
	// +irsa:schema:rule={"propertyNames":{"minLength":1,"maxLength":128,"pattern":"^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$","not":{"pattern":"^[aA][wW][sS]:"}},"additionalProperties":{"maxLength":256,"pattern":"^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$"},"errorMessage":"must be at most 50 tags, keys of 1-128 and values of 0-256 letters, digits, spaces and _ . : / = + - @, no key starting with aws:"}
	Tags map[string]string `yaml:"tags,omitempty"`
}

// Policies are the permission policies of the role.
type Policies struct {
	// Managed policy ARNs to attach, such as arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess.
	// +optional
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:Pattern=`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}|aws):policy/[\x21-\x7E]+$`
	// +kubebuilder:validation:UniqueItems=true
	// +irsa:schema:allowed=a managed policy ARN, arn:aws:iam::aws:policy/<name> or arn:aws:iam::<account>:policy/<path><name>, each once
	Managed []string `yaml:"managed,omitempty"`
	// Inline policies embedded in the role.
	// +optional
	Inline []InlinePolicy `yaml:"inline,omitempty"`
	// CustomerManaged policies are created as reusable IAM policies (ACK Policy objects) and
	// attached to the role, for documents too large to inline or shared by roles.
	// +optional
	CustomerManaged []CustomerManagedPolicy `yaml:"customerManaged,omitempty"`
	// WellKnown grants an add-on the permissions its documentation publishes, scoped by the
	// parameters given: external-dns, cert-manager, cluster-autoscaler,
	// aws-load-balancer-controller, ebs-csi-driver, efs-csi-driver, external-secrets, velero,
	// karpenter-controller.
	// +optional
	// +irsa:schema:wellKnown
	WellKnown []WellKnownPolicy `yaml:"wellKnown,omitempty"`
}

// WellKnownPolicy names an add-on and the parameters its policy is scoped by. Each add-on takes
// only the parameters it uses.
type WellKnownPolicy struct {
	// Name of the add-on.
	// +kubebuilder:validation:Enum=aws-load-balancer-controller;cert-manager;cluster-autoscaler;ebs-csi-driver;efs-csi-driver;external-dns;external-secrets;karpenter-controller;velero
	Name string `yaml:"name"`
	// ClusterName scopes cluster-autoscaler and karpenter-controller. Default: spec.clusters[0].name.
	// +optional
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:Pattern=`^[0-9A-Za-z][A-Za-z0-9\-_]*$`
	// +irsa:schema:allowed=an EKS cluster name: 1-100 of A-Z a-z 0-9 - _, starting with a letter or digit
	ClusterName string `yaml:"clusterName,omitempty"`
	// Region scopes karpenter-controller. Default: the first cluster's region.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-gov)?-[a-z]+-[0-9]+$`
	// +irsa:schema:allowed=an AWS region such as eu-west-1
	Region string `yaml:"region,omitempty"`
	// HostedZoneIDs are the Route 53 zones external-dns and cert-manager may change.
	// +optional
	// +kubebuilder:validation:Pattern=`^Z[A-Z0-9]{1,31}$`
	// +irsa:schema:allowed=a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ (not the domain name)
	HostedZoneIDs []string `yaml:"hostedZoneIDs,omitempty"`
	// BucketNames are the S3 buckets velero stores backups in.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`
	// +irsa:schema:allowed=an S3 bucket name: 3-63 of a-z 0-9 . -
	BucketNames []string `yaml:"bucketNames,omitempty"`
	// KMSKeyARNs are the KMS keys ebs-csi-driver, velero or external-secrets use.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:([^:]*:){4}[\s\S]*$`
	// +irsa:schema:allowed=an ARN arn:partition:service:region:account:resource
	KMSKeyARNs []string `yaml:"kmsKeyARNs,omitempty"`
	// SecretARNs are the Secrets Manager secrets external-secrets may read (wildcards allowed).
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:([^:]*:){4}[\s\S]*$`
	// +irsa:schema:allowed=an ARN arn:partition:service:region:account:resource
	SecretARNs []string `yaml:"secretARNs,omitempty"`
	// ParameterARNs are the SSM parameters external-secrets may read (wildcards allowed).
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:([^:]*:){4}[\s\S]*$`
	// +irsa:schema:allowed=an ARN arn:partition:service:region:account:resource
	ParameterARNs []string `yaml:"parameterARNs,omitempty"`
	// NodeRoleARN is karpenter-controller's node role. Default: role/KarpenterNodeRole-<cluster>.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:([^:]*:){4}[\s\S]*$`
	// +irsa:schema:allowed=an ARN arn:partition:service:region:account:resource
	NodeRoleARN string `yaml:"nodeRoleARN,omitempty"`
	// InterruptionQueueARN is karpenter-controller's SQS interruption queue. Default: a queue
	// named like the cluster.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:([^:]*:){4}[\s\S]*$`
	// +irsa:schema:allowed=an ARN arn:partition:service:region:account:resource
	InterruptionQueueARN string `yaml:"interruptionQueueARN,omitempty"`
}

// CustomerManagedPolicy is a policy created in the account and attached to the role.
// +irsa:schema:rule={"oneOf":[{"required":["statements"],"properties":{"statements":{"minItems":1}}},{"required":["document"],"properties":{"document":{"minLength":1}}}],"errorMessage":"must have statements, or document: a JSON policy document; not both"}
type CustomerManagedPolicy struct {
	// Name of the policy.
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[\w+=,.@-]+$`
	// +irsa:schema:allowed=1-128 characters of A-Z a-z 0-9 + = , . @ _ -
	Name string `yaml:"name"`
	// Path of the policy. Default: the role's path.
	// +optional
	// +kubebuilder:validation:Pattern=`^/([\x21-\x7E]*/)?$`
	// +kubebuilder:validation:MaxLength=512
	// +irsa:schema:allowed=/ or /segments/ of printable ASCII, at most 512 characters
	Path string `yaml:"path,omitempty"`
	// Description of the policy.
	// +optional
	// +kubebuilder:validation:MaxLength=1000
	Description string `yaml:"description,omitempty"`
	// Statements of the policy, written as YAML.
	// +optional
	Statements []Statement `yaml:"statements,omitempty"`
	// Document is a whole IAM policy document as JSON.
	// +optional
	Document string `yaml:"document,omitempty"`
}

// InlinePolicy is one inline policy: either statements or a whole JSON document.
// +irsa:schema:rule={"oneOf":[{"required":["statements"],"properties":{"statements":{"minItems":1}}},{"required":["document"],"properties":{"document":{"minLength":1}}}],"errorMessage":"must have statements, or document: a JSON policy document; not both"}
type InlinePolicy struct {
	// Name of the policy.
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[\w+=,.@-]+$`
	// +irsa:schema:allowed=1-128 characters of A-Z a-z 0-9 + = , . @ _ -
	Name string `yaml:"name"`
	// Statements of the policy, written as YAML.
	// +optional
	Statements []Statement `yaml:"statements,omitempty"`
	// Document is a whole IAM policy document as JSON; it is checked and written in canonical form.
	// +optional
	Document string `yaml:"document,omitempty"`
}

// Statement is one IAM policy statement.
// +irsa:schema:rule={"oneOf":[{"required":["actions"],"properties":{"actions":{"minItems":1}}},{"required":["notActions"],"properties":{"notActions":{"minItems":1}}}],"errorMessage":"must have actions or notActions, not both"}
// +irsa:schema:rule={"oneOf":[{"required":["resources"],"properties":{"resources":{"minItems":1}}},{"required":["notResources"],"properties":{"notResources":{"minItems":1}}}],"errorMessage":"must have resources or notResources, not both"}
type Statement struct {
	// Sid is an optional statement ID.
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]*$`
	// +irsa:schema:allowed=letters and digits
	Sid string `yaml:"sid,omitempty"`
	// Effect is Allow or Deny. Default: Allow.
	// +optional
	// +kubebuilder:validation:Enum=Allow;Deny
	// +kubebuilder:default="Allow"
	Effect string `yaml:"effect,omitempty"`
	// Actions the statement allows or denies, such as s3:PutObject.
	// +optional
	// +kubebuilder:validation:Pattern=`^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$`
	// +irsa:schema:allowed=service:Action, wildcards * and ? (such as s3:GetObject or s3:Get*), or *
	Actions []string `yaml:"actions,omitempty"`
	// NotActions: every action but these (warned about).
	// +optional
	// +kubebuilder:validation:Pattern=`^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$`
	// +irsa:schema:allowed=service:Action, wildcards * and ? (such as s3:GetObject or s3:Get*), or *
	NotActions []string `yaml:"notActions,omitempty"`
	// Resources the statement applies to: ARNs or *.
	// +optional
	// +kubebuilder:validation:Pattern=`^(\*|arn:([^:]*:){4}[\s\S]*)$`
	// +irsa:schema:allowed=*, or an ARN arn:partition:service:region:account:resource
	Resources []string `yaml:"resources,omitempty"`
	// NotResources: every resource but these (warned about).
	// +optional
	// +kubebuilder:validation:Pattern=`^(\*|arn:([^:]*:){4}[\s\S]*)$`
	// +irsa:schema:allowed=*, or an ARN arn:partition:service:region:account:resource
	NotResources []string `yaml:"notResources,omitempty"`
	// Conditions is an IAM condition block: operator, then condition key, then a value or a list
	// of values, as in JSON.
	// +optional
	// +irsa:schema:rule={"propertyNames":{"pattern":"^(Null|(ForAllValues:|ForAnyValue:)?(StringEquals|StringNotEquals|StringEqualsIgnoreCase|StringNotEqualsIgnoreCase|StringLike|StringNotLike|NumericEquals|NumericNotEquals|NumericLessThan|NumericLessThanEquals|NumericGreaterThan|NumericGreaterThanEquals|DateEquals|DateNotEquals|DateLessThan|DateLessThanEquals|DateGreaterThan|DateGreaterThanEquals|Bool|BinaryEquals|IpAddress|NotIpAddress|ArnEquals|ArnLike|ArnNotEquals|ArnNotLike)(IfExists)?)$"},"additionalProperties":{"minProperties":1,"errorMessage":"must have one or more condition keys"},"errorMessage":"must be IAM condition operators such as StringEquals, ArnLike, Bool (with ForAnyValue:/ForAllValues: or IfExists), each with one or more condition keys"}
	Conditions map[string]map[string]StringList `yaml:"conditions,omitempty"`
}

// WorkloadRef selects workloads to run as one of the binding's service accounts: by kind and
// name, or by label selector.
// +irsa:schema:rule={"oneOf":[{"required":["selector"]},{"required":["name"],"properties":{"name":{"minLength":1}}}],"errorMessage":"must have name (with kind), or selector; not both"}
// +irsa:schema:rule={"anyOf":[{"not":{"required":["name"],"properties":{"name":{"minLength":1}}}},{"required":["kind"]}],"errorMessage":"must have kind with name"}
type WorkloadRef struct {
	// Kind of the workload. With a selector, limits it to that kind.
	// +optional
	// +kubebuilder:validation:Enum=Deployment;StatefulSet;DaemonSet;ReplicaSet;Job;CronJob;Pod;Rollout
	Kind string `yaml:"kind,omitempty"`
	// Name of the workload; requires kind.
	// +optional
	Name string `yaml:"name,omitempty"`
	// Namespace of the workload. Default: the service account's namespace.
	// +optional
	Namespace string `yaml:"namespace,omitempty"`
	// Selector picks every workload in the namespace whose labels match.
	// +optional
	Selector *LabelSelector `yaml:"selector,omitempty"`
	// ServiceAccount names which of serviceAccounts the workloads run as. Default: the first.
	// +optional
	ServiceAccount string `yaml:"serviceAccount,omitempty"`
}

// LabelSelector is a Kubernetes label selector.
// +irsa:schema:rule={"anyOf":[{"required":["matchLabels"],"properties":{"matchLabels":{"minProperties":1}}},{"required":["matchExpressions"],"properties":{"matchExpressions":{"minItems":1}}}],"errorMessage":"must have matchLabels or matchExpressions: an empty selector would match every workload of the namespace"}
type LabelSelector struct {
	// MatchLabels: every label must be present with this value.
	// +optional
	MatchLabels map[string]string `yaml:"matchLabels,omitempty"`
	// MatchExpressions: every requirement must hold.
	// +optional
	MatchExpressions []LabelSelectorRequirement `yaml:"matchExpressions,omitempty"`
}

// LabelSelectorRequirement is one requirement of a label selector.
// +irsa:schema:rule={"anyOf":[{"required":["values"],"properties":{"operator":{"enum":["In","NotIn"]},"values":{"minItems":1}}},{"properties":{"operator":{"enum":["Exists","DoesNotExist"]},"values":{"maxItems":0}}}],"errorMessage":"must have values with operator In or NotIn, and none with Exists or DoesNotExist"}
type LabelSelectorRequirement struct {
	// Key is the label key.
	Key string `yaml:"key"`
	// Operator is In, NotIn, Exists or DoesNotExist.
	// +kubebuilder:validation:Enum=In;NotIn;Exists;DoesNotExist
	Operator string `yaml:"operator"`
	// Values for In and NotIn.
	// +optional
	Values []string `yaml:"values,omitempty"`
}

// Mode is how pods obtain the role's credentials.
type Mode string

// The modes.
const (
	ModeIRSA        Mode = "irsa"
	ModePodIdentity Mode = "podIdentity"
	ModeBoth        Mode = "both"
)

// Output is one form in which the IAM role is rendered: one of generator.Outputs, which gives
// the schema its values (+irsa:schema:outputs on a field). A test checks that the constants
// below are those outputs.
type Output string

// The outputs.
const (
	OutputACK        Output = "ack"
	OutputCrossplane Output = "crossplane"
	OutputJSON       Output = "json"
	OutputNone       Output = "none"
)

// IRSAConfig holds the per-cluster settings and the defaults shared by every IRSABinding of a
// render; usually the function config of a cluster overlay.
// +irsa:root
type IRSAConfig struct {
	// APIVersion must be irsa.dev/v1alpha1.
	// +kubebuilder:validation:Enum=irsa.dev/v1alpha1
	APIVersion string `yaml:"apiVersion"`
	// Kind must be IRSAConfig.
	// +kubebuilder:validation:Enum=IRSAConfig
	Kind string `yaml:"kind"`
	// Metadata of the config.
	Metadata ObjectMeta `yaml:"metadata"`
	// Spec holds the clusters and defaults.
	Spec ConfigSpec `yaml:"spec"`
}

// ConfigSpec is the body of an IRSAConfig.
type ConfigSpec struct {
	// Owner is the value of the irsa.dev/owner tag `irsa-fn apply` puts on every role rendered with
	// this config, and the only roles `irsa-fn apply --prune` may delete. Give each pipeline (each
	// cluster, each account's deployer) its own owner: two pipelines with one owner prune each
	// other's roles. irsa-fn, the old default, is refused: roles tagged with it are re-tagged with
	// `irsa-fn apply --adopt-owner irsa-fn`.
	// +kubebuilder:validation:Pattern=`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +irsa:schema:allowed=1-256 letters, digits, spaces and _ . : / = + - @, as an IAM tag value
	Owner string `yaml:"owner,omitempty"`
	// Clusters used by every binding that names none.
	// +optional
	Clusters []ConfigCluster `yaml:"clusters,omitempty"`
	// Defaults for every binding's settings.
	// +optional
	Defaults Settings `yaml:"defaults,omitempty"`
	// ACK says where ACK objects go.
	// +optional
	ACK ACKSettings `yaml:"ack,omitempty"`
	// Crossplane says how Crossplane managed resources are rendered.
	// +optional
	Crossplane CrossplaneSettings `yaml:"crossplane,omitempty"`
	// Quotas are the account's IAM quotas, when raised above the defaults.
	// +optional
	Quotas Quotas `yaml:"quotas,omitempty"`
	// Lint tunes the least-privilege checks.
	// +optional
	Lint LintSettings `yaml:"lint,omitempty"`
	// Guardrails are the platform's rules: checked after defaults are merged, never overridable by
	// a binding. A binding that breaks one is an error naming the guardrail.
	// +optional
	Guardrails Guardrails `yaml:"guardrails,omitempty"`
}

// ClusterList returns the IRSAConfig's clusters as a binding names them.
func (s ConfigSpec) ClusterList() []Cluster {
	var out []Cluster
	for _, c := range s.Clusters {
		out = append(out, c.Cluster)
	}
	return out
}

// Guardrails are the rules a platform sets for every binding rendered with its IRSAConfig.
type Guardrails struct {
	// CrossNamespace lists the namespaces a binding may name service accounts and workloads in,
	// besides its own; ["*"] allows every namespace. Default: none, a binding stays in its
	// namespace.
	// +optional
	CrossNamespace []string `yaml:"crossNamespace,omitempty"`
	// PermissionsBoundary is the boundary every role gets; a binding that sets another is an
	// error.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}|aws):policy/[\x21-\x7E]+$`
	// +irsa:schema:allowed=a managed policy ARN, arn:<partition>:iam::<account or aws>:policy/<name>
	PermissionsBoundary string `yaml:"permissionsBoundary,omitempty"`
	// RolePath is the prefix every role's path must have, such as /irsa/.
	// +optional
	// +kubebuilder:validation:Pattern=`^/([\x21-\x7E]*/)?$`
	// +kubebuilder:validation:MaxLength=512
	// +irsa:schema:allowed=/ or /segments/ of printable ASCII, at most 512 characters, such as /irsa/
	RolePath string `yaml:"rolePath,omitempty"`
	// Accounts are the only accounts roles may be in.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]{12}$`
	// +kubebuilder:validation:UniqueItems=true
	// +irsa:schema:allowed=exactly 12 digits, quoted in YAML ("012345678901"), each account once
	Accounts []string `yaml:"accounts,omitempty"`
	// DeniedActions are action patterns (iam:*, sts:AssumeRole, *) that no inline, JSON,
	// customer managed or well-known statement may grant: a statement grants a pattern when its
	// actions overlap it, NotAction meaning every action but those listed.
	// +optional
	// +kubebuilder:validation:Pattern=`^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$`
	// +irsa:schema:allowed=service:Action, wildcards * and ? (such as s3:GetObject or s3:Get*), or *
	DeniedActions []string `yaml:"deniedActions,omitempty"`
	// DeniedManagedPolicies are name patterns (AdministratorAccess, *FullAccess) of AWS managed
	// policies that no role may attach.
	// +optional
	// +kubebuilder:validation:Pattern=`^[\w+=,.@/*?-]{1,512}$`
	// +irsa:schema:allowed=a policy name or path/name with wildcards * and ?, such as AdministratorAccess, *FullAccess or service-role/*; not an ARN
	DeniedManagedPolicies []string `yaml:"deniedManagedPolicies,omitempty"`
}

// ACKSettings place the ACK objects.
type ACKSettings struct {
	// Namespace for ACK objects. Default: the binding's namespace.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +irsa:schema:allowed=a DNS-1123 label: at most 63 lower case letters, digits and '-', starting and ending with a letter or digit
	Namespace string `yaml:"namespace,omitempty"`
	// Region sets the services.k8s.aws/region annotation on ACK objects. A Pod Identity
	// association is in its cluster's region (spec.clusters[].region, or the region of its EKS
	// issuer); this is the region only of the associations of clusters without one.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-gov)?-[a-z]+-[0-9]+$`
	// +irsa:schema:allowed=an AWS region such as eu-west-1
	Region string `yaml:"region,omitempty"`
	// DeletionPolicy sets the services.k8s.aws/deletion-policy annotation: retain keeps the AWS
	// resource when the object is deleted. Default: the controller's (delete), except for the
	// OIDC providers of oidcProviders, which are retained unless this says delete.
	// +optional
	// +kubebuilder:validation:Enum=delete;retain
	DeletionPolicy string `yaml:"deletionPolicy,omitempty"`
	// AdoptionPolicy sets the services.k8s.aws/adoption-policy annotation (with the
	// adoption-fields that identify each resource): adopt, or adopt-or-create to take over
	// roles and policies that already exist.
	// +optional
	// +kubebuilder:validation:Enum=adopt;adopt-or-create
	AdoptionPolicy string `yaml:"adoptionPolicy,omitempty"`
	// OIDCProviders renders an ACK OpenIDConnectProvider per cluster issuer, with the audiences
	// the bindings use as client IDs. ACK then owns each provider's client-ID list: it removes
	// the client IDs the object does not list (a warning says so on every render). The providers
	// are retained when their objects are deleted (services.k8s.aws/deletion-policy: retain),
	// as every IRSA role of the cluster needs its provider, unless deletionPolicy says delete.
	// +optional
	OIDCProviders bool `yaml:"oidcProviders,omitempty"`
}

// LintSettings tune the least-privilege checks.
type LintSettings struct {
	// WarningsAsErrors fails the render on any warning (wildcards, NotAction, policies near their
	// quota), for teams that want a hard gate.
	// +optional
	WarningsAsErrors bool `yaml:"warningsAsErrors,omitempty"`
	// IAMReference is how a policy that IAM's embedded service reference says would be refused or
	// never match (an unknown action, a resource no action of the statement acts on, an AWS
	// managed policy that does not exist) is reported: Error (the default) fails the render;
	// Warning lets it render, for an action, resource form or managed policy newer than the
	// embedded data, or a gap in it.
	// +optional
	// +kubebuilder:validation:Enum=Error;Warning
	// +kubebuilder:default="Error"
	IAMReference string `yaml:"iamReference,omitempty"`
}

// IAMReferenceWarning is the LintSettings.IAMReference value that reports findings against IAM's
// service reference as warnings.
const IAMReferenceWarning = "Warning"

// CrossplaneSettings shape the Upbound provider-aws managed resources.
// +irsa:schema:rule={"not":{"required":["namespace"],"properties":{"namespace":{"minLength":1},"scope":{"not":{"enum":["Namespaced"]}}}},"errorMessage":"must set namespace only with scope: Namespaced"}
// +irsa:schema:rule={"not":{"required":["providerConfigRef"],"properties":{"providerConfigRef":{"required":["kind"],"properties":{"kind":{"minLength":1}}},"scope":{"not":{"enum":["Namespaced"]}}}},"errorMessage":"must set providerConfigRef.kind only with scope: Namespaced"}
type CrossplaneSettings struct {
	// Scope is Cluster for the cluster-scoped *.aws.upbound.io groups (provider-aws v1 style),
	// or Namespaced for the *.aws.m.upbound.io groups (provider-aws v2). Default: Cluster.
	// +optional
	// +kubebuilder:validation:Enum=Cluster;Namespaced
	// +kubebuilder:default="Cluster"
	Scope string `yaml:"scope,omitempty"`
	// Namespace of namespaced managed resources. Default: the binding's namespace.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +irsa:schema:allowed=a DNS-1123 label: at most 63 lower case letters, digits and '-', starting and ending with a letter or digit
	Namespace string `yaml:"namespace,omitempty"`
	// ProviderConfigRef names the ProviderConfig the managed resources use. Default: default
	// (of kind ClusterProviderConfig for namespaced resources).
	// +optional
	ProviderConfigRef ProviderConfigRef `yaml:"providerConfigRef,omitempty"`
	// DeletionPolicy of the managed resources: Delete or Orphan. Default: Crossplane's (Delete).
	// +optional
	// +kubebuilder:validation:Enum=Delete;Orphan
	DeletionPolicy string `yaml:"deletionPolicy,omitempty"`
}

// ProviderConfigRef references a Crossplane ProviderConfig.
type ProviderConfigRef struct {
	// Name of the ProviderConfig.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +kubebuilder:default="default"
	// +irsa:schema:allowed=a DNS-1123 subdomain: at most 253 lower case letters, digits, '-' and '.', starting and ending with a letter or digit
	Name string `yaml:"name,omitempty"`
	// Kind of the ProviderConfig, for namespaced managed resources: ProviderConfig or
	// ClusterProviderConfig.
	// +optional
	// +kubebuilder:validation:Enum=ProviderConfig;ClusterProviderConfig
	Kind string `yaml:"kind,omitempty"`
}

// Quotas are IAM quotas of the account that can be raised on request.
type Quotas struct {
	// TrustPolicySize is the role trust policy length quota in characters, 2048 to 4096.
	// Default: 2048.
	// +optional
	// +kubebuilder:validation:Minimum=2048
	// +kubebuilder:validation:Maximum=4096
	// +kubebuilder:default=2048
	TrustPolicySize int64 `yaml:"trustPolicySize,omitempty"`
	// ManagedPoliciesPerRole is the quota of managed policies attached to one role, 10 to 20.
	// Default: 10.
	// +optional
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=20
	// +kubebuilder:default=10
	ManagedPoliciesPerRole int64 `yaml:"managedPoliciesPerRole,omitempty"`
}
