package generator

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// Annotations that tie what a render changed to the run that changed it.
const (
	// AnnotationInvocation is stamped on every object a run generates or patches, and on every
	// binding it renders: the run key of that run.
	AnnotationInvocation = "irsa.dev/invocation"
	// AnnotationPreviousServiceAccount records, on a patched workload's metadata, the
	// serviceAccountName its pod spec had before irsa-fn set it; empty when the field was absent.
	AnnotationPreviousServiceAccount = "irsa.dev/previous-service-account"
)

// NoConfigRunKey is the run key of a render without a function config.
const NoConfigRunKey = "none"

// RunKey is the run key of a function config: its apiVersion/kind/namespace/name. Two
// functions of one kustomization, a base's and an overlay's, or a kpt package's and its
// subpackages' each have their own.
func RunKey(apiVersion, kind, namespace, name string) string {
	return apiVersion + "/" + kind + "/" + namespace + "/" + name
}

// ItemKind says what the render may do with an existing item.
type ItemKind int

// The kinds of items.
const (
	// OtherItem is only a name that new objects must not take.
	OtherItem ItemKind = iota
	// ServiceAccountItem can be annotated for a binding.
	ServiceAccountItem
	// WorkloadItem can be pointed at a service account.
	WorkloadItem
)

// Item is an object of the render's input, as plain data: what the render must respect.
type Item struct {
	// ID is the caller's handle for the item; changes in the Plan name items by it.
	ID   int
	Kind ItemKind
	// Identity of the object, and the file it was read from, where known.
	APIVersion, ObjectKind, Namespace, Name, File string
	// Index is the object's position: in File, or in the input when File is empty.
	Index               string
	Labels, Annotations map[string]string
	// Generated is set for objects irsa-fn made (its managed-by label and a binding or config
	// annotation): a run replaces its own.
	Generated bool
	// ServiceAccountName is a workload's pod spec serviceAccountName, and whether it is set.
	ServiceAccountName    string
	HasServiceAccountName bool
	// Problem says why a workload's pod spec cannot be patched, and ProblemAllowed what can be.
	Problem, ProblemAllowed string
	// PolicyName and PolicyAccount are the customer managed IAM policy a generated policy object
	// (ACK Policy) stands for; PolicyAccount is empty when the object does not say.
	PolicyName, PolicyAccount string
	// RoleName and RoleAccount are the IAM role a generated role object (ACK or Crossplane
	// Role, IAMRole) stands for; RoleAccount is empty when the object does not say.
	RoleName, RoleAccount string
	// Pod is what the pod identity webhook reads of a workload's pods; nil for other items.
	Pod *PodTemplate
}

// Describe names an item for messages: kind, namespace/name, and file.
func (it Item) Describe() string {
	s := it.ObjectKind + " " + it.Name
	if it.Namespace != "" {
		s = it.ObjectKind + " " + it.Namespace + "/" + it.Name
	}
	if it.File != "" {
		s += " (" + it.File + ")"
	}
	return s
}

// run is the run key an item is stamped with; empty when none.
func (it Item) run() string { return it.Annotations[AnnotationInvocation] }

// Existing are the items of the render's input, in input order.
type Existing struct {
	Items []Item
	// PreviousKeys are run keys this run rendered under before: the key its function config was
	// stamped with when it had another identity (a renamed IRSAConfig). What those runs made is
	// this run's.
	PreviousKeys []string
}

// Plan is every change one run makes, decided before any is made, and every problem found.
type Plan struct {
	// Bindings has one entry per binding given to Render, in the same order.
	Bindings []BindingPlan
	// ServiceAccounts are the annotation changes of existing ServiceAccounts, by item ID.
	ServiceAccounts []AnnotationChange
	// Workloads are the changes of existing workloads, by item ID.
	Workloads []WorkloadChange
	// Remove are the IDs of the items an earlier render of this run made; the new ones replace them.
	Remove []int
	// Add are the new objects, in the order they are rendered.
	Add []NewObject
	// Findings are every problem and note, in a stable order.
	Findings []Finding
}

// HasErrors reports whether any finding is an error.
func (p Plan) HasErrors() bool {
	for _, f := range p.Findings {
		if f.Severity == diag.Error {
			return true
		}
	}
	return false
}

// BindingPlan is what becomes of one binding.
type BindingPlan struct {
	// Rendered is false for a binding another run rendered (stamped with its key).
	Rendered bool
	// Run is the run key the binding is stamped with.
	Run string
	// Result is what it renders to, when Rendered.
	Result Result
}

// AnnotationChange sets and removes annotations of an item.
type AnnotationChange struct {
	ID     int
	Set    map[string]string
	Remove []string
}

// WorkloadChange points a workload at a service account, or gives it back its previous one.
type WorkloadChange struct {
	AnnotationChange
	// Binding is the index of the binding that claims the workload; -1 when it is restored.
	Binding int
	// ServiceAccountName is the value its pod spec gets; with Unset, the field is removed.
	ServiceAccountName string
	Unset              bool
	// Field is where the binding claims it, for notes.
	Field diag.Path
}

// NewObject is an object a render adds, and the binding it is rendered for (-1: the IRSAConfig).
type NewObject struct {
	Binding int
	Object  Object
}

// Finding is a diagnostic and what it is about: a binding (its index), else the IRSAConfig
// (Config), else an existing item (Item, its ID).
type Finding struct {
	Binding int
	Config  bool
	Item    int
	diag.Diagnostic
}

// Render decides everything one run does: it renders each binding that is unstamped or stamped
// with this run's key, and checks the rules that span bindings and runs (one name per role,
// service account, workload claim and object; tenancy; takeovers; borrowed roles). Objects
// another run stamped pass through; this run's own earlier output is replaced, and what a
// binding no longer declares is undone.
func Render(key string, cfg *v1alpha1.IRSAConfig, bindings []v1alpha1.IRSABinding, existing Existing) Plan {
	p := newPlanner(key, cfg, bindings, existing)
	p.generate()
	for bi := range p.bindings {
		p.planBinding(bi)
	}
	p.checkBorrowedRoles()
	p.checkPods()
	p.planConfigObjects()
	p.undoServiceAccounts()
	p.undoWorkloads()
	for i := range p.out.Add {
		p.out.Add[i].Object = stamped(p.out.Add[i].Object, key)
	}
	slices.Sort(p.out.Remove)
	sort.SliceStable(p.out.ServiceAccounts, func(a, b int) bool { return p.out.ServiceAccounts[a].ID < p.out.ServiceAccounts[b].ID })
	return p.out
}

type nsName struct{ namespace, name string }

type objectID struct{ group, kind, namespace, name string }

func groupOf(apiVersion string) string {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return group
}

// planner holds the state of one Render call.
type planner struct {
	key      string
	cfg      *v1alpha1.IRSAConfig
	bindings []v1alpha1.IRSABinding
	items    []Item
	out      Plan

	// present are the IDs (namespace/name) of every binding in the input, with their run keys.
	present map[string]string
	// ids are the items new objects must not collide with: all but this run's generated ones.
	ids index
	// serviceAccounts and workloads are the items a binding may annotate and patch, by
	// serviceAccountID and workloadID.
	serviceAccounts index
	workloads       index
	workloadsByNS   map[string][]int
	// reportedDups are the objects of two or more copies reported so far; copies are the items
	// that are one of them, which the render leaves alone.
	reportedDups map[dupReport]bool
	copies       map[int]bool
	// previous maps a binding ID to the service accounts its earlier render made or annotated.
	previous map[string]map[nsName]bool
	// otherRoles are the role objects other runs rendered, by lower-case role name.
	otherRoles map[string][]int
	// otherPolicies are the customer managed policy objects other runs rendered, by lower-case
	// policy name.
	otherPolicies map[string][]int
	// replaced are the service accounts this run made earlier, to be removed unless rendered again.
	replaced map[nsName]bool

	saOwners   map[nsName]int
	roleOwners map[string]int
	// policyOwners are the customer managed policies rendered, by account and lower-case name.
	policyOwners map[string]int
	// previousKeys are the run keys this run rendered under before (Existing.PreviousKeys).
	previousKeys []string
	// takenOver are the bindings another run stamped but left no object of: this run renders them.
	takenOver    []bool
	objectOwners map[objectID]int
	annotated    map[int]bool
	claims       map[int]*WorkloadChange
	claimOrder   []int
	// claimedAs is the service account (namespace and name) each claimed workload runs as.
	claimedAs map[int]nsName
	created   map[nsName]bool
	declared  map[string]map[nsName]bool
}

func newPlanner(key string, cfg *v1alpha1.IRSAConfig, bindings []v1alpha1.IRSABinding, existing Existing) *planner {
	p := &planner{
		key: key, cfg: cfg, bindings: bindings, items: existing.Items, previousKeys: existing.PreviousKeys,
		present: map[string]string{}, ids: newIndex(), serviceAccounts: newIndex(), reportedDups: map[dupReport]bool{}, copies: map[int]bool{},
		workloads: newIndex(), workloadsByNS: map[string][]int{}, previous: map[string]map[nsName]bool{},
		replaced: map[nsName]bool{}, otherRoles: map[string][]int{}, saOwners: map[nsName]int{}, roleOwners: map[string]int{}, policyOwners: map[string]int{},
		objectOwners: map[objectID]int{}, annotated: map[int]bool{}, claims: map[int]*WorkloadChange{}, claimedAs: map[int]nsName{},
		created: map[nsName]bool{}, declared: map[string]map[nsName]bool{},
	}
	p.out.Bindings = make([]BindingPlan, len(bindings))
	p.otherPolicies = map[string][]int{}
	// rendered are the (run, binding) pairs other runs left objects for in the input.
	rendered := map[[2]string]bool{}
	for _, it := range p.items {
		if run, owner := it.run(), it.Annotations[AnnotationBinding]; !p.ourRun(run) && owner != "" {
			rendered[[2]string{run, owner}] = true
		}
	}
	p.takenOver = make([]bool, len(bindings))
	for bi, b := range bindings {
		run := b.Metadata.Annotations[AnnotationInvocation]
		if !p.ourRun(run) && !rendered[[2]string{run, bindingID(b)}] {
			// Stamped by a run that left nothing of it here: the binding moved out of that
			// run's package, or that run is gone. This run renders it.
			p.takenOver[bi] = true
			run = p.key
		}
		p.present[bindingID(b)] = run
	}
	for i, it := range p.items {
		ours := p.ours(it)
		if owner := it.Annotations[AnnotationBinding]; owner != "" && ours && it.Kind == ServiceAccountItem {
			if p.previous[owner] == nil {
				p.previous[owner] = map[nsName]bool{}
			}
			p.previous[owner][nsName{it.Namespace, it.Name}] = true
		}
		if it.Generated && ours {
			p.out.Remove = append(p.out.Remove, it.ID)
			if it.Kind == ServiceAccountItem {
				p.replaced[nsName{it.Namespace, it.Name}] = true
			}
			continue
		}
		p.ids.add(objectID{groupOf(it.APIVersion), it.ObjectKind, it.Namespace, it.Name}, i)
		if it.Generated && it.RoleName != "" {
			name := strings.ToLower(it.RoleName)
			p.otherRoles[name] = append(p.otherRoles[name], i)
		}
		if it.Generated && it.PolicyName != "" {
			name := strings.ToLower(it.PolicyName)
			p.otherPolicies[name] = append(p.otherPolicies[name], i)
		}
		switch it.Kind {
		case ServiceAccountItem:
			p.serviceAccounts.add(serviceAccountID(it.Namespace, it.Name), i)
		case WorkloadItem:
			p.workloads.add(workloadID(it.ObjectKind, it.Namespace, it.Name), i)
			p.workloadsByNS[it.Namespace] = append(p.workloadsByNS[it.Namespace], i)
		}
	}
	return p
}

func bindingID(b v1alpha1.IRSABinding) string {
	ns := b.Metadata.Namespace
	if ns == "" {
		ns = "default"
	}
	return ns + "/" + b.Metadata.Name
}

// ours reports whether an item is this run's to change: stamped with its key, or unstamped
// (rendered before runs were stamped, or never rendered).
func (p *planner) ours(it Item) bool {
	return p.ourRun(it.run())
}

// ourRun reports whether a run key is this run's: its own, an earlier one of its function
// config, or none.
func (p *planner) ourRun(run string) bool {
	return run == "" || run == p.key || slices.Contains(p.previousKeys, run)
}

func (p *planner) errorf(bi int, field diag.Path, allowed, format string, args ...any) {
	p.out.Findings = append(p.out.Findings, Finding{Binding: bi, Item: -1, Diagnostic: diag.Diagnostic{Severity: diag.Error, Field: field.String(), Message: fmt.Sprintf(format, args...), Allowed: allowed}})
}

func (p *planner) notef(bi int, sev diag.Severity, field diag.Path, format string, args ...any) {
	p.out.Findings = append(p.out.Findings, Finding{Binding: bi, Item: -1, Diagnostic: diag.Diagnostic{Severity: sev, Field: field.String(), Message: fmt.Sprintf(format, args...)}})
}

func (p *planner) itemFinding(id int, sev diag.Severity, allowed, format string, args ...any) {
	p.out.Findings = append(p.out.Findings, Finding{Binding: -1, Item: id, Diagnostic: diag.Diagnostic{Severity: sev, Message: fmt.Sprintf(format, args...), Allowed: allowed}})
}

// describeRun names a run in messages.
func describeRun(key string) string {
	if key == "" {
		return "an unstamped render"
	}
	return "run " + key
}

// generate renders every binding of this run, and reports their own problems first.
func (p *planner) generate() {
	for bi, b := range p.bindings {
		run := b.Metadata.Annotations[AnnotationInvocation]
		p.out.Bindings[bi].Run = run
		if p.takenOver[bi] {
			p.notef(bi, diag.Info, diag.Path{}, "the binding was rendered by %s, which left no object of it in the input (the binding moved, or that run's function config was renamed or removed); %s renders it now", describeRun(run), describeRun(p.key))
		} else if !p.ourRun(run) {
			// Another run rendered it; its output passes through, but this run's guardrails
			// hold for it too.
			if p.cfg != nil {
				for _, d := range CheckGuardrails(p.cfg, b).Errors() {
					d.Message += fmt.Sprintf(" (the binding was rendered by %s; the guardrails of this run's IRSAConfig %s hold for every binding in its input)", describeRun(run), p.cfg.Metadata.Name)
					p.out.Findings = append(p.out.Findings, Finding{Binding: bi, Item: -1, Diagnostic: d})
				}
			}
			continue
		}
		res := Generate(Input{Binding: b, Config: p.cfg})
		p.out.Bindings[bi] = BindingPlan{Rendered: true, Run: run, Result: res}
		for _, d := range res.Diagnostics {
			p.out.Findings = append(p.out.Findings, Finding{Binding: bi, Item: -1, Diagnostic: d})
		}
	}
}

func (p *planner) result(bi int) *Result { return &p.out.Bindings[bi].Result }

func (p *planner) planBinding(bi int) {
	if !p.out.Bindings[bi].Rendered {
		return
	}
	res := p.result(bi)
	// Workloads and tenancy do not depend on the role, so their problems are found even when
	// the binding has others: every problem in one run.
	p.checkTenancy(bi)
	for _, w := range res.Workloads {
		p.planWorkload(bi, w)
	}
	if res.Diagnostics.HasErrors() {
		return
	}
	if res.Role != nil {
		p.planRoleName(bi)
		p.planCustomerManaged(bi)
	}
	for _, sa := range res.ServiceAccounts {
		p.planServiceAccount(bi, sa)
	}
	for _, o := range res.Objects {
		p.addObject(bi, o, diag.NewPath("spec", "role", "name"))
	}
}

// planCustomerManaged keeps each customer managed policy name to one binding, of this run or
// another, and away from the permissions boundary the platform's guardrails require: IAM policy
// names are unique per account, ignoring case and path (CreatePolicy refuses a second one, and
// with adoption two objects would overwrite each other's document), and a binding that rendered
// the boundary's policy would write the document that bounds every role.
func (p *planner) planCustomerManaged(bi int) {
	res := p.result(bi)
	boundary := ""
	if p.cfg != nil {
		boundary = p.cfg.Spec.Guardrails.PermissionsBoundary
	}
	for i, cp := range res.Role.CustomerManaged {
		field := diag.NewPath("spec", "policies", "customerManaged").Index(i).Child("name")
		key := customerManagedKey(res.Role, cp.Name)
		if boundary != "" && strings.EqualFold(policyKey(boundary), key) {
			p.errorf(bi, field, "a policy name other than the boundary's",
				"customer managed policy %s is the permissions boundary that spec.guardrails.permissionsBoundary of IRSAConfig %s requires of every role; a binding may not render it", cp.ARN, p.cfg.Metadata.Name)
			continue
		}
		if other, dup := p.policyOwners[key]; dup {
			j, theirs := p.declaredPolicy(other, key)
			p.errorf(bi, field, "a policy name no other binding renders in the account",
				"customer managed policy %s has the name of %s, spec.policies.customerManaged[%d].name of %s; IAM policy names are unique per account, ignoring case and path",
				cp.ARN, theirs.ARN, j, p.describeBinding(other))
			continue
		}
		for j, arn := range res.Role.Managed {
			if policyKey(arn) == key {
				p.errorf(bi, diag.NewPath("spec", "policies", "managed").Index(j), "the policy once, under spec.policies.customerManaged, or a managed policy of another name",
					"managed policy %s has the name of %s, which spec.policies.customerManaged[%d] renders; IAM policy names are unique per account, ignoring case and path", arn, cp.ARN, i)
			}
		}
		p.policyOwners[key] = bi
		for _, i := range p.otherPolicies[strings.ToLower(cp.Name)] {
			it := p.items[i]
			if it.PolicyAccount != "" && it.PolicyAccount != res.Role.AccountID {
				continue
			}
			p.errorf(bi, field, "a policy name no other run renders in the account",
				"customer managed policy %s has the name of policy %q, rendered by %s as %s for %s; IAM policy names are unique per account, ignoring case and path; this binding is rendered by %s",
				cp.ARN, it.PolicyName, describeRun(it.run()), it.Describe(), owned(it), describeRun(p.key))
		}
	}
}

// customerManagedKey is the partition, account and lower-case name of a customer managed
// policy of a role: the policies IAM would take for one.
func customerManagedKey(role *Role, name string) string {
	return role.Partition + ":" + role.AccountID + ":" + strings.ToLower(name)
}

// declaredPolicy finds the customer managed policy of binding bi with the key, and its index in
// spec.policies.customerManaged.
func (p *planner) declaredPolicy(bi int, key string) (int, ManagedPolicy) {
	role := p.result(bi).Role
	for i, cp := range role.CustomerManaged {
		if customerManagedKey(role, cp.Name) == key {
			return i, cp
		}
	}
	return -1, ManagedPolicy{}
}

// policyKey is a policy ARN's partition, account and lower-case name, as planCustomerManaged
// compares them.
func policyKey(arn string) string {
	fields := strings.SplitN(arn, ":", 6)
	if len(fields) != 6 {
		return arn
	}
	return fields[1] + ":" + fields[4] + ":" + strings.ToLower(fields[5][strings.LastIndex(fields[5], "/")+1:])
}

// checkTenancy keeps a binding's service accounts, and so its workloads, in its own namespace
// unless the IRSAConfig's guardrails.crossNamespace lists theirs; so too the namespaces its
// subjectPattern admits.
func (p *planner) checkTenancy(bi int) {
	res := p.result(bi)
	own, _, _ := strings.Cut(res.Binding, "/")
	var allowed []string
	cfgName := "there is no IRSAConfig that"
	if p.cfg != nil {
		allowed = p.cfg.Spec.Guardrails.CrossNamespace
		cfgName = "IRSAConfig " + p.cfg.Metadata.Name + " never"
	}
	if pattern := p.bindings[bi].Spec.SubjectPattern; pattern != "" && !slices.Contains(allowed, "*") {
		ns, _, _ := strings.Cut(strings.TrimPrefix(pattern, "system:serviceaccount:"), ":")
		if strings.ContainsAny(ns, "*?") || (ns != own && !slices.Contains(allowed, ns)) {
			p.errorf(bi, diag.NewPath("spec", "subjectPattern"),
				fmt.Sprintf("a pattern whose namespace is the binding's, %s (system:serviceaccount:%s:*), or one that spec.guardrails.crossNamespace lists; a wildcard namespace only with crossNamespace [\"*\"]", own, own),
				"subject pattern %q admits service accounts of namespace %q, outside the binding's namespace %s, and %s allows it in spec.guardrails.crossNamespace", pattern, ns, own, cfgName)
		}
	}
	for _, sa := range res.ServiceAccounts {
		if sa.Namespace == own || slices.Contains(allowed, "*") || slices.Contains(allowed, sa.Namespace) {
			continue
		}
		p.errorf(bi, sa.Field.Child("namespace"),
			fmt.Sprintf("a service account (and workloads) in the binding's namespace %s, or in a namespace the IRSAConfig lists in spec.guardrails.crossNamespace", own),
			"service account %s/%s is outside the binding's namespace %s, and %s lists %s in spec.guardrails.crossNamespace",
			sa.Namespace, sa.Name, own, cfgName, sa.Namespace)
	}
}

// planRoleName keeps role names unique in an account, across the bindings of this run and the
// roles other runs rendered.
func (p *planner) planRoleName(bi int) {
	role := p.result(bi).Role
	key := role.Partition + ":" + role.AccountID + ":" + strings.ToLower(role.Name)
	field := diag.NewPath("spec", "role", "name")
	if other, dup := p.roleOwners[key]; dup {
		p.errorf(bi, field, "a role name no other binding uses in the account", "role %q in account %s is also the role of %s; IAM role names are unique per account, ignoring case", role.Name, role.AccountID, p.describeBinding(other))
	}
	p.roleOwners[key] = bi
	for _, i := range p.otherRoles[strings.ToLower(role.Name)] {
		it := p.items[i]
		if it.RoleAccount != "" && it.RoleAccount != role.AccountID {
			continue
		}
		p.errorf(bi, field, "a role name no other run renders in the account",
			"role %q is also rendered by %s, as %s of binding %s; this binding is rendered by %s", role.Name, describeRun(it.run()), it.Describe(), it.Annotations[AnnotationBinding], describeRun(p.key))
	}
}

// describeBinding names a binding and its file, where the orchestrator says, for messages
// about conflicts between bindings.
func (p *planner) describeBinding(bi int) string {
	b := p.bindings[bi]
	s := v1alpha1.KindBinding + " " + bindingID(b)
	for _, a := range []string{"internal.config.kubernetes.io/path", "config.kubernetes.io/path"} {
		if f := b.Metadata.Annotations[a]; f != "" {
			return s + " (" + f + ")"
		}
	}
	return s
}

func (p *planner) planServiceAccount(bi int, sa ServiceAccount) {
	res := p.result(bi)
	key := nsName{sa.Namespace, sa.Name}
	if p.declared[res.Binding] == nil {
		p.declared[res.Binding] = map[nsName]bool{}
	}
	p.declared[res.Binding][key] = true
	if other, dup := p.saOwners[key]; dup {
		p.errorf(bi, sa.Field, "each service account in one binding; list both service accounts in one binding to share a role", "service account %s/%s is also declared by %s", sa.Namespace, sa.Name, p.describeBinding(other))
		return
	}
	p.saOwners[key] = bi
	// A ServiceAccount without a namespace stands for one of any namespace, as it lands in the
	// namespace it is applied to.
	id := serviceAccountID(sa.Namespace, sa.Name)
	copies := p.serviceAccounts.lookup(id)
	if p.ambiguous(at(bi, sa.Field), id, copies, "annotates") {
		return
	}
	if len(copies) == 0 {
		if !sa.Create {
			p.errorf(bi, sa.Field.Child("create"), "create: true (the default) to render the ServiceAccount, or a ServiceAccount of that name in the input", "create is false, but no ServiceAccount %s/%s is in the input to annotate", sa.Namespace, sa.Name)
			return
		}
		p.created[key] = true
		p.addObject(bi, sa.NewServiceAccount(), sa.Field)
		return
	}
	i := copies[0]
	it := p.items[i]
	owner := it.Annotations[AnnotationBinding]
	if it.Generated || (owner != "" && !p.ours(it)) {
		p.errorf(bi, sa.Field, "a service account no other run renders or annotates",
			"%s belongs to binding %s of %s; this binding (%s) cannot take it over", it.Describe(), owner, describeRun(it.run()), describeRun(p.key))
		return
	}
	if owner != "" && owner != res.Binding {
		if _, exists := p.present[owner]; exists {
			p.errorf(bi, sa.Field, "a service account no other binding declares; remove it from binding "+owner+" first",
				"%s is annotated for binding %s, which still exists; this binding (%s) cannot take it over", it.Describe(), owner, res.Binding)
			return
		}
	}
	// An annotation irsa-fn wrote (owner set) is irsa-fn's to change; one a person wrote is not.
	if current := it.Annotations[AnnotationRoleARN]; current != "" && current != res.RoleARN && owner == "" {
		p.errorf(bi, sa.Field, fmt.Sprintf("remove the annotation from the ServiceAccount, or set spec.role.arn: %s to use that role", current),
			"ServiceAccount %s is annotated with role %s, but this binding's role is %s", it.Describe(), current, res.RoleARN)
		return
	}
	if sa.Create && owner == "" {
		p.notef(bi, diag.Info, sa.Field, "ServiceAccount %s is already in the input; annotating it in place instead of creating one", it.Describe())
	}
	change := AnnotationChange{ID: it.ID, Set: map[string]string{AnnotationInvocation: p.key}}
	maps.Copy(change.Set, sa.Annotations)
	if owner != "" {
		for _, k := range ServiceAccountAnnotations {
			if _, keep := change.Set[k]; !keep {
				if _, has := it.Annotations[k]; has {
					change.Remove = append(change.Remove, k)
				}
			}
		}
	} else if !p.webhookAnnotationsAgree(bi, sa, it) {
		return
	}
	p.annotated[i] = true
	p.out.ServiceAccounts = append(p.out.ServiceAccounts, change)
}

// webhookAnnotationsAgree reports whether a person's ServiceAccount carries no annotation the pod
// identity webhook reads that contradicts the binding, and reports each that does: its audience
// would put another aud into the tokens than the role's trust admits; an expiration or regional
// endpoints setting other than the binding declares (or, declaring none, an expiration under the
// webhook's minimum, which it silently raises) would give the pods other tokens than the binding
// says. irsa-fn does not overwrite what a person wrote; the person removes it, or the binding
// declares it.
func (p *planner) webhookAnnotationsAgree(bi int, sa ServiceAccount, it Item) bool {
	ok := true
	contradict := func(key, why string) {
		ok = false
		p.errorf(bi, sa.Field, fmt.Sprintf("remove %s from the ServiceAccount, or declare the same value in the binding", key),
			"%s carries %s: %q, which %s", it.Describe(), key, it.Annotations[key], why)
	}
	aud := sa.Audience
	if aud == "" {
		aud = v1alpha1.DefaultAudience
	}
	if v, has := it.Annotations[AnnotationAudience]; has && v != aud {
		contradict(AnnotationAudience, "its tokens would carry as aud, while the role's trust admits "+aud)
	}
	if v, has := it.Annotations[AnnotationTokenExpiration]; has {
		want, declared := sa.Annotations[AnnotationTokenExpiration]
		n, err := strconv.Atoi(v)
		switch {
		case declared && v != want:
			contradict(AnnotationTokenExpiration, "is not the binding's "+want)
		case !declared && (err != nil || n < MinTokenExpiration):
			contradict(AnnotationTokenExpiration, fmt.Sprintf("the pod identity webhook does not take (it raises anything under %d to %d)", MinTokenExpiration, MinTokenExpiration))
		}
	}
	if v, has := it.Annotations[AnnotationSTSRegionalEndpoints]; has {
		if want, declared := sa.Annotations[AnnotationSTSRegionalEndpoints]; declared && v != want {
			contradict(AnnotationSTSRegionalEndpoints, "is not the binding's "+want)
		}
	}
	return ok
}

// workloadsIn lists the workload items of a namespace, and those without a namespace.
func (p *planner) workloadsIn(namespace string) []int {
	if namespace == "" {
		return p.workloadsByNS[""]
	}
	return append(append([]int(nil), p.workloadsByNS[namespace]...), p.workloadsByNS[""]...)
}

func (p *planner) planWorkload(bi int, w Workload) {
	if w.Name != "" {
		// A workload without a namespace stands for one of any namespace, as it lands in the
		// namespace it is applied to.
		id := workloadID(w.Kind, w.Namespace, w.Name)
		copies := p.workloads.lookup(id)
		if len(copies) == 0 {
			p.errorf(bi, w.Field.Child("name"), p.workloadsAllowed(w.Kind, w.Namespace), "%s %s/%s is not in the input", w.Kind, w.Namespace, w.Name)
			return
		}
		if !p.ambiguous(at(bi, w.Field.Child("name")), id, copies, "patches") {
			p.claim(bi, w, copies[0])
		}
		return
	}
	matched := 0
	for _, i := range p.workloadsIn(w.Namespace) {
		it := p.items[i]
		if w.Kind != "" && it.ObjectKind != w.Kind {
			continue
		}
		if MatchesSelector(w.Selector, it.Labels) {
			matched++
			id := workloadID(it.ObjectKind, w.Namespace, it.Name)
			if !p.ambiguous(at(bi, w.Field.Child("selector")), id, p.workloads.lookup(id), "patches") {
				p.claim(bi, w, i)
			}
		}
	}
	if matched == 0 {
		p.notef(bi, diag.Warning, w.Field.Child("selector"), "the selector matches no workload in namespace %s", w.Namespace)
	}
}

// workloadsAllowed lists the workloads of a kind in a namespace, for the message about a missing one.
func (p *planner) workloadsAllowed(kind, namespace string) string {
	var names []string
	for _, i := range p.workloadsIn(namespace) {
		if it := p.items[i]; it.ObjectKind == kind {
			names = append(names, it.Name)
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

func (p *planner) claim(bi int, w Workload, i int) {
	it := p.items[i]
	if prev, claimed := p.claims[i]; claimed {
		if prev.Binding != bi || prev.ServiceAccountName != w.ServiceAccount {
			p.errorf(bi, w.Field, "one service account per workload",
				"%s is also claimed by %s %s (service account %s); this entry would run it as %s",
				it.Describe(), p.describeBinding(prev.Binding), prev.Field, prev.ServiceAccountName, w.ServiceAccount)
		}
		return
	}
	if !p.ours(it) {
		p.errorf(bi, w.Field, "a workload no other run patches",
			"%s runs as service account %s for binding %s of %s; this binding (%s) cannot patch it too",
			it.Describe(), it.ServiceAccountName, it.Annotations[AnnotationBinding], describeRun(it.run()), describeRun(p.key))
		return
	}
	if it.Problem != "" {
		p.errorf(bi, w.Field, it.ProblemAllowed, "%s", it.Problem)
		return
	}
	res := p.result(bi)
	set := map[string]string{AnnotationBinding: res.Binding, AnnotationInvocation: p.key}
	if it.Annotations[AnnotationBinding] == "" && !p.patchedBeforeRecords(it, res.Binding) {
		set[AnnotationPreviousServiceAccount] = it.ServiceAccountName
	}
	p.claims[i] = &WorkloadChange{AnnotationChange: AnnotationChange{ID: it.ID, Set: set}, Binding: bi, ServiceAccountName: w.ServiceAccount, Field: w.Field}
	p.claimedAs[i] = nsName{w.Namespace, w.ServiceAccount}
	p.claimOrder = append(p.claimOrder, i)
}

// patchedBeforeRecords reports whether a workload without irsa-fn's annotations already runs as
// a service account an earlier render made or annotated for the binding: a render before
// irsa-fn recorded the previous service account patched it, and its previous value is lost.
func (p *planner) patchedBeforeRecords(it Item, binding string) bool {
	return it.HasServiceAccountName && p.previous[binding][nsName{it.Namespace, it.ServiceAccountName}]
}

// checkBorrowedRoles: a binding whose role.arn is a role another binding of this run renders
// must be admitted by that role's trust policy.
func (p *planner) checkBorrowedRoles() {
	for bi := range p.bindings {
		b := p.out.Bindings[bi]
		if !b.Rendered || b.Result.Role != nil || b.Result.RoleARN == "" || b.Result.Diagnostics.HasErrors() {
			continue
		}
		for oi := range p.bindings {
			o := p.out.Bindings[oi]
			if !o.Rendered || o.Result.Role == nil || !strings.EqualFold(o.Result.Role.ARN, b.Result.RoleARN) {
				continue
			}
			p.checkBorrowed(bi, oi)
		}
	}
}

func (p *planner) checkBorrowed(bi, oi int) {
	b, o := p.result(bi), p.result(oi)
	allowed := fmt.Sprintf("list the service account in binding %s's serviceAccounts, or give this binding a role of its own", o.Binding)
	for _, sa := range b.ServiceAccounts {
		for _, cluster := range b.PodIdentityClusters {
			req := iampolicy.PodIdentityRequest{Tags: iampolicy.PodIdentityTags(cluster, sa.Namespace, sa.Name)}
			if ok, why := iampolicy.AdmitsPodIdentity(o.Role.Trust, req); !ok {
				p.errorf(bi, sa.Field, allowed,
					"role %s is rendered by binding %s, and its trust policy refuses the Pod Identity association of service account %s/%s on cluster %s of this binding: %s",
					b.RoleARN, o.Binding, sa.Namespace, sa.Name, cluster, strings.Join(why, "; "))
				break
			}
		}
		if _, irsa := sa.Annotations[AnnotationRoleARN]; !irsa {
			continue // Pod Identity only
		}
		if len(o.OIDCProviders) == 0 {
			p.errorf(bi, diag.NewPath("spec", "role", "arn"), allowed,
				"role %s is rendered by binding %s, whose trust policy admits no OIDC provider, so service account %s/%s cannot assume it", b.RoleARN, o.Binding, sa.Namespace, sa.Name)
			continue
		}
		for _, prov := range o.OIDCProviders {
			tok := iampolicy.Token{ProviderARN: prov.ARN, HostPath: strings.TrimPrefix(prov.URL, "https://"), Sub: Subject(sa.Namespace, sa.Name), Aud: sa.Audience}
			if ok, why := iampolicy.Admits(o.Role.Trust, tok); !ok {
				p.errorf(bi, sa.Field, allowed,
					"role %s is rendered by binding %s, and its trust policy refuses service account %s/%s (audience %s) of this binding: %s",
					b.RoleARN, o.Binding, sa.Namespace, sa.Name, sa.Audience, strings.Join(why, "; "))
				break
			}
		}
	}
}

// addObject adds an object the render makes, unless its name is taken: by another binding of
// this run, by an item of the input, or by another run's object.
func (p *planner) addObject(bi int, o Object, field diag.Path) {
	key := objectID{groupOf(o.APIVersion), o.Kind, o.Metadata.Namespace, o.Metadata.Name}
	if other, dup := p.objectOwners[key]; dup {
		p.errorf(bi, field, "a role name that gives a distinct object name", "renders %s %s/%s, as %s does", o.Kind, o.Metadata.Namespace, o.Metadata.Name, p.describeBinding(other))
		return
	}
	p.objectOwners[key] = bi
	copies := p.ids.lookup(key)
	if p.ambiguous(at(bi, field), key, copies, "renders") {
		return
	}
	if len(copies) == 1 {
		it := p.items[copies[0]]
		if it.Generated {
			p.errorf(bi, field, "an object name no other run renders", "renders %s %s/%s, but %s is already rendered by %s for %s; this binding is rendered by %s",
				o.Kind, o.Metadata.Namespace, o.Metadata.Name, it.Describe(), describeRun(it.run()), owned(it), describeRun(p.key))
			return
		}
		p.errorf(bi, diag.NewPath("spec"), "remove that object from the input, or choose another role name", "renders %s %s/%s, but %s is already in the input and was not made by irsa-fn", o.Kind, o.Metadata.Namespace, o.Metadata.Name, it.Describe())
		return
	}
	p.out.Add = append(p.out.Add, NewObject{Binding: bi, Object: o})
}

// owned names what a generated item was made for.
func owned(it Item) string {
	if b := it.Annotations[AnnotationBinding]; b != "" {
		return "binding " + b
	}
	return "IRSAConfig " + it.Annotations[AnnotationConfig]
}

// planConfigObjects adds what the IRSAConfig itself asks the outputs to render (with
// ack.oidcProviders, an ACK OpenIDConnectProvider per issuer the bindings trust, listing every
// audience they use), unless an object of the input has its name.
func (p *planner) planConfigObjects() {
	if p.cfg == nil {
		return
	}
	providers := p.trustedProviders()
	for _, output := range Outputs() {
		c := output.RenderConfig(p.cfg, providers)
		for _, d := range c.Errors {
			p.out.Findings = append(p.out.Findings, Finding{Binding: -1, Config: true, Item: -1, Diagnostic: d})
		}
		for _, co := range c.Objects {
			o := co.Object
			key := objectID{groupOf(o.APIVersion), o.Kind, o.Metadata.Namespace, o.Metadata.Name}
			copies := p.ids.lookup(key)
			if p.ambiguous(Finding{Binding: -1, Config: true, Item: -1, Diagnostic: diag.Diagnostic{Field: c.Setting.String()}}, key, copies, "renders") {
				continue
			}
			if len(copies) == 1 {
				it := p.items[copies[0]]
				msg := fmt.Sprintf("renders %s %s/%s, but %s is already in the input and was not made by irsa-fn", o.Kind, o.Metadata.Namespace, o.Metadata.Name, it.Describe())
				if it.Generated {
					msg = fmt.Sprintf("renders %s %s/%s, but %s is already rendered by %s for %s; this IRSAConfig is rendered by %s", o.Kind, o.Metadata.Namespace, o.Metadata.Name, it.Describe(), describeRun(it.run()), owned(it), describeRun(p.key))
				}
				p.out.Findings = append(p.out.Findings, Finding{Binding: -1, Config: true, Item: -1, Diagnostic: diag.Diagnostic{
					Severity: diag.Error, Field: c.Setting.String(), Message: msg,
					Allowed: "remove that object from the input, or " + c.Off}})
				continue
			}
			p.out.Add = append(p.out.Add, NewObject{Binding: -1, Object: o})
			if co.Warning != "" {
				p.out.Findings = append(p.out.Findings, Finding{Binding: -1, Config: true, Item: -1, Diagnostic: diag.Diagnostic{
					Severity: diag.Warning, Field: c.Setting.String(), Message: co.Warning}})
			}
		}
	}
}

// trustedProviders are the OIDC providers the rendered roles trust, sorted by ARN, each with
// every audience the bindings use, sorted.
func (p *planner) trustedProviders() []v1alpha1.OIDCProvider {
	merged := map[string]*v1alpha1.OIDCProvider{}
	for _, b := range p.out.Bindings {
		for _, prov := range b.Result.OIDCProviders {
			m, ok := merged[prov.ARN]
			if !ok {
				m = &v1alpha1.OIDCProvider{ARN: prov.ARN, URL: prov.URL}
				merged[prov.ARN] = m
			}
			for _, id := range prov.ClientIDs {
				if !slices.Contains(m.ClientIDs, id) {
					m.ClientIDs = append(m.ClientIDs, id)
				}
			}
		}
	}
	var providers []v1alpha1.OIDCProvider
	for _, arn := range slices.Sorted(maps.Keys(merged)) {
		slices.Sort(merged[arn].ClientIDs)
		providers = append(providers, *merged[arn])
	}
	return providers
}

// undoServiceAccounts takes this run's annotations off ServiceAccounts it annotated for a
// binding that no longer declares them.
func (p *planner) undoServiceAccounts() {
	for i, it := range p.items {
		owner := it.Annotations[AnnotationBinding]
		if it.Kind != ServiceAccountItem || it.Generated || owner == "" || p.annotated[i] || p.copies[i] || !p.ours(it) {
			continue
		}
		if id := serviceAccountID(it.Namespace, it.Name); p.ambiguous(aboutItem(it), id, p.serviceAccounts.lookup(id), "takes the annotations of binding "+owner+" off") {
			continue
		}
		var remove []string
		for _, k := range append(slices.Clone(ServiceAccountAnnotations), AnnotationInvocation) {
			if _, has := it.Annotations[k]; has {
				remove = append(remove, k)
			}
		}
		p.out.ServiceAccounts = append(p.out.ServiceAccounts, AnnotationChange{ID: it.ID, Remove: remove})
		p.itemFinding(it.ID, diag.Info, "", "removed the IRSA annotations of binding %s, which no longer declares this service account", owner)
	}
}

// undoWorkloads gives each workload this run patched for a binding that no longer claims it its
// previous service account back, and finds workloads left running as a ServiceAccount this run
// removes.
func (p *planner) undoWorkloads() {
	for i, it := range p.items {
		if it.Kind != WorkloadItem || p.copies[i] || !p.ours(it) {
			continue
		}
		if _, claimed := p.claims[i]; claimed {
			continue
		}
		owner := it.Annotations[AnnotationBinding]
		if owner == "" {
			p.checkLeftBehind(it)
			continue
		}
		if id := workloadID(it.ObjectKind, it.Namespace, it.Name); p.ambiguous(aboutItem(it), id, p.workloads.lookup(id), "undoes binding "+owner+"'s patch of") {
			continue
		}
		field := "serviceAccountName"
		prev, recorded := it.Annotations[AnnotationPreviousServiceAccount]
		switch {
		case !recorded:
			p.itemFinding(it.ID, diag.Error, "set its serviceAccountName yourself, then remove its irsa.dev/binding and irsa.dev/invocation annotations; or declare the workload in a binding again",
				"%s was patched for binding %s, which no longer claims it, before irsa-fn recorded irsa.dev/previous-service-account: its previous service account is unknown, so this cannot be undone", it.Describe(), owner)
		case !p.setFor(owner, it):
			p.itemFinding(it.ID, diag.Error, fmt.Sprintf("set its %s yourself (it was %q before irsa-fn), then remove its irsa.dev/binding, irsa.dev/invocation and irsa.dev/previous-service-account annotations", field, prev),
				"%s was patched for binding %s, which no longer claims it, but its %s is now %q, not a service account of that binding: it was changed by hand, so irsa-fn does not restore it", it.Describe(), owner, field, it.ServiceAccountName)
		default:
			change := &WorkloadChange{Binding: -1, ServiceAccountName: prev, Unset: prev == "",
				AnnotationChange: AnnotationChange{ID: it.ID, Remove: []string{AnnotationBinding, AnnotationInvocation, AnnotationPreviousServiceAccount}}}
			p.out.Workloads = append(p.out.Workloads, *change)
			what := fmt.Sprintf("serviceAccountName %q", prev)
			if prev == "" {
				what = "no serviceAccountName"
			}
			p.itemFinding(it.ID, diag.Info, "", "binding %s no longer claims this workload: restored its previous %s", owner, what)
		}
	}
	for _, i := range p.claimOrder {
		p.out.Workloads = append(p.out.Workloads, *p.claims[i])
	}
	sort.SliceStable(p.out.Workloads, func(a, b int) bool { return p.out.Workloads[a].ID < p.out.Workloads[b].ID })
}

// setFor reports whether a workload still runs as a service account irsa-fn set for a binding:
// one the binding made or annotated in the earlier render, or declares now.
func (p *planner) setFor(binding string, it Item) bool {
	if !it.HasServiceAccountName {
		return false
	}
	for sa := range p.previous[binding] {
		if sa.name == it.ServiceAccountName && (sa.namespace == it.Namespace || it.Namespace == "" || sa.namespace == "") {
			return true
		}
	}
	for sa := range p.declared[binding] {
		if sa.name == it.ServiceAccountName && (sa.namespace == it.Namespace || it.Namespace == "") {
			return true
		}
	}
	return false
}

// checkLeftBehind finds a workload irsa-fn has no record of that runs as a ServiceAccount this
// run made earlier and now removes: it would name a ServiceAccount that no longer exists.
func (p *planner) checkLeftBehind(it Item) {
	if !it.HasServiceAccountName {
		return
	}
	for _, ns := range []string{it.Namespace, ""} {
		key := nsName{ns, it.ServiceAccountName}
		if p.replaced[key] && !p.created[key] {
			p.itemFinding(it.ID, diag.Error, "set its serviceAccountName yourself, or keep a binding that declares the service account",
				"%s runs as service account %s, which irsa-fn rendered and now removes because no binding declares it; the workload has no irsa.dev/previous-service-account (patched before irsa-fn recorded it, or set by hand), so irsa-fn cannot give it its previous service account", it.Describe(), it.ServiceAccountName)
			return
		}
	}
}

// stamped returns a copy of o stamped with the run key.
func stamped(o Object, key string) Object {
	ann := maps.Clone(o.Metadata.Annotations)
	if ann == nil {
		ann = map[string]string{}
	}
	ann[AnnotationInvocation] = key
	o.Metadata.Annotations = ann
	return o
}
