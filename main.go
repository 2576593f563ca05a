// Command irsa-fn renders IAM Roles for Service Accounts for Amazon EKS: as a KRM function under
// kustomize, kpt and Argo CD, and as a command line. See README.md.
package main

import (
	"os"

	"github.com/irsa-dev/irsa-fn/cli"
)

func main() {
	os.Exit(cli.Run())
}
