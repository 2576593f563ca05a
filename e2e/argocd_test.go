package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// cmpPlugin is the part of a ConfigManagementPlugin the CMP server runs.
type cmpPlugin struct {
	Spec struct {
		Discover struct {
			Find struct {
				Command []string `yaml:"command"`
				Args    []string `yaml:"args"`
			} `yaml:"find"`
		} `yaml:"discover"`
		Generate struct {
			Command []string `yaml:"command"`
			Args    []string `yaml:"args"`
		} `yaml:"generate"`
	} `yaml:"spec"`
}

// runCMP runs a plugin command as argocd-cmp-server does: command plus args, in the app's
// source folder, with Argo CD's environment and the sidecar's PATH.
func runCMP(t *testing.T, dir string, env []string, command, args []string) (string, string, error) {
	t.Helper()
	argv := append(append([]string{}, command...), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// TestArgoCDPlugin runs examples/argocd/plugin.yaml's discover and generate the way the CMP
// server does, and checks the manifests, the cluster choice, and that a broken binding fails
// the sync with its message on stderr.
func TestArgoCDPlugin(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "argocd", "plugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var plugin cmpPlugin
	if err := yaml.Unmarshal(data, &plugin); err != nil {
		t.Fatal(err)
	}
	// The sidecar's PATH: kustomize and irsa-fn by those names, and a shell.
	sidecarBin := t.TempDir()
	for name, target := range map[string]string{"kustomize": kustomize, "irsa-fn": bin} {
		if err := os.Symlink(target, filepath.Join(sidecarBin, name)); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join(repoRoot(t), "examples", "argocd", "app")
	app := t.TempDir()
	if out, err := exec.Command("cp", "-r", src+"/.", app).CombinedOutput(); err != nil {
		t.Fatalf("copy the app: %v\n%s", err, out)
	}
	env := func(cluster string) []string {
		e := []string{"PATH=" + sidecarBin + ":/usr/bin:/bin", "HOME=" + t.TempDir(),
			"ARGOCD_APP_NAME=checkout-" + cluster, "ARGOCD_APP_NAMESPACE=argocd", "ARGOCD_APP_SOURCE_PATH=examples/argocd/app"}
		if cluster != "" {
			e = append(e, "ARGOCD_ENV_CLUSTER="+cluster)
		}
		return e
	}

	out, stderr, err := runCMP(t, app, env("prod-eu"), plugin.Spec.Discover.Find.Command, plugin.Spec.Discover.Find.Args)
	if err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("discover did not claim the app: %v %q %s", err, out, stderr)
	}
	if out, _, err := runCMP(t, t.TempDir(), env("prod-eu"), plugin.Spec.Discover.Find.Command, plugin.Spec.Discover.Find.Args); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("discover claimed a source without irsa.dev objects: %v %q", err, out)
	}

	for cluster, account := range map[string]string{"prod-eu": "111122223333", "staging-us": "444455556666"} {
		out, stderr, err := runCMP(t, app, env(cluster), plugin.Spec.Generate.Command, plugin.Spec.Generate.Args)
		if err != nil {
			t.Fatalf("%s: generate: %v\n%s", cluster, err, stderr)
		}
		objs := parseObjects(t, []byte(out))
		wantEq(t, cluster+" role ARN", strings.Split(str(one(t, objs, "ServiceAccount"), "metadata", "annotations", "eks.amazonaws.com/role-arn"), ":")[4], account)
		wantEq(t, cluster+" serviceAccountName", str(one(t, objs, "Deployment"), "spec", "template", "spec", "serviceAccountName"), "checkout")
		validate(t, objs)
	}

	if _, stderr, err := runCMP(t, app, env("eu-nowhere-9"), plugin.Spec.Generate.Command, plugin.Spec.Generate.Args); err == nil || !strings.Contains(stderr, "no folder overlays/eu-nowhere-9") {
		t.Errorf("generate for an unknown cluster: %v\n%s", err, stderr)
	}

	binding := filepath.Join(app, "base", "irsa-binding.yaml")
	data, err = os.ReadFile(binding)
	if err != nil {
		t.Fatal(err)
	}
	write(t, binding, strings.Replace(string(data), "  policies:\n", "  role:\n    maxSessionDuration: 60\n  policies:\n", 1))
	out, stderr, err = runCMP(t, app, env("prod-eu"), plugin.Spec.Generate.Command, plugin.Spec.Generate.Args)
	if err == nil {
		t.Fatalf("generate succeeded with a broken binding:\n%s", out)
	}
	if out != "" {
		t.Errorf("generate printed manifests despite the error:\n%s", out)
	}
	if !strings.Contains(stderr, "spec.role.maxSessionDuration: 60 is outside IAM's range") {
		t.Errorf("stderr lacks irsa-fn's message:\n%s", stderr)
	}
}
