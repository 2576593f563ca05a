package iamref

import (
	"sort"
	"strings"
)

// Service is one AWS service of the table, such as s3. The zero Service has no actions, keys or
// prefix.
type Service struct {
	s *service
}

// Action is one action of a service, such as s3:GetObject. The zero Action has no name.
type Action struct {
	s *service
	a *action
}

// ActionResource is a resource type an action acts on.
type ActionResource struct {
	// Name is the resource type's name, such as "object".
	Name string
	// Required reports whether the action always acts on this resource type.
	Required bool
	// ARNs are the resource type's ARN templates (usually one), such as
	// "arn:${Partition}:s3:::${BucketName}/${ObjectName}".
	ARNs []string
}

// LookupService returns the service with the prefix, compared without regard to case.
func LookupService(prefix string) (Service, bool) {
	if i, ok := searchFold(len(services), func(i int) string { return str(services[i].prefix) }, prefix); ok {
		return Service{&services[i]}, true
	}
	return Service{}, false
}

// ServicePrefixes returns the prefix of every service, sorted.
func ServicePrefixes() []string {
	out := make([]string, len(services))
	for i := range services {
		out[i] = str(services[i].prefix)
	}
	return out
}

// Prefix returns the service's prefix, such as "s3".
func (s Service) Prefix() string {
	if s.s == nil {
		return ""
	}
	return str(s.s.prefix)
}

// actions returns the service's actions in the table.
func (s Service) actions() []action {
	if s.s == nil {
		return nil
	}
	return actions[s.s.actFirst : s.s.actFirst+uint32(s.s.actN)]
}

// LookupAction returns the service's action with the name (without the prefix), compared
// without regard to case.
func (s Service) LookupAction(name string) (Action, bool) {
	acts := s.actions()
	if i, ok := searchFold(len(acts), func(i int) string { return str(acts[i].name) }, name); ok {
		return Action{s.s, &acts[i]}, true
	}
	return Action{}, false
}

// Actions returns the service's actions, sorted by name without regard to case.
func (s Service) Actions() []Action {
	acts := s.actions()
	out := make([]Action, len(acts))
	for i := range acts {
		out[i] = Action{s.s, &acts[i]}
	}
	return out
}

// MatchActions returns the service's actions whose name matches pattern, IAM's wildcards in an
// action name ('*' any run of characters, '?' one), without regard to case; sorted as Actions.
func (s Service) MatchActions(pattern string) []Action {
	acts := s.actions()
	// Only actions that start with the pattern's literal head can match: a range of the sorted
	// actions.
	head := pattern
	if i := strings.IndexAny(pattern, "*?"); i >= 0 {
		head = pattern[:i]
	}
	lo, _ := searchFold(len(acts), func(i int) string { return str(acts[i].name) }, head)
	var out []Action
	for i := lo; i < len(acts) && hasPrefixFold(str(acts[i].name), head); i++ {
		if matchWildcard(pattern, str(acts[i].name)) {
			out = append(out, Action{s.s, &acts[i]})
		}
	}
	return out
}

// ConditionKeys returns the service's condition keys, sorted; a key may hold placeholders such as
// ${TagKey}.
func (s Service) ConditionKeys() []string {
	if s.s == nil {
		return nil
	}
	return strs(s.s.keys)
}

// HasConditionKey reports whether key is one of the service's condition keys, without regard to
// case; a ${Placeholder} in the table's key matches any non-empty text, so
// aws:RequestTag/${TagKey} matches aws:RequestTag/kubernetes.io/cluster/prod.
func (s Service) HasConditionKey(key string) bool {
	return s.s != nil && listHasKey(s.s.keys, key)
}

// Name returns the action's name as AWS spells it, such as "GetObject".
func (a Action) Name() string {
	if a.a == nil {
		return ""
	}
	return str(a.a.name)
}

// Service returns the action's service.
func (a Action) Service() Service {
	return Service{a.s}
}

// AccessLevel returns the action's access level as IAM's documentation names it: "List",
// "Read", "Write", "Tagging" or "Permissions management".
func (a Action) AccessLevel() string {
	if a.a == nil {
		return ""
	}
	return str(a.a.level)
}

// ResourceTypes returns the resource types the action acts on; none when the action supports
// only Resource "*".
func (a Action) ResourceTypes() []ActionResource {
	if a.a == nil {
		return nil
	}
	refs := resRefList(a.a.res)
	out := make([]ActionResource, len(refs))
	for i, ref := range refs {
		r := a.resource(ref)
		out[i] = ActionResource{Name: str(r.name), Required: ref&requiredBit != 0, ARNs: strs(r.arns)}
	}
	return out
}

// resource returns the resource type of a reference of the action.
func (a Action) resource(ref uint16) *resource {
	return &resources[a.s.resFirst+ref&^requiredBit]
}

// ConditionKeys returns the condition keys IAM lists for the action itself and for it on each of
// its resource types, sorted; the resource types' own keys are not among them.
func (a Action) ConditionKeys() []string {
	if a.a == nil {
		return nil
	}
	return strs(a.a.keys)
}

// HasConditionKey reports whether key applies to the action: one of its own keys or of its
// resource types', matched as Service.HasConditionKey does.
func (a Action) HasConditionKey(key string) bool {
	if a.a == nil {
		return false
	}
	if listHasKey(a.a.keys, key) {
		return true
	}
	for _, ref := range resRefList(a.a.res) {
		if listHasKey(a.resource(ref).keys, key) {
			return true
		}
	}
	return false
}

// listHasKey reports whether a key of list id matches key.
func listHasKey(id uint16, key string) bool {
	for _, k := range list(id) {
		if matchKey(str(k), key) {
			return true
		}
	}
	return false
}

// GlobalConditionKeys returns the global condition keys, such as aws:SourceIp and
// aws:PrincipalTag/tag-key, sorted by name without regard to case.
func GlobalConditionKeys() []string {
	return strs(globalKeysList)
}

// IsGlobalConditionKey reports whether key is a global condition key, without regard to case.
// A key with a "/" (aws:RequestTag/x, aws:PrincipalTag/x, aws:ResourceTag/x) matches by the part
// up to the "/", and needs text after it. Besides the aws:* keys the list has the few
// service-specific keys IAM documents as global, such as ec2:SourceInstanceArn.
func IsGlobalConditionKey(key string) bool {
	name := key
	if i := strings.IndexByte(key, '/'); i >= 0 {
		if i == len(key)-1 {
			return false
		}
		name = key[:i+1]
	}
	keys := list(globalKeysList)
	_, ok := searchFold(len(keys), func(i int) string { return globalName(str(keys[i])) }, name)
	return ok
}

// globalName is what a global key of the table is matched by: for a key with a "/" the part up
// to and including it.
func globalName(key string) string {
	if i := strings.IndexByte(key, '/'); i >= 0 {
		return key[:i+1]
	}
	return key
}

// ManagedPolicyExists reports whether an AWS managed policy has the path and name, such as
// "service-role/AmazonEBSCSIDriverPolicy" or "AmazonS3ReadOnlyAccess" (the policy's ARN after
// "arn:aws:iam::aws:policy/"). The comparison is case-sensitive, as IAM's is.
func ManagedPolicyExists(pathAndName string) bool {
	names := list(managedPoliciesList)
	i := sort.Search(len(names), func(i int) bool { return str(names[i]) >= pathAndName })
	return i < len(names) && str(names[i]) == pathAndName
}

// ManagedPolicyNames returns the path and name of every AWS managed policy, sorted.
func ManagedPolicyNames() []string {
	return strs(managedPoliciesList)
}
