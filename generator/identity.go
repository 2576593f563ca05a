package generator

import (
	"fmt"
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/diag"
)

// An object's identity is its API group (not its version: apps/v1 and apps/v1beta2 name one
// Deployment on the API server), kind, namespace and name, as kustomize's resource ids are but
// for the version. A workload's group is left out: extensions and apps serve one Deployment.
// An item without a namespace lands in the namespace it is applied to, so it is also a copy of
// the object of that name in every namespace the render looks in (kustomize counts it as one
// of namespace default only). When the input holds two or more copies of an object the render
// reads or writes, it cannot tell which copy is the one deployed: that is an error. Copies of
// objects the render never touches pass through; kpt and kustomize own them.

// index finds the items of an identity in constant time. Most identities have one item; those
// with more keep every copy, in input order.
type index struct {
	first  map[objectID]int
	copies map[objectID][]int
}

func newIndex() index {
	return index{first: map[objectID]int{}, copies: map[objectID][]int{}}
}

// add records item i under id.
func (x index) add(id objectID, i int) {
	first, taken := x.first[id]
	if !taken {
		x.first[id] = i
		return
	}
	if x.copies[id] == nil {
		x.copies[id] = []int{first}
	}
	x.copies[id] = append(x.copies[id], i)
}

// appendAll appends the items recorded under id to dst.
func (x index) appendAll(dst []int, id objectID) []int {
	if c, ok := x.copies[id]; ok {
		return append(dst, c...)
	}
	if i, ok := x.first[id]; ok {
		return append(dst, i)
	}
	return dst
}

// lookup returns the items the render takes for the object id names, in input order: those of
// its namespace and, for a namespaced object, those without a namespace.
func (x index) lookup(id objectID) []int {
	out := x.appendAll(nil, id)
	if id.namespace == "" {
		return out
	}
	n := len(out)
	id.namespace = ""
	out = x.appendAll(out, id)
	if n > 0 && len(out) > n {
		slices.Sort(out)
	}
	return out
}

// workloadID is a workload's identity: without the group, as every group irsa-fn patches a
// workload kind in serves one object.
func workloadID(kind, namespace, name string) objectID { return objectID{"", kind, namespace, name} }

// serviceAccountID is a ServiceAccount's identity.
func serviceAccountID(namespace, name string) objectID {
	return objectID{"", "ServiceAccount", namespace, name}
}

// describeID names an identity in messages.
func describeID(id objectID) string {
	if id.namespace == "" {
		return id.kind + " " + id.name
	}
	return id.kind + " " + id.namespace + "/" + id.name
}

// place says where an item was read from: its file and its index there, or its index in the
// input.
func (it Item) place() string {
	switch {
	case it.File != "" && it.Index != "":
		return "in " + it.File + " (index " + it.Index + ")"
	case it.File != "":
		return "in " + it.File
	case it.Index != "":
		return "at input index " + it.Index
	}
	return "in the input"
}

// Duplicate is the error about an object (what, such as "Deployment shop/web") that the input
// holds more than once, copies in input order, and why that matters: what irsa-fn does with it.
func Duplicate(what string, copies []Item, why string) diag.Diagnostic {
	places := make([]string, len(copies))
	for i, c := range copies {
		ns := ""
		if c.Namespace == "" {
			ns = " without a namespace"
		}
		places[i] = fmt.Sprintf("%s%s %s", c.APIVersion, ns, c.place())
	}
	return diag.Diagnostic{
		Severity: diag.Error,
		Message:  fmt.Sprintf("%s is in the input %d times: %s; %s", what, len(copies), strings.Join(places, ", "), why),
		Allowed:  fmt.Sprintf("one %s in the input: delete the other copies (of any apiVersion, or without a namespace), and keep files that are not manifests, such as an expected output, out of a kpt package: kpt reads every YAML file in it", what),
	}
}

// dupReport is what a duplicate is reported for: a binding (or the IRSAConfig, or an item) and
// the identity, so that each is reported once.
type dupReport struct {
	binding int
	config  bool
	id      objectID
}

// ambiguous reports whether copies, the items found for id, are more than one, and then reports
// it once as f, which names the binding, IRSAConfig or item and the field.
func (p *planner) ambiguous(f Finding, id objectID, copies []int, verb string) bool {
	if len(copies) < 2 {
		return false
	}
	for _, c := range copies {
		p.copies[c] = true
	}
	key := dupReport{f.Binding, f.Config, id}
	if p.reportedDups[key] {
		return true
	}
	p.reportedDups[key] = true
	items := make([]Item, len(copies))
	for i, c := range copies {
		items[i] = p.items[c]
	}
	field := f.Field
	f.Diagnostic = Duplicate(describeID(id), items, "irsa-fn "+verb+" it, and cannot tell which copy is the one deployed")
	f.Field = field
	p.out.Findings = append(p.out.Findings, f)
	return true
}

// at is a finding about a field of a binding.
func at(bi int, field diag.Path) Finding {
	return Finding{Binding: bi, Item: -1, Diagnostic: diag.Diagnostic{Field: field.String()}}
}

// aboutItem is a finding about an item's identity.
func aboutItem(it Item) Finding {
	return Finding{Binding: -1, Item: it.ID, Diagnostic: diag.Diagnostic{Field: "metadata.name"}}
}
