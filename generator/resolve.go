package generator

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// cluster is a resolved cluster of a binding.
type cluster struct {
	name            string
	issuer          Issuer
	hasIssuer       bool
	providerAccount string
	partition       string
	region          string
}

// resolver holds the state of one Generate call.
type resolver struct {
	in        Input
	spec      v1alpha1.BindingSpec // the binding's spec with IRSAConfig defaults and built-in defaults applied
	namespace string
	bindingID string
	fromCfg   string // how to name the IRSAConfig in messages about values it supplied

	clusters        []cluster
	serviceAccounts []ServiceAccount
	workloads       []Workload
	role            *Role
	roleARN         string
	diags           diag.List
}

var specPath = diag.NewPath("spec")

func newResolver(in Input) *resolver {
	r := &resolver{in: in, spec: in.Binding.Spec}
	r.namespace = in.Binding.Metadata.Namespace
	if r.namespace == "" {
		r.namespace = "default"
	}
	r.bindingID = r.namespace + "/" + in.Binding.Metadata.Name
	if in.Config != nil {
		r.spec.Settings = r.spec.Settings.WithDefaults(in.Config.Spec.Defaults)
		if len(r.spec.Clusters) == 0 {
			r.spec.Clusters = in.Config.Spec.ClusterList()
		}
		r.fromCfg = fmt.Sprintf(" (from IRSAConfig %s)", in.Config.Metadata.Name)
		guardrailsOf(in.Config).applyDefaults(&r.spec.Role)
	}
	if r.spec.Mode == "" {
		r.spec.Mode = v1alpha1.ModeIRSA
	}
	if len(r.spec.Output) == 0 {
		r.spec.Output = defaultOutputs()
	}
	return r
}

// resolve checks the binding and derives what it renders. Checks run in stages, and every check
// whose inputs are sound runs, whatever else is wrong, so that one run reports every problem:
// the format of each field; service accounts and workloads; clusters (unless the mode or the
// clusters are broken); the role's own rules, the partition of its ARNs (with sound clusters)
// and the well-known add-ons (with sound clusters and account). The role itself is built only
// when nothing is wrong, as it combines every field.
func (r *resolver) resolve() {
	r.checkMetadata()
	b := r.in.Binding
	// Field formats of what the binding itself sets; the IRSAConfig's own fields are checked once
	// by ValidateConfig, so a broken default is reported once, against the IRSAConfig.
	validateClusters(b.Spec.Clusters, specPath.Child("clusters"), &r.diags)
	validateSettings(b.Spec.Settings, specPath, FindingsFor(r.in.Config), &r.diags)
	r.checkGuardrails()
	r.resolveServiceAccounts()
	r.resolveWorkloads()
	if r.unread(specPath.Child("role", "arn")) {
		return // whether the binding renders a role or names an existing one is not known
	}
	if r.spec.Role.ARN != "" {
		r.resolveExistingRole()
		if r.spec.Mode != v1alpha1.ModeIRSA {
			r.resolveClusters() // the associations need the clusters' names
		}
		return
	}
	r.resolveClusters()
	r.resolveRole()
}

// checkMetadata checks the binding's name and namespace: the name becomes the default service
// account's name and, under kpt, part of a file name.
func (r *resolver) checkMetadata() {
	checkObjectName(r.in.Binding.Metadata.Name, &r.diags)
	if !isDNS1123Label(r.namespace) {
		r.diags.Errorf(diag.NewPath("metadata", "namespace"), "a DNS-1123 label", "namespace %q is not a valid namespace name", r.namespace)
	}
}

// unread reports whether the decoder skipped any of the fields, a field under one, or a field
// that holds one: a check that reads them would read a value the user did not write.
func (r *resolver) unread(fields ...diag.Path) bool {
	for _, s := range r.in.Skipped {
		for _, f := range fields {
			if s.Contains(f.String()) || f.Contains(s.String()) {
				return true
			}
		}
	}
	return false
}

// serviceAccountsBroken reports whether the list of service accounts was skipped, or the named
// fields of one of them are broken (with errors: reported on them) or unread (without).
func (r *resolver) serviceAccountsBroken(withErrors bool, fields ...string) bool {
	list := specPath.Child("serviceAccounts")
	for _, s := range r.in.Skipped {
		if s.Contains(list.String()) {
			return true
		}
	}
	if r.defaultsBroken() {
		return true
	}
	for i := range r.in.Binding.Spec.ServiceAccounts {
		for _, f := range fields {
			p := list.Index(i).Child(f)
			if r.unread(p) || withErrors && r.broken(p) {
				return true
			}
		}
	}
	return false
}

// defaultsBroken reports whether a service account takes its name or namespace from a
// metadata.name or metadata.namespace that is broken.
func (r *resolver) defaultsBroken() bool {
	declared := r.in.Binding.Spec.ServiceAccounts
	defaults := func(f func(sa v1alpha1.ServiceAccount) string) bool {
		return len(declared) == 0 || slices.ContainsFunc(declared, func(sa v1alpha1.ServiceAccount) bool { return f(sa) == "" })
	}
	return defaults(func(sa v1alpha1.ServiceAccount) string { return sa.Name }) && r.broken(diag.NewPath("metadata", "name")) ||
		defaults(func(sa v1alpha1.ServiceAccount) string { return sa.Namespace }) && r.broken(diag.NewPath("metadata", "namespace"))
}

// broken reports whether any of the fields is unread, or has an error reported on it or under
// it: a check that combines them with other fields would only repeat that error.
func (r *resolver) broken(fields ...diag.Path) bool {
	if r.unread(fields...) {
		return true
	}
	for _, d := range r.diags {
		if d.Severity != diag.Error {
			continue
		}
		for _, f := range fields {
			if f.Contains(d.Field) {
				return true
			}
		}
	}
	return false
}

// dropSkipped removes the diagnostics about skipped fields: a skipped field reads as unset, so
// they could only say it is missing, on the field, under it, or on the object that holds it.
func (r *resolver) dropSkipped() {
	if len(r.in.Skipped) == 0 {
		return
	}
	kept := r.diags[:0]
	for _, d := range r.diags {
		if !slices.ContainsFunc(r.in.Skipped, func(s diag.Path) bool {
			return s.Contains(d.Field) || s.Parent().String() == d.Field
		}) {
			kept = append(kept, d)
		}
	}
	r.diags = kept
}

// modeKnown reports whether the mode is one irsa-fn supports, as the binding wrote it (or its
// IRSAConfig): the checks that depend on the mode run only then.
func (r *resolver) modeKnown() bool {
	return contains(supportedModes, string(r.spec.Mode)) && !r.unread(specPath.Child("mode"))
}

// outputs lists the binding's outputs that irsa-fn has (the others are reported as such).
func (r *resolver) outputs() []Output {
	var out []Output
	for _, name := range r.spec.Output {
		if o, ok := outputNamed(name); ok {
			out = append(out, o)
		}
	}
	return out
}

// irsa and podIdentity say which mechanisms the binding's mode uses.
func (r *resolver) irsa() bool        { return r.spec.Mode != v1alpha1.ModePodIdentity }
func (r *resolver) podIdentity() bool { return r.spec.Mode != v1alpha1.ModeIRSA }

// origin names where a merged setting came from when the binding itself does not set it.
func (r *resolver) origin(setInBinding bool) string {
	if setInBinding {
		return ""
	}
	return r.fromCfg
}

func (r *resolver) resolveServiceAccounts() {
	sas := r.spec.ServiceAccounts
	if len(sas) == 0 {
		sas = []v1alpha1.ServiceAccount{{}}
	}
	seen := map[string]int{}
	r.spec.ServiceAccounts = make([]v1alpha1.ServiceAccount, len(sas))
	for i, sa := range sas {
		p := specPath.Child("serviceAccounts").Index(i)
		// A name or namespace taken from broken metadata is reported there, once.
		checkName := sa.Name != "" || isDNS1123Subdomain(r.in.Binding.Metadata.Name)
		checkNamespace := sa.Namespace != "" || isDNS1123Label(r.namespace)
		if sa.Name == "" {
			sa.Name = r.in.Binding.Metadata.Name
		}
		if sa.Namespace == "" {
			sa.Namespace = r.namespace
		}
		if sa.Audience == "" {
			sa.Audience = v1alpha1.DefaultAudience
		}
		r.spec.ServiceAccounts[i] = sa
		if checkName && !isDNS1123Subdomain(sa.Name) {
			r.diags.Errorf(p.Child("name"), "a DNS-1123 subdomain: lower case letters, digits, '-' and '.'", "service account name %q is not valid", sa.Name)
		}
		if checkNamespace && !isDNS1123Label(sa.Namespace) {
			r.diags.Errorf(p.Child("namespace"), "a DNS-1123 label: lower case letters, digits and '-', at most 63", "namespace %q is not valid", sa.Namespace)
		}
		if strings.ContainsAny(sa.Audience, " \t\n") {
			r.diags.Errorf(p.Child("audience"), "one audience without spaces, such as sts.amazonaws.com", "audience %q has white space", sa.Audience)
		}
		if t := sa.TokenExpiration; t != 0 && t < MinTokenExpiration {
			r.diags.Errorf(p.Child("tokenExpiration"), fmt.Sprintf("at least %d seconds", MinTokenExpiration), "%d seconds: the EKS pod identity webhook raises anything below %d to %d", t, MinTokenExpiration, MinTokenExpiration)
		}
		// An entry whose name or namespace was skipped would compare as the defaults.
		if id := sa.Namespace + "/" + sa.Name; !r.unread(p.Child("name"), p.Child("namespace")) {
			if j, dup := seen[id]; dup {
				r.diags.Errorf(p, "each service account once", "service account %s is also serviceAccounts[%d]", id, j)
			}
			seen[id] = i
		}
		r.serviceAccounts = append(r.serviceAccounts, ServiceAccount{
			Name: sa.Name, Namespace: sa.Namespace, Create: sa.Create == nil || *sa.Create, TokenExpiration: sa.TokenExpiration,
			STSRegionalEndpoints: sa.STSRegionalEndpoints, Field: p,
		})
	}
}

func (r *resolver) resolveWorkloads() {
	for i, w := range r.spec.Workloads {
		p := specPath.Child("workloads").Index(i)
		problemsBefore := len(r.diags)
		if w.Kind != "" && !contains(supportedWorkload, w.Kind) {
			r.diags.Errorf(p.Child("kind"), strings.Join(supportedWorkload, ", "), "kind %q is not a workload irsa-fn patches", w.Kind)
		}
		switch {
		case w.Name != "" && w.Selector != nil:
			r.diags.Errorf(p, "name, or selector", "an entry has both name and selector; give one")
		case w.Name == "" && w.Selector == nil:
			r.diags.Errorf(p, "name (with kind), or selector", "an entry needs a name or a selector")
		case w.Name != "" && w.Kind == "":
			r.diags.Errorf(p.Child("kind"), strings.Join(supportedWorkload, ", "), "kind is required with name")
		case w.Selector != nil:
			r.checkSelector(w.Selector, p.Child("selector"))
		}
		if len(r.diags) > problemsBefore || r.unread(p) || r.serviceAccountsBroken(false, "name", "namespace") {
			continue // an entry with problems selects nothing: planning it would only add noise
		}
		sa, ok := r.findServiceAccount(w.ServiceAccount, w.Namespace)
		if !ok {
			r.diags.Errorf(p.Child("serviceAccount"), "one of the names in serviceAccounts: "+strings.Join(r.serviceAccountNames(), ", "), "service account %q is not declared by this binding", w.ServiceAccount)
			continue
		}
		ns := w.Namespace
		if ns == "" {
			ns = sa.Namespace
		}
		if ns != sa.Namespace {
			r.diags.Errorf(p.Child("namespace"), "the service account's namespace, "+sa.Namespace, "workloads in namespace %q cannot run as service account %s/%s: a pod uses service accounts of its own namespace", ns, sa.Namespace, sa.Name)
			continue
		}
		r.workloads = append(r.workloads, Workload{
			Kind: w.Kind, Name: w.Name, Namespace: ns, Selector: w.Selector, ServiceAccount: sa.Name, Field: p,
		})
	}
}

func (r *resolver) checkSelector(s *v1alpha1.LabelSelector, p diag.Path) {
	if len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0 {
		r.diags.Errorf(p, "matchLabels or matchExpressions", "an empty selector would match every workload of the namespace")
	}
	for i, e := range s.MatchExpressions {
		ep := p.Child("matchExpressions").Index(i)
		switch e.Operator {
		case "In", "NotIn":
			if len(e.Values) == 0 {
				r.diags.Errorf(ep.Child("values"), "one or more values", "operator %s needs values", e.Operator)
			}
		case "Exists", "DoesNotExist":
			if len(e.Values) > 0 {
				r.diags.Errorf(ep.Child("values"), "no values", "operator %s takes no values", e.Operator)
			}
		default:
			r.diags.Errorf(ep.Child("operator"), "In, NotIn, Exists, DoesNotExist", "operator %q is not valid", e.Operator)
		}
	}
}

// findServiceAccount finds a declared service account by name (the first one when name is
// empty), preferring one in namespace when several share the name.
func (r *resolver) findServiceAccount(name, namespace string) (v1alpha1.ServiceAccount, bool) {
	if name == "" {
		return r.spec.ServiceAccounts[0], true
	}
	var found []v1alpha1.ServiceAccount
	for _, sa := range r.spec.ServiceAccounts {
		if sa.Name == name {
			found = append(found, sa)
		}
	}
	for _, sa := range found {
		if namespace == "" || sa.Namespace == namespace {
			return sa, true
		}
	}
	if len(found) > 0 {
		return found[0], true
	}
	return v1alpha1.ServiceAccount{}, false
}

func (r *resolver) serviceAccountNames() []string {
	var names []string
	for _, sa := range r.spec.ServiceAccounts {
		names = append(names, sa.Name)
	}
	return names
}

func (r *resolver) resolveExistingRole() {
	r.roleARN = r.spec.Role.ARN
	// The role must be in the partition of the clusters whose pods assume it: STS of another
	// partition does not know it.
	if got, _, _, _, err := ParseRoleARN(r.roleARN); err == nil {
		for i, c := range r.spec.Clusters {
			want := ""
			if is, err := ParseIssuer(c.OIDCIssuer); err == nil && is.Partition != "" {
				want = is.Partition
			} else if c.Region != "" {
				want = Partition(c.Region)
			}
			if want != "" && want != got {
				r.diags.Errorf(specPath.Child("role", "arn"), "a role in partition "+want+", that of the cluster's issuer or region", "role %q is in partition %s, but clusters[%d] is in %s: its pods could never assume it", r.roleARN, got, i, want)
				break
			}
		}
	}
	own := r.in.Binding.Spec
	if own.Role.Name != "" || len(own.Policies.Managed) > 0 || len(own.Policies.Inline) > 0 {
		r.diags.Warnf(specPath.Child("role", "arn"), "role.arn names an existing role, so irsa-fn renders no IAM role: role.name and policies are ignored")
	}
}

// resolveClusters resolves the clusters, their partition and region, and checks what the mode
// needs of them. r.clusters is left empty unless every cluster is sound.
func (r *resolver) resolveClusters() {
	clustersPath := specPath.Child("clusters")
	if r.unread(clustersPath) {
		return
	}
	if len(r.spec.Clusters) == 0 {
		r.diags.Errorf(clustersPath, "one or more clusters with oidcIssuer, here or in the IRSAConfig spec.clusters", "no cluster: the trust policy needs the cluster's OIDC issuer")
		return
	}
	if !r.modeKnown() || r.unread(specPath.Child("output")) {
		return // what the clusters need depends on them
	}
	defer func() {
		if r.broken(clustersPath) {
			r.clusters = nil // nothing is computed from a broken cluster
		}
	}()
	account := r.spec.Role.AccountID
	if arn := r.spec.Role.ARN; arn != "" {
		_, account, _, _, _ = ParseRoleARN(arn)
	}
	fromConfig := len(r.in.Binding.Spec.Clusters) == 0
	for i, c := range r.spec.Clusters {
		p := clustersPath.Index(i)
		if r.broken(p) {
			continue // its own problems are reported; what follows from them would repeat them
		}
		if c.OIDCIssuer == "" && r.irsa() {
			r.diags.Errorf(p.Child("oidcIssuer"), "the cluster's issuer, https://oidc.eks.<region>.amazonaws.com/id/<ID> (aws eks describe-cluster --query cluster.identity.oidc.issuer)", "oidcIssuer is required for mode %s%s", r.spec.Mode, r.origin(!fromConfig))
			continue
		}
		if c.Name == "" && r.podIdentity() {
			r.diags.Errorf(p.Child("name"), "the EKS cluster name (aws eks list-clusters)", "name is required for mode %s: a Pod Identity association names its cluster%s", r.spec.Mode, r.origin(!fromConfig))
			continue
		}
		provider := c.ProviderAccountID
		if provider == "" {
			provider = account
		}
		rc := cluster{name: c.Name, providerAccount: provider, region: c.Region, partition: Partition(c.Region)}
		if c.OIDCIssuer != "" {
			is, err := ParseIssuer(c.OIDCIssuer)
			if err != nil {
				continue // reported where the cluster is declared
			}
			rc.issuer, rc.hasIssuer = is, true
			switch {
			case c.Region != "" && is.Region != "" && c.Region != is.Region:
				r.diags.Errorf(p.Child("region"), "the issuer's region, "+is.Region+", or no region", "region %s contradicts the EKS issuer %q, which is in %s%s", c.Region, c.OIDCIssuer, is.Region, r.origin(!fromConfig))
			case c.Region != "" && is.Partition != "" && Partition(c.Region) != is.Partition:
				r.diags.Errorf(p.Child("region"), "a region of partition "+is.Partition+", which the issuer's host names", "region %s is in partition %s, but the issuer %q is in %s%s", c.Region, Partition(c.Region), c.OIDCIssuer, is.Partition, r.origin(!fromConfig))
			case is.Partition != "":
				rc.partition = is.Partition
			}
			if rc.region == "" {
				rc.region = is.Region
			}
		}
		if rc.region == "" && r.podIdentity() {
			for _, o := range r.outputs() {
				if why := o.Traits().ClusterRegion; why != "" {
					r.diags.Errorf(p.Child("region"), "the cluster's region, or an EKS oidcIssuer that names it", "region is required for output %s: %s%s", o.Name(), why, r.origin(!fromConfig))
					break
				}
			}
		}
		if len(r.clusters) > 0 && rc.partition != r.clusters[0].partition {
			r.diags.Errorf(specPath.Child("clusters").Index(i).Child("oidcIssuer"), "clusters of one partition ("+r.clusters[0].partition+")", "issuer %q is in partition %s: a role cannot trust issuers of two partitions", c.OIDCIssuer, rc.partition)
		}
		r.clusters = append(r.clusters, rc)
	}
}

// resolveRole checks the role the binding renders and, when nothing is wrong, builds it. Each
// check runs when what it reads is sound: the partition checks need the clusters, the
// well-known add-ons the clusters and the account.
func (r *resolver) resolveRole() {
	s := r.spec.Settings
	own := r.in.Binding.Spec.Settings
	rolePath := specPath.Child("role")
	if s.Role.AccountID == "" && !r.unread(rolePath.Child("accountID")) {
		r.diags.Errorf(rolePath.Child("accountID"), "the role's 12-digit account ID, here or in the IRSAConfig spec.defaults.role.accountID", "accountID is required to compute the role ARN")
	}
	r.checkRoleObjectName()
	if r.modeKnown() && s.SubjectPattern != "" && !r.irsa() {
		r.diags.Warnf(specPath.Child("subjectPattern"), "mode podIdentity uses no web identity, so the subject pattern is ignored%s", r.origin(own.SubjectPattern != ""))
	}
	// Over the limit on its own, the binding's tags are reported by validateRole.
	if len(s.Role.Tags) > MaxTags && len(own.Role.Tags) <= MaxTags && !r.unread(rolePath.Child("tags")) {
		r.diags.Errorf(rolePath.Child("tags"), fmt.Sprintf("at most %d tags", MaxTags), "%d tags after merging the IRSAConfig's tags", len(s.Role.Tags))
	}
	partition := "" // known when the clusters are sound
	if len(r.clusters) > 0 {
		partition = r.clusters[0].partition
		r.checkARNPartitions(partition)
	}
	r.checkAttachments()
	r.checkARNAccounts()
	var trust iampolicy.Document
	trustSound := len(r.clusters) > 0 && !r.broken(specPath.Child("subjectPattern")) && !r.serviceAccountsBroken(true, "name", "namespace", "audience")
	if trustSound && r.irsa() {
		r.checkSubjectPattern()
	}
	if trustSound {
		trust = r.trustPolicy()
		r.checkTrustSize(trust)
	}
	account := s.Role.AccountID
	if r.broken(rolePath.Child("accountID")) {
		account = ""
	}
	wellKnown := r.wellKnownPolicies(partition, account)
	if partition != "" {
		for i, ip := range s.Policies.Inline {
			p := specPath.Child("policies", "inline").Index(i)
			if doc, err := inlineDocument(ip); err == nil && !r.broken(p) {
				r.checkPartitionOf(doc, ip.Document != "", p, partition)
			}
		}
	}
	if r.diags.HasErrors() || len(r.in.Skipped) > 0 {
		return // the role combines every field: it is built only from sound ones
	}
	role := &Role{
		Name: s.Role.Name, Path: s.Role.Path, AccountID: s.Role.AccountID, Partition: partition,
		Description: s.Role.Description, MaxSessionDuration: s.Role.MaxSessionDuration,
		PermissionsBoundary: s.Role.PermissionsBoundary, Managed: slices.Clone(s.Policies.Managed),
		Trust: trust,
	}
	if role.Name == "" {
		first := r.spec.ServiceAccounts[0]
		role.Name = DefaultRoleName(r.clusters[0].name, first.Namespace, first.Name)
	}
	if role.Path == "" {
		role.Path = "/"
	}
	if role.MaxSessionDuration == 0 {
		role.MaxSessionDuration = MinMaxSessionDuration
	}
	for _, k := range slices.Sorted(maps.Keys(s.Role.Tags)) {
		role.Tags = append(role.Tags, Tag{Key: k, Value: s.Role.Tags[k]})
	}
	for _, cp := range s.Policies.CustomerManaged {
		doc, _ := inlineDocument(v1alpha1.InlinePolicy{Name: cp.Name, Statements: cp.Statements, Document: cp.Document}) // checked
		path := cp.Path
		if path == "" {
			path = role.Path
		}
		role.CustomerManaged = append(role.CustomerManaged, ManagedPolicy{
			Name: cp.Name, Path: path, Description: cp.Description, Document: doc,
			ARN: fmt.Sprintf("arn:%s:iam::%s:policy%s%s", partition, role.AccountID, path, cp.Name),
		})
	}
	role.ARN = RoleARN(partition, role.AccountID, role.Path, role.Name)
	for _, arn := range wellKnown.managed {
		if !contains(role.Managed, arn) {
			role.Managed = append(role.Managed, arn)
		}
	}
	r.buildInline(role, wellKnown.inline)
	r.role, r.roleARN = role, role.ARN
}

// checkRoleObjectName rejects a role name with nothing left of it as a Kubernetes object name:
// the ACK, Crossplane and IAMRole objects of the role are named after it.
func (r *resolver) checkRoleObjectName() {
	name, p := r.spec.Role.Name, specPath.Child("role", "name")
	if name == "" || KubernetesName(name) != "" || r.broken(p, specPath.Child("output")) {
		return
	}
	for _, o := range r.outputs() {
		if o.Traits().NamesObjects {
			r.diags.Errorf(p, "a role name with a letter or digit, or "+outputsWhere(func(t OutputTraits) bool { return !t.NamesObjects }), "role name %q leaves nothing of a Kubernetes object name (only letters, digits, '-' and '.' are kept, in lower case), and output %s names its objects after the role%s", name, o.Name(), r.origin(r.in.Binding.Spec.Role.Name != ""))
			return
		}
	}
}

// checkARNPartitions reports the permissions boundary, managed policies and customer managed
// policy documents that are in another partition than the clusters'. An ARN or document with
// problems of its own is left out: they are reported where it is declared.
func (r *resolver) checkARNPartitions(partition string) {
	own := r.in.Binding.Spec.Settings
	checkPartition := func(arn string, p diag.Path, setInBinding bool) {
		if r.broken(p) {
			return
		}
		if got := strings.SplitN(arn, ":", 3)[1]; got != partition {
			r.diags.Errorf(p, "an ARN in partition "+partition+", the clusters' partition", "%q is in partition %s%s", arn, got, r.origin(setInBinding))
		}
	}
	if b := r.spec.Role.PermissionsBoundary; b != "" {
		checkPartition(b, specPath.Child("role", "permissionsBoundary"), own.Role.PermissionsBoundary != "")
	}
	for i, arn := range r.spec.Policies.Managed {
		checkPartition(arn, specPath.Child("policies", "managed").Index(i), len(own.Policies.Managed) > 0)
	}
	for i, cp := range r.spec.Policies.CustomerManaged {
		p := specPath.Child("policies", "customerManaged").Index(i)
		doc, err := inlineDocument(v1alpha1.InlinePolicy{Name: cp.Name, Statements: cp.Statements, Document: cp.Document})
		if err != nil || r.broken(p) {
			continue
		}
		r.checkPartitionOf(doc, cp.Document != "", p, partition)
	}
}

// checkARNAccounts reports the permissions boundary and managed policies that are customer
// managed policies of another account than the role's: IAM attaches only AWS managed policies
// and the role's own account's (a managed policy cannot be shared across accounts), so the role
// would never get them. An ARN with problems of its own is reported where it is declared.
func (r *resolver) checkARNAccounts() {
	s, own := r.spec.Settings, r.in.Binding.Spec.Settings
	account := s.Role.AccountID
	if account == "" || r.broken(specPath.Child("role", "accountID")) {
		return
	}
	check := func(arn string, p diag.Path, setInBinding bool) {
		if r.broken(p) {
			return
		}
		if fields := strings.SplitN(arn, ":", 6); len(fields) == 6 && fields[4] != "aws" && fields[4] != account {
			r.diags.Errorf(p, "an AWS managed policy (arn:<partition>:iam::aws:policy/...) or one of the role's account, "+account,
				"%q is in account %s, not the role's account %s: IAM attaches no other account's policy%s", arn, fields[4], account, r.origin(setInBinding))
		}
	}
	if b := s.Role.PermissionsBoundary; b != "" {
		check(b, specPath.Child("role", "permissionsBoundary"), own.Role.PermissionsBoundary != "")
	}
	for i, arn := range s.Policies.Managed {
		check(arn, specPath.Child("policies", "managed").Index(i), len(own.Policies.Managed) > 0)
	}
}

// checkAttachments checks the customer managed policies against the outputs, and the number of
// policies attached to the role against the account's quota.
func (r *resolver) checkAttachments() {
	s, own := r.spec.Settings, r.in.Binding.Spec.Settings
	managed, customer := specPath.Child("policies", "managed"), specPath.Child("policies", "customerManaged")
	if r.unread(managed, customer) {
		return
	}
	if len(s.Policies.CustomerManaged) > 0 && !r.broken(specPath.Child("output")) {
		for _, o := range r.outputs() {
			if o.Traits().CustomerManaged == "" {
				r.diags.Errorf(customer, customerManagedOutputs()+"; or inline policies", "output %s does not render customer managed policies, and the outputs are %v", o.Name(), s.Output)
				break
			}
		}
	}
	attached := len(s.Policies.Managed) + len(s.Policies.CustomerManaged)
	switch limit := r.quota().ManagedPoliciesPerRole; {
	case int64(attached) > limit:
		r.diags.Errorf(managed, fmt.Sprintf("at most %d managed policies per role (the account's quota; raise spec.quotas.managedPoliciesPerRole in the IRSAConfig after raising it in AWS, up to %d)", limit, MaxManagedPerRole), "%d managed and customer managed policies%s", attached, r.origin(len(own.Policies.Managed) > 0))
	case attached > DefaultManagedPerRole:
		r.diags.Warnf(managed, "%d managed policies is more than IAM's default quota of %d; the account's quota must have been raised", attached, DefaultManagedPerRole)
	}
}

func (r *resolver) quota() v1alpha1.Quotas {
	q := v1alpha1.Quotas{TrustPolicySize: DefaultTrustPolicySize, ManagedPoliciesPerRole: DefaultManagedPerRole}
	if r.in.Config != nil {
		if v := r.in.Config.Spec.Quotas.TrustPolicySize; v != 0 {
			q.TrustPolicySize = v
		}
		if v := r.in.Config.Spec.Quotas.ManagedPoliciesPerRole; v != 0 {
			q.ManagedPoliciesPerRole = v
		}
	}
	return q
}

func (r *resolver) checkTrustSize(doc iampolicy.Document) {
	size, limit := doc.Size(), r.quota().TrustPolicySize
	p := specPath.Child("serviceAccounts")
	switch {
	case int64(size) > limit:
		r.diags.Errorf(p, fmt.Sprintf("a trust policy of at most %d characters (the account's quota, up to %d on request: set spec.quotas.trustPolicySize in the IRSAConfig)", limit, MaxTrustPolicySize), "the trust policy for these clusters and service accounts has %d characters", size)
	case float64(size) > nearQuotaFraction*float64(limit):
		r.diags.Warnf(p, "the trust policy has %d of its %d characters", size, limit)
	}
}

// buildInline sets the role's inline policies, the declared ones and then those of the well-known
// add-ons, and checks their size together.
func (r *resolver) buildInline(role *Role, wellKnown []NamedPolicy) {
	for _, ip := range r.spec.Policies.Inline {
		doc, _ := inlineDocument(ip) // checked by validateSettings
		role.Inline = append(role.Inline, NamedPolicy{Name: ip.Name, Document: doc})
	}
	role.Inline = append(role.Inline, wellKnown...)
	total := 0
	for _, p := range role.Inline {
		total += p.Document.Size()
	}
	p := specPath.Child("policies", "inline")
	switch {
	case total > MaxInlinePoliciesSize:
		r.diags.Errorf(p, fmt.Sprintf("inline policies of at most %d characters together, white space not counted; move some to managed policies", MaxInlinePoliciesSize), "the inline policies have %d characters together", total)
	case float64(total) > nearQuotaFraction*MaxInlinePoliciesSize:
		r.diags.Warnf(p, "the inline policies have %d of their %d characters", total, MaxInlinePoliciesSize)
	}
}

// checkPartitionOf reports the resources of a declared policy at p (a JSON document, or
// statements) that are in another partition than the role's.
func (r *resolver) checkPartitionOf(doc iampolicy.Document, isJSON bool, p diag.Path, partition string) {
	if isJSON {
		iampolicy.CheckResourcePartition(doc, partition, p.Child("document"), nil, FindingsFor(r.in.Config), &r.diags)
		return
	}
	iampolicy.CheckResourcePartition(doc, partition, p, iampolicy.YAMLNames, FindingsFor(r.in.Config), &r.diags)
}

// serviceAccountAnnotations are the annotations irsa-fn sets on one service account.
func (r *resolver) serviceAccountAnnotations(sa v1alpha1.ServiceAccount) map[string]string {
	out := map[string]string{AnnotationBinding: r.bindingID}
	if !r.irsa() {
		// Pod Identity needs no annotation; with one, a pod created where the webhook has no
		// association for it would get IRSA, which this mode's trust refuses.
		return out
	}
	out[AnnotationRoleARN] = r.roleARN
	if sa.Audience != v1alpha1.DefaultAudience {
		out[AnnotationAudience] = sa.Audience
	}
	if sa.TokenExpiration != 0 {
		out[AnnotationTokenExpiration] = strconv.FormatInt(sa.TokenExpiration, 10)
	}
	if sa.STSRegionalEndpoints != nil {
		out[AnnotationSTSRegionalEndpoints] = strconv.FormatBool(*sa.STSRegionalEndpoints)
	}
	return out
}
