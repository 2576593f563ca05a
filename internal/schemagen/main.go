// Command schemagen writes schemas/ — the JSON Schema and the CRD of each irsa.dev kind — from
// the Go types in api/v1alpha1: their fields, doc comments and +kubebuilder:validation markers.
// A test fails when the committed files differ from what it generates.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	api := flag.String("api", "api/v1alpha1", "folder of the Go types")
	out := flag.String("out", "schemas", "folder to write the schemas to")
	flag.Parse()
	files, err := Generate(*api)
	if err == nil {
		err = os.MkdirAll(*out, 0o755)
	}
	if err == nil {
		err = write(*out, files)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}
