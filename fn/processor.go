// Package fn is irsa-fn as a KRM function: a ResourceList in, a ResourceList out. It finds the
// IRSABindings and the IRSAConfig (as the function config or among the items), asks the generator
// for what each binding renders to, and applies that to the items: new and annotated
// ServiceAccounts, patched workloads, IAM objects. It first plans every change and checks every
// conflict; only a plan without errors touches the items, so a failed run loses nothing.
package fn

import (
	"fmt"
	"io"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"
)

// Processor is the irsa-fn KRM function.
type Processor struct {
	// Log receives every error, warning and note as one line of text, because kustomize does not
	// print function results. Nil discards them.
	Log io.Writer
}

var _ kfn.ResourceListProcessor = (*Processor)(nil)

// Process renders every binding of the ResourceList. It returns false, leaving the items as they
// came, when any error was found; every problem is then in rl.Results.
func (p *Processor) Process(rl *kfn.ResourceList) (bool, error) {
	r := &render{rl: rl}
	r.run()
	rl.Results = append(rl.Results, r.results()...)
	if p.Log != nil {
		for _, line := range r.logLines() {
			fmt.Fprintln(p.Log, line)
		}
	}
	return !r.failed(), nil
}
