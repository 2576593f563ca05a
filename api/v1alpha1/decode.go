package v1alpha1

import (
	"bytes"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/irsa-dev/irsa-fn/diag"
)

// maxDepth bounds how deep a binding may nest; real bindings are under ten levels deep.
const maxDepth = 64

// DecodeBinding parses one IRSABinding document strictly: every unknown field, wrong type and
// duplicate key is reported with its field path, all of them in one pass. Metadata other than
// name, namespace, labels and annotations is ignored, as Kubernetes tools add their own.
func DecodeBinding(data []byte) (*IRSABinding, diag.List) {
	var b IRSABinding
	problems := decodeStrict(data, &b, KindBinding)
	return &b, problems
}

// DecodeConfig parses one IRSAConfig document strictly, as DecodeBinding does.
func DecodeConfig(data []byte) (*IRSAConfig, diag.List) {
	var c IRSAConfig
	problems := decodeStrict(data, &c, KindConfig)
	return &c, problems
}

// DecodeBindingNode decodes an IRSABinding from a parsed YAML tree, as DecodeBinding decodes it
// from text. The decoder may retag scalars of the tree ("86400" read as a number): pass a copy.
func DecodeBindingNode(root *yaml.Node) (*IRSABinding, diag.List) {
	var b IRSABinding
	problems := decodeNode(root, &b, KindBinding)
	return &b, problems
}

// DecodeConfigNode decodes an IRSAConfig from a parsed YAML tree; see DecodeBindingNode.
func DecodeConfigNode(root *yaml.Node) (*IRSAConfig, diag.List) {
	var c IRSAConfig
	problems := decodeNode(root, &c, KindConfig)
	return &c, problems
}

func decodeStrict(data []byte, out any, kind string) diag.List {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		var problems diag.List
		problems.Errorf(diag.Path{}, "one YAML document", "cannot parse %s: %v", kind, err)
		return problems
	}
	return decodeNode(&doc, out, kind)
}

func decodeNode(root *yaml.Node, out any, kind string) diag.List {
	var problems diag.List
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		problems.Errorf(diag.Path{}, "an "+kind+" object: a mapping with apiVersion, kind, metadata and spec", "the document is %s, not an object", kindName(root))
		return problems
	}
	c := checker{problems: &problems}
	c.check(root, reflect.TypeOf(out).Elem(), diag.Path{}, 0)
	if problems.HasErrors() {
		return problems
	}
	if err := root.Decode(out); err != nil {
		problems.Errorf(diag.Path{}, "", "cannot decode %s: %v", kind, err)
		return problems
	}
	v := reflect.ValueOf(out).Elem()
	if got := v.FieldByName("APIVersion").String(); got != APIVersion {
		problems.Errorf(diag.NewPath("apiVersion"), APIVersion, "apiVersion is %q", got)
	}
	if got := v.FieldByName("Kind").String(); got != kind {
		problems.Errorf(diag.NewPath("kind"), kind, "kind is %q", got)
	}
	return problems
}

// checker walks a YAML tree beside the Go type it will be decoded into.
type checker struct {
	problems *diag.List
}

var (
	stringListType = reflect.TypeOf(StringList{})
	objectMetaType = reflect.TypeOf(ObjectMeta{})
)

func (c checker) check(n *yaml.Node, t reflect.Type, path diag.Path, depth int) {
	if depth > maxDepth {
		c.problems.Errorf(path, fmt.Sprintf("at most %d levels", maxDepth), "nested too deeply")
		return
	}
	if n.Kind == yaml.AliasNode {
		c.problems.Errorf(path, "plain values", "YAML aliases (*%s) are not accepted in irsa.dev objects", n.Value)
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an explicit null leaves the field unset
	}
	if t == stringListType {
		c.checkStringList(n, path)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		c.check(n, t.Elem(), path, depth+1)
	case reflect.Struct:
		c.checkStruct(n, t, path, depth)
	case reflect.Map:
		if !c.expect(n, yaml.MappingNode, path, "a mapping") {
			return
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if seen[k] {
				c.problems.Errorf(path.Key(k), "each key once", "duplicate key %q", k)
				continue
			}
			seen[k] = true
			c.check(n.Content[i+1], t.Elem(), path.Key(k), depth+1)
		}
	case reflect.Slice:
		if !c.expect(n, yaml.SequenceNode, path, "a list") {
			return
		}
		for i, item := range n.Content {
			c.check(item, t.Elem(), path.Index(i), depth+1)
		}
	case reflect.String:
		c.expect(n, yaml.ScalarNode, path, "a string")
	case reflect.Bool:
		if c.expect(n, yaml.ScalarNode, path, "true or false") && n.Tag != "!!bool" {
			if b, err := strconv.ParseBool(n.Value); err == nil && (n.Value == "true" || n.Value == "false") {
				n.Tag, n.Value = "!!bool", strconv.FormatBool(b)
				return
			}
			c.problems.Errorf(path, "true or false", "%q is not a boolean", n.Value)
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		if c.expect(n, yaml.ScalarNode, path, "a whole number") {
			if _, err := strconv.ParseInt(n.Value, 10, 64); err != nil {
				c.problems.Errorf(path, "a whole number", "%q is not a whole number", n.Value)
				return
			}
			n.Tag = "!!int" // "86400" in quotes is accepted as the number it spells
		}
	}
}

func (c checker) checkStringList(n *yaml.Node, path diag.Path) {
	switch n.Kind {
	case yaml.ScalarNode:
	case yaml.SequenceNode:
		for i, item := range n.Content {
			c.expect(item, yaml.ScalarNode, path.Index(i), "a string")
		}
	default:
		c.problems.Errorf(path, "a string or a list of strings", "found %s", kindName(n))
	}
}

func (c checker) checkStruct(n *yaml.Node, t reflect.Type, path diag.Path, depth int) {
	if !c.expect(n, yaml.MappingNode, path, "a mapping") {
		return
	}
	fields := yamlFields(t)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		name := key.Value
		fieldPath := childPath(path, name)
		if seen[name] {
			c.problems.Errorf(fieldPath, "each field once", "duplicate field %q", name)
			continue
		}
		seen[name] = true
		ft, ok := fields[name]
		if !ok {
			if t == objectMetaType {
				continue // other metadata (uid, generateName, ...) is not ours to judge
			}
			c.problems.Errorf(fieldPath, strings.Join(slices.Sorted(maps.Keys(fields)), ", "), "unknown field %q", name)
			continue
		}
		c.check(value, ft, fieldPath, depth+1)
	}
}

// childPath names a field under path: .name for a plain name, ["name"] for an empty name or one
// with characters that would make the path ambiguous.
func childPath(path diag.Path, name string) diag.Path {
	if name == "" || strings.ContainsAny(name, ".[]\"' \t\n") {
		return path.Key(name)
	}
	return path.Child(name)
}

func (c checker) expect(n *yaml.Node, kind yaml.Kind, path diag.Path, want string) bool {
	if n.Kind == kind {
		return true
	}
	c.problems.Errorf(path, want, "found %s", kindName(n))
	return false
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "an empty document"
}

// yamlFields maps the YAML names of a struct's fields, inline structs included, to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if opts == "inline" {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		out[name] = f.Type
	}
	return out
}
