package generator

import (
	"fmt"
	"strings"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
)

// An Output renders the resolved role model in one form: the values of spec.output. Each output
// is one file (output_<name>.go) and one entry of Outputs, from which the list of supported
// outputs, the checks that depend on them and the schema's enum of spec.output are derived.
type Output interface {
	// Name is the value of spec.output that selects it.
	Name() v1alpha1.Output
	// Traits are what the binding's checks and the schema need to know of it.
	Traits() OutputTraits
	// CheckConfig checks its settings in the IRSAConfig, reporting under spec.
	CheckConfig(cfg *v1alpha1.IRSAConfig, spec diag.Path, l *diag.List)
	// Render returns the objects of one binding; they are named after the role, and those of
	// one binding must not collide.
	Render(m Model) []Object
	// RenderConfig returns what the IRSAConfig itself asks this output to render, given the
	// OIDC providers the render's roles trust (sorted by ARN, each with the audiences in use).
	RenderConfig(cfg *v1alpha1.IRSAConfig, providers []v1alpha1.OIDCProvider) ConfigObjects
	// Read says what an object this output renders stands for in AWS, for the checks across
	// runs and for verify; false for an object it does not render.
	Read(o ObjectView) (Rendered, bool)
}

// Outputs are the outputs irsa-fn renders, in the order the schema lists them. Adding one is
// adding its file and its entry here.
func Outputs() []Output {
	return []Output{ackOutput{}, crossplaneOutput{}, jsonOutput{}, noneOutput{}}
}

// OutputTraits are what the checks and the schema need to know of an output.
type OutputTraits struct {
	// Summary says what it renders, for the schema's description of spec.output.
	Summary string
	// Default makes it the output of a binding that lists none. One output is the default.
	Default bool
	// Alone forbids combining it with other outputs.
	Alone bool
	// NamesObjects is set when its objects are named after the role, which must then leave
	// something of a Kubernetes object name.
	NamesObjects bool
	// CustomerManaged says how it renders customer managed policies ("as ACK Policy objects");
	// empty when it cannot.
	CustomerManaged string
	// ClusterRegion, when set, says why its Pod Identity associations need each cluster's
	// region (from the cluster or its EKS issuer).
	ClusterRegion string
}

// Model is one binding resolved and checked: what an output renders.
type Model struct {
	// Binding is the binding's namespace/name, as written into AnnotationBinding; Namespace is
	// its namespace.
	Binding, Namespace string
	// Config is the IRSAConfig of the render; nil when there is none.
	Config *v1alpha1.IRSAConfig
	// Role is the IAM role to render; nil when the binding names an existing role (role.arn).
	Role *Role
	// RoleARN is the role the service accounts get.
	RoleARN string
	// OIDCProviders are the providers the role's trust names, with the audiences the service
	// accounts use as client IDs; none in mode podIdentity.
	OIDCProviders []v1alpha1.OIDCProvider
	// Associations are the EKS Pod Identity associations, one per cluster and service account;
	// none in mode irsa.
	Associations []Association
}

// Association is one EKS Pod Identity association.
type Association struct {
	// Cluster is the EKS cluster's name, and Region its region where known.
	Cluster, Region string
	// Namespace and ServiceAccount are the service account the association gives the role.
	Namespace, ServiceAccount string
	RoleARN                   string
}

// objectName names the object of an association: <cluster>-<namespace>-<service account>,
// made a valid object name and cut with a hash like role names.
func (a Association) objectName() string {
	return KubernetesName(DefaultRoleName(a.Cluster, a.Namespace, a.ServiceAccount))
}

// meta is the metadata of an object rendered for the binding.
func (m Model) meta(name, namespace string) v1alpha1.ObjectMeta {
	return v1alpha1.ObjectMeta{
		Name:        name,
		Namespace:   namespace,
		Labels:      map[string]string{LabelManagedBy: ManagedByValue},
		Annotations: map[string]string{AnnotationBinding: m.Binding},
	}
}

// tagMap is the role's tags as a map, for resources that take tags that way.
func (m Model) tagMap() map[string]string {
	if m.Role == nil || len(m.Role.Tags) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, t := range m.Role.Tags {
		out[t.Key] = t.Value
	}
	return out
}

// ConfigObjects are the objects an IRSAConfig setting asks an output to render for the whole
// render, beside the bindings' objects.
type ConfigObjects struct {
	// Setting is the IRSAConfig field that asks for them, and Off says how to turn it off.
	Setting diag.Path
	Off     string
	Objects []ConfigObject
	// Errors are what keeps the setting from rendering its objects.
	Errors []diag.Diagnostic
}

// ConfigObject is one object an IRSAConfig setting asks for, with a warning about it that the
// render reports on the setting (none when empty).
type ConfigObject struct {
	Object  Object
	Warning string
}

// ObjectView is what an output reads of an object an earlier render made: no YAML, only what
// the reader gives.
type ObjectView struct {
	APIVersion, Kind string
	Annotations      map[string]string
	// String returns the string at a field path; empty when there is none.
	String func(path ...string) string
}

// group is the API group of the object.
func (o ObjectView) group() string { return groupOf(o.APIVersion) }

// Rendered is what an object an output renders stands for in AWS. At most one of its parts is
// set.
type Rendered struct {
	// RoleName is an IAM role's name, and RoleAccount its account where the object says.
	RoleName, RoleAccount string
	// Trust is an IAM role's trust policy document, as the object holds it.
	Trust string
	// PolicyName is a customer managed policy's name, and PolicyAccount its account where the
	// object says.
	PolicyName, PolicyAccount string
	// Association is an EKS Pod Identity association; nil for other objects.
	Association *Association
}

// ReadObject says what an object an output renders stands for in AWS; the zero Rendered for an
// object no output renders.
func ReadObject(o ObjectView) Rendered {
	for _, out := range Outputs() {
		if r, ok := out.Read(o); ok {
			return r
		}
	}
	return Rendered{}
}

// outputNamed finds the output of a spec.output value.
func outputNamed(name v1alpha1.Output) (Output, bool) {
	for _, o := range Outputs() {
		if o.Name() == name {
			return o, true
		}
	}
	return nil, false
}

// defaultOutputs are the outputs of a binding that lists none.
func defaultOutputs() []v1alpha1.Output {
	var out []v1alpha1.Output
	for _, o := range Outputs() {
		if o.Traits().Default {
			out = append(out, o.Name())
		}
	}
	return out
}

// OutputsDescription describes the values of spec.output and its default, for the schema.
func OutputsDescription() string {
	var each []string
	for _, o := range Outputs() {
		each = append(each, fmt.Sprintf("%s (%s)", o.Name(), o.Traits().Summary))
	}
	var defaults []string
	for _, o := range defaultOutputs() {
		defaults = append(defaults, string(o))
	}
	return fmt.Sprintf("One of: %s. Default: [%s].", strings.Join(each, ", "), strings.Join(defaults, ", "))
}

// OutputNames lists the values of spec.output, in the order of Outputs.
func OutputNames() []string {
	var out []string
	for _, o := range Outputs() {
		out = append(out, string(o.Name()))
	}
	return out
}

// outputsWhere lists, as spec.output values ("output: [none]"), the outputs whose traits pass
// the test.
func outputsWhere(test func(OutputTraits) bool) string {
	var each []string
	for _, o := range Outputs() {
		if test(o.Traits()) {
			each = append(each, fmt.Sprintf("output: [%s]", o.Name()))
		}
	}
	return strings.Join(each, " or ")
}

// customerManagedOutputs says which outputs render customer managed policies, and how.
func customerManagedOutputs() string {
	var each []string
	for _, o := range Outputs() {
		if how := o.Traits().CustomerManaged; how != "" {
			each = append(each, fmt.Sprintf("output: [%s], %s", o.Name(), how))
		}
	}
	return strings.Join(each, " or ")
}
