// Package export splits a rendered stream (or a kpt package) into the IAM documents a pipeline
// applies and the Kubernetes manifests it deploys: each irsa.dev IAMRole becomes
// DIR/<role>/trust-policy.json, DIR/<role>/<policy>.json and DIR/<role>/role.json; every other
// object that is not local config goes to the manifest stream.
package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// File names inside a role's folder that inline policies may not take.
const (
	TrustPolicyFile = "trust-policy.json"
	RoleFile        = "role.json"
)

// RoleFileContent is what role.json holds: the role's settings, the names of its inline policy
// files and the binding it came from. `irsa-fn apply DIR` reads it back.
type RoleFileContent struct {
	v1alpha1.IAMRoleSpec
	InlinePolicyNames []string `json:"InlinePolicyNames,omitempty"`
	Binding           string   `json:"Binding,omitempty"`
}

// Role is one IAMRole read from the input.
type Role struct {
	Spec    v1alpha1.IAMRoleSpec
	Binding string
	Source  string
}

// Input is what ReadInput found.
type Input struct {
	// Roles are the IAMRoles.
	Roles []Role
	// Rest are the other objects, local config dropped.
	Rest []*kyaml.RNode
	// Documents counts every document read, local config and IAMRoles included: zero means the
	// input was empty, which in a pipeline usually means the command before the pipe failed.
	Documents int
}

// Read reads objects from the paths (files, or folders such as kpt packages), or from stdin
// when there are none, and separates the IAMRoles from the rest. Local-config objects (bindings,
// Kptfiles) are dropped, as kustomize and kpt live apply drop them.
func Read(paths []string, stdin io.Reader) ([]Role, []*kyaml.RNode, error) {
	in, err := ReadInput(paths, stdin)
	return in.Roles, in.Rest, err
}

// ReadInput is Read that also counts the documents read.
func ReadInput(paths []string, stdin io.Reader) (Input, error) {
	type input struct {
		name string
		data []byte
	}
	var inputs []input
	if len(paths) == 0 {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return Input{}, fmt.Errorf("read stdin: %w", err)
		}
		inputs = append(inputs, input{"stdin", data})
	}
	for _, p := range paths {
		files, err := yamlFiles(p)
		if err != nil {
			return Input{}, err
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return Input{}, err
			}
			inputs = append(inputs, input{f, data})
		}
	}
	var out Input
	for _, in := range inputs {
		nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(in.data), OmitReaderAnnotations: true}).Read()
		if err != nil {
			return Input{}, fmt.Errorf("%s: %w", in.name, err)
		}
		out.Documents += len(nodes)
		for _, n := range nodes {
			if n.GetApiVersion() == v1alpha1.APIVersion && n.GetKind() == v1alpha1.KindIAMRole {
				r, err := decodeRole(n)
				if err != nil {
					return Input{}, fmt.Errorf("%s: IAMRole %s: %w", in.name, n.GetName(), err)
				}
				r.Source = in.name
				out.Roles = append(out.Roles, r)
				continue
			}
			if n.GetAnnotations()["config.kubernetes.io/local-config"] == "true" {
				continue
			}
			out.Rest = append(out.Rest, n)
		}
	}
	return out, nil
}

func decodeRole(n *kyaml.RNode) (Role, error) {
	s, err := n.String()
	if err != nil {
		return Role{}, err
	}
	var obj v1alpha1.IAMRole
	dec := yaml.NewDecoder(strings.NewReader(s))
	dec.KnownFields(true)
	if err := dec.Decode(&obj); err != nil {
		return Role{}, err
	}
	return Role{Spec: obj.Spec, Binding: obj.Metadata.Annotations["irsa.dev/binding"]}, nil
}

// yamlFiles lists the YAML files of a path: itself, or those below a folder, sorted.
func yamlFiles(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != path && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml") || d.Name() == "Kptfile") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// Check refuses roles that cannot be written or applied safely: names that are not IAM names or
// would leave the folder, duplicate role names, inline policies that would overwrite
// trust-policy.json or role.json, and documents that are not policy documents. It reports
// every problem.
func Check(roles []Role) []error {
	var errs []error
	seen := map[string]string{}
	for _, r := range roles {
		name := r.Spec.RoleName
		if !safeName(name) {
			errs = append(errs, fmt.Errorf("%s: role name %q cannot name a folder (allowed: 1-64 of A-Z a-z 0-9 + = , . @ _ -, not . or ..)", r.Source, name))
			continue
		}
		if strings.EqualFold(name, ManifestFile) {
			errs = append(errs, fmt.Errorf("%s: role name %q is the name of the export's manifest file", r.Source, name))
			continue
		}
		if other, dup := seen[strings.ToLower(name)]; dup {
			errs = append(errs, fmt.Errorf("%s: role %q is also in %s; IAM role names are unique per account, ignoring case", r.Source, name, other))
		}
		seen[strings.ToLower(name)] = r.Source
		if _, err := iampolicy.Parse(r.Spec.TrustPolicy); err != nil {
			errs = append(errs, fmt.Errorf("%s: role %s: the trust policy is not a policy document: %v", r.Source, name, err))
		}
		policies := map[string]bool{}
		for _, p := range r.Spec.InlinePolicies {
			lower := strings.ToLower(p.Name)
			switch {
			case !safeName(p.Name):
				errs = append(errs, fmt.Errorf("%s: role %s: inline policy name %q cannot name a file", r.Source, name, p.Name))
			case lower+".json" == TrustPolicyFile || lower+".json" == RoleFile:
				errs = append(errs, fmt.Errorf("%s: role %s: an inline policy named %q would overwrite %s.json; rename it", r.Source, name, p.Name, lower))
			case policies[lower]:
				errs = append(errs, fmt.Errorf("%s: role %s: inline policy %q twice", r.Source, name, p.Name))
			}
			if _, err := iampolicy.Parse(p.Document); err != nil {
				errs = append(errs, fmt.Errorf("%s: role %s: inline policy %s is not a policy document: %v", r.Source, name, p.Name, err))
			}
			policies[lower] = true
		}
	}
	return errs
}

// checkPolicyNames refuses inline policy names that cannot name a file of a role's folder, or
// that would name trust-policy.json or role.json.
func checkPolicyNames(names []string) error {
	var errs []error
	for _, n := range names {
		lower := strings.ToLower(n)
		switch {
		case !safeName(n):
			errs = append(errs, fmt.Errorf("inline policy name %q cannot name a file", n))
		case lower+".json" == TrustPolicyFile || lower+".json" == RoleFile:
			errs = append(errs, fmt.Errorf("an inline policy named %q would be read from %s.json", n, lower))
		}
	}
	return errors.Join(errs...)
}

// safeName reports whether s is 1-128 of the IAM name characters and not . or ..: no /, \, NUL
// or other character that could leave a folder.
func safeName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("+=,.@_-", c)) {
			return false
		}
	}
	return true
}

// WriteManifests writes the other objects to w as a YAML stream.
func WriteManifests(w io.Writer, nodes []*kyaml.RNode) error {
	return kio.ByteWriter{Writer: w}.Write(nodes)
}

// ReadDir reads an export folder back: every subfolder holding a role.json is a role.
func ReadDir(dir string) ([]Role, error) {
	dir = filepath.Clean(dir) // Lstat("link/") would follow the link
	if info, err := os.Lstat(dir); err != nil {
		return nil, err
	} else if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a folder (a symbolic link is not followed)", dir)
	}
	// The manifest, when there is one, says which files the export wrote: each must be there.
	var listed map[string]bool
	if _, err := os.Lstat(filepath.Join(dir, ManifestFile)); err == nil {
		m, err := readManifest(filepath.Join(dir, ManifestFile))
		if err != nil {
			return nil, err
		}
		listed = m
		for _, f := range slices.Sorted(maps.Keys(listed)) {
			if _, err := regularFile(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
				return nil, fmt.Errorf("%s lists %s: %w", ManifestFile, f, err)
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var roles []Role
	for _, e := range entries {
		roleDir := filepath.Join(dir, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s is a symbolic link; an export folder holds none, and irsa-fn does not follow them", roleDir)
		}
		if !e.IsDir() {
			continue
		}
		data, err := regularFile(filepath.Join(roleDir, RoleFile))
		if errors.Is(err, fs.ErrNotExist) {
			// Another tool's folder, unless the export wrote into it.
			if listed[e.Name()+"/"+TrustPolicyFile] {
				return nil, fmt.Errorf("%s: %s is missing", roleDir, RoleFile)
			}
			if _, err := os.Lstat(filepath.Join(roleDir, TrustPolicyFile)); err == nil {
				return nil, fmt.Errorf("%s has a %s but no %s: a role folder that lost its role.json", roleDir, TrustPolicyFile, RoleFile)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		var content RoleFileContent
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&content); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(roleDir, RoleFile), err)
		}
		if content.RoleName != e.Name() {
			return nil, fmt.Errorf("%s names role %q, but its folder is %s", filepath.Join(roleDir, RoleFile), content.RoleName, e.Name())
		}
		// Every name role.json gives is checked before a file is opened by it.
		if err := checkPolicyNames(content.InlinePolicyNames); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(roleDir, RoleFile), err)
		}
		trust, err := regularFile(filepath.Join(roleDir, TrustPolicyFile))
		if err != nil {
			return nil, err
		}
		spec := content.IAMRoleSpec
		spec.TrustPolicy = strings.TrimSuffix(string(trust), "\n")
		for _, name := range content.InlinePolicyNames {
			doc, err := regularFile(filepath.Join(roleDir, name+".json"))
			if err != nil {
				return nil, fmt.Errorf("role %s lists inline policy %s: %w", spec.RoleName, name, err)
			}
			spec.InlinePolicies = append(spec.InlinePolicies, v1alpha1.PolicyDocument{Name: name, Document: strings.TrimSuffix(string(doc), "\n")})
		}
		roles = append(roles, Role{Spec: spec, Binding: content.Binding, Source: roleDir})
	}
	// A role the manifest lists must have been read: a folder that went missing would otherwise
	// look like a role removed from the render, and apply --prune would delete it.
	for f := range listed {
		role, _, _ := strings.Cut(f, "/")
		if !slices.ContainsFunc(roles, func(r Role) bool { return r.Spec.RoleName == role }) {
			return nil, fmt.Errorf("%s lists role %s, which the folder does not hold", ManifestFile, role)
		}
	}
	return roles, nil
}

// regularFile reads a file that is a regular file, not a symbolic link.
func regularFile(p string) ([]byte, error) {
	info, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (a symbolic link is not followed)", p)
	}
	return os.ReadFile(p)
}
