package fn

import (
	kfn "github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/generator"
)

// render is the state of one Process call.
type render struct {
	rl *kfn.ResourceList

	sources      []*source
	config       *configSource
	brokenConfig bool
	// checked are this run's bindings that decoded into an object, in input order.
	checked []*bindingSource
	// bindings are the bindings the plan renders or must know of: this run's that decoded
	// without a problem, and other runs'.
	bindings []*bindingSource
	diags    []locatedDiagnostic
	// key is the run key: the function config's apiVersion/kind/namespace/name.
	key  string
	plan generator.Plan
	// root is the kpt package the render runs on, which messages name files from (packageRoot).
	root string
}

// configSource is the IRSAConfig of the render.
type configSource struct {
	src *source
	cfg *v1alpha1.IRSAConfig
}

// sourceOrNil is the IRSAConfig's source, or nil without one.
func (c *configSource) sourceOrNil() *source {
	if c == nil {
		return nil
	}
	return c.src
}

// bindingSource is a decoded binding.
type bindingSource struct {
	src     *source
	binding *v1alpha1.IRSABinding
	// decodeProblems are the problems the decoder found; skipped the fields whose values it
	// could not use.
	decodeProblems diag.List
	skipped        []diag.Path
}

// locatedDiagnostic is a diagnostic and the object and file it is about.
type locatedDiagnostic struct {
	diag.Diagnostic
	ref  objectRef
	file string
}

func (r *render) run() {
	r.key = runKey(r.rl.FunctionConfig)
	r.root = packageRoot(r.rl)
	r.collectSources()
	r.decodeSources()
	var cfg *v1alpha1.IRSAConfig
	if r.config != nil {
		cfg = r.config.cfg
	}
	for _, b := range r.checked {
		r.reportAll(b.src, b.decodeProblems)
		if r.brokenConfig || !b.decodeProblems.HasErrors() {
			continue // without a sound IRSAConfig every binding would report its problems again
		}
		// A binding that did not decode cleanly is checked on its own: every problem of its
		// fields in this run. It is not planned: what it would render, and its conflicts with
		// the input and other bindings, are only known once it is whole.
		res := generator.Generate(generator.Input{Binding: *b.binding, Config: cfg, Skipped: b.skipped})
		r.reportAll(b.src, res.Diagnostics)
	}
	if r.brokenConfig {
		return
	}
	bindings := make([]v1alpha1.IRSABinding, len(r.bindings))
	for i, b := range r.bindings {
		bindings[i] = *b.binding
	}
	ex := existing(r.rl.Items, r.root)
	ex.PreviousKeys = previousKeys(r.rl.FunctionConfig, r.rl.Items, r.key)
	r.plan = generator.Render(r.key, cfg, bindings, ex)
	for _, f := range r.plan.Findings {
		switch {
		case f.Binding >= 0:
			s := r.bindings[f.Binding].src
			r.report(s.ref, s.shown, f.Diagnostic)
		case f.Config:
			r.report(r.config.src.ref, r.config.src.shown, f.Diagnostic)
		default:
			o := r.rl.Items[f.Item]
			r.report(refOf(o), shownFile(o, r.root), f.Diagnostic)
		}
	}
	if r.failed() {
		return
	}
	r.apply()
}

// previousKeys are the run keys the function config rendered under before: under kpt the config
// is also an item, stamped by the last render with the key of the identity it had then. A
// renamed IRSAConfig thereby keeps what it rendered under its old name.
func previousKeys(fc *kfn.KubeObject, items kfn.KubeObjects, key string) []string {
	for _, o := range items {
		if !sameIdentity(o, fc) {
			continue
		}
		if old := o.GetAnnotation(generator.AnnotationInvocation); old != "" && old != key {
			return []string{old}
		}
	}
	return nil
}

// runKey is the run key of a function config: generator.RunKey of its identity, or
// generator.NoConfigRunKey without one.
func runKey(fc *kfn.KubeObject) string {
	if fc == nil || fc.IsEmpty() {
		return generator.NoConfigRunKey
	}
	return generator.RunKey(fc.GetAPIVersion(), fc.GetKind(), fc.GetNamespace(), fc.GetName())
}

func (r *render) report(ref objectRef, file string, d diag.Diagnostic) {
	r.diags = append(r.diags, locatedDiagnostic{Diagnostic: d, ref: ref, file: file})
}

func (r *render) reportAll(s *source, l diag.List) {
	for _, d := range l {
		r.report(s.ref, s.shown, d)
	}
	if s.ref.Kind == v1alpha1.KindConfig && l.HasErrors() {
		r.brokenConfig = true
	}
}

func (r *render) failed() bool {
	return r.errorCount() > 0
}
