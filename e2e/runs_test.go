package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Several irsa-fn runs over one set of manifests: two transformers of one kustomization, a base
// and an overlay that each run irsa-fn, kpt subpackages, and a kpt package rendered again after
// a binding was deleted. Each run keeps what the others made.

const runsIssuer = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E"

// deploymentYAML is a Deployment; serviceAccountName is left out when sa is empty.
func deploymentYAML(ns, name, sa string) string {
	spec := ""
	if sa != "" {
		spec = "      serviceAccountName: " + sa + "\n"
	}
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ` + name + `
  namespace: ` + ns + `
spec:
  selector:
    matchLabels: {app: ` + name + `}
  template:
    metadata:
      labels: {app: ` + name + `}
    spec:
` + spec + `      containers:
        - name: app
          image: registry.example.com/app:1.0.0
`
}

// bindingYAML is a binding whose service account and Deployment are both named name; extra
// metadata lines (such as a function annotation) go under metadata.
func bindingYAML(ns, name, metadata string) string {
	return `apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata:
  name: ` + name + `
  namespace: ` + ns + `
` + metadata + `spec:
  clusters: [{name: prod-eu, oidcIssuer: ` + runsIssuer + `}]
  role: {accountID: "123456789012"}
  policies:
    managed: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]
  workloads: [{kind: Deployment, name: ` + name + `}]
`
}

func configYAML(name, metadata string) string {
	return `apiVersion: irsa.dev/v1alpha1
kind: IRSAConfig
metadata:
  name: ` + name + `
` + metadata + `spec:
  clusters: [{name: prod-eu, oidcIssuer: ` + runsIssuer + `}]
  defaults:
    role: {accountID: "123456789012"}
`
}

// execAnnotation makes a function config run bin as an exec KRM function under kustomize.
func execAnnotation(bin string) string {
	return "  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: " + bin + "\n"
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, p, content)
	}
}

func kustomizeBuild(t *testing.T, dir string) []object {
	t.Helper()
	stdout, stderr, err := run(t, dir, nil, tool(t, "KUSTOMIZE", "kustomize"), "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr)
	}
	if stderr != "" {
		t.Logf("stderr: %s", stderr)
	}
	objs := parseObjects(t, []byte(stdout))
	validate(t, objs)
	return objs
}

// named returns the object of a kind and name; it fails the test when there is not exactly one.
func named(t *testing.T, objs []object, kind, name string) object {
	t.Helper()
	var out []object
	for _, o := range find(objs, kind) {
		if str(o, "metadata", "name") == name {
			out = append(out, o)
		}
	}
	if len(out) != 1 {
		t.Fatalf("want one %s %s, got %d", kind, name, len(out))
	}
	return out[0]
}

// wantRendered checks a binding's service account, role and Deployment, and the run that made them.
func wantRendered(t *testing.T, objs []object, name, runKey string) {
	t.Helper()
	sa := named(t, objs, "ServiceAccount", name)
	wantEq(t, name+" role-arn", str(sa, "metadata", "annotations", "eks.amazonaws.com/role-arn"), "arn:aws:iam::123456789012:role/prod-eu-shop-"+name)
	wantEq(t, name+" ServiceAccount run", str(sa, "metadata", "annotations", "irsa.dev/invocation"), runKey)
	role := named(t, objs, "Role", "prod-eu-shop-"+name)
	wantEq(t, name+" Role run", str(role, "metadata", "annotations", "irsa.dev/invocation"), runKey)
	d := named(t, objs, "Deployment", name)
	wantEq(t, name+" serviceAccountName", str(d, "spec", "template", "spec", "serviceAccountName"), name)
	wantEq(t, name+" Deployment run", str(d, "metadata", "annotations", "irsa.dev/invocation"), runKey)
}

// TestTwoTransformersOneKustomization: transformers: [web-binding.yaml, worker-binding.yaml];
// the second run keeps the first run's ServiceAccount and Role.
func TestTwoTransformersOneKustomization(t *testing.T) {
	bin := irsaFn(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"kustomization.yaml":  "resources: [deployments.yaml]\ntransformers: [web-binding.yaml, worker-binding.yaml]\n",
		"deployments.yaml":    deploymentYAML("shop", "web", "") + "---\n" + deploymentYAML("shop", "worker", ""),
		"web-binding.yaml":    bindingYAML("shop", "web", execAnnotation(bin)),
		"worker-binding.yaml": bindingYAML("shop", "worker", execAnnotation(bin)),
	})
	objs := kustomizeBuild(t, dir)
	wantRendered(t, objs, "web", "irsa.dev/v1alpha1/IRSABinding/shop/web")
	wantRendered(t, objs, "worker", "irsa.dev/v1alpha1/IRSABinding/shop/worker")
	if n := len(objs); n != 6 {
		t.Errorf("want 2 Deployments, 2 ServiceAccounts and 2 Roles, got %d objects", n)
	}
}

// TestBaseAndOverlay: a base and an overlay that each run irsa-fn with their own IRSAConfig;
// the base's objects survive the overlay's run, and the overlay does not render the base's
// binding again.
func TestBaseAndOverlay(t *testing.T) {
	bin := irsaFn(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"base/kustomization.yaml":    "resources: [deployment.yaml, binding.yaml]\ntransformers: [irsa-config.yaml]\n",
		"base/deployment.yaml":       deploymentYAML("shop", "web", ""),
		"base/binding.yaml":          bindingYAML("shop", "web", ""),
		"base/irsa-config.yaml":      configYAML("base", execAnnotation(bin)),
		"overlay/kustomization.yaml": "resources: [../base, deployment.yaml, binding.yaml]\ntransformers: [irsa-config.yaml]\n",
		"overlay/deployment.yaml":    deploymentYAML("shop", "worker", ""),
		"overlay/binding.yaml":       bindingYAML("shop", "worker", ""),
		"overlay/irsa-config.yaml":   configYAML("overlay", execAnnotation(bin)),
	})
	objs := kustomizeBuild(t, filepath.Join(dir, "overlay"))
	wantRendered(t, objs, "web", "irsa.dev/v1alpha1/IRSAConfig//base")
	wantRendered(t, objs, "worker", "irsa.dev/v1alpha1/IRSAConfig//overlay")
	if n := len(objs); n != 6 {
		t.Errorf("want 2 Deployments, 2 ServiceAccounts and 2 Roles, got %d objects", n)
	}
}

// kptfile is a Kptfile whose pipeline runs bin with fnconfig.yaml.
func kptfile(name, bin string) string {
	return `apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: ` + name + `
  annotations:
    config.kubernetes.io/local-config: "true"
pipeline:
  mutators:
    - exec: ` + bin + `
      configPath: fnconfig.yaml
`
}

func kptRender(t *testing.T, dir string) (string, error) {
	t.Helper()
	_, stderr, err := run(t, dir, nil, tool(t, "KPT", "kpt"), "fn", "render", "--allow-exec", ".")
	return stderr, err
}

// TestKptSubpackages: a package and its subpackage each run irsa-fn; both render, each keeps
// the other's objects, and a second render changes nothing.
func TestKptSubpackages(t *testing.T) {
	bin := irsaFn(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Kptfile":             kptfile("parent", bin),
		"fnconfig.yaml":       configYAML("parent", ""),
		"deployment.yaml":     deploymentYAML("shop", "web", ""),
		"binding.yaml":        bindingYAML("shop", "web", ""),
		"sub/Kptfile":         kptfile("sub", bin),
		"sub/fnconfig.yaml":   configYAML("sub", ""),
		"sub/deployment.yaml": deploymentYAML("shop", "worker", ""),
		"sub/binding.yaml":    bindingYAML("shop", "worker", ""),
	})
	if stderr, err := kptRender(t, dir); err != nil {
		t.Fatalf("kpt fn render: %v\n%s", err, stderr)
	}
	objs := packageObjects(t, dir)
	validate(t, objs)
	wantRendered(t, objs, "web", "irsa.dev/v1alpha1/IRSAConfig//parent")
	wantRendered(t, objs, "worker", "irsa.dev/v1alpha1/IRSAConfig//sub")
	if n := len(objs); n != 6 {
		t.Errorf("want 2 Deployments, 2 ServiceAccounts and 2 Roles, got %d objects", n)
	}
	first := snapshot(t, dir)
	if stderr, err := kptRender(t, dir); err != nil {
		t.Fatalf("second kpt fn render: %v\n%s", err, stderr)
	}
	if second := snapshot(t, dir); !reflect.DeepEqual(first, second) {
		for f := range second {
			if first[f] != second[f] {
				t.Errorf("the second render changed %s:\nbefore:\n%s\nafter:\n%s", f, first[f], second[f])
			}
		}
	}
}

// kptBindingDeleted renders a package, edits it, deletes the binding, and renders it again.
func kptBindingDeleted(t *testing.T, edit func(dir string)) (string, string, error) {
	t.Helper()
	bin := irsaFn(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Kptfile":         kptfile("app", bin),
		"fnconfig.yaml":   configYAML("prod-eu", ""),
		"deployment.yaml": deploymentYAML("shop", "app", "legacy"),
		"binding.yaml":    bindingYAML("shop", "app", ""),
	})
	if stderr, err := kptRender(t, dir); err != nil {
		t.Fatalf("kpt fn render: %v\n%s", err, stderr)
	}
	objs := packageObjects(t, dir)
	d := named(t, objs, "Deployment", "app")
	wantEq(t, "patched serviceAccountName", str(d, "spec", "template", "spec", "serviceAccountName"), "app")
	wantEq(t, "recorded previous", str(d, "metadata", "annotations", "irsa.dev/previous-service-account"), "legacy")
	edit(dir)
	if err := os.Remove(filepath.Join(dir, "binding.yaml")); err != nil {
		t.Fatal(err)
	}
	stderr, err := kptRender(t, dir)
	return dir, stderr, err
}

// TestKptBindingDeleted: the ServiceAccount the binding made goes, and the Deployment gets its
// previous serviceAccountName back, without irsa-fn's annotations.
func TestKptBindingDeleted(t *testing.T) {
	dir, stderr, err := kptBindingDeleted(t, func(string) {})
	if err != nil {
		t.Fatalf("kpt fn render after deleting the binding: %v\n%s", err, stderr)
	}
	objs := packageObjects(t, dir)
	if sas, roles := find(objs, "ServiceAccount"), find(objs, "Role"); len(sas)+len(roles) != 0 {
		t.Errorf("the binding's ServiceAccount and Role are still there: %v %v", sas, roles)
	}
	d := named(t, objs, "Deployment", "app")
	wantEq(t, "restored serviceAccountName", str(d, "spec", "template", "spec", "serviceAccountName"), "legacy")
	if ann, _ := get(d, "metadata", "annotations").(map[string]any); len(ann) != 0 {
		t.Errorf("irsa-fn's annotations are left on the Deployment: %v", ann)
	}
	validate(t, objs)
}

// TestKptBindingDeletedChangedByHand: the Deployment's serviceAccountName was changed by hand
// after the render; deleting the binding is an error naming the Deployment, and nothing changes.
func TestKptBindingDeletedChangedByHand(t *testing.T) {
	dir, stderr, err := kptBindingDeleted(t, func(dir string) {
		p := filepath.Join(dir, "deployment.yaml")
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		edited := strings.Replace(string(data), "serviceAccountName: app", "serviceAccountName: manual", 1)
		if edited == string(data) {
			t.Fatalf("no serviceAccountName: app in\n%s", data)
		}
		write(t, p, edited)
	})
	if err == nil {
		t.Fatal("kpt fn render succeeded after the Deployment was changed by hand and the binding deleted")
	}
	for _, want := range []string{"Deployment shop/app", `its serviceAccountName is now "manual"`, "changed by hand"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	objs := packageObjects(t, dir)
	named(t, objs, "ServiceAccount", "app") // nothing was removed
	wantEq(t, "serviceAccountName left alone", str(named(t, objs, "Deployment", "app"), "spec", "template", "spec", "serviceAccountName"), "manual")
}

// TestKptConfigRenamed: renaming the package's IRSAConfig changes the run key; the run keeps what
// it rendered under the old name (the config item carries that key), renders the binding's edits,
// stamps everything with the new key, and a second render changes nothing.
func TestKptConfigRenamed(t *testing.T) {
	bin := irsaFn(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Kptfile":         kptfile("app", bin),
		"fnconfig.yaml":   configYAML("prod-eu", ""),
		"deployment.yaml": deploymentYAML("shop", "web", ""),
		"binding.yaml":    bindingYAML("shop", "web", ""),
	})
	if stderr, err := kptRender(t, dir); err != nil {
		t.Fatalf("kpt fn render: %v\n%s", err, stderr)
	}
	wantRendered(t, packageObjects(t, dir), "web", "irsa.dev/v1alpha1/IRSAConfig//prod-eu")
	cfg := filepath.Join(dir, "fnconfig.yaml")
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	write(t, cfg, strings.Replace(string(data), "name: prod-eu\n", "name: renamed\n", 1))
	kptRenderTwice(t, dir) // the render after the rename is stable
	objs := packageObjects(t, dir)
	wantRendered(t, objs, "web", "irsa.dev/v1alpha1/IRSAConfig//renamed")
	if n := len(find(objs, "Role")) + len(find(objs, "ServiceAccount")); n != 2 {
		t.Errorf("want one Role and one ServiceAccount after the rename, got %d", n)
	}
}

// kptRenderTwice renders a package, then again, which must change nothing.
func kptRenderTwice(t *testing.T, dir string) {
	t.Helper()
	if stderr, err := kptRender(t, dir); err != nil {
		t.Fatalf("kpt fn render: %v\n%s", err, stderr)
	}
	first := snapshot(t, dir)
	if stderr, err := kptRender(t, dir); err != nil {
		t.Fatalf("second kpt fn render: %v\n%s", err, stderr)
	}
	if !reflect.DeepEqual(first, snapshot(t, dir)) {
		t.Error("the second render changed the package")
	}
}

// TestKptBindingMovedToParent: a binding moved out of a subpackage into its parent is rendered by
// the parent's run (the subpackage's run left nothing of it), not passed through unrendered.
func TestKptBindingMovedToParent(t *testing.T) {
	bin := irsaFn(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Kptfile":             kptfile("parent", bin),
		"fnconfig.yaml":       configYAML("parent", ""),
		"sub/Kptfile":         kptfile("sub", bin),
		"sub/fnconfig.yaml":   configYAML("sub", ""),
		"sub/deployment.yaml": deploymentYAML("shop", "worker", "legacy"),
		"sub/binding.yaml":    bindingYAML("shop", "worker", ""),
	})
	if stderr, err := kptRender(t, dir); err != nil {
		t.Fatalf("kpt fn render: %v\n%s", err, stderr)
	}
	wantRendered(t, packageObjects(t, dir), "worker", "irsa.dev/v1alpha1/IRSAConfig//sub")
	if err := os.Rename(filepath.Join(dir, "sub", "binding.yaml"), filepath.Join(dir, "binding.yaml")); err != nil {
		t.Fatal(err)
	}
	stderr, err := kptRender(t, dir)
	if err != nil {
		t.Fatalf("kpt fn render after the move: %v\n%s", err, stderr)
	}
	objs := packageObjects(t, dir)
	wantRendered(t, objs, "worker", "irsa.dev/v1alpha1/IRSAConfig//parent")
	wantEq(t, "worker serviceAccountName", str(named(t, objs, "Deployment", "worker"), "spec", "template", "spec", "serviceAccountName"), "worker")
	if !strings.Contains(stderr, "left no object of it in the input") {
		t.Errorf("kpt's output does not say the parent took the binding over:\n%s", stderr)
	}
}
