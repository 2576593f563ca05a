package fn

import (
	"strings"
	"testing"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"
)

// inFile places a YAML document in a file of a kpt package at an index, with the annotations
// kpt gives it; extra annotation lines (already indented for metadata.annotations) are added.
func inFile(doc, file, index string, extra ...string) string {
	ann := "  annotations:\n"
	for _, k := range []string{"config.kubernetes.io/path", "internal.config.kubernetes.io/path"} {
		ann += "    " + k + ": '" + file + "'\n"
	}
	for _, k := range []string{"config.kubernetes.io/index", "internal.config.kubernetes.io/index"} {
		ann += "    " + k + ": '" + index + "'\n"
	}
	for _, e := range extra {
		ann += e
	}
	return strings.Replace(doc, "metadata:\n", "metadata:\n"+ann, 1)
}

const kptConfig = `apiVersion: irsa.dev/v1alpha1
kind: IRSAConfig
metadata:
  name: prod
spec:
  clusters: [{name: prod, oidcIssuer: "` + issuer + `"}]
  defaults:
    role: {accountID: "123456789012"}
`

// errorsOf returns the error results as field: message lines, with the file of each.
func (o outcome) errors() []string {
	var out []string
	for _, r := range o.rl.Results {
		if r.Severity != kfn.Error {
			continue
		}
		line := r.Message
		if r.Field != nil {
			line = r.Field.Path + ": " + line
		}
		if r.File != nil {
			line = r.File.Path + ": " + line
		}
		out = append(out, line)
	}
	return out
}

// TestDuplicatesKpt: what kpt gives irsa-fn when a package holds copies (an expected output in
// the package folder, a copied file): an error for each copied object irsa-fn reads or writes,
// naming every copy's file and index, and the items as they came; copies of other objects pass.
func TestDuplicatesKpt(t *testing.T) {
	web := binding("web", "  workloads: [{kind: Deployment, name: web}]\n")
	patched := "    irsa.dev/binding: shop/web\n    irsa.dev/invocation: irsa.dev/v1alpha1/IRSAConfig//prod\n    irsa.dev/previous-service-account: ''\n"
	settings := "# kept as it is\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings # here\n  namespace: shop\ndata: {a: b}\n"
	tests := []struct {
		name  string
		items []string
		// errors are substrings each error must contain, in order; none: no error.
		errors []string
	}{
		{
			name: "an expected output in the package",
			items: []string{
				inFile(kptConfig, "irsa-config.yaml", "0"), inFile(web, "app/binding.yaml", "0"), inFile(deployment, "app/deployment.yaml", "0"),
				inFile(deployment, "expected.yaml", "0", patched),
			},
			errors: []string{"app/binding.yaml: spec.workloads[0].name: Deployment shop/web is in the input 2 times: apps/v1 in app/deployment.yaml (index 0), apps/v1 in expected.yaml (index 0); irsa-fn patches it"},
		},
		{
			name: "a binding copied into a second file",
			items: []string{
				inFile(kptConfig, "irsa-config.yaml", "0"), inFile(web, "app/binding.yaml", "0"), inFile(deployment, "app/deployment.yaml", "0"),
				inFile(namedRole(web, "Other"), "app/binding-copy.yaml", "1"),
			},
			errors: []string{"app/binding.yaml: metadata.name: IRSABinding shop/web is in the input 2 times: irsa.dev/v1alpha1 in app/binding.yaml (index 0), irsa.dev/v1alpha1 in app/binding-copy.yaml (index 1); irsa-fn would read the first copy and ignore the others"},
		},
		{
			name: "a binding without a namespace is one of namespace default",
			items: []string{
				inFile(kptConfig, "irsa-config.yaml", "0"), inFile(strings.Replace(web, "  namespace: shop\n", "  namespace: default\n", 1), "a.yaml", "0"),
				inFile(strings.Replace(web, "  namespace: shop\n", "", 1), "b.yaml", "0"), inFile(strings.Replace(deployment, "namespace: shop", "namespace: default", 1), "c.yaml", "0"),
			},
			errors: []string{"a.yaml: metadata.name: IRSABinding default/web is in the input 2 times: irsa.dev/v1alpha1 in a.yaml (index 0), irsa.dev/v1alpha1 without a namespace in b.yaml (index 0)"},
		},
		{
			name: "copies of the IRSAConfig",
			items: []string{
				inFile(kptConfig, "irsa-config.yaml", "0"), inFile(kptConfig, "old/irsa-config.yaml", "0"), inFile(web, "app/binding.yaml", "0"), inFile(deployment, "app/deployment.yaml", "0"),
			},
			errors: []string{"irsa-config.yaml: metadata.name: IRSAConfig prod is in the input 2 times"},
		},
		{
			name: "copies of objects irsa-fn does not touch",
			items: []string{
				inFile(kptConfig, "irsa-config.yaml", "0"), inFile(web, "app/binding.yaml", "0"), inFile(deployment, "app/deployment.yaml", "0"),
				inFile(settings, "a.yaml", "0"), inFile(settings, "b.yaml", "0"), inFile(strings.Replace(deployment, "name: web", "name: batch", 1), "c.yaml", "0"),
				inFile(strings.Replace(deployment, "name: web", "name: batch", 1), "d.yaml", "0"),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := resourceList(kptConfig, tc.items...)
			out := process(t, in)
			errs := out.errors()
			if len(errs) != len(tc.errors) {
				t.Fatalf("errors:\n%s\nwant %d containing %q", strings.Join(errs, "\n"), len(tc.errors), tc.errors)
			}
			for i, want := range tc.errors {
				if !strings.Contains(errs[i], want) {
					t.Errorf("error %q\nlacks %q", errs[i], want)
				}
			}
			if len(errs) > 0 {
				if out.ok {
					t.Error("the run succeeded")
				}
				if unchanged := process(t, resourceList(kptConfig, tc.items...)); unchanged.output != out.output || strings.Contains(out.output, "managed-by") {
					t.Error("a failed run changed its items")
				}
				return
			}
			if !out.ok {
				t.Fatalf("failed:\n%s", out.log)
			}
			if !strings.Contains(out.output, indentItem(strings.Replace(inFile(settings, "b.yaml", "0"), "# kept as it is\n", "", 1))[2:]) || strings.Count(out.output, "# here") != 2 {
				t.Errorf("the copied ConfigMaps did not pass through unchanged:\n%s", out.output)
			}
			for _, it := range out.rl.Items {
				if it.GetName() == "batch" && it.GetAnnotation("irsa.dev/binding") != "" {
					t.Errorf("a copy no binding claims was patched:\n%s", it)
				}
			}
		})
	}
}

// TestReRenderIsNoCopy: under kpt the objects the last render wrote are in the input again; they
// are replaced, not reported as copies of what this render makes, and a second render changes
// nothing.
func TestReRenderIsNoCopy(t *testing.T) {
	first := process(t, resourceList(kptConfig, inFile(kptConfig, "irsa-config.yaml", "0"),
		inFile(binding("web", "  workloads: [{kind: Deployment, name: web}]\n"), "app/binding.yaml", "0"), inFile(deployment, "app/deployment.yaml", "0")))
	if !first.ok || first.count("Role") != 1 || first.count("ServiceAccount") != 1 {
		t.Fatalf("first render:\n%s\n%s", first.log, first.output)
	}
	var items []string
	for _, it := range first.rl.Items {
		items = append(items, it.String())
	}
	second := process(t, resourceList(kptConfig, items...))
	if !second.ok {
		t.Fatalf("second render: %s", second.log)
	}
	if second.output != first.output {
		t.Errorf("the second render changed the package:\n%s\n---\n%s", first.output, second.output)
	}
}

// TestCopiesOfOtherRuns: kpt subpackages may each render a binding of the same name (one per
// cluster); the parent's run sees both, each stamped by its run, with their output: they are no
// copies of one another, and pass through.
func TestCopiesOfOtherRuns(t *testing.T) {
	var items []string
	for _, sub := range []string{"eu", "us"} {
		run := "    irsa.dev/invocation: irsa.dev/v1alpha1/IRSAConfig//" + sub + "\n"
		items = append(items,
			inFile(binding("web", "  workloads: [{kind: Deployment, name: web}]\n"), sub+"/binding.yaml", "0", run, "    config.kubernetes.io/local-config: 'true'\n"),
			inFile("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\n  labels: {app.kubernetes.io/managed-by: irsa-fn}\n", sub+"/irsa-web.yaml", "0", run, "    irsa.dev/binding: shop/web\n"),
			inFile(deployment, sub+"/deployment.yaml", "0", run, "    irsa.dev/binding: shop/web\n"))
	}
	parent := strings.Replace(kptConfig, "name: prod", "name: parent", 1)
	out := process(t, resourceList(parent, append(items, inFile(parent, "irsa-config.yaml", "0"))...))
	if !out.ok {
		t.Fatalf("the parent's run failed:\n%s", out.log)
	}
	if n := out.count("ServiceAccount") + out.count("Deployment") + out.count("IRSABinding"); n != 6 {
		t.Errorf("want both subpackages' objects passed through, got %d:\n%s", n, out.output)
	}
}
