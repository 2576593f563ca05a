// Package generator is irsa-fn's domain logic: from one IRSABinding and the IRSAConfig of its
// render it derives the role name and ARN, the trust and permission policies, the service
// accounts' annotations, the workloads to point at them, and the objects to render, checking
// every IAM fact on the way. It does no I/O and knows nothing of YAML trees, so it is tested as
// plain data.
package generator

import (
	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// Labels and annotations that irsa-fn writes.
const (
	// LabelManagedBy marks every object irsa-fn generates.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// ManagedByValue is the value of LabelManagedBy.
	ManagedByValue = "irsa-fn"
	// AnnotationBinding names the binding (namespace/name) an object was generated or annotated for.
	AnnotationBinding = "irsa.dev/binding"
	// AnnotationConfig names the IRSAConfig an object was generated for (OIDC providers).
	AnnotationConfig = "irsa.dev/config"

	AnnotationRoleARN              = "eks.amazonaws.com/role-arn"
	AnnotationAudience             = "eks.amazonaws.com/audience"
	AnnotationTokenExpiration      = "eks.amazonaws.com/token-expiration"
	AnnotationSTSRegionalEndpoints = "eks.amazonaws.com/sts-regional-endpoints"
)

// ServiceAccountAnnotations are the annotations irsa-fn owns on a ServiceAccount; a re-render
// replaces all of them.
var ServiceAccountAnnotations = []string{
	AnnotationRoleARN, AnnotationAudience, AnnotationTokenExpiration, AnnotationSTSRegionalEndpoints, AnnotationBinding,
}

// Input is one binding and the IRSAConfig of its render (nil when there is none).
type Input struct {
	Binding v1alpha1.IRSABinding
	Config  *v1alpha1.IRSAConfig
	// Skipped are the binding's fields whose values the decoder could not use (see
	// v1alpha1.DecodeBindingNode); they read as unset in Binding. A binding with skipped fields
	// is only checked: no check that reads a skipped field runs, and nothing is reported about
	// a skipped field, a field under it, or the object that holds it (it would only say that the
	// field is missing).
	Skipped []diag.Path
}

// Result is everything one binding renders to.
type Result struct {
	// Binding is the binding's namespace/name, as written into AnnotationBinding.
	Binding string
	// RoleARN is the ARN the service accounts are annotated with.
	RoleARN string
	// ServiceAccounts to create or annotate.
	ServiceAccounts []ServiceAccount
	// Workloads to point at the service accounts.
	Workloads []Workload
	// Role is the IAM role to render; nil for a bring-your-own role.
	Role *Role
	// Objects are the IAM objects the binding's outputs render (see Outputs).
	Objects []Object
	// OIDCProviders are the IAM OIDC providers the trust policy relies on, one per cluster.
	OIDCProviders []v1alpha1.OIDCProvider
	// PodIdentityClusters are the clusters whose EKS Pod Identity associations give the service
	// accounts the role (mode podIdentity or both); none in mode irsa.
	PodIdentityClusters []string
	// IRSA and PodIdentity say which mechanisms the binding's mode uses, known even when the
	// binding has errors.
	IRSA, PodIdentity bool
	// Diagnostics are every problem and note found; the result is usable only without errors.
	Diagnostics diag.List
}

// ServiceAccount is one service account of a binding.
type ServiceAccount struct {
	Name, Namespace string
	// Audience is the aud claim of its tokens.
	Audience string
	// Create renders a new ServiceAccount; otherwise the one in the input is annotated.
	Create bool
	// TokenExpiration is the expiration the binding declares for its tokens, in seconds; 0 for
	// none (the webhook's default).
	TokenExpiration int64
	// STSRegionalEndpoints is whether the binding asks for regional STS endpoints; nil: it does
	// not say.
	STSRegionalEndpoints *bool
	// Annotations irsa-fn sets on it (a subset of ServiceAccountAnnotations).
	Annotations map[string]string
	// Field is where the service account is declared, for diagnostics.
	Field diag.Path
}

// Workload is a resolved workloads entry of a binding.
type Workload struct {
	// Kind limits a selector to one kind; with Name, it names one workload.
	Kind, Name, Namespace string
	// Selector picks workloads by label when Name is empty.
	Selector *v1alpha1.LabelSelector
	// ServiceAccount is the name of the service account the workloads run as.
	ServiceAccount string
	// Field is where the entry is declared, for diagnostics.
	Field diag.Path
}

// Role is the IAM role a binding declares, ready to render in any output form.
type Role struct {
	Name, Path, ARN, Partition, AccountID string
	Description                           string
	MaxSessionDuration                    int64
	PermissionsBoundary                   string
	// Tags sorted by key.
	Tags []Tag
	// Trust is the assume-role (trust) policy.
	Trust iampolicy.Document
	// Inline policies in declared order.
	Inline []NamedPolicy
	// Managed policy ARNs in declared order.
	Managed []string
	// CustomerManaged policies to create and attach, in declared order.
	CustomerManaged []ManagedPolicy
}

// ManagedPolicy is a customer managed policy irsa-fn creates.
type ManagedPolicy struct {
	Name, Path, Description, ARN string
	Document                     iampolicy.Document
}

// Tag is one IAM tag.
type Tag = v1alpha1.Tag

// NamedPolicy is an inline policy and its name.
type NamedPolicy struct {
	Name     string
	Document iampolicy.Document
}

// generate derives everything one binding renders to. It never stops at the first problem:
// Result.Diagnostics holds all of them.
func generate(in Input) Result {
	r := newResolver(in)
	r.resolve()
	r.dropSkipped()
	if len(in.Skipped) > 0 {
		// Read from an incomplete binding: its checks are all it gives.
		return Result{Binding: r.bindingID, Diagnostics: r.diags}
	}
	res := Result{
		Binding:         r.bindingID,
		ServiceAccounts: r.serviceAccounts,
		Workloads:       r.workloads,
		Diagnostics:     r.diags,
		IRSA:            r.irsa(),
		PodIdentity:     r.podIdentity(),
	}
	if res.Diagnostics.HasErrors() {
		return res
	}
	res.RoleARN = r.roleARN
	res.Role = r.role
	for i := range res.ServiceAccounts {
		res.ServiceAccounts[i].Annotations = r.serviceAccountAnnotations(r.spec.ServiceAccounts[i])
		res.ServiceAccounts[i].Audience = r.spec.ServiceAccounts[i].Audience
	}
	res.Objects = r.objects()
	if r.role != nil && r.irsa() {
		res.OIDCProviders = r.oidcProviders()
	}
	if r.podIdentity() {
		for _, c := range r.clusters {
			res.PodIdentityClusters = append(res.PodIdentityClusters, c.name)
		}
	}
	return res
}

// Generate derives everything one binding renders to, with the IRSAConfig's lint settings
// applied: when warnings are errors, each warning becomes an error that says so.
func Generate(in Input) Result {
	res := generate(in)
	if in.Config == nil || !in.Config.Spec.Lint.WarningsAsErrors {
		return res
	}
	for i, d := range res.Diagnostics {
		if d.Severity == diag.Warning {
			d.Severity = diag.Error
			d.Allowed = "no warnings: the IRSAConfig sets spec.lint.warningsAsErrors"
			res.Diagnostics[i] = d
		}
	}
	if res.Diagnostics.HasErrors() {
		res.Objects, res.Role = nil, nil
	}
	return res
}
