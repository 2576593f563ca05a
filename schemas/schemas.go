// Package schemas embeds the JSON Schemas of the irsa.dev kinds, generated from api/v1alpha1 by
// `make schemas`, for the built-in help and for editors (yaml-language-server).
package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
)

//go:embed *.schema.json
var files embed.FS

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

// Field is one field of a kind, for the field reference.
type Field struct {
	// Path is the field's path, such as spec.role.maxSessionDuration; list items are shown as [].
	Path string
	// Type is the JSON type, with its limits (enum, range, pattern).
	Type string
	// Description is the field's doc comment, which says its default.
	Description string
	Required    bool
}

// node is the part of a JSON Schema the field reference reads.
type node struct {
	Description          string          `json:"description"`
	Type                 string          `json:"type"`
	Enum                 []string        `json:"enum"`
	Pattern              string          `json:"pattern"`
	Minimum              *int64          `json:"minimum"`
	Maximum              *int64          `json:"maximum"`
	MaxLength            *int64          `json:"maxLength"`
	Items                *node           `json:"items"`
	Properties           orderedNodes    `json:"properties"`
	Required             []string        `json:"required"`
	AdditionalProperties json.RawMessage `json:"additionalProperties"`
	OneOf                []*node         `json:"oneOf"`
}

// orderedNodes keeps the properties in the order the schema lists them.
type orderedNodes struct {
	names []string
	nodes map[string]*node
}

func (o *orderedNodes) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	o.nodes = map[string]*node{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name := t.(string)
		var n node
		if err := dec.Decode(&n); err != nil {
			return err
		}
		o.names = append(o.names, name)
		o.nodes[name] = &n
	}
	_, err := dec.Token() // }
	return err
}

// Fields lists every field of a kind, depth first in schema order.
func Fields(kind string) ([]Field, error) {
	data, err := JSON(kind)
	if err != nil {
		return nil, fmt.Errorf("no schema for %s: %w", kind, err)
	}
	var root node
	if err := json.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("schema of %s: %w", kind, err)
	}
	var out []Field
	walk(&root, "", &out)
	return out, nil
}

func walk(n *node, path string, out *[]Field) {
	required := map[string]bool{}
	for _, r := range n.Required {
		required[r] = true
	}
	for _, name := range n.Properties.names {
		child := n.Properties.nodes[name]
		p := name
		if path != "" {
			p = path + "." + name
		}
		*out = append(*out, Field{Path: p, Type: describe(child), Description: child.Description, Required: required[name]})
		switch {
		case child.Type == "object" && len(child.Properties.names) > 0:
			walk(child, p, out)
		case child.Type == "array" && child.Items != nil && len(child.Items.Properties.names) > 0:
			walk(child.Items, p+"[]", out)
		}
	}
}

func describe(n *node) string {
	t := n.Type
	switch {
	case len(n.OneOf) > 0:
		t = "string or list"
	case t == "array" && n.Items != nil:
		t = "list of " + describe(n.Items)
	case t == "object" && len(n.Properties.names) == 0 && len(n.AdditionalProperties) > 0:
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
