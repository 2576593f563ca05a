// Package schemas embeds the JSON Schemas of the irsa.dev kinds, generated from api/v1alpha1 by
// `make schemas`, for irsa-fn explain and for editors (yaml-language-server).
package schemas

import (
	"embed"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

//go:embed *.schema.json
var files embed.FS

// Release is the tag of the irsa-fn release the schemas are published under: their $id, and the
// $schema of the examples, is the file at that tag in the repository (URL), so that a binding
// copied out of the repository keeps validating against the schema of the release it was
// written for. Bump it with a release that changes the schemas.
const Release = "v0.1.0"

// baseURL is where the repository's files are published, by tag.
const baseURL = "https://raw.githubusercontent.com/irsa-dev/irsa-fn/"

// URL is the published address of a kind's JSON Schema: its $id, and what an example's
// `# yaml-language-server: $schema=` names.
func URL(kind string) string {
	return baseURL + Release + "/schemas/" + fileName(kind)
}

// Kinds are the kinds with a schema, in the order the help lists them.
var Kinds = []string{"IRSABinding", "IRSAConfig", "IAMRole"}

// JSON returns the JSON Schema of a kind.
func JSON(kind string) ([]byte, error) {
	return files.ReadFile(fileName(kind))
}

func fileName(kind string) string {
	switch kind {
	case "IRSABinding":
		return "irsabinding.schema.json"
	case "IRSAConfig":
		return "irsaconfig.schema.json"
	case "IAMRole":
		return "iamrole.schema.json"
	}
	return kind
}

// Kind returns the kind named name, compared case-insensitively (irsabinding is IRSABinding);
// false when no kind has that name.
func Kind(name string) (string, bool) {
	for _, k := range Kinds {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

// Parse returns the JSON Schema of a kind, its properties in declaration order.
func Parse(kind string) (*Schema, error) {
	data, err := JSON(kind)
	if err != nil {
		return nil, fmt.Errorf("no schema for %s: %w", kind, err)
	}
	var root Schema
	if err := json.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("schema of %s: %w", kind, err)
	}
	return &root, nil
}

// Field is one field of a kind, for the field reference.
type Field struct {
	// Path is the field's path, such as spec.role.maxSessionDuration; list items are shown as [].
	Path string
	// Type is the JSON type, with its limits (enum, range, pattern).
	Type string
	// Description is the field's doc comment.
	Description string
	Required    bool
	// Default is the value irsa-fn uses when the field is not set; nil when it has none, or one
	// that depends on other fields (which the description says).
	Default any
	// Pattern is the regular expression the field, or each item of a list, matches.
	Pattern string
}

// Fields lists every field of a kind, depth first in schema order.
func Fields(kind string) ([]Field, error) {
	root, err := Parse(kind)
	if err != nil {
		return nil, err
	}
	var out []Field
	walk(root, "", &out)
	return out, nil
}

func walk(n *Schema, path string, out *[]Field) {
	required := map[string]bool{}
	for _, r := range n.Required {
		required[r] = true
	}
	for _, prop := range n.Properties {
		name, child := prop.Name, prop.Schema
		p := name
		if path != "" {
			p = path + "." + name
		}
		f := Field{Path: p, Type: describe(child), Description: child.Description, Required: required[name], Default: child.Default, Pattern: child.Pattern}
		if child.Type == "array" && child.Items != nil {
			f.Pattern = child.Items.Pattern
		}
		*out = append(*out, f)
		switch {
		case child.Type == "object" && len(child.Properties) > 0:
			walk(child, p, out)
		case child.Type == "array" && child.Items != nil && len(child.Items.Properties) > 0:
			walk(child.Items, p+"[]", out)
		}
	}
}

func describe(n *Schema) string {
	t := n.Type
	switch {
	case len(n.OneOf) > 0:
		t = "string or list"
	case t == "array" && n.Items != nil:
		t = "list of " + describe(n.Items)
	case t == "object" && len(n.Properties) == 0 && n.AdditionalProperties != nil:
		t = "map"
	}
	switch {
	case len(n.Enum) > 0:
		t += fmt.Sprintf(" %v", n.Enum)
	case n.Minimum != nil && n.Maximum != nil:
		t += fmt.Sprintf(" %d..%d", *n.Minimum, *n.Maximum)
	case n.Minimum != nil:
		t += fmt.Sprintf(" >= %d", *n.Minimum)
	case n.MaxLength != nil:
		t += fmt.Sprintf(" <= %d chars", *n.MaxLength)
	}
	return t
}

// PatternMismatches compares the schemas' patterns with the regular expressions irsa-fn's checks
// use, each keyed by kind and field path as Fields names it ("IRSABinding spec.role.path"), and
// says where they differ; none when the schemas say what the checks do.
func PatternMismatches(checks map[string]*regexp.Regexp) []string {
	var out []string
	for _, key := range slices.Sorted(maps.Keys(checks)) {
		kind, path, _ := strings.Cut(key, " ")
		got, err := pattern(kind, path)
		switch {
		case err != nil:
			out = append(out, err.Error())
		case got != checks[key].String():
			out = append(out, fmt.Sprintf("%s: pattern %q, the check's is %q", key, got, checks[key].String()))
		}
	}
	return out
}

// pattern returns the pattern of a kind's field (a list's items' pattern); "" when it has none.
func pattern(kind, path string) (string, error) {
	fields, err := Fields(kind)
	for _, f := range fields {
		if f.Path == path {
			return f.Pattern, nil
		}
	}
	if err == nil {
		err = fmt.Errorf("%s has no field %s", kind, path)
	}
	return "", err
}
