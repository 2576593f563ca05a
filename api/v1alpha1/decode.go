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
//
// The binding holds every value that could be read, so that its other fields can still be
// checked: unknown fields are left out, and so are values that cannot be used (see
// DecodeBindingNode). It is nil only when the document is not an object at all.
func DecodeBinding(data []byte) (*IRSABinding, diag.List) {
	return decodeText[IRSABinding](data, KindBinding)
}

// DecodeConfig parses one IRSAConfig document strictly, as DecodeBinding does.
func DecodeConfig(data []byte) (*IRSAConfig, diag.List) {
	return decodeText[IRSAConfig](data, KindConfig)
}

// DecodeBindingNode decodes an IRSABinding from a parsed YAML tree, as DecodeBinding decodes it
// from text. The decoder retags scalars of the tree ("86400" read as a number) and removes the
// values it reports: pass a copy.
//
// skipped are the fields whose values the binding lacks because they could not be used: a wrong
// type, a field given twice, an alias, or a list or map with such an item (the whole list or map
// is skipped, so that no item moves to another's index and no map reads as complete). They read
// as unset in the binding; nothing should be concluded from them. Unknown fields are reported
// but not skipped: no field of the binding loses a value through them.
func DecodeBindingNode(root *yaml.Node) (b *IRSABinding, skipped []diag.Path, problems diag.List) {
	return decodeTree[IRSABinding](root, KindBinding)
}

// DecodeConfigNode decodes an IRSAConfig from a parsed YAML tree; see DecodeBindingNode.
func DecodeConfigNode(root *yaml.Node) (c *IRSAConfig, skipped []diag.Path, problems diag.List) {
	return decodeTree[IRSAConfig](root, KindConfig)
}

// decodeText parses data and decodes it as a T of the kind; nil when nothing could be decoded.
func decodeText[T any](data []byte, kind string) (*T, diag.List) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		var problems diag.List
		problems.Errorf(diag.Path{}, "one YAML document", "cannot parse %s: %v", kind, err)
		return nil, problems
	}
	out, _, problems := decodeTree[T](&doc, kind)
	return out, problems
}

// decodeTree decodes a YAML tree as a T of the kind; nil when nothing could be decoded.
func decodeTree[T any](root *yaml.Node, kind string) (*T, []diag.Path, diag.List) {
	out := new(T)
	skipped, problems, ok := decodeNode(root, out, kind)
	if !ok {
		return nil, nil, problems
	}
	return out, skipped, problems
}

// decodeNode checks the tree beside out's type, removes what it reports, and decodes the rest
// into out; ok is false when nothing could be decoded.
func decodeNode(root *yaml.Node, out any, kind string) (skipped []diag.Path, problems diag.List, ok bool) {
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		problems.Errorf(diag.Path{}, "an "+kind+" object: a mapping with apiVersion, kind, metadata and spec", "the document is %s, not an object", kindName(root))
		return nil, problems, false
	}
	c := checker{problems: &problems, skipped: &skipped}
	c.check(root, reflect.TypeOf(out).Elem(), diag.Path{}, 0)
	if err := root.Decode(out); err != nil {
		// The checker removed every value the Go type cannot take, so this is a bug, not input.
		problems.Errorf(diag.Path{}, "an "+kind+" object", "cannot decode %s: %v", kind, err)
		return nil, problems, false
	}
	v := reflect.ValueOf(out).Elem()
	for _, f := range []struct{ field, name, want string }{{"apiVersion", "APIVersion", APIVersion}, {"kind", "Kind", kind}} {
		p := diag.NewPath(f.field)
		if got := v.FieldByName(f.name).String(); got != f.want && !slices.ContainsFunc(skipped, func(s diag.Path) bool { return s.Contains(p.String()) }) {
			problems.Errorf(p, f.want, "%s is %q", f.field, got)
		}
	}
	return skipped, problems, true
}

// checker walks a YAML tree beside the Go type it will be decoded into. It reports every problem
// and removes what it reports from the tree, so that the rest decodes: unknown fields, and values
// the type cannot take, which it records as skipped.
type checker struct {
	problems *diag.List
	skipped  *[]diag.Path
}

var (
	stringListType = reflect.TypeOf(StringList{})
	objectMetaType = reflect.TypeOf(ObjectMeta{})
)

// check checks n as a value of type t and reports whether it can be decoded; a value that cannot
// has been reported, and its holder removes it.
func (c checker) check(n *yaml.Node, t reflect.Type, path diag.Path, depth int) bool {
	if depth > maxDepth {
		c.problems.Errorf(path, fmt.Sprintf("at most %d levels", maxDepth), "nested too deeply")
		return false
	}
	if n.Kind == yaml.AliasNode {
		c.problems.Errorf(path, "plain values", "YAML aliases (*%s) are not accepted in irsa.dev objects", n.Value)
		return false
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return true // an explicit null leaves the field unset
	}
	if t == stringListType {
		return c.checkStringList(n, path)
	}
	switch t.Kind() {
	case reflect.Pointer:
		return c.check(n, t.Elem(), path, depth+1)
	case reflect.Struct:
		return c.checkStruct(n, t, path, depth)
	case reflect.Map:
		if !c.expect(n, yaml.MappingNode, path, "a mapping") {
			return false
		}
		// Like a list, a map with an unusable entry is unusable: the field that holds it is
		// skipped, not a part of it that the checks of the rest could misread.
		return c.checkEntries(n, path, depth, "key", func(k string) (reflect.Type, diag.Path, bool) {
			return t.Elem(), path.Key(k), true
		}, nil, false)
	case reflect.Slice:
		if !c.expect(n, yaml.SequenceNode, path, "a list") {
			return false
		}
		ok := true
		for i, item := range n.Content {
			// Every item is checked, so that all problems are reported; one unusable item makes
			// the list unusable, as dropping it would move the items after it to other indexes.
			ok = c.check(item, t.Elem(), path.Index(i), depth+1) && ok
		}
		return ok
	case reflect.String:
		return c.expect(n, yaml.ScalarNode, path, "a string")
	case reflect.Bool:
		if !c.expect(n, yaml.ScalarNode, path, "true or false") {
			return false
		}
		if n.Tag != "!!bool" {
			if n.Value != "true" && n.Value != "false" {
				c.problems.Errorf(path, "true or false", "%q is not a boolean", n.Value)
				return false
			}
			n.Tag = "!!bool" // "true" in quotes is accepted as the boolean it spells
		}
		return true
	case reflect.Int, reflect.Int32, reflect.Int64:
		if !c.expect(n, yaml.ScalarNode, path, "a whole number") {
			return false
		}
		if _, err := strconv.ParseInt(n.Value, 10, t.Bits()); err != nil {
			c.problems.Errorf(path, "a whole number", "%q is not a whole number", n.Value)
			return false
		}
		n.Tag = "!!int" // "86400" in quotes is accepted as the number it spells
		return true
	}
	return true
}

func (c checker) checkStringList(n *yaml.Node, path diag.Path) bool {
	switch n.Kind {
	case yaml.ScalarNode:
		return true
	case yaml.SequenceNode:
		ok := true
		for i, item := range n.Content {
			ok = c.expect(item, yaml.ScalarNode, path.Index(i), "a string") && ok
		}
		return ok
	}
	c.problems.Errorf(path, "a string or a list of strings", "found %s", kindName(n))
	return false
}

func (c checker) checkStruct(n *yaml.Node, t reflect.Type, path diag.Path, depth int) bool {
	if !c.expect(n, yaml.MappingNode, path, "a mapping") {
		return false
	}
	fields := yamlFields(t)
	lookup := func(name string) (reflect.Type, diag.Path, bool) {
		ft, ok := fields[name]
		return ft, childPath(path, name), ok
	}
	unknown := func(p diag.Path, name string) {
		c.problems.Errorf(p, strings.Join(slices.Sorted(maps.Keys(fields)), ", "), "unknown field %q", name)
	}
	if t == objectMetaType {
		unknown = nil // other metadata (uid, generateName, ...) is not ours to judge
	}
	c.checkEntries(n, path, depth, "field", lookup, unknown, true)
	return true // a struct with an unusable field is usable: the field is skipped
}

// checkEntries checks the entries of the mapping n, whose entries are of the kind what (field
// or key), and removes those that cannot be decoded: keys that are not plain scalars, every entry
// of a key given twice (which of them was meant cannot be known), entries lookup does not know
// (reported by unknown, when not nil), and values check finds unusable. With skip, the fields of
// removed values are recorded as skipped; unknown fields hold no value of the object and are
// not. ok is false when a value was removed for another reason than being unknown.
func (c checker) checkEntries(n *yaml.Node, path diag.Path, depth int, what string, lookup func(key string) (reflect.Type, diag.Path, bool), unknown func(p diag.Path, key string), skip bool) (ok bool) {
	count := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode {
			count[k.Value]++
		}
	}
	ok = true
	var kept []*yaml.Node
	reported := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if key.Kind != yaml.ScalarNode {
			c.problems.Errorf(childPath(path, key.Value), what+" names that are plain strings", "a %s name is %s", what, kindName(key))
			ok = false
			continue
		}
		if key.Tag == "!!null" {
			// A key is its text: IAM's condition operator Null, unquoted, is YAML's null, which
			// the decoder would drop with its entry, and the condition with it.
			key.Tag = "!!str"
		}
		t, p, known := lookup(key.Value)
		switch {
		case count[key.Value] > 1:
			if !reported[key.Value] {
				reported[key.Value] = true
				c.problems.Errorf(p, "each "+what+" once", "duplicate %s %q: it is given %d times, and which was meant cannot be known", what, key.Value, count[key.Value])
				if known && skip {
					c.skip(p)
				}
			}
			ok = ok && !known
		case !known:
			if unknown != nil {
				unknown(p, key.Value)
			}
		case !c.check(value, t, p, depth+1):
			if skip {
				c.skip(p)
			}
			ok = false
		default:
			kept = append(kept, key, value)
		}
	}
	n.Content = kept
	return ok
}

func (c checker) skip(p diag.Path) {
	*c.skipped = append(*c.skipped, p)
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
