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
	// checked are the bindings to check, in input order: every one that decoded into an object.
	checked []*bindingSource
	// bindings are the checked bindings that decoded without a problem: those the plan renders.
	bindings []*bindingSource
	ix       *index
	diags    []locatedDiagnostic
	plan     plan
}

// configSource is the IRSAConfig of the render.
type configSource struct {
	src *source
	cfg *v1alpha1.IRSAConfig
}

// bindingSource is a decoded binding and what it renders to.
type bindingSource struct {
	src     *source
	binding *v1alpha1.IRSABinding
	// decodeProblems are the problems the decoder found; skipped the fields whose values it
	// could not use.
	decodeProblems diag.List
	skipped        []diag.Path
	result         generator.Result
}

// locatedDiagnostic is a diagnostic and the object and file it is about.
type locatedDiagnostic struct {
	diag.Diagnostic
	ref  objectRef
	file string
}

func (r *render) run() {
	r.collectSources()
	r.decodeSources()
	var cfg *v1alpha1.IRSAConfig
	if r.config != nil {
		cfg = r.config.cfg
	}
	// Each binding's problems together: those of its decoding, then those of its checks.
	for _, b := range r.checked {
		r.reportAll(b.src, b.decodeProblems)
		if r.brokenConfig {
			continue // without a sound IRSAConfig every binding would report its problems again
		}
		b.result = generator.Generate(generator.Input{Binding: *b.binding, Config: cfg, Skipped: b.skipped})
		r.reportAll(b.src, b.result.Diagnostics)
	}
	if r.brokenConfig {
		return
	}
	r.ix = buildIndex(r.rl.Items)
	r.makePlan()
	r.planConfigObjects()
	if r.failed() {
		return
	}
	r.apply()
}

func (r *render) report(ref objectRef, file string, d diag.Diagnostic) {
	r.diags = append(r.diags, locatedDiagnostic{Diagnostic: d, ref: ref, file: file})
}

func (r *render) reportAll(s *source, l diag.List) {
	for _, d := range l {
		r.report(s.ref, s.file, d)
	}
	if s.ref.Kind == v1alpha1.KindConfig && l.HasErrors() {
		r.brokenConfig = true
	}
}

func (r *render) failed() bool {
	return r.errorCount() > 0
}
