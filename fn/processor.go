// Package fn is irsa-fn as a KRM function: a ResourceList in, a ResourceList out. It finds the
// IRSABindings and the IRSAConfig (as the function config or among the items), asks the generator
// for what each binding renders to, and applies that to the items: new and annotated
// ServiceAccounts, patched workloads, IAM objects. It first plans every change and checks every
// conflict; only a plan without errors touches the items, so a failed run loses nothing.
package fn

import (
	"fmt"
	"io"
	"sort"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"
)

// Processor is the irsa-fn KRM function.
type Processor struct {
	// Log receives every error and warning as one line of text, because kustomize does not
	// print function results, and a count of the errors; under kpt, which prints the results,
	// only the count. Nil discards them.
	Log io.Writer
}

var _ kfn.ResourceListProcessor = (*Processor)(nil)

// Process renders every binding of the ResourceList. It returns false, leaving the items as they
// came, when any error was found; every problem is then in rl.Results.
func (p *Processor) Process(rl *kfn.ResourceList) (bool, error) {
	r := &render{rl: rl}
	r.run()
	sortItems(rl.Items)
	rl.Results = append(rl.Results, r.results()...)
	if p.Log != nil {
		for _, line := range r.logLines(showsResults(rl)) {
			fmt.Fprintln(p.Log, line)
		}
	}
	return !r.failed(), nil
}

// showsResults reports whether the orchestrator prints the results itself, so that each error
// and warning is shown once: kpt (fn render and fn eval) prints results; kustomize, which stamps
// its resource id on every item, prints only the function's stderr. kpt is known by what it sets
// when it runs a function: items with their file and the function runner's id (kpt fn source
// gives the file without the id: its ResourceList goes through a pipe, `kpt fn source |
// irsa-fn | kpt fn sink`, where no one prints results), or, with no item (an empty package, or a
// selector that matches nothing), the index it gives the --fn-config file, with no path (which
// kpt fn source --fn-config sets). Anything else (irsa-fn on files, a pipe) gets both: the
// results in the output, the lines on stderr.
func showsResults(rl *kfn.ResourceList) bool {
	byKpt := false
	for _, o := range rl.Items {
		if fromKustomize(o) {
			return false
		}
		if hasPath(o) && o.GetAnnotation(runnerIDAnnotation) != "" {
			byKpt = true
		}
	}
	if len(rl.Items) == 0 && rl.FunctionConfig != nil && !hasPath(rl.FunctionConfig) {
		return rl.FunctionConfig.GetAnnotation(kfn.IndexAnnotation) != "" || rl.FunctionConfig.GetAnnotation(legacyIndexAnnotation) != ""
	}
	return byKpt
}

// hasPath reports whether an object carries the file it came from, as kpt writes it.
func hasPath(o *kfn.KubeObject) bool {
	return o.GetAnnotation(kfn.PathAnnotation) != "" || o.GetAnnotation(legacyPathAnnotation) != ""
}

// sortItems puts the items in the order the SDK writes them in (apiVersion, kind, namespace,
// name), reading each item's identity once. The SDK sorts again before writing, comparing
// identities it reads anew for every comparison; on items already in order that sort has nothing
// to do. The order is the SDK's, so the output is the same.
func sortItems(items kfn.KubeObjects) {
	keys := make([]string, len(items))
	for i, o := range items {
		keys[i] = o.GetAPIVersion() + " " + o.GetKind() + " " + o.GetNamespace() + " " + o.GetName()
	}
	sort.Stable(byKey{items, keys})
}

type byKey struct {
	items kfn.KubeObjects
	keys  []string
}

func (b byKey) Len() int           { return len(b.items) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.items[i], b.items[j] = b.items[j], b.items[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}
