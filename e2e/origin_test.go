package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// brokenMultiService is examples/multi-service with one error in bindings.yaml (a binding among
// the resources, not the function config), run by bin, with the kustomization's transformers
// and extra lines given.
func brokenMultiService(t *testing.T, bin, transformers, extra string) string {
	t.Helper()
	dir := copyExample(t, "multi-service", bin)
	bindings := filepath.Join(dir, "bindings.yaml")
	data, err := os.ReadFile(bindings)
	if err != nil {
		t.Fatal(err)
	}
	const anchor = "    tags: {owner: orders-team}\n"
	if !strings.Contains(string(data), anchor) {
		t.Fatalf("examples/multi-service/bindings.yaml has no %q to break", anchor)
	}
	write(t, bindings, strings.Replace(string(data), anchor, anchor+"    maxSessionDuration: 100\n", 1))
	write(t, filepath.Join(dir, "kustomization.yaml"),
		"resources: [deployments.yaml, bindings.yaml]\ntransformers: ["+transformers+"]\n"+extra)
	return dir
}

const brokenOrders = "spec.role.maxSessionDuration: 100 is outside IAM's range"

// TestErrorsNameOriginFile: under kustomize with buildMetadata: [originAnnotations], an error
// about a binding among the resources names the file it came from, once.
func TestErrorsNameOriginFile(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	dir := brokenMultiService(t, bin, "irsa-config.yaml", "buildMetadata: [originAnnotations]\n")
	kustomizeFails(t, kustomize, []string{"error: IRSABinding shop/orders (bindings.yaml): " + brokenOrders}, dir, nil,
		"--enable-alpha-plugins", "--enable-exec")
}

// TestErrorsNameNoMadeUpFile: items a previous function returned reach irsa-fn with a path
// annotation kyaml makes up (shop/irsabinding_orders.yaml), which is no file of the user's: the
// error names the binding by kind, namespace and name only; with originAnnotations, by the file
// it came from.
func TestErrorsNameNoMadeUpFile(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	passthrough := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: passthrough\n  annotations:\n" +
		"    config.kubernetes.io/function: |\n      exec:\n        path: /bin/cat\n"
	for _, c := range []struct{ name, extra, want string }{
		{"without origin", "", "error: IRSABinding shop/orders: " + brokenOrders},
		{"with origin", "buildMetadata: [originAnnotations]\n", "error: IRSABinding shop/orders (bindings.yaml): " + brokenOrders},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := brokenMultiService(t, bin, "passthrough.yaml, irsa-config.yaml", c.extra)
			write(t, filepath.Join(dir, "passthrough.yaml"), passthrough)
			kustomizeFails(t, kustomize, []string{c.want}, dir, nil, "--enable-alpha-plugins", "--enable-exec")
			_, stderr, _ := run(t, dir, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
			if strings.Contains(stderr, "_orders.yaml") {
				t.Errorf("the error names the path kyaml made up:\n%s", stderr)
			}
		})
	}
}
