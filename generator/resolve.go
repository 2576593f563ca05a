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
			r.spec.Clusters = in.Config.Spec.Clusters
		}
		r.fromCfg = fmt.Sprintf(" (from IRSAConfig %s)", in.Config.Metadata.Name)
		guardrailsOf(in.Config).applyDefaults(&r.spec.Role)
	}
	if r.spec.Mode == "" {
		r.spec.Mode = v1alpha1.ModeIRSA
	}
	if len(r.spec.Output) == 0 {
		r.spec.Output = []v1alpha1.Output{v1alpha1.OutputACK}
	}
	return r
}

func (r *resolver) resolve() {
	b := r.in.Binding
	if b.Metadata.Name == "" {
		r.diags.Errorf(diag.NewPath("metadata", "name"), "a DNS-1123 subdomain", "metadata.name is required")
	}
	if !isDNS1123Label(r.namespace) {
		r.diags.Errorf(diag.NewPath("metadata", "namespace"), "a DNS-1123 label", "namespace %q is not a valid namespace name", r.namespace)
	}
	// Field formats of what the binding itself sets; the IRSAConfig's own fields are checked once
	// by ValidateConfig, so a broken default is reported once, against the IRSAConfig.
	validateClusters(b.Spec.Clusters, specPath.Child("clusters"), &r.diags)
	validateSettings(b.Spec.Settings, specPath, FindingsFor(r.in.Config), &r.diags)
	r.checkGuardrails()
	r.resolveServiceAccounts()
	r.resolveWorkloads()
	if r.diags.HasErrors() {
		return
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

// outputs reports whether the binding renders the output o.
func (r *resolver) outputs(o v1alpha1.Output) bool {
	for _, x := range r.spec.Output {
		if x == o {
			return true
		}
	}
	return false
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
		if !isDNS1123Subdomain(sa.Name) {
			r.diags.Errorf(p.Child("name"), "a DNS-1123 subdomain: lower case letters, digits, '-' and '.'", "service account name %q is not valid", sa.Name)
		}
		if !isDNS1123Label(sa.Namespace) {
			r.diags.Errorf(p.Child("namespace"), "a DNS-1123 label: lower case letters, digits and '-', at most 63", "namespace %q is not valid", sa.Namespace)
		}
		if strings.ContainsAny(sa.Audience, " \t\n") {
			r.diags.Errorf(p.Child("audience"), "one audience without spaces, such as sts.amazonaws.com", "audience %q has white space", sa.Audience)
		}
		if t := sa.TokenExpiration; t != 0 && t < MinTokenExpiration {
			r.diags.Errorf(p.Child("tokenExpiration"), fmt.Sprintf("at least %d seconds", MinTokenExpiration), "%d seconds: the EKS pod identity webhook raises anything below %d to %d", t, MinTokenExpiration, MinTokenExpiration)
		}
		id := sa.Namespace + "/" + sa.Name
		if j, dup := seen[id]; dup {
			r.diags.Errorf(p, "each service account once", "service account %s is also serviceAccounts[%d]", id, j)
		}
		seen[id] = i
		r.serviceAccounts = append(r.serviceAccounts, ServiceAccount{
			Name: sa.Name, Namespace: sa.Namespace, Create: sa.Create == nil || *sa.Create, Field: p,
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
		if len(r.diags) > problemsBefore {
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
	own := r.in.Binding.Spec
	if own.Role.Name != "" || len(own.Policies.Managed) > 0 || len(own.Policies.Inline) > 0 {
		r.diags.Warnf(specPath.Child("role", "arn"), "role.arn names an existing role, so irsa-fn renders no IAM role: role.name and policies are ignored")
	}
}

func (r *resolver) resolveClusters() {
	if len(r.spec.Clusters) == 0 {
		r.diags.Errorf(specPath.Child("clusters"), "one or more clusters with oidcIssuer, here or in the IRSAConfig spec.clusters", "no cluster: the trust policy needs the cluster's OIDC issuer")
		return
	}
	account := r.spec.Role.AccountID
	if arn := r.spec.Role.ARN; arn != "" {
		_, account, _, _, _ = ParseRoleARN(arn)
	}
	fromConfig := len(r.in.Binding.Spec.Clusters) == 0
	for i, c := range r.spec.Clusters {
		p := specPath.Child("clusters").Index(i)
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
		if rc.region == "" && r.podIdentity() && r.outputs(v1alpha1.OutputCrossplane) {
			r.diags.Errorf(p.Child("region"), "the cluster's region, or an EKS oidcIssuer that names it", "region is required: Crossplane's PodIdentityAssociation names the cluster's region%s", r.origin(!fromConfig))
		}
		if len(r.clusters) > 0 && rc.partition != r.clusters[0].partition {
			r.diags.Errorf(specPath.Child("clusters").Index(i).Child("oidcIssuer"), "clusters of one partition ("+r.clusters[0].partition+")", "issuer %q is in partition %s: a role cannot trust issuers of two partitions", c.OIDCIssuer, rc.partition)
		}
		r.clusters = append(r.clusters, rc)
	}
}

func (r *resolver) resolveRole() {
	s := r.spec.Settings
	own := r.in.Binding.Spec.Settings
	rolePath := specPath.Child("role")
	if s.Role.AccountID == "" {
		r.diags.Errorf(rolePath.Child("accountID"), "the role's 12-digit account ID, here or in the IRSAConfig spec.defaults.role.accountID", "accountID is required to compute the role ARN")
	}
	if len(r.clusters) == 0 || r.diags.HasErrors() {
		return
	}
	partition := r.clusters[0].partition
	if s.SubjectPattern != "" && !r.irsa() {
		r.diags.Warnf(specPath.Child("subjectPattern"), "mode podIdentity uses no web identity, so the subject pattern is ignored%s", r.origin(own.SubjectPattern != ""))
	}
	role := &Role{
		Name: s.Role.Name, Path: s.Role.Path, AccountID: s.Role.AccountID, Partition: partition,
		Description: s.Role.Description, MaxSessionDuration: s.Role.MaxSessionDuration,
		PermissionsBoundary: s.Role.PermissionsBoundary, Managed: s.Policies.Managed,
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
	if len(role.Tags) > MaxTags {
		r.diags.Errorf(rolePath.Child("tags"), fmt.Sprintf("at most %d tags", MaxTags), "%d tags after merging the IRSAConfig's tags", len(role.Tags))
	}
	checkPartition := func(arn string, p diag.Path, setInBinding bool) {
		if got := strings.SplitN(arn, ":", 3)[1]; got != partition {
			r.diags.Errorf(p, "an ARN in partition "+partition+", the clusters' partition", "%q is in partition %s%s", arn, got, r.origin(setInBinding))
		}
	}
	if role.PermissionsBoundary != "" {
		checkPartition(role.PermissionsBoundary, rolePath.Child("permissionsBoundary"), own.Role.PermissionsBoundary != "")
	}
	for i, arn := range role.Managed {
		checkPartition(arn, specPath.Child("policies", "managed").Index(i), len(own.Policies.Managed) > 0)
	}
	for i, cp := range s.Policies.CustomerManaged {
		doc, err := inlineDocument(v1alpha1.InlinePolicy{Name: cp.Name, Statements: cp.Statements, Document: cp.Document})
		if err != nil {
			continue // reported where it is declared
		}
		r.checkPartitionOf(doc, cp.Document != "", specPath.Child("policies", "customerManaged").Index(i), partition)
		path := cp.Path
		if path == "" {
			path = role.Path
		}
		role.CustomerManaged = append(role.CustomerManaged, ManagedPolicy{
			Name: cp.Name, Path: path, Description: cp.Description, Document: doc,
			ARN: fmt.Sprintf("arn:%s:iam::%s:policy%s%s", partition, role.AccountID, path, cp.Name),
		})
	}
	if len(role.CustomerManaged) > 0 && !(len(r.spec.Output) == 1 && r.spec.Output[0] == v1alpha1.OutputACK) {
		r.diags.Errorf(specPath.Child("policies", "customerManaged"), "output: [ack], which renders them as ACK Policy objects; or inline policies", "customer managed policies are rendered for ACK only, and the outputs are %v", r.spec.Output)
	}
	attached := len(role.Managed) + len(role.CustomerManaged)
	switch limit := r.quota().ManagedPoliciesPerRole; {
	case int64(attached) > limit:
		r.diags.Errorf(specPath.Child("policies", "managed"), fmt.Sprintf("at most %d managed policies per role (the account's quota; raise spec.quotas.managedPoliciesPerRole in the IRSAConfig after raising it in AWS, up to %d)", limit, MaxManagedPerRole), "%d managed and customer managed policies%s", attached, r.origin(len(own.Policies.Managed) > 0))
	case attached > DefaultManagedPerRole:
		r.diags.Warnf(specPath.Child("policies", "managed"), "%d managed policies is more than IAM's default quota of %d; the account's quota must have been raised", attached, DefaultManagedPerRole)
	}
	if r.irsa() {
		r.checkSubjectPattern()
	}
	role.Trust = r.trustPolicy()
	role.ARN = RoleARN(partition, role.AccountID, role.Path, role.Name)
	r.checkTrustSize(role.Trust)
	r.addWellKnown(role)
	r.buildInline(role)
	r.role, r.roleARN = role, role.ARN
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

func (r *resolver) buildInline(role *Role) {
	var declared []NamedPolicy
	for i, ip := range r.spec.Policies.Inline {
		doc, err := inlineDocument(ip)
		if err != nil {
			continue // reported by validateSettings, against its source
		}
		r.checkPartitionOf(doc, ip.Document != "", specPath.Child("policies", "inline").Index(i), role.Partition)
		declared = append(declared, NamedPolicy{Name: ip.Name, Document: doc})
	}
	role.Inline = append(declared, role.Inline...) // the well-known add-ons' policies follow
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
		// Pod Identity needs no annotation; a role-arn annotation would make the SDK prefer IRSA.
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
