package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Copies of an object in the input: kpt reads every YAML file of a package, so a copied file or
// an expected output kept in the package is rendered as content. irsa-fn refuses copies of what
// it reads or writes; kustomize refuses copies of one apiVersion itself (e2e/testdata/errors/
// copies has those it admits).

// copiesPackage writes a kpt package whose Deployment shop/web is in deployment.yaml and again,
// as an earlier render left it, in rendered/deployment.yaml.
func copiesPackage(t *testing.T, bin string) string {
	t.Helper()
	dir := t.TempDir()
	patched := strings.Replace(deploymentYAML("shop", "web", "web"), "  namespace: shop\n",
		"  namespace: shop\n  annotations:\n    irsa.dev/binding: shop/web\n    irsa.dev/invocation: irsa.dev/v1alpha1/IRSAConfig//prod-eu\n    irsa.dev/previous-service-account: \"\"\n", 1)
	writeFiles(t, dir, map[string]string{
		"Kptfile":                  kptfile("app", bin),
		"fnconfig.yaml":            configYAML("prod-eu", ""),
		"binding.yaml":             bindingYAML("shop", "web", ""),
		"deployment.yaml":          deploymentYAML("shop", "web", ""),
		"rendered/deployment.yaml": patched,
	})
	return dir
}

// TestCopiesKpt: a package with its Deployment in two files fails to render, naming the
// binding's field and both files, and every file stays as it was; without the copy it renders,
// and rendering again (the last render's output now in the input) changes nothing.
func TestCopiesKpt(t *testing.T) {
	bin, kpt := irsaFn(t), tool(t, "KPT", "kpt")
	dir := copiesPackage(t, bin)
	kptRenderFails(t, kpt, []string{
		"spec.workloads[0].name: Deployment shop/web is in the input 2 times: apps/v1 in deployment.yaml (index 0), apps/v1 in rendered/deployment.yaml (index 0); irsa-fn patches it, and cannot tell which copy is the one deployed",
		"allowed: one Deployment shop/web in the input",
	}, dir, nil, "--allow-exec")
	if err := os.RemoveAll(filepath.Join(dir, "rendered")); err != nil {
		t.Fatal(err)
	}
	kptRenderTwice(t, dir)
	wantRendered(t, packageObjects(t, dir), "web", "irsa.dev/v1alpha1/IRSAConfig//prod-eu")
}

// TestCopiesKptSubpackage: a package copied into a folder of itself (cp -r onto an existing
// copy) holds its Deployment twice, once in the nested package (whose items kpt hands on
// first). kpt names each item's file from its own package, so both are app/deployment.yaml to
// kpt; the error names the nested one from the package rendered, with its folder, so that the
// two copies can be told apart.
func TestCopiesKptSubpackage(t *testing.T) {
	bin, kpt := irsaFn(t), tool(t, "KPT", "kpt")
	dir := t.TempDir()
	files := map[string]string{
		"Kptfile":             kptfile("app", bin),
		"fnconfig.yaml":       configYAML("prod-eu", ""),
		"app/binding.yaml":    bindingYAML("shop", "web", ""),
		"app/deployment.yaml": deploymentYAML("shop", "web", ""),
	}
	writeFiles(t, dir, files)
	writeFiles(t, filepath.Join(dir, "nested"), files)
	kptRenderFails(t, kpt, []string{
		"Deployment shop/web is in the input 2 times: apps/v1 in nested/app/deployment.yaml (index 0), apps/v1 in app/deployment.yaml (index 0)",
	}, dir, nil, "--allow-exec")
}

// TestCopiesKustomize: the same files in a kustomization never reach irsa-fn: kustomize refuses
// two resources of one apiVersion, kind, namespace and name itself, and prints nothing.
func TestCopiesKustomize(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	dir := copiesPackage(t, bin)
	write(t, filepath.Join(dir, "fnconfig.yaml"), configYAML("prod-eu", execAnnotation(bin)))
	write(t, filepath.Join(dir, "kustomization.yaml"), "resources: [binding.yaml, deployment.yaml, rendered/deployment.yaml]\ntransformers: [fnconfig.yaml]\n")
	kustomizeFails(t, kustomize, []string{"may not add resource with an already registered id: Deployment.v1.apps/web.shop"}, dir, nil, "--enable-alpha-plugins", "--enable-exec")
}

// TestKptSubpackagesOneBindingEach: two subpackages (one per cluster) hold the same binding and
// Deployment, each rendered by its own IRSAConfig; the parent's run sees both, each stamped by
// its run, and passes them through: they are no copies of one object for it.
func TestKptSubpackagesOneBindingEach(t *testing.T) {
	bin := irsaFn(t)
	dir := t.TempDir()
	files := map[string]string{
		"Kptfile":       kptfile("parent", bin),
		"fnconfig.yaml": configYAML("parent", ""),
	}
	for _, sub := range []string{"eu", "us"} {
		files[sub+"/Kptfile"] = kptfile(sub, bin)
		files[sub+"/fnconfig.yaml"] = strings.Replace(configYAML(sub, ""), "name: prod-eu", "name: "+sub, 1)
		files[sub+"/deployment.yaml"] = deploymentYAML("shop", "web", "")
		files[sub+"/binding.yaml"] = strings.Replace(bindingYAML("shop", "web", ""), "  clusters: [{name: prod-eu, oidcIssuer: "+runsIssuer+"}]\n", "", 1)
	}
	writeFiles(t, dir, files)
	kptRenderTwice(t, dir)
	for _, sub := range []string{"eu", "us"} {
		objs := packageObjects(t, filepath.Join(dir, sub))
		sa := named(t, objs, "ServiceAccount", "web")
		wantEq(t, sub+" role-arn", str(sa, "metadata", "annotations", "eks.amazonaws.com/role-arn"), "arn:aws:iam::123456789012:role/"+sub+"-shop-web")
		wantEq(t, sub+" serviceAccountName", str(named(t, objs, "Deployment", "web"), "spec", "template", "spec", "serviceAccountName"), "web")
	}
}
