package fn

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/generator"
	"github.com/irsa-dev/irsa-fn/internal/yamlnode"
)

// apply makes the planned changes. Every check has passed, so nothing here can fail on the
// user's input; an error here is a bug and is reported as such.
func (r *render) apply() {
	items := r.rl.Items
	// Apply is all or nothing: each item is copied before its first change, and every copy is
	// put back if any change fails, so that a failed render returns the items as they came.
	originals := map[int]*kfn.KubeObject{}
	touch := func(i int) *kfn.KubeObject {
		if _, saved := originals[i]; !saved {
			originals[i] = items[i].Copy()
		}
		return items[i]
	}
	defer func() {
		if r.failed() {
			for i, o := range originals {
				items[i] = o
			}
			r.rl.Items = items
		}
	}()
	for _, s := range r.sources {
		for _, i := range s.items {
			r.must(setAnnotation(touch(i), kfn.KptLocalConfig, "true"))
		}
	}
	for _, i := range slices.Sorted(maps.Keys(r.plan.annotate)) {
		change := r.plan.annotate[i]
		o := touch(i)
		if o.GetAnnotation(generator.AnnotationBinding) == change.binding.result.Binding {
			r.must(removeAnnotations(o, generator.ServiceAccountAnnotations, change.annotations))
		}
		for _, k := range slices.Sorted(maps.Keys(change.annotations)) {
			r.must(setAnnotation(o, k, change.annotations[k]))
		}
	}
	r.removeStaleAnnotations(touch)
	for _, i := range slices.Sorted(maps.Keys(r.plan.patch)) {
		r.patchWorkload(touch(i), r.plan.patch[i])
	}
	if r.failed() {
		return
	}
	kept := make(kfn.KubeObjects, 0, len(items)+len(r.plan.add))
	for i, o := range items {
		if !r.ix.generated[i] {
			kept = append(kept, o)
		}
	}
	perFile := map[string]int{}
	for _, n := range r.plan.add {
		o, err := toKubeObject(n.object)
		if !r.must(err) {
			continue
		}
		if dir, ok := placement(n.src); ok {
			if n.object.Kind == v1alpha1.KindIAMRole {
				// In a kpt package it is kept, never applied; kustomize must pass it on to export.
				r.must(o.SetAnnotation(kfn.KptLocalConfig, "true"))
			}
			file := path.Join(dir, "irsa-"+n.src.ref.Name+".yaml")
			idx := strconv.Itoa(perFile[file])
			perFile[file]++
			for _, kv := range [][2]string{{kfn.PathAnnotation, file}, {legacyPathAnnotation, file}, {kfn.IndexAnnotation, idx}, {legacyIndexAnnotation, idx}} {
				r.must(o.SetAnnotation(kv[0], kv[1]))
			}
		}
		kept = append(kept, o)
	}
	r.rl.Items = kept
}

// placement is the folder of the binding's (or IRSAConfig's) file, where kpt writes the objects
// rendered for it.
func placement(src *source) (string, bool) {
	if src.file == "" {
		return "", false
	}
	return path.Dir(src.file), true
}

// removeStaleAnnotations takes irsa-fn's annotations off ServiceAccounts that it annotated for a
// binding that no longer claims them.
func (r *render) removeStaleAnnotations(touch func(int) *kfn.KubeObject) {
	var stale []int
	for _, i := range r.ix.serviceAccounts {
		if _, claimed := r.plan.annotate[i]; !claimed && r.rl.Items[i].GetAnnotation(generator.AnnotationBinding) != "" {
			stale = append(stale, i)
		}
	}
	sort.Ints(stale)
	for _, i := range stale {
		o := touch(i)
		owner := o.GetAnnotation(generator.AnnotationBinding)
		r.must(removeAnnotations(o, generator.ServiceAccountAnnotations, nil))
		r.report(refOf(o), fileOf(o), diag.Diagnostic{Severity: diag.Info, Message: fmt.Sprintf("removed the IRSA annotations of binding %s, which no longer declares this service account", owner)})
	}
}

func (r *render) patchWorkload(o *kfn.KubeObject, c workloadClaim) {
	spec := podSpecPath(o.GetKind())
	field := func(name string) []string { return append(append([]string(nil), spec...), name) }
	prev, _, _ := o.NestedString(field("serviceAccountName")...)
	if prev != c.serviceAccount {
		r.must(o.SetNestedString(c.serviceAccount, field("serviceAccountName")...))
		if prev != "" && prev != "default" {
			r.noteAt(c.binding, diag.Info, c.field, "%s ran as service account %s; now %s", describeItem(o), prev, c.serviceAccount)
		}
	}
	if old, found, _ := o.NestedString(field("serviceAccount")...); found {
		_, err := o.RemoveNestedField(field("serviceAccount")...)
		r.must(err)
		r.noteAt(c.binding, diag.Info, c.field, "removed the deprecated %s: %q from %s, so it cannot disagree with serviceAccountName: %s", strings.Join(field("serviceAccount"), "."), old, describeItem(o), c.serviceAccount)
	}
}

// must reports an unexpected error as an internal error, and says whether there was none.
func (r *render) must(err error) bool {
	if err == nil {
		return true
	}
	r.diags = append(r.diags, locatedDiagnostic{Diagnostic: diag.Diagnostic{Severity: diag.Error, Message: "internal error, please report it: " + err.Error()}})
	return false
}

func setAnnotation(o *kfn.KubeObject, k, v string) error {
	if current, found, _ := o.NestedString("metadata", "annotations", k); found && current == v {
		return nil // leave the node, and so its formatting, as it is
	}
	return o.SetAnnotation(k, v)
}

// removeAnnotations removes the keys of o that are not in keep.
func removeAnnotations(o *kfn.KubeObject, keys []string, keep map[string]string) error {
	for _, k := range keys {
		if _, ok := keep[k]; ok {
			continue
		}
		if _, found, _ := o.NestedString("metadata", "annotations", k); found {
			if err := o.RemoveAnnotation(k); err != nil {
				return err
			}
		}
	}
	return o.RemoveAnnotationsIfEmpty()
}

// toKubeObject builds the object's YAML tree directly: no text is written and parsed again.
func toKubeObject(o generator.Object) (*kfn.KubeObject, error) {
	n, err := yamlnode.Encode(o)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", o.Kind, o.Metadata.Name, err)
	}
	return kfn.MoveToKubeObject(kyaml.NewRNode(n)), nil
}
