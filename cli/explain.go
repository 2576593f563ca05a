package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/irsa-dev/irsa-fn/iamref"
	"github.com/irsa-dev/irsa-fn/schemas"
)

// explainUsage is what explain --help prints before the flags.
const explainUsage = `Usage: irsa-fn explain [KIND[.FIELD.PATH]] [--recursive]

Describes the irsa.dev kinds and their fields, from the JSON Schemas embedded in irsa-fn (as
kubectl explain does for the Kubernetes kinds). Without an argument it lists the kinds; with a
kind (any case: irsabinding) its description and top-level fields; with a field path its type,
limits (enum, pattern, range, length, items), default, rules, description and child fields. A
list's items are entered without [] (irsabinding.spec.clusters.oidcIssuer).

Exit codes: 0 ok, 2 an unknown kind or field (with the nearest one) or a usage error.

Example:
  irsa-fn explain irsabinding.spec.role
  irsa-fn explain irsaconfig --recursive

Flags:
`

// runExplain is `irsa-fn explain`: the field reference, from the embedded JSON Schemas.
func runExplain(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("irsa-fn explain", pflag.ContinueOnError)
	recursive := fs.Bool("recursive", false, "print every field below, each with its type, as a tree")
	if code, done := parseFlags(fs, args, explainUsage, stdout, stderr); done {
		return code
	}
	switch len(fs.Args()) {
	case 0:
		return explainKinds(stdout, stderr)
	case 1:
	default:
		fmt.Fprintf(stderr, "irsa-fn explain: want one KIND[.FIELD.PATH], got %q\nRun 'irsa-fn explain --help' for usage.\n", fs.Args())
		return 2
	}
	name, path, _ := strings.Cut(fs.Arg(0), ".")
	kind, ok := schemas.Kind(name)
	if !ok {
		fmt.Fprintf(stderr, "irsa-fn explain: unknown kind %q: did you mean %s? (kinds: %s)\n", name, iamref.Nearest(schemas.Kinds, name), strings.Join(schemas.Kinds, ", "))
		return 2
	}
	root, err := schemas.Parse(kind)
	if err != nil {
		fmt.Fprintln(stderr, "irsa-fn explain:", err)
		return 1
	}
	node, canonical, err := lookupField(root, kind, path)
	if err != nil {
		fmt.Fprintln(stderr, "irsa-fn explain:", err)
		return 2
	}
	writeExplain(stdout, root, node, kind, canonical, *recursive)
	return 0
}

// explainKinds lists the kinds with their descriptions.
func explainKinds(stdout, stderr io.Writer) int {
	fmt.Fprintln(stdout, "KINDS:")
	for _, kind := range schemas.Kinds {
		root, err := schemas.Parse(kind)
		if err != nil {
			fmt.Fprintln(stderr, "irsa-fn explain:", err)
			return 1
		}
		fmt.Fprintf(stdout, "  %s\t<%s>\n", kind, apiVersionOf(root))
		writeWrapped(stdout, "    ", root.Description)
	}
	fmt.Fprint(stdout, "\nirsa-fn explain KIND[.FIELD.PATH] describes a kind or one of its fields (--recursive: all below).\n")
	return 0
}

// apiVersionOf is the apiVersion a kind's schema allows.
func apiVersionOf(root *schemas.Schema) string {
	for _, p := range root.Properties {
		if p.Name == "apiVersion" && len(p.Schema.Enum) > 0 {
			return p.Schema.Enum[0]
		}
	}
	return ""
}

// children are the fields of a node: an object's properties, or those of a list's items.
func children(n *schemas.Schema) (schemas.Props, []string) {
	if n.Type == "array" && n.Items != nil {
		return n.Items.Properties, n.Items.Required
	}
	return n.Properties, n.Required
}

// lookupField follows a dotted path (list indexes such as [0] or [] are ignored) from a kind's
// schema; it returns the field's schema and its path as the schema spells it. An unknown field
// is an error that names the nearest one and every field allowed there.
func lookupField(root *schemas.Schema, kind, path string) (*schemas.Schema, string, error) {
	node, at := root, ""
	if path == "" {
		return root, "", nil
	}
	for _, seg := range strings.Split(path, ".") {
		if i := strings.IndexByte(seg, '['); i >= 0 {
			seg = seg[:i]
		}
		props, _ := children(node)
		where := kind
		if at != "" {
			where += "." + at
		}
		if len(props) == 0 {
			return nil, "", fmt.Errorf("%s is a field of type %s and has no fields; %q does not exist", where, typeName(node), seg)
		}
		var next *schemas.Schema
		names := make([]string, 0, len(props))
		for _, p := range props {
			names = append(names, p.Name)
			if next == nil && strings.EqualFold(p.Name, seg) {
				next, seg = p.Schema, p.Name
			}
		}
		if next == nil {
			return nil, "", fmt.Errorf("%s has no field %q: did you mean %s? (fields: %s)", where, seg, iamref.Nearest(names, seg), strings.Join(names, ", "))
		}
		node = next
		if at != "" {
			at += "."
		}
		at += seg
	}
	return node, at, nil
}

// writeExplain prints a kind (path empty) or a field: its header, limits, description and fields.
func writeExplain(w io.Writer, root, node *schemas.Schema, kind, path string, recursive bool) {
	fmt.Fprintf(w, "KIND:     %s\nVERSION:  %s\n\n", kind, apiVersionOf(root))
	if path != "" {
		fmt.Fprintf(w, "FIELD:    %s <%s>\n", path, typeName(node))
		for _, l := range limits(node) {
			fmt.Fprintf(w, "%-9s %s\n", l[0]+":", l[1])
		}
		if d := defaultOf(node); d != "" {
			fmt.Fprintf(w, "DEFAULT:  %s\n", d)
		}
		for _, r := range rules(node) {
			fmt.Fprintf(w, "RULE:     %s\n", r)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "DESCRIPTION:")
	writeWrapped(w, "    ", node.Description)
	props, _ := children(node)
	if len(props) == 0 {
		return
	}
	fmt.Fprintln(w, "\nFIELDS:")
	writeFields(w, node, "  ", recursive)
}

// writeFields prints a node's fields: name, type and required, then the description, or with
// recursive the fields below each instead of descriptions.
func writeFields(w io.Writer, node *schemas.Schema, indent string, recursive bool) {
	props, req := children(node)
	required := map[string]bool{}
	for _, r := range req {
		required[r] = true
	}
	for _, p := range props {
		mark := ""
		if required[p.Name] {
			mark = " -required-"
		}
		fmt.Fprintf(w, "%s%s\t<%s>%s\n", indent, p.Name, typeName(p.Schema), mark)
		if recursive {
			writeFields(w, p.Schema, indent+"  ", true)
			continue
		}
		writeWrapped(w, indent+"  ", p.Schema.Description)
		fmt.Fprintln(w)
	}
}

// typeName is a node's type as kubectl explain writes it: string, []object, map[string]string.
func typeName(n *schemas.Schema) string {
	switch {
	case len(n.OneOf) > 0:
		names := make([]string, 0, len(n.OneOf))
		for _, o := range n.OneOf {
			names = append(names, typeName(o))
		}
		return strings.Join(names, " or ")
	case n.Type == "array" && n.Items != nil:
		return "[]" + typeName(n.Items)
	case n.Type == "object" && len(n.Properties) == 0:
		if values, ok := n.AdditionalProperties.(map[string]any); ok {
			if t, ok := values["type"].(string); ok {
				return "map[string]" + t
			}
		}
	case n.Type == "":
		return "any"
	}
	return n.Type
}

// limits are a node's constraints, label and value, and those of a list's items.
func limits(n *schemas.Schema) [][2]string {
	var out [][2]string
	add := func(prefix string, s *schemas.Schema) {
		if len(s.Enum) > 0 {
			out = append(out, [2]string{prefix + "ENUM", strings.Join(s.Enum, ", ")})
		}
		if s.Pattern != "" {
			out = append(out, [2]string{prefix + "PATTERN", s.Pattern})
		}
		if s.UniqueItems {
			out = append(out, [2]string{prefix + "UNIQUE", "each item once"})
		}
		for _, l := range []struct {
			label string
			v     *int64
		}{{"MINLENGTH", s.MinLength}, {"MAXLENGTH", s.MaxLength}, {"MINIMUM", s.Minimum}, {"MAXIMUM", s.Maximum}, {"MINITEMS", s.MinItems}, {"MAXITEMS", s.MaxItems}, {"MINPROPERTIES", s.MinProperties}, {"MAXPROPERTIES", s.MaxProperties}} {
			if l.v != nil {
				out = append(out, [2]string{prefix + l.label, fmt.Sprint(*l.v)})
			}
		}
	}
	add("", n)
	if n.Type == "array" && n.Items != nil {
		add("ITEMS ", n.Items)
	}
	return out
}

// rules are what a field (or each item of a list) must also be, beyond its own limits: the
// messages of its schema's rules, such as "must have name (with kind), or selector; not both".
func rules(n *schemas.Schema) []string {
	var out []string
	for _, s := range []*schemas.Schema{n, n.Items} {
		if s == nil {
			continue
		}
		for _, r := range s.AllOf {
			if r.ErrorMessage != "" {
				out = append(out, r.ErrorMessage)
			}
		}
	}
	return out
}

// defaultOf is a field's default: its schema's default key, the value irsa-fn uses when the
// field is not set, as JSON; "" when irsa-fn has no fixed value for it (a default that depends on
// other fields, such as the binding's name, is in the description).
func defaultOf(n *schemas.Schema) string {
	if n.Default == nil {
		return ""
	}
	b, err := json.Marshal(n.Default)
	if err != nil {
		return ""
	}
	return string(b)
}

// writeWrapped prints text in lines of at most 100 columns, each after indent.
func writeWrapped(w io.Writer, indent, text string) {
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && len(line)+1+len(word) > 100 {
			fmt.Fprintln(w, line)
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	if line != indent {
		fmt.Fprintln(w, line)
	}
}
