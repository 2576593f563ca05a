package fn

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

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
	if r.config != nil {
		for _, i := range r.config.src.items {
			r.must(setAnnotation(touch(i), generator.AnnotationInvocation, r.key))
		}
	}
	for bi, b := range r.plan.Bindings {
		if b.Rendered {
			for _, i := range r.bindings[bi].src.items {
				r.must(setAnnotation(touch(i), generator.AnnotationInvocation, r.key))
			}
		}
	}
	for _, c := range r.plan.ServiceAccounts {
		r.must(annotate(touch(c.ID), c))
	}
	for _, c := range r.plan.Workloads {
		r.patchWorkload(touch(c.ID), c)
	}
	if r.failed() {
		return
	}
	removed := map[int]bool{}
	for _, i := range r.plan.Remove {
		removed[i] = true
	}
	kept := make(kfn.KubeObjects, 0, len(items)+len(r.plan.Add))
	for i, o := range items {
		if !removed[i] {
			kept = append(kept, o)
		}
	}
	perFile := map[string]int{}
	for _, n := range r.plan.Add {
		o, err := toKubeObject(n.Object)
		if !r.must(err) {
			continue
		}
		src := r.config.sourceOrNil()
		if n.Binding >= 0 {
			src = r.bindings[n.Binding].src
		}
		if dir, ok := placement(src); ok {
			if n.Object.LocalConfig {
				// For irsa-fn's own commands: in a kpt package it is kept, never applied;
				// kustomize must pass it on to export.
				r.must(o.SetAnnotation(kfn.KptLocalConfig, "true"))
			}
			file := path.Join(dir, "irsa-"+src.ref.Name+".yaml")
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
	if src == nil || src.file == "" {
		return "", false
	}
	return path.Dir(src.file), true
}

// patchWorkload points a workload at the service account a binding claims it for, or gives it
// its previous one back, and sets or removes irsa-fn's annotations on its metadata.
func (r *render) patchWorkload(o *kfn.KubeObject, c generator.WorkloadChange) {
	spec := podSpecPath(o.GetKind())
	field := func(name string) []string { return append(append([]string(nil), spec...), name) }
	r.must(annotate(o, c.AnnotationChange))
	if c.Binding < 0 {
		if c.Unset {
			_, err := o.RemoveNestedField(field("serviceAccountName")...)
			r.must(err)
		} else {
			r.must(o.SetNestedString(c.ServiceAccountName, field("serviceAccountName")...))
		}
		return
	}
	b := r.bindings[c.Binding]
	prev, _, _ := o.NestedString(field("serviceAccountName")...)
	if prev != c.ServiceAccountName {
		r.must(o.SetNestedString(c.ServiceAccountName, field("serviceAccountName")...))
		if prev != "" && prev != "default" {
			r.noteAt(b, diag.Info, c.Field, "%s ran as service account %s; now %s", describeItem(o, r.root), prev, c.ServiceAccountName)
		}
	}
	if old, found, _ := o.NestedString(field("serviceAccount")...); found {
		_, err := o.RemoveNestedField(field("serviceAccount")...)
		r.must(err)
		r.noteAt(b, diag.Info, c.Field, "removed the deprecated %s: %q from %s, so it cannot disagree with serviceAccountName: %s", strings.Join(field("serviceAccount"), "."), old, describeItem(o, r.root), c.ServiceAccountName)
	}
}

func (r *render) noteAt(b *bindingSource, sev diag.Severity, field diag.Path, format string, args ...any) {
	r.report(b.src.ref, b.src.shown, diag.Diagnostic{Severity: sev, Field: field.String(), Message: fmt.Sprintf(format, args...)})
}

func describeItem(o *kfn.KubeObject, root string) string {
	s := refOf(o).String()
	if f := shownFile(o, root); f != "" {
		s += " (" + f + ")"
	}
	return s
}

// annotate removes, then sets, the annotations a change names.
func annotate(o *kfn.KubeObject, c generator.AnnotationChange) error {
	for _, k := range c.Remove {
		if _, found, _ := o.NestedString("metadata", "annotations", k); found {
			if err := o.RemoveAnnotation(k); err != nil {
				return fmt.Errorf("remove annotation %s: %w", k, err)
			}
		}
	}
	if err := o.RemoveAnnotationsIfEmpty(); err != nil {
		return fmt.Errorf("remove empty annotations: %w", err)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Set)) {
		if err := setAnnotation(o, k, c.Set[k]); err != nil {
			return fmt.Errorf("set annotation %s: %w", k, err)
		}
	}
	return nil
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

// toKubeObject builds the object's YAML tree directly: no text is written and parsed again.
func toKubeObject(o generator.Object) (*kfn.KubeObject, error) {
	n, err := yamlnode.Encode(o)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", o.Kind, o.Metadata.Name, err)
	}
	return kfn.MoveToKubeObject(kyaml.NewRNode(n)), nil
}
