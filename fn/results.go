package fn

import (
	"fmt"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/irsa-dev/irsa-fn/diag"
)

// results turns the render's diagnostics into KRM function results.
func (r *render) results() kfn.Results {
	out := make(kfn.Results, 0, len(r.diags))
	for _, d := range r.diags {
		res := &kfn.Result{Severity: kfn.Severity(d.Severity), Message: message(d)}
		if d.ref.Kind != "" {
			res.ResourceRef = &kfn.ResourceRef{APIVersion: d.ref.APIVersion, Kind: d.ref.Kind, Namespace: d.ref.Namespace, Name: d.ref.Name}
		}
		if d.Field != "" {
			res.Field = &kfn.Field{Path: d.Field}
		}
		if d.file != "" {
			res.File = &kfn.File{Path: d.file}
		}
		out = append(out, res)
	}
	return out
}

func (r *render) errorCount() int {
	n := 0
	for _, d := range r.diags {
		if d.Severity == diag.Error {
			n++
		}
	}
	return n
}

func message(d locatedDiagnostic) string {
	if d.Allowed == "" {
		return d.Message
	}
	return d.Message + " (allowed: " + d.Allowed + ")"
}

// logLines renders errors and warnings as one line each (severity, object, file, field,
// message), unless the orchestrator shows the results, then the count of errors.
func (r *render) logLines(shownAsResults bool) []string {
	var lines []string
	for _, d := range r.diags {
		if d.Severity == diag.Info || shownAsResults {
			continue
		}
		where := d.ref.String()
		if d.ref.Kind == "" {
			where = "irsa-fn"
		}
		if d.file != "" {
			where += " (" + d.file + ")"
		}
		lines = append(lines, fmt.Sprintf("%s: %s: %s", d.Severity, where, d.Diagnostic.String()))
	}
	if n := r.errorCount(); n > 0 {
		lines = append(lines, fmt.Sprintf("irsa-fn: %d error(s); nothing was rendered and no object was changed", n))
	}
	return lines
}
