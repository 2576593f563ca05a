package generator

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// IAM and Kubernetes limits checked at render time.
const (
	MinMaxSessionDuration     = 3600
	MaxMaxSessionDuration     = 43200
	MinTokenExpiration        = 600
	MaxRolePathLength         = 512
	MaxDescriptionLength      = 1000
	MaxTags                   = 50
	MaxTagKeyLength           = 128
	MaxTagValueLength         = 256
	MaxPolicyNameLength       = 128
	DefaultTrustPolicySize    = 2048
	MaxTrustPolicySize        = 4096
	DefaultManagedPerRole     = 10
	MaxManagedPerRole         = 20
	MaxInlinePoliciesSize     = 10240
	MaxManagedPolicySize      = 6144
	nearQuotaFraction         = 0.9
	allowedRoleNameCharacters = "1-64 characters of A-Z a-z 0-9 + = , . @ _ -"
)

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	rolePathPattern  = regexp.MustCompile(`^/([\x21-\x7E]*/)?$`)
	descriptionChars = regexp.MustCompile(`^[\t\n\r\x20-\x7E\xA1-\xFF]*$`)
	tagPattern       = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	// roleARNPattern is a role ARN whose path and name are a role path and a role name (a path
	// of at most 512 characters: role/ gives its first /).
	roleARNPattern    = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role/([\x21-\x7E]{0,510}/)?[\w+=,.@-]{1,64}$`)
	policyARNPattern  = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}|aws):policy/[\x21-\x7E]+$`)
	dns1123Label      = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dns1123Subdomain  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	clusterNameChars  = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9\-_]*$`)
	supportedModes    = []string{string(v1alpha1.ModeIRSA), string(v1alpha1.ModePodIdentity), string(v1alpha1.ModeBoth)}
	regionNamePattern = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]+$`)
	supportedWorkload = []string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod", "Rollout"}
)

// ownerChars says what an IRSAConfig's owner, the value of a tag on every role, may be.
const ownerChars = "1-256 letters, digits, spaces and _ . : / = + - @, as an IAM tag value"

// dns1123SubdomainRule says what a Kubernetes object name may be.
const dns1123SubdomainRule = "a DNS-1123 subdomain: at most 253 lower case letters, digits, '-' and '.', starting and ending with a letter or digit"

// ValidateConfig checks an IRSAConfig's own fields: its name, clusters, defaults, guardrails (and
// the defaults against them), each output's settings and quotas. Field paths start at spec.
func ValidateConfig(c *v1alpha1.IRSAConfig) diag.List {
	var l diag.List
	checkObjectName(c.Metadata.Name, &l)
	spec := diag.NewPath("spec")
	validateClusters(c.Spec.ClusterList(), spec.Child("clusters"), &l)
	if o := c.Spec.Owner; o != "" && (utf8.RuneCountInString(o) > MaxTagValueLength || !tagPattern.MatchString(o)) {
		l.Errorf(spec.Child("owner"), ownerChars, "owner %q cannot be the value of the irsa.dev/owner tag", o)
	}
	if m := c.Spec.Lint.IAMReference; m != "" && m != "Error" && m != v1alpha1.IAMReferenceWarning {
		l.Errorf(spec.Child("lint", "iamReference"), "Error or Warning", "%q is not a way to report findings against IAM's service reference", m)
	}
	validateSettings(c.Spec.Defaults, spec.Child("defaults"), FindingsFor(c), &l)
	validateGuardrails(c, spec, &l)
	for _, o := range Outputs() {
		o.CheckConfig(c, spec, &l)
	}
	q := c.Spec.Quotas
	if q.TrustPolicySize != 0 && (q.TrustPolicySize < DefaultTrustPolicySize || q.TrustPolicySize > MaxTrustPolicySize) {
		l.Errorf(spec.Child("quotas", "trustPolicySize"), fmt.Sprintf("%d to %d", DefaultTrustPolicySize, MaxTrustPolicySize), "%d is outside IAM's range for the role trust policy length quota", q.TrustPolicySize)
	}
	if q.ManagedPoliciesPerRole != 0 && (q.ManagedPoliciesPerRole < DefaultManagedPerRole || q.ManagedPoliciesPerRole > MaxManagedPerRole) {
		l.Errorf(spec.Child("quotas", "managedPoliciesPerRole"), fmt.Sprintf("%d to %d", DefaultManagedPerRole, MaxManagedPerRole), "%d is outside IAM's range for managed policies per role", q.ManagedPoliciesPerRole)
	}
	return l
}

// checkObjectName checks the metadata.name of an irsa.dev object: it names the objects rendered
// for it and, under kpt, a file.
func checkObjectName(name string, l *diag.List) {
	p := diag.NewPath("metadata", "name")
	switch {
	case name == "":
		l.Errorf(p, dns1123SubdomainRule, "metadata.name is required")
	case len(name) > 253:
		l.Errorf(p, dns1123SubdomainRule, "name of %d characters is not a valid object name", len(name))
	case !isDNS1123Subdomain(name):
		l.Errorf(p, dns1123SubdomainRule, "name %q is not a valid object name", name)
	}
}

func validateClusters(clusters []v1alpha1.Cluster, path diag.Path, l *diag.List) {
	seen := map[string]int{}
	for i, c := range clusters {
		p := path.Index(i)
		if c.Name != "" && (len(c.Name) > 100 || !clusterNameChars.MatchString(c.Name)) {
			l.Errorf(p.Child("name"), "an EKS cluster name: 1-100 of A-Z a-z 0-9 - _, starting with a letter or digit", "cluster name %q is not valid", c.Name)
		}
		if c.Region != "" && !regionNamePattern.MatchString(c.Region) {
			l.Errorf(p.Child("region"), "an AWS region such as eu-west-1, cn-north-1 or us-gov-west-1", "region %q is not a region name", c.Region)
		}
		if c.OIDCIssuer == "" {
			continue // required for IRSA only: checked once the mode is known
		}
		if is, err := ParseIssuer(c.OIDCIssuer); err != nil {
			l.Errorf(p.Child("oidcIssuer"), "an https:// URL such as https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E", "%v", err)
		} else if j, dup := seen[is.HostPath]; dup {
			l.Errorf(p.Child("oidcIssuer"), "each issuer once", "issuer %q is also clusters[%d]", c.OIDCIssuer, j)
		} else {
			seen[is.HostPath] = i
		}
		checkAccountID(c.ProviderAccountID, p.Child("providerAccountID"), l)
	}
}

func checkAccountID(id string, path diag.Path, l *diag.List) {
	if id != "" && !accountIDPattern.MatchString(id) {
		l.Errorf(path, "exactly 12 digits, quoted in YAML (\"012345678901\")", "account ID %q is not 12 digits (it has %d characters)", id, len(id))
	}
}

// FindingsFor says how the IRSAConfig c (nil: none) wants findings against IAM's service
// reference reported.
func FindingsFor(c *v1alpha1.IRSAConfig) iampolicy.Findings {
	return iampolicy.Findings{AsWarnings: c != nil && c.Spec.Lint.IAMReference == v1alpha1.IAMReferenceWarning}
}

// validateSettings checks the format of every field set in s, reporting under path.
func validateSettings(s v1alpha1.Settings, path diag.Path, f iampolicy.Findings, l *diag.List) {
	if s.SubjectPattern != "" {
		if !strings.HasPrefix(s.SubjectPattern, "system:serviceaccount:") {
			l.Errorf(path.Child("subjectPattern"), "system:serviceaccount:<namespace>:<name>, with * or ? wildcards", "subject pattern %q does not start with system:serviceaccount:", s.SubjectPattern)
		}
	}
	if s.Mode != "" && !contains(supportedModes, string(s.Mode)) {
		l.Errorf(path.Child("mode"), strings.Join(supportedModes, ", "), "mode %q is not supported", s.Mode)
	}
	validateOutputs(s.Output, path.Child("output"), l)
	validateRole(s.Role, path.Child("role"), f, l)
	validatePolicies(s.Policies, path.Child("policies"), f, l)
}

// validateOutputs checks a list of outputs against the outputs irsa-fn has (Outputs).
func validateOutputs(outputs []v1alpha1.Output, path diag.Path, l *diag.List) {
	seen := map[v1alpha1.Output]bool{}
	for i, name := range outputs {
		p := path.Index(i)
		o, known := outputNamed(name)
		switch {
		case !known:
			l.Errorf(p, strings.Join(OutputNames(), ", "), "output %q is not supported", name)
		case seen[name]:
			l.Errorf(p, "each output once", "output %q is listed twice", name)
		case o.Traits().Alone && len(outputs) > 1:
			l.Errorf(p, fmt.Sprintf("%s alone, or a list of other outputs", name), "output %s cannot be combined with other outputs", name)
		}
		seen[name] = true
	}
}

func validateRole(r v1alpha1.Role, path diag.Path, f iampolicy.Findings, l *diag.List) {
	checkAccountID(r.AccountID, path.Child("accountID"), l)
	if r.Name != "" && (len(r.Name) > MaxRoleNameLength || !roleNamePattern.MatchString(r.Name)) {
		l.Errorf(path.Child("name"), allowedRoleNameCharacters, "role name %q (%d characters) is not a valid IAM role name", r.Name, len(r.Name))
	}
	if r.ARN != "" {
		if !roleARNPattern.MatchString(r.ARN) {
			l.Errorf(path.Child("arn"), "arn:<aws, aws-cn or aws-us-gov>:iam::<12-digit account>:role/<path><name>, with a path and name as role.path and role.name allow", "%q is not a role ARN", r.ARN)
		}
	}
	if r.Path != "" && (len(r.Path) > MaxRolePathLength || !rolePathPattern.MatchString(r.Path)) {
		l.Errorf(path.Child("path"), "/ or /segments/ of printable ASCII, at most 512 characters", "role path %q is not valid", r.Path)
	}
	if n := utf8.RuneCountInString(r.Description); n > MaxDescriptionLength || !descriptionChars.MatchString(r.Description) {
		l.Errorf(path.Child("description"), "at most 1000 characters of printable Latin-1", "description (%d characters) is not valid", n)
	}
	if d := r.MaxSessionDuration; d != 0 && (d < MinMaxSessionDuration || d > MaxMaxSessionDuration) {
		l.Errorf(path.Child("maxSessionDuration"), fmt.Sprintf("%d to %d seconds (1 to 12 hours)", MinMaxSessionDuration, MaxMaxSessionDuration), "%d is outside IAM's range", d)
	}
	if b := r.PermissionsBoundary; b != "" && !policyARNPattern.MatchString(b) {
		l.Errorf(path.Child("permissionsBoundary"), "a managed policy ARN, arn:aws:iam::<account or aws>:policy/<name>", "%q is not a policy ARN", b)
	} else if b != "" {
		iampolicy.CheckManagedPolicyARN(b, path.Child("permissionsBoundary"), f, l)
	}
	if len(r.Tags) > MaxTags {
		l.Errorf(path.Child("tags"), fmt.Sprintf("at most %d tags", MaxTags), "%d tags", len(r.Tags))
	}
	for _, k := range slices.Sorted(maps.Keys(r.Tags)) {
		v := r.Tags[k]
		p := path.Child("tags").Key(k)
		switch {
		case k == "" || utf8.RuneCountInString(k) > MaxTagKeyLength || !tagPattern.MatchString(k):
			l.Errorf(p, "a key of 1-128 letters, digits, spaces and _ . : / = + - @", "tag key %q is not valid", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			l.Errorf(p, "a key not starting with aws:", "tag key %q uses the reserved aws: prefix", k)
		}
		if utf8.RuneCountInString(v) > MaxTagValueLength || !tagPattern.MatchString(v) {
			l.Errorf(p, "a value of 0-256 letters, digits, spaces and _ . : / = + - @", "tag value %q is not valid", v)
		}
	}
}

func validatePolicies(p v1alpha1.Policies, path diag.Path, f iampolicy.Findings, l *diag.List) {
	seen := map[string]int{}
	for i, arn := range p.Managed {
		mp := path.Child("managed").Index(i)
		if !policyARNPattern.MatchString(arn) {
			l.Errorf(mp, "a managed policy ARN, arn:aws:iam::aws:policy/<name> or arn:aws:iam::<account>:policy/<path><name>", "%q is not a policy ARN", arn)
		} else if j, dup := seen[arn]; dup {
			l.Errorf(mp, "each policy once", "%q is also managed[%d]", arn, j)
		} else {
			iampolicy.CheckManagedPolicyARN(arn, mp, f, l)
		}
		seen[arn] = i
	}
	validateCustomerManaged(p.CustomerManaged, path.Child("customerManaged"), f, l)
	names := map[string]int{}
	for i, ip := range p.Inline {
		ipPath := path.Child("inline").Index(i)
		if ip.Name == "" {
			l.Errorf(ipPath.Child("name"), policyNameChars, "name is required")
		} else {
			checkPolicyName(ip.Name, ipPath.Child("name"), "inline", i, names, l)
		}
		checkedDocument(ip, ipPath, f, l)
	}
}

// policyNameChars says what a policy name may be.
const policyNameChars = "1-128 characters of A-Z a-z 0-9 + = , . @ _ -"

// checkPolicyName checks a policy's name and that no earlier entry of list took it (IAM ignores
// case); seen records the names by index.
func checkPolicyName(name string, p diag.Path, list string, i int, seen map[string]int, l *diag.List) {
	if len(name) > MaxPolicyNameLength || !roleNamePattern.MatchString(name) {
		l.Errorf(p, policyNameChars, "policy name %q is not valid", name)
	}
	if j, dup := seen[strings.ToLower(name)]; dup {
		l.Errorf(p, "each name once (IAM ignores case)", "policy name %q is also %s[%d]", name, list, j)
	}
	seen[strings.ToLower(name)] = i
}

// checkedDocument builds a policy's document from its statements or JSON text and checks it,
// reporting under p with the names the user wrote (statements in YAML, or the document's JSON
// elements). ok is false when no document can be built.
func checkedDocument(ip v1alpha1.InlinePolicy, p diag.Path, f iampolicy.Findings, l *diag.List) (iampolicy.Document, bool) {
	doc, err := inlineDocument(ip)
	if err != nil {
		l.Errorf(p, "statements, or document: a JSON policy document", "%v", err)
		return doc, false
	}
	if ip.Document != "" {
		iampolicy.CheckPermissions(doc, p.Child("document"), nil, f, l)
	} else {
		iampolicy.CheckPermissions(doc, p, iampolicy.YAMLNames, f, l)
	}
	return doc, true
}

func validateCustomerManaged(policies []v1alpha1.CustomerManagedPolicy, path diag.Path, f iampolicy.Findings, l *diag.List) {
	names := map[string]int{}
	for i, cp := range policies {
		p := path.Index(i)
		checkPolicyName(cp.Name, p.Child("name"), "customerManaged", i, names, l)
		if cp.Path != "" && (len(cp.Path) > MaxRolePathLength || !rolePathPattern.MatchString(cp.Path)) {
			l.Errorf(p.Child("path"), "/ or /segments/ of printable ASCII, at most 512 characters", "policy path %q is not valid", cp.Path)
		}
		if n := utf8.RuneCountInString(cp.Description); n > MaxDescriptionLength {
			l.Errorf(p.Child("description"), "at most 1000 characters", "description has %d characters", n)
		}
		doc, ok := checkedDocument(v1alpha1.InlinePolicy{Name: cp.Name, Statements: cp.Statements, Document: cp.Document}, p, f, l)
		if !ok {
			continue
		}
		if size := doc.Size(); size > MaxManagedPolicySize {
			l.Errorf(p, fmt.Sprintf("a managed policy of at most %d characters, white space not counted", MaxManagedPolicySize), "the policy has %d characters", size)
		} else if float64(size) > nearQuotaFraction*MaxManagedPolicySize {
			l.Warnf(p, "the policy has %d of its %d characters", size, MaxManagedPolicySize)
		}
	}
}

// inlineDocument builds the document of an inline policy from its statements or its JSON text.
func inlineDocument(ip v1alpha1.InlinePolicy) (iampolicy.Document, error) {
	switch {
	case ip.Document != "" && len(ip.Statements) > 0:
		return iampolicy.Document{}, fmt.Errorf("policy %q has both statements and document; give one", ip.Name)
	case ip.Document != "":
		doc, err := iampolicy.Parse(ip.Document)
		if err != nil {
			return iampolicy.Document{}, fmt.Errorf("document of policy %q is not a valid policy document: %v", ip.Name, err)
		}
		return doc, nil
	case len(ip.Statements) == 0:
		return iampolicy.Document{}, fmt.Errorf("policy %q has neither statements nor document", ip.Name)
	}
	doc := iampolicy.Document{Version: iampolicy.Version}
	for _, s := range ip.Statements {
		st := iampolicy.Statement{
			Sid: s.Sid, Effect: s.Effect,
			Action: iampolicy.Values(s.Actions), NotAction: iampolicy.Values(s.NotActions),
			Resource: iampolicy.Values(s.Resources), NotResource: iampolicy.Values(s.NotResources),
		}
		if st.Effect == "" {
			st.Effect = "Allow"
		}
		if len(s.Conditions) > 0 {
			st.Condition = iampolicy.Condition{}
			for op, keys := range s.Conditions {
				st.Condition[op] = map[string]iampolicy.Values{}
				for k, v := range keys {
					st.Condition[op][k] = iampolicy.Values(v)
				}
			}
		}
		doc.Statement = append(doc.Statement, st)
	}
	return doc, nil
}

func isDNS1123Label(s string) bool { return len(s) <= 63 && dns1123Label.MatchString(s) }

func isDNS1123Subdomain(s string) bool { return len(s) <= 253 && dns1123Subdomain.MatchString(s) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
