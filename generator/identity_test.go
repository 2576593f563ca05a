package generator

import (
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
)

// in places an item in a file at an index, as kpt says.
func in(it Item, file, index string) Item {
	it.File, it.Index = file, index
	return it
}

// withAPIVersion gives an item another apiVersion.
func withAPIVersion(it Item, apiVersion string) Item {
	it.APIVersion = apiVersion
	return it
}

func configMap(id int, ns, name string) Item {
	return Item{ID: id, APIVersion: "v1", ObjectKind: "ConfigMap", Namespace: ns, Name: name}
}

func ackRole(id int, ns, name string) Item {
	return Item{ID: id, APIVersion: ACKRoleAPIVersion, ObjectKind: "Role", Namespace: ns, Name: name}
}

// TestDuplicates: two or more items of one identity (group, kind, namespace, name; an item
// without a namespace counting for every namespace) are an error where the render reads or writes
// that object, naming every copy's file and index; elsewhere they pass through.
func TestDuplicates(t *testing.T) {
	createFalse := func(b *v1alpha1.IRSABinding) { b.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Create: new(bool)}} }
	bySelector := func(b *v1alpha1.IRSABinding) {
		b.Spec.Workloads = []v1alpha1.WorkloadRef{{Selector: &v1alpha1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}
	}
	labelled := func(it Item) Item { it.Labels = map[string]string{"app": "web"}; return it }
	patched := map[string]string{AnnotationInvocation: thisRun, AnnotationBinding: "shop/web", AnnotationPreviousServiceAccount: ""}
	tests := []struct {
		name     string
		bindings []v1alpha1.IRSABinding
		items    []Item
		// errors are substrings each error must contain, in order; none: no error.
		errors []string
		check  func(t *testing.T, p Plan)
	}{
		{
			name:     "a named workload in two files",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web")},
			items:    []Item{in(deployment(0, "shop", "web", "", nil), "app/deployment.yaml", "0"), in(deployment(1, "shop", "web", "web", patched), "expected.yaml", "0")},
			errors: []string{"spec.workloads[0].name: Deployment shop/web is in the input 2 times: apps/v1 in app/deployment.yaml (index 0), apps/v1 in expected.yaml (index 0); irsa-fn patches it, and cannot tell which copy is the one deployed " +
				"(allowed: one Deployment shop/web in the input: delete the other copies"},
		},
		{
			name:     "copies of other versions of the group are one object",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web")},
			items:    []Item{deployment(0, "shop", "web", "", nil), withAPIVersion(deployment(1, "shop", "web", "", nil), "apps/v1beta2")},
			errors:   []string{"Deployment shop/web is in the input 2 times: apps/v1 in the input, apps/v1beta2 in the input"},
		},
		{
			name:     "extensions and apps serve one Deployment",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web")},
			items:    []Item{in(deployment(0, "shop", "web", "", nil), "", "0"), in(withAPIVersion(deployment(1, "shop", "web", "", nil), "extensions/v1beta1"), "", "1")},
			errors:   []string{"apps/v1 at input index 0, extensions/v1beta1 at input index 1"},
		},
		{
			name:     "a copy without a namespace lands in the namespace it is applied to",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web")},
			items:    []Item{deployment(0, "", "web", "", nil), deployment(1, "shop", "web", "", nil)},
			errors:   []string{"Deployment shop/web is in the input 2 times: apps/v1 without a namespace in the input, apps/v1 in the input"},
		},
		{
			name:     "a selector that matches copies: one error for the binding",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web", bySelector)},
			items:    []Item{labelled(deployment(0, "shop", "web", "", nil)), labelled(deployment(1, "shop", "web", "", nil)), labelled(deployment(2, "shop", "other", "", nil))},
			errors:   []string{"spec.workloads[0].selector: Deployment shop/web is in the input 2 times"},
		},
		{
			name:     "each binding that reads the copies is told",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web"), binding("shop", "api", bySelector)},
			items:    []Item{labelled(deployment(0, "shop", "web", "", nil)), labelled(deployment(1, "shop", "web", "", nil)), deployment(2, "shop", "api", "", nil)},
			errors:   []string{"spec.workloads[0].name: Deployment shop/web is in the input 2 times", "spec.workloads[0].selector: Deployment shop/web is in the input 2 times"},
		},
		{
			name:     "a ServiceAccount the binding annotates",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web", createFalse)},
			items:    []Item{deployment(0, "shop", "web", "", nil), in(serviceAccount(1, "shop", "web", false, nil), "sa.yaml", "0"), in(serviceAccount(2, "shop", "web", false, nil), "copy/sa.yaml", "1")},
			errors:   []string{"spec.serviceAccounts[0]: ServiceAccount shop/web is in the input 2 times: v1 in sa.yaml (index 0), v1 in copy/sa.yaml (index 1); irsa-fn annotates it"},
		},
		{
			name:     "an object the binding renders",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web")},
			items:    []Item{deployment(0, "shop", "web", "", nil), ackRole(1, "shop", "prod-eu-shop-web"), ackRole(2, "", "prod-eu-shop-web")},
			errors:   []string{"spec.role.name: Role shop/prod-eu-shop-web is in the input 2 times: " + ACKRoleAPIVersion + " in the input, " + ACKRoleAPIVersion + " without a namespace in the input; irsa-fn renders it"},
		},
		{
			name: "a workload whose binding is gone",
			items: []Item{
				in(deployment(0, "shop", "web", "web", patched), "deployment.yaml", "0"), in(deployment(1, "shop", "web", "web", patched), "expected.yaml", "0"),
				serviceAccount(2, "shop", "web", true, stamp(thisRun, "shop/web")),
			},
			errors: []string{"metadata.name: Deployment shop/web is in the input 2 times: apps/v1 in deployment.yaml (index 0), apps/v1 in expected.yaml (index 0); irsa-fn undoes binding shop/web's patch of it"},
		},
		{
			name: "this run's earlier output is replaced, not a copy",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web", func(b *v1alpha1.IRSABinding) {
				b.Metadata.Annotations = map[string]string{AnnotationInvocation: thisRun}
			})},
			items: []Item{
				deployment(0, "shop", "web", "web", patched), serviceAccount(1, "shop", "web", true, stamp(thisRun, "shop/web")),
				{ID: 2, APIVersion: ACKRoleAPIVersion, ObjectKind: "Role", Namespace: "shop", Name: "prod-eu-shop-web", Generated: true, Annotations: stamp(thisRun, "shop/web"), RoleName: "prod-eu-shop-web"},
			},
			check: func(t *testing.T, p Plan) {
				if len(p.Remove) != 2 || len(p.Add) != 2 || len(p.Workloads) != 1 {
					t.Errorf("want the earlier ServiceAccount and Role replaced and the Deployment patched: %+v", p)
				}
			},
		},
		{
			name:     "a person's ServiceAccount beside the one this run made earlier",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web", createFalse)},
			items:    []Item{deployment(0, "shop", "web", "", nil), serviceAccount(1, "shop", "web", true, stamp(thisRun, "shop/web")), serviceAccount(2, "shop", "web", false, nil)},
			check: func(t *testing.T, p Plan) {
				if len(p.Remove) != 1 || p.Remove[0] != 1 || len(p.ServiceAccounts) != 1 || p.ServiceAccounts[0].ID != 2 {
					t.Errorf("want the earlier ServiceAccount removed and the person's annotated: %+v", p)
				}
			},
		},
		{
			name:     "copies the render never touches pass through",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web")},
			items: []Item{
				deployment(0, "shop", "web", "", nil), configMap(1, "shop", "settings"), configMap(2, "shop", "settings"), configMap(3, "", "settings"),
				deployment(4, "shop", "batch", "", nil), deployment(5, "shop", "batch", "", nil), serviceAccount(6, "shop", "other", false, nil), serviceAccount(7, "shop", "other", false, nil),
			},
			check: func(t *testing.T, p Plan) {
				if len(p.Workloads) != 1 || p.Workloads[0].ID != 0 || len(p.ServiceAccounts) != 0 || len(p.Remove) != 0 {
					t.Errorf("want only Deployment shop/web patched: %+v", p)
				}
			},
		},
		{
			name:     "a workload of the same name in another namespace is another object",
			bindings: []v1alpha1.IRSABinding{binding("shop", "web")},
			items:    []Item{deployment(0, "shop", "web", "", nil), deployment(1, "other", "web", "", nil), {ID: 2, APIVersion: "example.com/v1", ObjectKind: "Deployment", Namespace: "shop", Name: "web"}},
			check: func(t *testing.T, p Plan) {
				if len(p.Workloads) != 1 || p.Workloads[0].ID != 0 {
					t.Errorf("want only Deployment shop/web patched: %+v", p.Workloads)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Render(thisRun, nil, tc.bindings, Existing{Items: tc.items})
			errs := wantErrors(t, p, tc.errors)
			// The render leaves every copy alone: none is patched, annotated or restored.
			copies := map[int]bool{}
			for _, f := range p.Findings {
				for _, it := range tc.items {
					if f.Severity == diag.Error && strings.Contains(f.Message, " is in the input ") && strings.HasPrefix(f.Message, it.ObjectKind+" ") && strings.Contains(f.Message, "/"+it.Name+" ") {
						copies[it.ID] = true
					}
				}
			}
			if len(tc.errors) > 0 && len(copies) < 2 {
				t.Errorf("the errors name no copies of the items: %v", errs)
			}
			for _, w := range p.Workloads {
				if copies[w.ID] {
					t.Errorf("copy %d was changed all the same: %+v", w.ID, w)
				}
			}
			for _, c := range p.ServiceAccounts {
				if copies[c.ID] {
					t.Errorf("copy %d was annotated all the same: %+v", c.ID, c)
				}
			}
			if tc.check != nil && len(errs) == 0 {
				tc.check(t, p)
			}
		})
	}
}
