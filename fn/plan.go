package fn

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/generator"
)

// plan is every change a render makes, decided before any is made.
type plan struct {
	// annotate maps ServiceAccount items to the annotations to set and the binding that owns them.
	annotate map[int]saChange
	// patch maps workload items to the service account they run as.
	patch map[int]workloadClaim
	// add are the new objects, in the order they are rendered.
	add []newObject
	// bindings are the IDs (namespace/name) of the bindings rendered.
	bindings map[string]bool
}

type saChange struct {
	binding     *bindingSource
	annotations map[string]string
}

type workloadClaim struct {
	binding        *bindingSource
	serviceAccount string
	field          diag.Path
}

// newObject is an object the render adds, and the binding or IRSAConfig it is rendered for.
type newObject struct {
	src    *source
	object generator.Object
}

func (r *render) errorAt(b *bindingSource, field diag.Path, allowed, format string, args ...any) {
	r.report(b.src.ref, b.src.file, diag.Diagnostic{Severity: diag.Error, Field: field.String(), Message: fmt.Sprintf(format, args...), Allowed: allowed})
}

func (r *render) noteAt(b *bindingSource, sev diag.Severity, field diag.Path, format string, args ...any) {
	r.report(b.src.ref, b.src.file, diag.Diagnostic{Severity: sev, Field: field.String(), Message: fmt.Sprintf(format, args...)})
}

// describe names a binding and its file for messages about conflicts between bindings.
func describe(b *bindingSource) string {
	if b.src.file == "" {
		return b.src.ref.String()
	}
	return b.src.ref.String() + " (" + b.src.file + ")"
}

func describeItem(o *kfn.KubeObject) string {
	s := refOf(o).String()
	if f := fileOf(o); f != "" {
		s += " (" + f + ")"
	}
	return s
}

func (r *render) makePlan() {
	r.plan = plan{annotate: map[int]saChange{}, patch: map[int]workloadClaim{}, bindings: map[string]bool{}}
	saOwners := map[nsName]*bindingSource{}
	roleOwners := map[string]*bindingSource{}
	objectOwners := map[objectKey]*bindingSource{}
	for _, b := range r.bindings {
		res := b.result
		// Workloads do not depend on the role, so their problems are found even when the
		// binding has others: every problem in one run.
		for _, w := range res.Workloads {
			r.planWorkload(b, w)
		}
		if res.Diagnostics.HasErrors() {
			continue
		}
		r.plan.bindings[res.Binding] = true
		if res.Role != nil {
			key := res.Role.Partition + ":" + res.Role.AccountID + ":" + strings.ToLower(res.Role.Name)
			if other, dup := roleOwners[key]; dup {
				r.errorAt(b, diag.NewPath("spec", "role", "name"), "a role name no other binding uses in the account", "role %q in account %s is also the role of %s; IAM role names are unique per account, ignoring case", res.Role.Name, res.Role.AccountID, describe(other))
			}
			roleOwners[key] = b
		}
		for _, sa := range res.ServiceAccounts {
			r.planServiceAccount(b, sa, saOwners)
		}
		for _, o := range res.Objects {
			r.planObject(b, o, objectOwners)
		}
	}
}

func (r *render) planServiceAccount(b *bindingSource, sa generator.ServiceAccount, owners map[nsName]*bindingSource) {
	key := nsName{sa.Namespace, sa.Name}
	if other, dup := owners[key]; dup {
		r.errorAt(b, sa.Field, "each service account in one binding; list both service accounts in one binding to share a role", "service account %s/%s is also declared by %s", sa.Namespace, sa.Name, describe(other))
		return
	}
	owners[key] = b
	i, found := r.ix.serviceAccount(sa.Namespace, sa.Name)
	if !found {
		if !sa.Create {
			r.errorAt(b, sa.Field.Child("create"), "create: true (the default) to render the ServiceAccount, or a ServiceAccount of that name in the input", "create is false, but no ServiceAccount %s/%s is in the input to annotate", sa.Namespace, sa.Name)
			return
		}
		r.planObject(b, sa.NewServiceAccount(), nil)
		return
	}
	item := r.rl.Items[i]
	owner := item.GetAnnotation(generator.AnnotationBinding)
	// An annotation irsa-fn wrote (owner set) is irsa-fn's to change; one a person wrote is not.
	if current := item.GetAnnotation(generator.AnnotationRoleARN); current != "" && current != b.result.RoleARN && owner == "" {
		r.errorAt(b, sa.Field, fmt.Sprintf("remove the annotation from the ServiceAccount, or set spec.role.arn: %s to use that role", current),
			"ServiceAccount %s is annotated with role %s, but this binding's role is %s", describeItem(item), current, b.result.RoleARN)
		return
	}
	if sa.Create && owner == "" {
		r.noteAt(b, diag.Info, sa.Field, "ServiceAccount %s is already in the input; annotating it in place instead of creating one", describeItem(item))
	}
	r.plan.annotate[i] = saChange{binding: b, annotations: sa.Annotations}
}

func (r *render) planWorkload(b *bindingSource, w generator.Workload) {
	if w.Name != "" {
		i, found := r.ix.workload(w.Kind, w.Namespace, w.Name)
		if !found {
			r.errorAt(b, w.Field.Child("name"), r.workloadsAllowed(w.Kind, w.Namespace),
				"%s %s/%s is not in the input", w.Kind, w.Namespace, w.Name)
			return
		}
		r.claim(b, w, i)
		return
	}
	matched := 0
	for _, i := range r.ix.workloadsIn(w.Namespace) {
		o := r.rl.Items[i]
		if w.Kind != "" && o.GetKind() != w.Kind {
			continue
		}
		if matchesSelector(w.Selector, r.ix.labelsOf(r.rl.Items, i)) {
			matched++
			r.claim(b, w, i)
		}
	}
	if matched == 0 {
		r.noteAt(b, diag.Warning, w.Field.Child("selector"), "the selector matches no workload in namespace %s", w.Namespace)
	}
}

// workloadsAllowed lists the workloads of a kind in a namespace, for the message about a missing one.
func (r *render) workloadsAllowed(kind, namespace string) string {
	var names []string
	for _, i := range r.ix.workloadsIn(namespace) {
		if o := r.rl.Items[i]; o.GetKind() == kind {
			names = append(names, o.GetName())
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf("the name of a %s in namespace %s that the render includes; it has none", kind, namespace)
	}
	sort.Strings(names)
	if len(names) > 10 {
		names = append(names[:10], "...")
	}
	return fmt.Sprintf("a %s of namespace %s in the input: %s", kind, namespace, strings.Join(names, ", "))
}

func (r *render) claim(b *bindingSource, w generator.Workload, i int) {
	o := r.rl.Items[i]
	if prev, claimed := r.plan.patch[i]; claimed {
		if prev.binding != b || prev.serviceAccount != w.ServiceAccount {
			r.errorAt(b, w.Field, "one service account per workload",
				"%s is also claimed by %s %s (service account %s); this entry would run it as %s",
				describeItem(o), describe(prev.binding), prev.field, prev.serviceAccount, w.ServiceAccount)
		}
		return
	}
	if field, ok := podSpecProblem(o); !ok {
		r.errorAt(b, w.Field, "a workload whose "+strings.Join(podSpecPath(o.GetKind()), ".")+" is an object (a pod template)", "%s has no pod spec to patch: %s is not an object", describeItem(o), field)
		return
	}
	if o.GetKind() == "Rollout" {
		if _, found, _ := o.NestedSubObject("spec", "workloadRef"); found {
			r.errorAt(b, w.Field, "the Deployment the Rollout references in spec.workloadRef", "Rollout %s takes its pod template from spec.workloadRef; bind that Deployment instead", describeItem(o))
			return
		}
	}
	r.plan.patch[i] = workloadClaim{binding: b, serviceAccount: w.ServiceAccount, field: w.Field}
}

func (r *render) planObject(b *bindingSource, o generator.Object, owners map[objectKey]*bindingSource) {
	key := objectKey{groupOf(o.APIVersion), o.Kind, o.Metadata.Namespace, o.Metadata.Name}
	if owners != nil {
		if other, dup := owners[key]; dup {
			r.errorAt(b, diag.NewPath("spec", "role", "name"), "a role name that gives a distinct object name", "renders %s %s/%s, as %s does", o.Kind, o.Metadata.Namespace, o.Metadata.Name, describe(other))
			return
		}
		owners[key] = b
	}
	if i, exists := r.ix.ids[key]; exists {
		r.errorAt(b, diag.NewPath("spec"), "remove that object from the input, or choose another role name", "renders %s %s/%s, but %s is already in the input and was not made by irsa-fn", o.Kind, o.Metadata.Namespace, o.Metadata.Name, describeItem(r.rl.Items[i]))
		return
	}
	r.plan.add = append(r.plan.add, newObject{src: b.src, object: o})
}

// planConfigObjects adds what the IRSAConfig itself renders: with ack.oidcProviders, an ACK
// OpenIDConnectProvider per issuer the bindings trust, listing every audience they use.
func (r *render) planConfigObjects() {
	if r.config == nil || !r.config.cfg.Spec.ACK.OIDCProviders {
		return
	}
	merged := map[string]*v1alpha1.OIDCProvider{}
	var order []string
	for _, b := range r.bindings {
		for _, p := range b.result.OIDCProviders {
			m, ok := merged[p.ARN]
			if !ok {
				m = &v1alpha1.OIDCProvider{ARN: p.ARN, URL: p.URL}
				merged[p.ARN] = m
				order = append(order, p.ARN)
			}
			for _, id := range p.ClientIDs {
				if !slices.Contains(m.ClientIDs, id) {
					m.ClientIDs = append(m.ClientIDs, id)
				}
			}
		}
	}
	slices.Sort(order)
	var providers []v1alpha1.OIDCProvider
	for _, arn := range order {
		slices.Sort(merged[arn].ClientIDs)
		providers = append(providers, *merged[arn])
	}
	for _, o := range generator.ACKOIDCProviders(r.config.cfg, providers) {
		key := objectKey{groupOf(o.APIVersion), o.Kind, o.Metadata.Namespace, o.Metadata.Name}
		if i, exists := r.ix.ids[key]; exists {
			r.report(r.config.src.ref, r.config.src.file, diag.Diagnostic{Severity: diag.Error, Field: "spec.ack.oidcProviders",
				Message: fmt.Sprintf("renders %s %s/%s, but %s is already in the input and was not made by irsa-fn", o.Kind, o.Metadata.Namespace, o.Metadata.Name, describeItem(r.rl.Items[i])),
				Allowed: "remove that object from the input, or set oidcProviders: false"})
			continue
		}
		r.plan.add = append(r.plan.add, newObject{src: r.config.src, object: o})
	}
}

// podSpecProblem reports whether a workload's pod spec can be patched: every level of its path
// is an object or absent (then it is created). It names the first level that is something else:
// null, a list or a value.
func podSpecProblem(o *kfn.KubeObject) (string, bool) {
	path := podSpecPath(o.GetKind())
	for i := range path {
		_, found, err := o.NestedSubObject(path[:i+1]...)
		if err != nil {
			return strings.Join(path[:i+1], "."), false
		}
		if !found {
			return "", true
		}
	}
	return "", true
}
