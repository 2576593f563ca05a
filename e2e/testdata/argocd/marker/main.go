// Command marker proves it ran: it writes the file "marker" in its working directory (the
// kustomization's folder, for a function), then copies stdin to stdout, a KRM function that
// changes nothing. The Argo CD sidecar tests ship it in a repository, and stand it in for
// Argo CD's argocd-cmp-server, and assert that it never runs.
package main

import (
	"io"
	"os"
)

func main() {
	if err := os.WriteFile("marker", []byte("ran\n"), 0o644); err != nil {
		os.Exit(3)
	}
	if _, err := io.Copy(os.Stdout, os.Stdin); err != nil {
		os.Exit(4)
	}
}
