// Package cli is irsa-fn's command line: the subcommands, and otherwise the KRM function.
package cli

import (
	"fmt"
	"io"
	"os"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/irsa-dev/irsa-fn/fn"
	"github.com/irsa-dev/irsa-fn/internal/version"
)

const usage = `irsa-fn renders IAM Roles for Service Accounts (IRSA) for Amazon EKS from IRSABinding objects.

Usage:
  irsa-fn                 run as a KRM function: a ResourceList on stdin, the result on stdout
                          (kustomize build --enable-alpha-plugins --enable-exec, kpt fn render/eval)
  irsa-fn FILE...         render the objects in FILEs (the function config comes from the items)
  irsa-fn export --out DIR [PATH...]
                          write each IAMRole of a rendered stream (stdin) or kpt package to
                          DIR/<role>/{trust-policy.json,<policy>.json,role.json}; print the
                          other objects, the manifests to deploy, on stdout
  irsa-fn apply [--dry-run] [--prune] [--adopt] [--create-oidc-providers] [PATH...]
                          create or update the IAM roles (IAMRole objects or export folders)
                          through the AWS SDK; irsa-fn apply -h lists the flags
  irsa-fn verify [PATH...]
                          read the live roles and OIDC providers and explain every mismatch
                          with what was rendered; exit 0 only when everything matches
  irsa-fn version         print the version, commit and Go version
  irsa-fn help            print this help

Field reference: schemas/irsabinding.schema.json and README.md.
`

// Main runs the command named by args (os.Args) and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 1 {
		switch args[1] {
		case "export":
			return runExport(args[2:], stdin, stdout, stderr)
		case "apply":
			return runApply(args[2:], stdin, stdout, stderr)
		case "verify":
			return runVerify(args[2:], stdin, stdout, stderr)
		case "version", "--version":
			fmt.Fprintln(stdout, version.Get())
			return 0
		case "help", "--help", "-h":
			fmt.Fprint(stdout, usage)
			return 0
		}
	}
	if err := kfn.AsMain(&fn.Processor{Log: stderr}); err != nil {
		return 1
	}
	return 0
}

// Run is Main on the process's own arguments and streams.
func Run() int {
	return Main(os.Args, os.Stdin, os.Stdout, os.Stderr)
}
