package fn

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"
)

const issuer = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E"

// resourceList wraps items (YAML documents) and an optional function config into a ResourceList.
func resourceList(fnConfig string, items ...string) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
	if len(items) == 0 {
		b.WriteString("items: []\n")
	} else {
		b.WriteString("items:\n")
	}
	for _, it := range items {
		b.WriteString(indentItem(it))
	}
	if fnConfig != "" {
		b.WriteString("functionConfig:\n")
		for _, l := range strings.Split(strings.TrimRight(fnConfig, "\n"), "\n") {
			b.WriteString("  " + l + "\n")
		}
	}
	return []byte(b.String())
}

func indentItem(doc string) string {
	lines := strings.Split(strings.TrimRight(doc, "\n"), "\n")
	var b strings.Builder
	for i, l := range lines {
		if i == 0 {
			b.WriteString("- " + l + "\n")
		} else {
			b.WriteString("  " + l + "\n")
		}
	}
	return b.String()
}

type outcome struct {
	rl     *kfn.ResourceList
	log    string
	ok     bool
	output string
}

func process(t *testing.T, in []byte) outcome {
	t.Helper()
	var log bytes.Buffer
	out, err := kfn.Run(&Processor{Log: &log}, in)
	rl, perr := kfn.ParseResourceList(out)
	if perr != nil {
		t.Fatalf("output is not a ResourceList: %v\n%s", perr, out)
	}
	return outcome{rl: rl, log: log.String(), ok: err == nil, output: string(out)}
}

func (o outcome) item(t *testing.T, kind, namespace, name string) *kfn.KubeObject {
	t.Helper()
	for _, it := range o.rl.Items {
		if it.GetKind() == kind && it.GetNamespace() == namespace && it.GetName() == name {
			return it
		}
	}
	t.Fatalf("no %s %s/%s in the output:\n%s", kind, namespace, name, o.output)
	return nil
}

func (o outcome) count(kind string) int {
	n := 0
	for _, it := range o.rl.Items {
		if it.GetKind() == kind {
			n++
		}
	}
	return n
}

func binding(name, extra string) string {
	return `apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata:
  name: ` + name + `
  namespace: shop
spec:
  clusters: [{name: prod, oidcIssuer: "` + issuer + `"}]
  role: {accountID: "123456789012"}
` + extra
}

// namedRole gives a binding an explicit role name.
func namedRole(b, name string) string {
	return strings.Replace(b, `role: {accountID: "123456789012"}`, `role: {accountID: "123456789012", name: `+name+`}`, 1)
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  template:
    spec:
      containers: [{name: web, image: web:1}]
`

func TestRenderReplacesEarlierOutputAndRemovesOrphans(t *testing.T) {
	first := process(t, resourceList("", binding("web", "  workloads: [{kind: Deployment, name: web}]\n"), binding("old", ""), deployment))
	if !first.ok || first.count("Role") != 2 {
		t.Fatalf("first render: %s\n%s", first.log, first.output)
	}
	// Render the output again without the binding "old", and with web's role renamed.
	var items []string
	for _, it := range first.rl.Items {
		if it.GetKind() == "IRSABinding" && it.GetName() == "old" {
			continue
		}
		if it.GetKind() == "IRSABinding" {
			if err := it.SetNestedString("Renamed", "spec", "role", "name"); err != nil {
				t.Fatal(err)
			}
		}
		items = append(items, it.String())
	}
	second := process(t, resourceList("", items...))
	if !second.ok {
		t.Fatalf("second render: %s", second.log)
	}
	if second.count("Role") != 1 || second.count("ServiceAccount") != 1 {
		t.Fatalf("want only web's Role and ServiceAccount, got:\n%s", second.output)
	}
	role := second.item(t, "Role", "shop", "renamed")
	if name, _, _ := role.NestedString("spec", "name"); name != "Renamed" {
		t.Errorf("role name %q", name)
	}
	if arn := second.item(t, "ServiceAccount", "shop", "web").GetAnnotation("eks.amazonaws.com/role-arn"); arn != "arn:aws:iam::123456789012:role/Renamed" {
		t.Errorf("role-arn %q", arn)
	}
	// And once more: nothing changes.
	var again []string
	for _, it := range second.rl.Items {
		again = append(again, it.String())
	}
	third := process(t, resourceList("", again...))
	if third.output != second.output {
		t.Errorf("rendering the output again changed it:\n%s\n---\n%s", second.output, third.output)
	}
}

func TestExistingServiceAccount(t *testing.T) {
	sa := func(annotations string) string {
		return "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\n  labels: {team: web}\n" + annotations
	}
	t.Run("create false annotates in place", func(t *testing.T) {
		out := process(t, resourceList(binding("web", "  serviceAccounts: [{name: web, create: false, audience: web.example.com}]\n"), sa("")))
		if !out.ok {
			t.Fatal(out.log)
		}
		if out.count("ServiceAccount") != 1 {
			t.Fatalf("want the one ServiceAccount, got:\n%s", out.output)
		}
		got := out.item(t, "ServiceAccount", "shop", "web")
		if got.GetLabel("team") != "web" || got.GetLabel("app.kubernetes.io/managed-by") != "" {
			t.Errorf("the user's ServiceAccount lost its labels or was taken over:\n%s", got)
		}
		if got.GetAnnotation("eks.amazonaws.com/audience") != "web.example.com" {
			t.Errorf("annotations:\n%s", got)
		}
	})
	t.Run("create false without one is an error", func(t *testing.T) {
		out := process(t, resourceList(binding("web", "  serviceAccounts: [{name: web, create: false}]\n")))
		if out.ok || !strings.Contains(out.log, "spec.serviceAccounts[0].create: create is false, but no ServiceAccount shop/web is in the input") {
			t.Errorf("log:\n%s", out.log)
		}
	})
	t.Run("another role-arn is an error", func(t *testing.T) {
		out := process(t, resourceList(binding("web", ""), sa("  annotations: {eks.amazonaws.com/role-arn: 'arn:aws:iam::123456789012:role/Other'}\n")))
		if out.ok || !strings.Contains(out.log, "is annotated with role arn:aws:iam::123456789012:role/Other, but this binding's role is arn:aws:iam::123456789012:role/prod-shop-web") {
			t.Errorf("log:\n%s", out.log)
		}
	})
	t.Run("annotations of a binding that no longer claims it are removed", func(t *testing.T) {
		out := process(t, resourceList("", sa("  annotations: {eks.amazonaws.com/role-arn: 'arn:aws:iam::1:role/x', irsa.dev/binding: shop/gone, keep: me}\n")))
		if !out.ok {
			t.Fatal(out.log)
		}
		got := out.item(t, "ServiceAccount", "shop", "web").GetAnnotations()
		if _, has := got["eks.amazonaws.com/role-arn"]; has || got["keep"] != "me" {
			t.Errorf("annotations %v", got)
		}
	})
}

func TestPassthroughIsByteForByte(t *testing.T) {
	untouched := `# a comment that must survive
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings # trailing comment
  namespace: shop
data:
  flag: "true"
  number: "86400"
  text: |
    line one
    line two
  list: [b, a]
`
	in := resourceList(binding("web", ""), untouched)
	out := process(t, in)
	if !out.ok {
		t.Fatal(out.log)
	}
	plain, err := kfn.Run(kfn.ResourceListProcessorFunc(func(*kfn.ResourceList) (bool, error) { return true, nil }), resourceList("", untouched))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.SplitN(string(plain), "items:\n", 2)[1]
	if !strings.Contains(out.output, want) {
		t.Errorf("the untouched ConfigMap changed.\nno-op function gives:\n%s\nirsa-fn gives:\n%s", want, out.output)
	}
}

// workloadKinds are the workload kinds irsa-fn patches, by apiVersion and kind, and where each
// keeps its pod spec.
var workloadKinds = map[string]string{
	"apps/v1 Deployment":           "spec.template.spec",
	"apps/v1 StatefulSet":          "spec.template.spec",
	"apps/v1 DaemonSet":            "spec.template.spec",
	"apps/v1 ReplicaSet":           "spec.template.spec",
	"argoproj.io/v1alpha1 Rollout": "spec.template.spec",
	"batch/v1 Job":                 "spec.template.spec",
	"batch/v1 CronJob":             "spec.jobTemplate.spec.template.spec",
	"v1 Pod":                       "spec",
}

func TestWorkloadKinds(t *testing.T) {
	kinds := workloadKinds
	var items []string
	for gvk := range kinds {
		apiVersion, kind, _ := strings.Cut(gvk, " ")
		items = append(items, "apiVersion: "+apiVersion+"\nkind: "+kind+"\nmetadata: {name: w, namespace: shop, labels: {irsa: yes}}\nspec: {}\n")
	}
	items = append(items, "apiVersion: v1\nkind: Service\nmetadata: {name: w, namespace: shop, labels: {irsa: yes}}\nspec: {}\n")
	out := process(t, resourceList(binding("web", "  workloads: [{selector: {matchLabels: {irsa: \"yes\"}}}]\n"), items...))
	if !out.ok {
		t.Fatal(out.log)
	}
	for gvk, path := range kinds {
		_, kind, _ := strings.Cut(gvk, " ")
		o := out.item(t, kind, "shop", "w")
		fields := append(strings.Split(path, "."), "serviceAccountName")
		if got, _, _ := o.NestedString(fields...); got != "web" {
			t.Errorf("%s: %s.serviceAccountName = %q", kind, path, got)
		}
	}
	if svc := out.item(t, "Service", "shop", "w"); strings.Contains(svc.String(), "serviceAccountName") {
		t.Errorf("a Service was patched:\n%s", svc)
	}
}

func TestConfigErrors(t *testing.T) {
	cfg := func(name string) string {
		return "apiVersion: irsa.dev/v1alpha1\nkind: IRSAConfig\nmetadata: {name: " + name + "}\nspec:\n  clusters: [{oidcIssuer: \"" + issuer + "\"}]\n"
	}
	tests := map[string]struct {
		in   []byte
		want string
	}{
		"foreign function config":           {resourceList("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), "function config is a v1 ConfigMap"},
		"two configs":                       {resourceList(cfg("a"), cfg("b")), "a second IRSAConfig"},
		"broken config default":             {resourceList("apiVersion: irsa.dev/v1alpha1\nkind: IRSAConfig\nmetadata: {name: a}\nspec:\n  defaults: {role: {maxSessionDuration: 5}}\n", binding("web", "")), "IRSAConfig a: spec.defaults.role.maxSessionDuration"},
		"pod without a pod spec":            {resourceList(binding("web", "  workloads: [{kind: Pod, name: p}]\n"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n"), "Pod shop/p has no pod spec to patch: spec is not an object"},
		"workload without name or selector": {resourceList(binding("web", "  workloads: [{kind: Deployment}]\n"), deployment), "spec.workloads[0]: an entry needs a name or a selector"},
		"rollout with workloadRef":          {resourceList(binding("web", "  workloads: [{kind: Rollout, name: r}]\n"), "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r, namespace: shop}\nspec: {workloadRef: {kind: Deployment, name: web}}\n"), "bind that Deployment instead"},
		"service account in two bindings":   {resourceList("", binding("a", "  serviceAccounts: [{name: shared}]\n"), binding("b", "  serviceAccounts: [{name: shared}]\n")), "service account shop/shared is also declared by IRSABinding shop/a"},
		// kpt passes a List whole: what it holds would pass through unrendered.
		"binding inside a List":        {resourceList("", "apiVersion: v1\nkind: List\nmetadata: {name: l}\nitems:\n"+indentItem(binding("web", ""))), "List l: items[0]: irsa.dev/v1alpha1 IRSABinding is inside the items of v1 List, which irsa-fn does not read"},
		"typo'd binding inside a List": {resourceList("", "apiVersion: v1\nkind: List\nmetadata: {name: l}\nitems:\n- {apiVersion: irsa.dev/v1alpha1, kind: IRSABindng, metadata: {name: x}}\n"), "List l: items[0].kind: irsa.dev/v1alpha1 IRSABindng is not a kind irsa-fn knows"},
		"role name in two bindings":    {resourceList("", namedRole(binding("a", "  serviceAccounts: [{name: a}]\n"), "Same"), namedRole(binding("b", "  serviceAccounts: [{name: b}]\n"), "same")), "IAM role names are unique per account"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			out := process(t, tt.in)
			if out.ok {
				t.Fatalf("succeeded:\n%s", out.output)
			}
			if !strings.Contains(out.log, tt.want) {
				t.Errorf("log lacks %q:\n%s", tt.want, out.log)
			}
			for _, it := range out.rl.Items {
				if it.GetLabel("app.kubernetes.io/managed-by") == "irsa-fn" {
					t.Errorf("generated %s despite the error", it.GetKind())
				}
			}
		})
	}
}

func TestKptPlacement(t *testing.T) {
	b := binding("web", "")
	b = strings.Replace(b, "  namespace: shop\n", "  namespace: shop\n  annotations: {internal.config.kubernetes.io/path: apps/web/binding.yaml, config.kubernetes.io/path: apps/web/binding.yaml}\n", 1)
	out := process(t, resourceList("", b))
	if !out.ok {
		t.Fatal(out.log)
	}
	for _, kind := range []string{"ServiceAccount", "Role"} {
		o := out.item(t, kind, "shop", map[string]string{"ServiceAccount": "web", "Role": "prod-shop-web"}[kind])
		if p := o.GetAnnotation("internal.config.kubernetes.io/path"); p != "apps/web/irsa-web.yaml" {
			t.Errorf("%s placed at %q", kind, p)
		}
	}
	if lc := out.item(t, "IRSABinding", "shop", "web").GetAnnotation("config.kubernetes.io/local-config"); lc != "true" {
		t.Errorf("binding not marked local config: %q", lc)
	}
}

// TestKptKeepsIAMRolesLocal: in a kpt package the IAMRole of output json is local config (kept
// in the package for export and apply, never applied), and the ACK Role beside it is not; without
// a package (kustomize) it is not marked, so that kustomize passes it on.
func TestKptKeepsIAMRolesLocal(t *testing.T) {
	b := binding("web", "  output: [ack, json]\n")
	placed := strings.Replace(b, "  namespace: shop\n", "  namespace: shop\n  annotations: {internal.config.kubernetes.io/path: apps/web/binding.yaml, config.kubernetes.io/path: apps/web/binding.yaml}\n", 1)
	for _, tt := range []struct {
		binding string
		want    map[string]string
	}{
		{placed, map[string]string{"IAMRole": "true", "Role": ""}},
		{b, map[string]string{"IAMRole": "", "Role": ""}},
	} {
		out := process(t, resourceList("", tt.binding))
		if !out.ok {
			t.Fatal(out.log)
		}
		for kind, want := range tt.want {
			if lc := out.item(t, kind, "shop", "prod-shop-web").GetAnnotation("config.kubernetes.io/local-config"); lc != want {
				t.Errorf("%s local-config %q, want %q", kind, lc, want)
			}
		}
	}
}

// TestItemsInTheSDKsOrder: the items leave Process in the order the SDK writes them, so its own
// sort has nothing to do.
func TestItemsInTheSDKsOrder(t *testing.T) {
	rl, err := kfn.ParseResourceList(resourceList(binding("web", "  workloads: [{kind: Deployment, name: web}]\n"), deployment, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: shop}\nspec: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := (&Processor{}).Process(rl); !ok || err != nil {
		t.Fatalf("%v %v", ok, err)
	}
	before := append(kfn.KubeObjects(nil), rl.Items...)
	rl.Sort()
	for i := range before {
		if before[i] != rl.Items[i] {
			t.Fatalf("item %d moved when the SDK sorted: %s", i, before[i].ShortString())
		}
	}
}

// TestPodTemplateOfEveryKind: for each workload kind irsa-fn patches, what the pod identity
// webhook reads of its pods (container and init container env, pod template annotations) is
// read from where that kind keeps it, and each problem is reported on the workload at that field.
func TestPodTemplateOfEveryKind(t *testing.T) {
	kinds := map[string]string{} // the path of each kind's pod template; "" for a Pod
	for gvk, spec := range workloadKinds {
		kinds[gvk] = strings.TrimSuffix(strings.TrimSuffix(spec, "spec"), ".")
	}
	pod := `metadata: {annotations: {eks.amazonaws.com/token-expiration: "300"}}
spec:
  containers: [{name: app, env: [{name: LOG, value: debug}, {name: AWS_ROLE_ARN, value: "arn:aws:iam::123456789012:role/x"}]}]
  initContainers: [{name: init, env: [{name: AWS_WEB_IDENTITY_TOKEN_FILE, value: /token}]}]
`
	var items []string
	for gvk, path := range kinds {
		apiVersion, kind, _ := strings.Cut(gvk, " ")
		item := "apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata: {name: w, namespace: shop, labels: {irsa: \"yes\"}}\n"
		if path == "" {
			// A Pod's own metadata carries the annotations.
			item = strings.Replace(item, "labels:", `annotations: {eks.amazonaws.com/token-expiration: "300"}, labels:`, 1) +
				pod[strings.Index(pod, "spec:"):]
		} else {
			// The pod template, indented under its path.
			levels := strings.Split(path, ".")
			for i, l := range levels {
				item += strings.Repeat("  ", i) + l + ":\n"
			}
			for _, l := range strings.Split(strings.TrimRight(pod, "\n"), "\n") {
				item += strings.Repeat("  ", len(levels)) + l + "\n"
			}
		}
		items = append(items, item)
	}
	out := process(t, resourceList(binding("web", "  workloads: [{selector: {matchLabels: {irsa: \"yes\"}}}]\n"), items...))
	if out.ok {
		t.Fatalf("the render succeeded:\n%s", out.output)
	}
	got := map[string]bool{}
	for _, r := range out.rl.Results {
		if r.Severity == kfn.Error && r.ResourceRef != nil && r.Field != nil {
			got[r.ResourceRef.Kind+" "+r.Field.Path] = true
		}
	}
	for gvk, path := range kinds {
		_, kind, _ := strings.Cut(gvk, " ")
		spec, meta := path+".spec.", path+".metadata."
		if path == "" {
			spec, meta = "spec.", "metadata."
		}
		for _, field := range []string{spec + "containers[0].env[1].name", spec + "initContainers[0].env[0].name", meta + `annotations["eks.amazonaws.com/token-expiration"]`} {
			if !got[kind+" "+field] {
				t.Errorf("no error on %s %s; errors:\n%s", kind, field, out.log)
			}
		}
	}
	if len(got) != 3*len(kinds) {
		t.Errorf("%d errors on workloads, want %d:\n%s", len(got), 3*len(kinds), out.log)
	}
}

// TestCustomerManagedPolicyOfAnotherRun: a customer managed policy name that another run's ACK
// Policy has in the account (its adoption fields name the account), in any case, is an error
// naming that Policy; IAM has one policy per name in an account.
func TestCustomerManagedPolicyOfAnotherRun(t *testing.T) {
	cfg := func(name string) string {
		return "apiVersion: irsa.dev/v1alpha1\nkind: IRSAConfig\nmetadata: {name: " + name + "}\nspec:\n  ack: {adoptionPolicy: adopt-or-create}\n"
	}
	policy := func(name string) string {
		return "  policies:\n    customerManaged: [{name: " + name + ", statements: [{actions: [\"s3:GetObject\"], resources: [\"arn:aws:s3:::b/*\"]}]}]\n"
	}
	first := process(t, resourceList(cfg("base"), binding("a", policy("reports"))))
	if !first.ok {
		t.Fatalf("the first run failed:\n%s", first.log)
	}
	var items []string
	for _, it := range first.rl.Items {
		items = append(items, it.String())
	}
	for _, tt := range []struct{ account, want string }{
		{"123456789012", `customer managed policy arn:aws:iam::123456789012:policy/Reports has the name of policy "reports", rendered by run irsa.dev/v1alpha1/IRSAConfig//base as Policy shop/prod-shop-a-reports-`},
		{"210987654321", ""},
	} {
		b := strings.Replace(binding("b", policy("Reports")), "123456789012", tt.account, 1)
		out := process(t, resourceList(cfg("prod"), append(slices.Clone(items), b)...))
		if tt.want == "" {
			if !out.ok {
				t.Errorf("account %s: failed:\n%s", tt.account, out.log)
			}
			continue
		}
		if out.ok || !strings.Contains(out.log, tt.want) {
			t.Errorf("account %s: log lacks %q:\n%s", tt.account, tt.want, out.log)
		}
	}
}
