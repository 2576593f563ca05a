// Package argocd is irsa-fn's Argo CD Config Management Plugin command, `irsa-fn argocd
// generate`: it builds an app's kustomization in-process with kustomize's own library, so that
// the plugin's sidecar holds no program but irsa-fn: no shell, no kustomize binary. The only
// functions the build may run are irsa-fn's own, as a KRM function; see Generate.
//
// The KRM function (package fn) does not import this package.
package argocd

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// SandboxEnv is set for every exec function the generate command runs. irsa-fn, started with it
// set, runs only as a KRM function and refuses every argument (see cli), so that a repository's
// function annotation cannot make the sidecar's irsa-fn call AWS (apply, verify) or write files
// (export). kustomize gives the variables it is told to set precedence over a function's own
// `envs`, and `envs` cannot unset a variable, so a repository cannot lift it.
const SandboxEnv = "IRSA_FN_ARGOCD_GENERATE"

// ClusterEnv is the variable Argo CD sets from the Application's plugin env CLUSTER.
const ClusterEnv = "ARGOCD_ENV_CLUSTER"

// clusterName is what CLUSTER may hold: one folder name under overlays/, so that it cannot lead
// the build out of the app's folder.
var clusterName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

const usage = `Usage: irsa-fn argocd generate

The generate command of irsa-fn's Argo CD Config Management Plugin (examples/argocd): run by
argocd-cmp-server in the app's source folder, it builds overlays/$ARGOCD_ENV_CLUSTER (the
Application's plugin env CLUSTER), or the folder itself when CLUSTER is not set, as
kustomize build --enable-alpha-plugins --enable-exec does, and prints the manifests.

The build runs exec functions, and only irsa-fn's: irsa-fn started by it runs only as a KRM
function (no arguments); where the kernel has Landlock, nothing but irsa-fn's own binary can be
executed by the build at all; container functions are refused.

Exit codes: 0 built; 1 the build failed (irsa-fn's or kustomize's message on stderr, nothing on
stdout); 2 a usage error.
`

// Main runs `irsa-fn argocd ARGS...` and returns the exit code; getenv reads Argo CD's
// environment.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if len(args) != 1 || args[0] != "generate" {
		fmt.Fprintf(stderr, "irsa-fn argocd: expected the command generate, got %q\n%s", args, usage)
		return 2
	}
	app := getenv("ARGOCD_APP_NAME")
	out, err := Generate(getenv(ClusterEnv), func(msg string) { fmt.Fprintf(stderr, "irsa-fn plugin: app %s: warning: %s\n", app, msg) })
	if err != nil {
		fmt.Fprintf(stderr, "irsa-fn plugin: app %s: %v\n", app, err)
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "irsa-fn plugin: app %s: write the manifests: %v\n", app, err)
		return 1
	}
	return 0
}

// Folder returns the folder generate builds, relative to the app's source folder:
// overlays/CLUSTER, or "." when cluster is empty.
func Folder(cluster string) (string, error) {
	if cluster == "" {
		return ".", nil
	}
	if !clusterName.MatchString(cluster) || cluster == "." || cluster == ".." {
		return "", fmt.Errorf("CLUSTER=%q is not a folder name under overlays/ (letters, digits, '.', '_' and '-', starting with a letter or digit)", cluster)
	}
	return filepath.Join("overlays", cluster), nil
}

// Generate builds the folder CLUSTER selects (see Folder) in the working directory and returns
// the manifests. Before the build it restricts, where the kernel has Landlock, what this process
// and the functions it starts may execute to irsa-fn's own binary; where it cannot, it says so
// through warn and builds: the sidecar image holds no other program, so Landlock is the second
// line, and a node kernel without it (before Linux 5.13) must not stop every sync.
func Generate(cluster string, warn func(string)) ([]byte, error) {
	dir, err := Folder(cluster)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("no folder %s for CLUSTER=%s", dir, cluster)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find irsa-fn's own binary: %w", err)
	}
	switch err := restrictExec(self); {
	case errors.Is(err, errNoLandlock):
		warn(fmt.Sprintf("the build's functions could execute programs other than irsa-fn (%v); the sidecar image holds no other", err))
	case err != nil:
		return nil, fmt.Errorf("restrict what the build may execute to %s: %w", self, err)
	}
	refuseNetwork()
	out, err := Build(dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	return out, nil
}

// errNetwork is what the build's loads over the network fail with.
var errNetwork = errors.New("the irsa-fn sidecar loads nothing over the network: vendor the file into the repository")

// refuseNetwork makes every HTTP request of this process fail with errNetwork. kustomize loads
// a resource, a configMapGenerator or secretGenerator file and other files named by an http(s)
// URL in-process, with an http.Client on Go's default transport (it offers no option to refuse
// them), so a repository could make the sidecar fetch any URL from the repo server's network
// (the instance metadata service, in-cluster services) and read the answer in its manifests.
// Remote Git bases need a git program, which the build cannot run. The generate command is a
// process of its own, so that replacing the default transport touches nothing else.
func refuseNetwork() {
	http.DefaultTransport = refusingTransport{}
}

// refusingTransport refuses every request.
type refusingTransport struct{}

// RoundTrip refuses the request.
func (refusingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("%s %s: %w", r.Method, r.URL.Redacted(), errNetwork)
}

// Options are the kustomize options of `kustomize build --enable-alpha-plugins --enable-exec`,
// with the Helm chart inflator off (the sidecar has no helm) and SandboxEnv set for every exec
// function.
func Options() *krusty.Options {
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionUnspecified // the CLI's default: kustomization.yaml decides
	pc := types.EnabledPluginConfig(types.BploUseStaticallyLinked)
	pc.HelmConfig.Enabled = false
	pc.FnpLoadingOptions = types.FnPluginLoadingOptions{EnableExec: true, Env: []string{SandboxEnv + "=1"}}
	opts.PluginConfig = pc
	return opts
}

// noDocker is how kustomize's error reads when it tried to start a container function: it runs
// them with `docker`, which the sidecar does not have.
const noDocker = `exec: "docker": executable file not found`

// Build runs the kustomization in dir with Options and returns the manifests as kustomize build
// prints them.
func Build(dir string) ([]byte, error) {
	m, err := krusty.MakeKustomizer(Options()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		if strings.Contains(err.Error(), noDocker) {
			return nil, fmt.Errorf("%w\nthe irsa-fn sidecar runs no container functions (config.kubernetes.io/function: container: ...): run irsa-fn as exec: {path: irsa-fn}", err)
		}
		return nil, err
	}
	return m.AsYaml()
}
