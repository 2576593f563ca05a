// Command noopfn is a KRM function that changes nothing, built on the same SDK as irsa-fn: the
// cost floor of reading and writing a ResourceList, which the benchmark compares irsa-fn with.
package main

import (
	"os"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"
)

func main() {
	if err := kfn.AsMain(kfn.ResourceListProcessorFunc(func(*kfn.ResourceList) (bool, error) { return true, nil })); err != nil {
		os.Exit(1)
	}
}
