// Package yamlnode builds YAML node trees without a text round trip: from Go values (the objects
// irsa-fn renders) into kyaml's nodes, and from kyaml's nodes into gopkg.in/yaml.v3 nodes (for the
// strict decoder). Both are on the hot path of every render.
package yamlnode

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	v3 "gopkg.in/yaml.v3"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// Encode builds the node tree of a value: structs by their yaml tags (with omitempty), maps with
// sorted keys, slices, strings, integers and booleans. It writes what yaml.Marshal would, without
// writing and parsing text: strings get the !!str tag, so the emitter quotes those that would
// read as another type, and multi-line strings are literal blocks.
func Encode(v any) (*kyaml.Node, error) {
	return encode(reflect.ValueOf(v))
}

func encode(v reflect.Value) (*kyaml.Node, error) {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		n := &kyaml.Node{Kind: kyaml.MappingNode, Tag: "!!map"}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			if opts == "omitempty" && isEmpty(fv) {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			child, err := encode(fv)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			n.Content = append(n.Content, str(name), child)
		}
		return n, nil
	case reflect.Map:
		n := &kyaml.Node{Kind: kyaml.MappingNode, Tag: "!!map"}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			child, err := encode(v.MapIndex(k))
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, str(k.String()), child)
		}
		return n, nil
	case reflect.Slice:
		n := &kyaml.Node{Kind: kyaml.SequenceNode, Tag: "!!seq"}
		for i := 0; i < v.Len(); i++ {
			child, err := encode(v.Index(i))
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, child)
		}
		return n, nil
	case reflect.String:
		return str(v.String()), nil
	case reflect.Int, reflect.Int32, reflect.Int64:
		return &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v.Int(), 10)}, nil
	case reflect.Bool:
		return &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Bool())}, nil
	}
	return nil, fmt.Errorf("cannot encode a %s", v.Kind())
}

func str(s string) *kyaml.Node {
	n := &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case strings.Contains(s, "\n"):
		n.Style = kyaml.LiteralStyle
	case yaml11Special(s):
		// YAML 1.1 readers (much Kubernetes tooling) would read these as booleans or numbers,
		// so they are quoted, as yaml.Marshal quotes them.
		n.Style = kyaml.DoubleQuotedStyle
	}
	return n
}

// yaml11Booleans are YAML 1.1's spellings of booleans that YAML 1.2 reads as strings.
var yaml11Booleans = map[string]bool{}

func init() {
	for _, b := range strings.Fields("y Y yes Yes YES n N no No NO on On ON off Off OFF") {
		yaml11Booleans[b] = true
	}
}

// yaml11Special reports whether a YAML 1.1 reader would take s for a boolean or a base-60 number.
func yaml11Special(s string) bool {
	if yaml11Booleans[s] {
		return true
	}
	// Base 60: digits in groups separated by colons, such as 1:20 or 190:20:30.15.
	parts := strings.Split(s, ":")
	if len(parts) < 2 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		if i == len(parts)-1 {
			p, _, _ = strings.Cut(p, ".")
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// isEmpty is yaml's omitempty: the zero value, or an empty slice or map.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return v.IsZero()
}

// ToV3 copies a kyaml node tree into a gopkg.in/yaml.v3 node tree: the same YAML, for code that
// decodes with gopkg.in/yaml.v3. Aliases keep pointing into the copy.
func ToV3(n *kyaml.Node) *v3.Node {
	return toV3(n, map[*kyaml.Node]*v3.Node{})
}

func toV3(n *kyaml.Node, seen map[*kyaml.Node]*v3.Node) *v3.Node {
	if n == nil {
		return nil
	}
	if c, ok := seen[n]; ok {
		return c
	}
	c := &v3.Node{
		Kind: v3.Kind(n.Kind), Style: v3.Style(n.Style), Tag: n.Tag, Value: n.Value, Anchor: n.Anchor,
		HeadComment: n.HeadComment, LineComment: n.LineComment, FootComment: n.FootComment,
		Line: n.Line, Column: n.Column,
	}
	seen[n] = c
	if n.Alias != nil {
		c.Alias = toV3(n.Alias, seen)
	}
	if len(n.Content) > 0 {
		c.Content = make([]*v3.Node, len(n.Content))
		for i, child := range n.Content {
			c.Content[i] = toV3(child, seen)
		}
	}
	return c
}
