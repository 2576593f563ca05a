package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mattn/go-zglob"
	"golang.org/x/sys/unix"
	"gopkg.in/yaml.v3"

	"github.com/irsa-dev/irsa-fn/argocd"
)

// cmpPlugin is the part of a ConfigManagementPlugin the CMP server reads.
type cmpPlugin struct {
	Spec struct {
		Discover struct {
			FileName string `yaml:"fileName"`
			Find     struct {
				Glob    string   `yaml:"glob"`
				Command []string `yaml:"command"`
			} `yaml:"find"`
		} `yaml:"discover"`
		Generate struct {
			Command []string `yaml:"command"`
			Args    []string `yaml:"args"`
		} `yaml:"generate"`
		PreserveFileMode bool `yaml:"preserveFileMode"`
		ProvideGitCreds  bool `yaml:"provideGitCreds"`
	} `yaml:"spec"`
}

// readPlugin reads examples/argocd/plugin.yaml.
func readPlugin(t *testing.T) cmpPlugin {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "argocd", "plugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var plugin cmpPlugin
	if err := yaml.Unmarshal(data, &plugin); err != nil {
		t.Fatal(err)
	}
	return plugin
}

// generateArgv is the plugin's generate command line.
func (p cmpPlugin) generateArgv() []string {
	return append(append([]string{}, p.Spec.Generate.Command...), p.Spec.Generate.Args...)
}

// claims reports whether argocd-cmp-server gives the app in appPath to the plugin, as its
// matchRepository does for discover.find.glob: the glob joined to the app's path, matched with
// go-zglob, the library Argo CD matches it with; any match claims the app.
func (p cmpPlugin) claims(t *testing.T, appPath string) bool {
	t.Helper()
	matches, err := zglob.Glob(filepath.Join(appPath, p.Spec.Discover.Find.Glob))
	if err != nil && !os.IsNotExist(err) {
		t.Fatalf("glob %q in %s: %v", p.Spec.Discover.Find.Glob, appPath, err)
	}
	return len(matches) > 0
}

// TestArgoCDDiscovery checks which sources the plugin claims, the way Argo CD decides it: by the
// glob alone, with no command (the sidecar has no shell). Argo CD refuses an Application naming
// the plugin when discovery does not claim its source.
func TestArgoCDDiscovery(t *testing.T) {
	plugin := readPlugin(t)
	if plugin.Spec.Discover.FileName != "" || len(plugin.Spec.Discover.Find.Command) > 0 || plugin.Spec.Discover.Find.Glob == "" {
		t.Fatalf("discovery must be discover.find.glob alone (fileName would be used instead of it, and a command needs a program): %+v", plugin.Spec.Discover)
	}
	example := filepath.Join(repoRoot(t), "examples", "argocd", "app")
	kustomizeOnly := t.TempDir()
	write(t, filepath.Join(kustomizeOnly, "kustomization.yaml"), "resources: [deployment.yaml]\n")
	write(t, filepath.Join(kustomizeOnly, "deployment.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n")
	write(t, filepath.Join(kustomizeOnly, "irsa-notes.md"), "not YAML\n")
	topLevel := t.TempDir()
	write(t, filepath.Join(topLevel, "irsa-binding.yaml"), "kind: IRSABinding\n")
	for _, c := range []struct {
		name, path string
		want       bool
	}{
		{"the example app", example, true},
		{"an overlay as the app", filepath.Join(example, "overlays", "prod-eu"), true},
		{"irsa-binding.yaml at the top", topLevel, true},
		{"a kustomization without irsa-*.yaml", kustomizeOnly, false},
		{"an empty folder", t.TempDir(), false},
	} {
		if got := plugin.claims(t, c.path); got != c.want {
			t.Errorf("%s: claimed = %v, want %v", c.name, got, c.want)
		}
	}
}

// cmpEnv is the environment argocd-cmp-server gives the plugin's commands for an Application
// with the plugin env CLUSTER (none when cluster is empty).
func cmpEnv(app, cluster string) []string {
	env := []string{"ARGOCD_APP_NAME=" + app, "ARGOCD_APP_NAMESPACE=argocd", "ARGOCD_APP_SOURCE_PATH=examples/argocd/app"}
	if cluster != "" {
		env = append(env, argocd.ClusterEnv+"="+cluster)
	}
	return env
}

// runGenerate runs the plugin's generate on this machine as argocd-cmp-server does, in the app's
// folder, with a PATH holding irsa-fn and nothing else, as the sidecar image's does.
func runGenerate(t *testing.T, plugin cmpPlugin, app string, env []string) (string, string, error) {
	t.Helper()
	sidecarBin := t.TempDir()
	if err := os.Symlink(irsaFn(t), filepath.Join(sidecarBin, "irsa-fn")); err != nil {
		t.Fatal(err)
	}
	argv := plugin.generateArgv()
	if !strings.Contains(argv[0], "/") {
		argv[0] = filepath.Join(sidecarBin, argv[0]) // resolved in the sidecar's PATH
	}
	env = append([]string{"PATH=" + sidecarBin, "HOME=" + t.TempDir()}, env...)
	return run(t, app, env, argv[0], argv[1:]...)
}

// kustomizeCLI runs the real kustomize CLI in dir as the plugin's generate builds:
// kustomize build --enable-alpha-plugins --enable-exec, irsa-fn on the PATH.
func kustomizeCLI(t *testing.T, dir string) (string, string, error) {
	t.Helper()
	return run(t, dir, []string{pathWith(t, irsaFn(t))}, tool(t, "KUSTOMIZE", "kustomize"), "build", "--enable-alpha-plugins", "--enable-exec", ".")
}

// kustomizeOutput is kustomizeCLI's manifests; an error fails the test.
func kustomizeOutput(t *testing.T, dir string) string {
	t.Helper()
	out, stderr, err := kustomizeCLI(t, dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v\n%s", dir, err, stderr)
	}
	return out
}

// copyTree copies a folder's files (not their modes) into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-r", src+"/.", dst).CombinedOutput(); err != nil {
		t.Fatalf("copy %s: %v\n%s", src, err, out)
	}
}

// TestArgoCDPlugin runs examples/argocd/plugin.yaml's generate on this machine the way the CMP
// server does: the manifests are kustomize's, byte for byte, for each cluster; an unknown
// cluster and a broken binding fail with the message on stderr and nothing on stdout.
// TestArgoCDSidecar runs it inside the sidecar image.
func TestArgoCDPlugin(t *testing.T) {
	plugin := readPlugin(t)
	if plugin.Spec.PreserveFileMode || plugin.Spec.ProvideGitCreds {
		t.Errorf("the plugin must keep preserveFileMode and provideGitCreds false: %+v", plugin.Spec)
	}
	app := t.TempDir()
	copyTree(t, filepath.Join(repoRoot(t), "examples", "argocd", "app"), app)

	for cluster, account := range map[string]string{"prod-eu": "111122223333", "staging-us": "444455556666"} {
		out, stderr, err := runGenerate(t, plugin, app, cmpEnv("checkout-"+cluster, cluster))
		if err != nil {
			t.Fatalf("%s: generate: %v\n%s", cluster, err, stderr)
		}
		if want := kustomizeOutput(t, filepath.Join(app, "overlays", cluster)); out != want {
			t.Errorf("%s: generate's manifests differ from kustomize build's:\n%s\nwant:\n%s", cluster, out, want)
		}
		objs := parseObjects(t, []byte(out))
		wantEq(t, cluster+" role ARN", strings.Split(str(one(t, objs, "ServiceAccount"), "metadata", "annotations", "eks.amazonaws.com/role-arn"), ":")[4], account)
		wantEq(t, cluster+" serviceAccountName", str(one(t, objs, "Deployment"), "spec", "template", "spec", "serviceAccountName"), "checkout")
		validate(t, objs)
	}

	// An Application pointed at an overlay, without CLUSTER: its folder is built.
	overlay := filepath.Join(app, "overlays", "prod-eu")
	if out, stderr, err := runGenerate(t, plugin, overlay, cmpEnv("checkout", "")); err != nil || out != kustomizeOutput(t, overlay) {
		t.Errorf("generate without CLUSTER in an overlay: %v\n%s%s", err, stderr, out)
	}

	for cluster, message := range map[string]string{
		"eu-nowhere-9": "irsa-fn plugin: app checkout-eu-nowhere-9: no folder overlays/eu-nowhere-9 for CLUSTER=eu-nowhere-9",
		"../../base":   `CLUSTER="../../base" is not a folder name under overlays/`,
		"..":           `CLUSTER=".." is not a folder name under overlays/`,
	} {
		out, stderr, err := runGenerate(t, plugin, app, cmpEnv("checkout-"+cluster, cluster))
		if exitCode(err) != 1 || out != "" || !strings.Contains(stderr, message) {
			t.Errorf("generate for CLUSTER=%s: exit %d, want 1 with %q on stderr and nothing on stdout:\n%s%s", cluster, exitCode(err), message, stderr, out)
		}
	}

	binding := filepath.Join(app, "base", "irsa-binding.yaml")
	data, err := os.ReadFile(binding)
	if err != nil {
		t.Fatal(err)
	}
	write(t, binding, strings.Replace(string(data), "  policies:\n", "  role:\n    maxSessionDuration: 60\n  policies:\n", 1))
	out, stderr, err := runGenerate(t, plugin, app, cmpEnv("checkout-prod-eu", "prod-eu"))
	if exitCode(err) != 1 {
		t.Fatalf("generate with a broken binding: exit %d, want 1:\n%s", exitCode(err), out)
	}
	if out != "" {
		t.Errorf("generate printed manifests despite the error:\n%s", out)
	}
	if !strings.Contains(stderr, "spec.role.maxSessionDuration: 60 is outside IAM's range") {
		t.Errorf("stderr lacks irsa-fn's message:\n%s", stderr)
	}
}

// hostileApp is a repository's app routed to the plugin (its irsa-config.yaml claims it) whose
// transformer carries the function annotation fn.
func hostileApp(t *testing.T, dir, fn string) {
	t.Helper()
	write(t, filepath.Join(dir, "kustomization.yaml"), "resources: [configmap.yaml]\ntransformers: [irsa-config.yaml]\n")
	write(t, filepath.Join(dir, "configmap.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {a: b}\n")
	var ann strings.Builder
	for _, l := range strings.Split(strings.TrimRight(fn, "\n"), "\n") {
		ann.WriteString("      " + l + "\n")
	}
	write(t, filepath.Join(dir, "irsa-config.yaml"), "apiVersion: irsa.dev/v1alpha1\nkind: IRSAConfig\nmetadata:\n  name: hostile\n  annotations:\n    config.kubernetes.io/function: |\n"+ann.String())
}

// shellFunction runs a shell that writes the file marker in its working directory.
const shellFunction = "exec:\n  path: /bin/sh\n  args: [-c, \"echo ran > marker; cat\"]\n"

var markerBuild = &goBuild{name: "marker-tool"}

// markerTool builds e2e/testdata/argocd/marker, a static program that writes the file marker in
// its working directory.
func markerTool(t *testing.T) string {
	t.Helper()
	return markerBuild.get(t, filepath.Join(repoRoot(t), "e2e", "testdata", "argocd", "marker"))
}

// copyFile copies a file with the given mode.
func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, mode); err != nil {
		t.Fatal(err)
	}
}

// wantNoMarker fails the test when a function wrote the marker file in dir: it ran.
func wantNoMarker(t *testing.T, what, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "marker")); err == nil {
		t.Errorf("%s: the program ran (it wrote %s)", what, filepath.Join(dir, "marker"))
	}
}

// wantMarker is the control: the program does run and write its marker when kustomize itself
// runs the app, so its absence under the plugin means something.
func wantMarker(t *testing.T, what, dir string) {
	t.Helper()
	if _, stderr, err := kustomizeCLI(t, dir); err != nil {
		t.Fatalf("%s: kustomize build failed: %v\n%s", what, err, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "marker")); err != nil {
		t.Fatalf("%s: kustomize ran the app but the marker is missing, so its absence proves nothing: %v", what, err)
	}
	if err := os.Remove(filepath.Join(dir, "marker")); err != nil {
		t.Fatal(err)
	}
}

// landlock reports whether this machine's kernel has Landlock, which generate uses to execute
// nothing but irsa-fn. In CI its absence fails the test that needs it.
func landlock(t *testing.T, notTested string) {
	t.Helper()
	if _, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION); errno != 0 {
		if inCI() {
			t.Fatalf("the kernel has no Landlock (%v): %s cannot be tested", errno, notTested)
		}
		t.Skipf("\n\n!!!!!!!! NOT TESTED: %s: the kernel has no Landlock (%v). !!!!!!!!\n\n", notTested, errno)
	}
}

// TestArgoCDPluginRunsOnlyIrsaFn: on this machine, where a shell exists, generate still runs no
// program but irsa-fn (Landlock), and irsa-fn started by it refuses every argument, also when
// the function's envs try to unset the variable that says so.
func TestArgoCDPluginRunsOnlyIrsaFn(t *testing.T) {
	plugin := readPlugin(t)
	t.Run("irsa-fn with arguments", func(t *testing.T) {
		app := t.TempDir()
		hostileApp(t, app, "exec:\n  path: irsa-fn\n  args: [export, --out, exported]\n  envs: [\""+argocd.SandboxEnv+"=\"]\n")
		out, stderr, err := runGenerate(t, plugin, app, cmpEnv("hostile", ""))
		if exitCode(err) != 1 || out != "" || !strings.Contains(stderr, `irsa-fn: refused to run with the arguments ["export" "--out" "exported"]`) {
			t.Errorf("exit %d, want 1 with irsa-fn's refusal on stderr and nothing on stdout:\n%s%s", exitCode(err), stderr, out)
		}
		if _, err := os.Stat(filepath.Join(app, "exported")); err == nil {
			t.Error("irsa-fn export ran: it wrote exported/")
		}
	})
	t.Run("a shell", func(t *testing.T) {
		landlock(t, "that generate executes nothing but irsa-fn where a shell exists")
		app := t.TempDir()
		hostileApp(t, app, shellFunction)
		wantMarker(t, "/bin/sh", app)
		out, stderr, err := runGenerate(t, plugin, app, cmpEnv("hostile", ""))
		if exitCode(err) != 1 || out != "" || !strings.Contains(stderr, "fork/exec /bin/sh: permission denied") {
			t.Errorf("exit %d, want 1 with Landlock's refusal on stderr and nothing on stdout:\n%s%s", exitCode(err), stderr, out)
		}
		wantNoMarker(t, "/bin/sh", app)
	})
}

// TestArgoCDPluginFetchesNothing: a repository routed to the plugin cannot make the sidecar
// fetch a URL from where it runs (the repo server's network: the instance metadata service,
// in-cluster services) and put the answer in its manifests. kustomize loads a resource or a
// configMapGenerator file named by an http(s) URL in-process; the plugin's build refuses them,
// and the server sees no request.
func TestArgoCDPluginFetchesNothing(t *testing.T) {
	plugin := readPlugin(t)
	var requests atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprint(w, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fetched}\ndata: {secret: s3cr3t}\n")
	}))
	t.Cleanup(server.Close)
	for name, kustomization := range map[string]string{
		"a remote resource":                "resources: [configmap.yaml, " + server.URL + "/resource.yaml]\n",
		"a remote configMapGenerator file": "resources: [configmap.yaml]\nconfigMapGenerator:\n  - name: loot\n    files: [loot=" + server.URL + "/credentials]\n",
	} {
		t.Run(name, func(t *testing.T) {
			app := t.TempDir()
			hostileApp(t, app, "exec:\n  path: irsa-fn\n")
			write(t, filepath.Join(app, "kustomization.yaml"), kustomization+"transformers: [irsa-config.yaml]\n")
			// The control: kustomize itself fetches it.
			requests.Store(0)
			if out, stderr, err := kustomizeCLI(t, app); err != nil || !strings.Contains(out, "s3cr3t") || requests.Load() == 0 {
				t.Fatalf("kustomize does not fetch the URL, so the plugin's refusal proves nothing: %v\n%s%s", err, stderr, out)
			}
			requests.Store(0)
			out, stderr, err := runGenerate(t, plugin, app, cmpEnv("hostile", ""))
			if exitCode(err) != 1 || out != "" || !strings.Contains(stderr, "the irsa-fn sidecar loads nothing over the network") {
				t.Errorf("exit %d, want 1 with the refusal on stderr and nothing on stdout:\n%s%s", exitCode(err), stderr, out)
			}
			if n := requests.Load(); n != 0 {
				t.Errorf("generate sent %d requests to %s", n, server.URL)
			}
		})
	}
}
