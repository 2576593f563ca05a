package fn

import (
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"
	"gopkg.in/yaml.v3"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/generator"
	"github.com/irsa-dev/irsa-fn/iamref"
	"github.com/irsa-dev/irsa-fn/internal/yamlnode"
)

// source is an irsa.dev object of the render: the function config, an item, or both at once
// (kpt passes the function config file among the items too).
type source struct {
	obj *kfn.KubeObject
	// items are the indexes in ResourceList.items of this object; empty when it is only the
	// function config.
	items []int
	ref   objectRef
	// file is the orchestrator's path annotation (kpt writes the binding's objects beside it);
	// shown is the file messages name (see shownFile).
	file, shown string
}

// objectRef names an object in diagnostics.
type objectRef struct {
	APIVersion, Kind, Namespace, Name string
}

func refOf(o *kfn.KubeObject) objectRef {
	return objectRef{APIVersion: o.GetAPIVersion(), Kind: o.GetKind(), Namespace: o.GetNamespace(), Name: o.GetName()}
}

func (r objectRef) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// fileOf returns the file an object was read from, where the orchestrator says so: kpt's
// package file, which is where the objects rendered for a binding are written beside it. Messages
// show shownFile instead.
func fileOf(o *kfn.KubeObject) string {
	for _, a := range []string{kfn.PathAnnotation, legacyPathAnnotation} {
		if p := o.GetAnnotation(a); p != "" {
			return p
		}
	}
	return ""
}

// shownFile returns the file messages name for an object: the file kpt names, from root, the
// package the render runs on (a subpackage's file with the subpackage's folder: kpt names it
// from the subpackage); under kustomize, the origin it records with buildMetadata:
// [originAnnotations], or nothing. kustomize names no file, but items a function returned come
// back to the next function with a path kyaml makes up (<namespace>/<kind>_<name>.yaml), which
// is no file of the user's.
func shownFile(o *kfn.KubeObject, root string) string {
	if origin := originOf(o); origin != "" {
		return origin
	}
	if fromKustomize(o) {
		return ""
	}
	file := fileOf(o)
	pkg := o.GetAnnotation(packagePathAnnotation)
	if file == "" || pkg == "" || root == "" || pkg == root {
		return file
	}
	rel, err := filepath.Rel(root, pkg)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return file
	}
	return path.Join(filepath.ToSlash(rel), file)
}

// packageRoot returns the folder of the kpt package a render runs on: the shortest package path
// of the items and the function config (kpt hands the parent's functions its subpackages'
// items too, each with its own package's path), or "" where there is none (kustomize, a
// ResourceList piped in).
func packageRoot(rl *kfn.ResourceList) string {
	root := ""
	objs := rl.Items
	if rl.FunctionConfig != nil {
		objs = append(kfn.KubeObjects{rl.FunctionConfig}, objs...)
	}
	for _, o := range objs {
		p := o.GetAnnotation(packagePathAnnotation)
		if p != "" && (root == "" || len(p) < len(root) || len(p) == len(root) && p < root) {
			root = p
		}
	}
	return root
}

// fromKustomize reports whether kustomize handed o to the function: kustomize stamps its
// resource id on every item, kpt never does.
func fromKustomize(o *kfn.KubeObject) bool {
	return o.GetAnnotation(kustomizeIDAnnotation) != ""
}

// originOf returns the file kustomize's config.kubernetes.io/origin annotation names (with its
// repository and ref for a remote one), or "".
func originOf(o *kfn.KubeObject) string {
	value := o.GetAnnotation(originAnnotation)
	if value == "" {
		return ""
	}
	var origin struct{ Path, Repo, Ref string }
	if err := yaml.Unmarshal([]byte(value), &origin); err != nil || origin.Path == "" {
		return ""
	}
	if origin.Repo == "" {
		return origin.Path
	}
	s := origin.Repo + "//" + origin.Path
	if origin.Ref != "" {
		s += "?ref=" + origin.Ref
	}
	return s
}

// indexOf returns an object's index in its file where the orchestrator says so (under
// kustomize, which names no file, its index in the input), else i, its index in the input.
func indexOf(o *kfn.KubeObject, i int) string {
	for _, a := range []string{kfn.IndexAnnotation, legacyIndexAnnotation} {
		if p := o.GetAnnotation(a); p != "" {
			return p
		}
	}
	return strconv.Itoa(i)
}

// shownIndex is indexOf for messages: nothing where shownFile is kustomize's origin, since
// kustomize's index counts the input, not the file.
func shownIndex(o *kfn.KubeObject, i int) string {
	if originOf(o) != "" {
		return ""
	}
	return indexOf(o, i)
}

func isIRSAKind(o *kfn.KubeObject) bool {
	return o.GetAPIVersion() == v1alpha1.APIVersion && (o.GetKind() == v1alpha1.KindBinding || o.GetKind() == v1alpha1.KindConfig)
}

// sourceKey is a source's identity: a binding without a namespace is one of namespace default,
// as irsa-fn names it.
func sourceKey(o *kfn.KubeObject) objectRef {
	ref := refOf(o)
	if ref.Kind == v1alpha1.KindBinding && ref.Namespace == "" {
		ref.Namespace = "default"
	}
	return ref
}

// copyKey tells copies of a source apart from the same binding of other runs: kpt subpackages
// may each render a binding of that name, and each run sees only its own.
type copyKey struct {
	ref objectRef
	run string
}

// collectSources finds the irsa.dev objects: the function config first, then the items, each
// once. Two items that are one binding or IRSAConfig of one run are an error: irsa-fn would
// read the first and ignore the others.
func (r *render) collectSources() {
	byKey := map[objectRef]*source{}
	copies := map[copyKey][]int{}
	var order []copyKey
	add := func(o *kfn.KubeObject, item int) {
		ref := sourceKey(o)
		if item >= 0 {
			k := copyKey{ref, o.GetAnnotation(generator.AnnotationInvocation)}
			if copies[k] == nil {
				order = append(order, k)
			}
			copies[k] = append(copies[k], item)
		}
		if s, ok := byKey[ref]; ok {
			if item >= 0 {
				s.items = append(s.items, item)
			}
			return
		}
		s := &source{obj: o, ref: ref, file: fileOf(o), shown: shownFile(o, r.root)}
		if item >= 0 {
			s.items = []int{item}
		}
		byKey[ref] = s
		r.sources = append(r.sources, s)
	}
	if fc := r.rl.FunctionConfig; fc != nil && !fc.IsEmpty() {
		if isIRSAKind(fc) {
			add(fc, -1)
		} else {
			r.report(refOf(fc), shownFile(fc, r.root), diag.Diagnostic{
				Severity: diag.Error, Message: fmt.Sprintf("function config is a %s %s", fc.GetAPIVersion(), fc.GetKind()),
				Allowed: "an irsa.dev/v1alpha1 IRSABinding or IRSAConfig, or none",
			})
		}
	}
	for i, o := range r.rl.Items {
		if isIRSAKind(o) {
			add(o, i)
			continue
		}
		if d, ok := lookalike(o.GetAPIVersion(), o.GetKind()); ok {
			r.report(refOf(o), shownFile(o, r.root), d)
		}
		r.checkListItems(o)
	}
	for _, k := range order {
		if len(copies[k]) > 1 {
			r.reportCopies(k.ref, copies[k])
		}
	}
}

// checkListItems reports each irsa.dev object, or one almost of an irsa.dev kind, inside an
// item's items (a List, such as kubectl get -o yaml writes). kustomize unpacks a List into its
// objects, but kpt and a pipeline of functions pass it whole: irsa-fn does not read into it, so
// a binding there would pass through unrendered, silently.
func (r *render) checkListItems(o *kfn.KubeObject) {
	entries, found, err := o.NestedSlice("items")
	if !found || err != nil {
		return
	}
	for i, e := range entries {
		apiVersion, kind := e.GetString("apiVersion"), e.GetString("kind")
		field := diag.NewPath("items").Index(i)
		d, ok := lookalike(apiVersion, kind)
		if apiVersion == v1alpha1.APIVersion && (kind == v1alpha1.KindBinding || kind == v1alpha1.KindConfig) {
			d, ok = diag.Diagnostic{Severity: diag.Error,
				Message: fmt.Sprintf("%s %s is inside the items of %s %s, which irsa-fn does not read (kustomize unpacks a List, kpt does not), so it would pass through unrendered", apiVersion, kind, o.GetAPIVersion(), o.GetKind()),
				Allowed: "the " + kind + " as an object of its own: a document of its own in the file"}, true
		}
		if !ok {
			continue
		}
		if d.Field != "" {
			d.Field = field.Child(d.Field).String()
		} else {
			d.Field = field.String()
		}
		r.report(refOf(o), shownFile(o, r.root), d)
	}
}

// reportCopies reports the items that are copies of one binding or IRSAConfig.
func (r *render) reportCopies(ref objectRef, items []int) {
	list := make([]generator.Item, len(items))
	for i, item := range items {
		o := r.rl.Items[item]
		list[i] = generator.Item{APIVersion: o.GetAPIVersion(), ObjectKind: o.GetKind(), Namespace: o.GetNamespace(), Name: o.GetName(),
			File: shownFile(o, r.root), Index: shownIndex(o, item)}
	}
	d := generator.Duplicate(ref.String(), list, "irsa-fn would read the first copy and ignore the others")
	d.Field = "metadata.name"
	first := r.rl.Items[items[0]]
	r.report(refOf(first), shownFile(first, r.root), d)
}

// lookalike reports an item that is almost an IRSABinding or IRSAConfig and would otherwise pass
// through unrendered, silently: an irsa.dev kind or version irsa-fn does not know (irsa.dev/v1,
// IRSABindings), or a kind a typo away from IRSABinding or IRSAConfig (IRSABindng). An
// irsa.dev/v1alpha1 IAMRole is irsa-fn's own output and passes.
func lookalike(apiVersion, kind string) (diag.Diagnostic, bool) {
	group, _, _ := strings.Cut(apiVersion, "/")
	if apiVersion == v1alpha1.APIVersion && kind == v1alpha1.KindIAMRole {
		return diag.Diagnostic{}, false
	}
	allowed := "apiVersion " + v1alpha1.APIVersion + " with kind " + v1alpha1.KindBinding + " or " + v1alpha1.KindConfig
	if group == v1alpha1.Group {
		hint := ""
		if near := iamref.Suggest([]string{v1alpha1.KindBinding, v1alpha1.KindConfig}, kind); near != "" && near != kind {
			hint = fmt.Sprintf("; did you mean %s?", near)
		}
		return diag.Diagnostic{Severity: diag.Error, Field: "kind", Allowed: allowed,
			Message: fmt.Sprintf("%s %s is not a kind irsa-fn knows, so it would pass through unrendered%s", apiVersion, kind, hint)}, true
	}
	if !strings.HasPrefix(strings.ToLower(kind), "irsa") && !strings.Contains(group, "irsa") {
		return diag.Diagnostic{}, false // another project's kind, however close its name
	}
	if near := iamref.Suggest([]string{v1alpha1.KindBinding, v1alpha1.KindConfig}, kind); near != "" {
		return diag.Diagnostic{Severity: diag.Error, Field: "kind", Allowed: allowed,
			Message: fmt.Sprintf("%s %s looks like an %s, but is not one, so it would pass through unrendered", apiVersion, kind, near)}, true
	}
	return diag.Diagnostic{}, false
}

// decodeSources parses every source, keeping the IRSAConfig, every binding that decoded into an
// object (to be checked), and those that decoded without a problem (to be rendered).
func (r *render) decodeSources() {
	for _, s := range r.sources {
		switch s.ref.Kind {
		case v1alpha1.KindConfig:
			if run := s.obj.GetAnnotation(generator.AnnotationInvocation); run != "" && run != r.key && !sameIdentity(s.obj, r.rl.FunctionConfig) {
				continue // the config of another run (a kpt subpackage's): it passes through
			}
			cfg, skipped, problems := v1alpha1.DecodeConfigNode(yamlTree(s.obj))
			r.reportAll(s, problems)
			if cfg == nil || len(skipped) > 0 {
				// Unknown fields alone leave every value of the config: its checks still run.
				// A value left out would be read as unset by checks that combine fields.
				continue
			}
			if r.config != nil {
				r.report(s.ref, s.shown, diag.Diagnostic{
					Severity: diag.Error,
					Message:  fmt.Sprintf("a second IRSAConfig; %s (%s) is already the config of this render", r.config.src.ref, r.config.src.shown),
					Allowed:  "one IRSAConfig per render: the function config of the cluster's overlay",
				})
				continue
			}
			r.config = &configSource{src: s, cfg: cfg}
			r.reportAll(s, generator.ValidateConfig(cfg))
		case v1alpha1.KindBinding:
			b, skipped, problems := v1alpha1.DecodeBindingNode(yamlTree(s.obj))
			if run := s.obj.GetAnnotation(generator.AnnotationInvocation); run != "" && run != r.key {
				// Another run rendered it: the plan must know of it, but its problems are that
				// run's, and it passes through.
				if b != nil && !problems.HasErrors() {
					r.bindings = append(r.bindings, &bindingSource{src: s, binding: b})
				}
				continue
			}
			if b == nil {
				r.reportAll(s, problems)
				continue
			}
			bs := &bindingSource{src: s, binding: b, decodeProblems: problems, skipped: skipped}
			r.checked = append(r.checked, bs)
			// A binding that did not decode cleanly is checked on its own (every problem of
			// its fields in this run), but is not planned: what it would render, and its
			// conflicts with the input and other bindings, are only known once it is whole.
			if !problems.HasErrors() {
				r.bindings = append(r.bindings, bs)
			}
		}
	}
}

// yamlTree copies an object's YAML tree for the strict decoder, without writing and parsing text.
func yamlTree(o *kfn.KubeObject) *yaml.Node {
	return yamlnode.ToV3(o.CopyToResourceNode().YNode())
}

// sameIdentity reports whether two objects have the same apiVersion, kind, namespace and name.
func sameIdentity(a, b *kfn.KubeObject) bool {
	return a != nil && b != nil && !b.IsEmpty() && a.GetAPIVersion() == b.GetAPIVersion() && a.GetKind() == b.GetKind() &&
		a.GetNamespace() == b.GetNamespace() && a.GetName() == b.GetName()
}
