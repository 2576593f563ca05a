// Package cli is irsa-fn's command line: the subcommands, and otherwise the KRM function.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/irsa-dev/irsa-fn/argocd"
	"github.com/irsa-dev/irsa-fn/fn"
	"github.com/irsa-dev/irsa-fn/internal/gctune"
)

const usage = `irsa-fn renders IAM Roles for Service Accounts (IRSA) and EKS Pod Identity for Amazon EKS from
IRSABinding objects: the annotated ServiceAccount, the workloads pointed at it, and the IAM role
(ACK, Crossplane or JSON), so they cannot disagree.

Usage:
  irsa-fn                 run as a KRM function: a ResourceList on stdin, the result on stdout
                          (kustomize build --enable-alpha-plugins --enable-exec, kpt fn render/eval)
  irsa-fn FILE...         render the objects in FILEs (the function config comes from the items)
  irsa-fn COMMAND [flags] [ARG...]

Commands:
`

// helpExample introduces the example, exampleBuild renders it; helpFooter ends the help. A test
// (e2e/readme_test.go) does what they say.
const (
	helpExample = `
Example: with irsa-fn on the PATH (make demo; export PATH=$PWD/bin:$PATH; or
go install), a folder holding this irsa-binding.yaml, a Deployment
production/my-app in deployment.yaml, and a kustomization.yaml with
resources: [deployment.yaml] and transformers: [irsa-binding.yaml]
`
	exampleBuild = `renders with
  kustomize build --enable-alpha-plugins --enable-exec .
`
	helpFooter = `
Every field, its type, limits and default: irsa-fn explain irsabinding[.spec.role...] (--recursive).
A command's flags and examples: irsa-fn help COMMAND, or irsa-fn COMMAND --help.
`
)

// example is a complete binding; a test checks it renders without error.
const example = `  apiVersion: irsa.dev/v1alpha1
  kind: IRSABinding
  metadata:
    name: s3-writer
    namespace: production
    annotations:
      config.kubernetes.io/function: |
        exec:
          path: irsa-fn
  spec:
    clusters:
      - name: prod-eu
        oidcIssuer: https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E
    serviceAccounts:
      - name: s3-writer
    role:
      accountID: "123456789012"
    policies:
      inline:
        - name: s3-write
          statements:
            - actions: [s3:PutObject]
              resources: ["arn:aws:s3:::my-app-uploads/*"]
    workloads:
      - kind: Deployment
        name: my-app
`

// writeHelp prints what irsa-fn is, its commands and an example; the field reference is
// irsa-fn explain's.
func writeHelp(w io.Writer) {
	fmt.Fprint(w, usage)
	writeCommands(w)
	fmt.Fprint(w, helpExample)
	fmt.Fprint(w, example)
	fmt.Fprint(w, exampleBuild)
	fmt.Fprint(w, helpFooter)
}

// Main runs the command named by args (os.Args) and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if _, sandboxed := os.LookupEnv(argocd.SandboxEnv); sandboxed && len(args) > 1 {
		fmt.Fprintf(stderr, "irsa-fn: refused to run with the arguments %q: started by the Argo CD plugin's build (%s is set), irsa-fn runs only as a KRM function, without arguments; the function annotation may say exec: {path: irsa-fn} and nothing more\n", args[1:], argocd.SandboxEnv)
		return 1
	}
	if len(args) <= 1 {
		if isTerminal(stdin) {
			shortUsage(stdout)
			return 0
		}
		return runFunction(stdin, stdout, stderr)
	}
	return execute(args[1:], streams{in: stdin, out: stdout, errOut: stderr})
}

// runFunction is the KRM function proper: a ResourceList on stdin, the result on stdout. It does
// what the SDK's AsMain does without arguments, but reads the input first, so that the collector
// can be set for its size (see gctune).
func runFunction(stdin io.Reader, stdout, stderr io.Writer) int {
	in, err := io.ReadAll(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "failed to evaluate function: unable to read from stdin: %v\n", err)
		return 1
	}
	gctune.Apply(gctune.ForInput(len(in)), os.Getenv)
	out, err := fn.Run(&fn.Processor{Log: stderr}, in)
	if out == nil && err != nil {
		// Not a ResourceList at all: most likely YAML files piped in (cat *.yaml | irsa-fn).
		fmt.Fprintf(stderr, "failed to evaluate function: %v\n%s\n", err, notResourceList)
		return 1
	}
	return finishFunction(out, err, stdout, stderr)
}

// notResourceList is what irsa-fn says when stdin holds no ResourceList.
const notResourceList = "irsa-fn: stdin must be one ResourceList, as kustomize and kpt send it; to render YAML files, give them as arguments (irsa-fn FILE...) or pipe kpt fn source DIR"

// runFunctionOnFiles is the function mode on files, as the SDK's AsMain runs it with file
// arguments: the objects of every file (empty files give none) are the items, with no function
// config. Unlike AsMain it says nothing more once the errors are reported, and ends its own
// messages with a newline.
func runFunctionOnFiles(paths []string, stdout, stderr io.Writer) int {
	rl := &kfn.ResourceList{FunctionConfig: kfn.NewEmptyKubeObject()}
	size := 0
	for _, path := range paths {
		if info, err := os.Stat(path); err == nil && info.IsDir() {
			fmt.Fprintf(stderr, "failed to evaluate function: file %s: is a folder; irsa-fn FILE... renders YAML files, not folders: build a kustomization with kustomize build --enable-alpha-plugins --enable-exec %s, render a kpt package with kpt fn render --allow-exec\n",
				path, path)
			return 1
		}
		data, err := os.ReadFile(filepath.Clean(path))
		if err != nil {
			fmt.Fprintf(stderr, "failed to evaluate function: file %s: %v\n", path, err)
			return 1
		}
		size += len(data)
		if len(strings.TrimSpace(string(data))) == 0 {
			continue
		}
		objects, err := kfn.ParseKubeObjects(data)
		if err != nil {
			fmt.Fprintf(stderr, "failed to evaluate function: failed to parse KRM resources from %s: %v\n", path, err)
			return 1
		}
		rl.Items = append(rl.Items, objects...)
	}
	gctune.Apply(gctune.ForInput(size), os.Getenv)
	ok, err := (&fn.Processor{Log: stderr}).Process(rl)
	out, encodeErr := fn.Encode(rl)
	switch {
	case encodeErr != nil:
		err = encodeErr
	case err == nil && !ok:
		err = fn.ErrFailed
	}
	return finishFunction(out, err, stdout, stderr)
}

// finishFunction writes what the function rendered (also on an error, as AsMain does) and
// returns the exit code, saying what went wrong unless the errors are already reported.
func finishFunction(out []byte, err error, stdout, stderr io.Writer) int {
	if _, werr := stdout.Write(out); werr != nil && err == nil {
		err = werr
	}
	switch {
	case errors.Is(err, fn.ErrFailed):
		return 1 // each error is already on stderr or in the results, once
	case err != nil:
		fmt.Fprintf(stderr, "failed to evaluate function: %v\n", err)
		return 1
	}
	return 0
}

// Run is Main on the process's own arguments and streams.
func Run() int {
	return Main(os.Args, os.Stdin, os.Stdout, os.Stderr)
}
