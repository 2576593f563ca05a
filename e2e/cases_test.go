package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// caseChecks assert what each case is about, beyond the golden file.
var caseChecks = map[string]func(t *testing.T, objs []object){
	"s3-writer": func(t *testing.T, objs []object) {
		sa := one(t, objs, "ServiceAccount")
		wantEq(t, "role-arn", str(sa, "metadata", "annotations", "eks.amazonaws.com/role-arn"), "arn:aws:iam::123456789012:role/S3WriterRole")
		wantEq(t, "token-expiration", str(sa, "metadata", "annotations", "eks.amazonaws.com/token-expiration"), "86400")
		wantEq(t, "serviceAccountName", str(one(t, objs, "Deployment"), "spec", "template", "spec", "serviceAccountName"), "s3-writer")
		role := one(t, objs, "Role")
		wantEq(t, "role name", str(role, "spec", "name"), "S3WriterRole")
		trust := trustOf(t, role)
		wantEq(t, "sub", cond(trust, 0, "StringEquals", "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E:sub"), "system:serviceaccount:production:s3-writer")
		wantEq(t, "aud", cond(trust, 0, "StringEquals", "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E:aud"), "sts.amazonaws.com")
	},
	"uppercase-scheme": func(t *testing.T, objs []object) {
		trust := trustOf(t, one(t, objs, "Role"))
		wantEq(t, "sub", cond(trust, 0, "StringEquals", "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E:sub"), "system:serviceaccount:team:app")
		if doc, _ := json.Marshal(trust); strings.Contains(strings.ToLower(string(doc)), "https:") {
			t.Errorf("the scheme was copied into the trust policy: %s", doc)
		}
	},
	"guardrails": func(t *testing.T, objs []object) {
		role := one(t, objs, "Role")
		wantEq(t, "boundary from spec.guardrails", str(role, "spec", "permissionsBoundary"), "arn:aws:iam::123456789012:policy/eks-workload-boundary")
		wantEq(t, "path from spec.guardrails", str(role, "spec", "path"), "/irsa/")
		wantEq(t, "role-arn", str(one(t, objs, "ServiceAccount"), "metadata", "annotations", "eks.amazonaws.com/role-arn"), "arn:aws:iam::123456789012:role/irsa/prod-eu-dns-external-dns")
	},
	"deprecated-serviceaccount": func(t *testing.T, objs []object) {
		spec := get(one(t, objs, "Deployment"), "spec", "template", "spec").(map[string]any)
		if _, has := spec["serviceAccount"]; has {
			t.Errorf("the deprecated serviceAccount field is still there: %v", spec)
		}
		wantEq(t, "serviceAccountName", spec["serviceAccountName"], "reports")
		wantEq(t, "default role name", str(one(t, objs, "Role"), "spec", "name"), "prod-us-analytics-reports")
	},
	"bare-pod": func(t *testing.T, objs []object) {
		wantEq(t, "pod serviceAccountName", str(one(t, objs, "Pod"), "spec", "serviceAccountName"), "debug-shell")
		sa := one(t, objs, "ServiceAccount")
		wantEq(t, "namespace", str(sa, "metadata", "namespace"), "default")
		wantEq(t, "sts-regional-endpoints", str(sa, "metadata", "annotations", "eks.amazonaws.com/sts-regional-endpoints"), "true")
		wantEq(t, "maxSessionDuration", get(one(t, objs, "Role"), "spec", "maxSessionDuration"), 7200)
	},
	"three-services": func(t *testing.T, objs []object) {
		roles := find(objs, "Role")
		if len(roles) != 3 || len(find(objs, "ServiceAccount")) != 3 {
			t.Fatalf("want 3 roles and 3 service accounts, got %d and %d", len(roles), len(find(objs, "ServiceAccount")))
		}
		names := map[string]bool{}
		for _, r := range roles {
			names[str(r, "spec", "name")] = true
			wantEq(t, "ACK namespace", str(r, "metadata", "namespace"), "ack-system")
			wantEq(t, "ACK region", str(r, "metadata", "annotations", "services.k8s.aws/region"), "eu-west-1")
			wantEq(t, "path from IRSAConfig", str(r, "spec", "path"), "/irsa/")
			wantEq(t, "boundary from IRSAConfig", str(r, "spec", "permissionsBoundary"), "arn:aws:iam::123456789012:policy/eks-workload-boundary")
		}
		for _, n := range []string{"prod-eu-shop-orders", "prod-eu-shop-catalog", "prod-eu-shop-invoices"} {
			if !names[n] {
				t.Errorf("no role %s among %v", n, names)
			}
		}
		for _, o := range objs {
			switch str(o, "metadata", "name") {
			case "orders":
				if o["kind"] == "Role" {
					wantEq(t, "orders tags (binding wins, config merges)", get(o, "spec", "tags"), []any{
						map[string]any{"key": "cluster", "value": "prod-eu"}, map[string]any{"key": "owner", "value": "orders-team"}})
				}
			case "invoices-nightly":
				wantEq(t, "CronJob serviceAccountName", str(o, "spec", "jobTemplate", "spec", "template", "spec", "serviceAccountName"), "invoices")
			case "invoices-api":
				wantEq(t, "selector-matched Deployment", str(o, "spec", "template", "spec", "serviceAccountName"), "invoices")
			}
		}
	},
	"pod-identity-both": func(t *testing.T, objs []object) {
		sa := one(t, objs, "ServiceAccount")
		wantEq(t, "role-arn kept while migrating", str(sa, "metadata", "annotations", "eks.amazonaws.com/role-arn"), "arn:aws:iam::123456789012:role/BillingRole")
		var ack, xp []object
		for _, o := range find(objs, "PodIdentityAssociation") {
			if strings.HasPrefix(str(o, "apiVersion"), "eks.services.k8s.aws/") {
				ack = append(ack, o)
			} else {
				xp = append(xp, o)
			}
		}
		if len(ack) != 1 || len(xp) != 1 {
			t.Fatalf("want one ACK and one Crossplane association, got %d and %d", len(ack), len(xp))
		}
		wantEq(t, "ACK association", get(ack[0], "spec"), map[string]any{"clusterName": "prod-eu", "namespace": "finance", "serviceAccount": "billing", "roleARN": "arn:aws:iam::123456789012:role/BillingRole", "tags": map[string]any{"team": "finance"}})
		wantEq(t, "Crossplane association region", str(xp[0], "spec", "forProvider", "region"), "eu-west-1")
		for _, r := range find(objs, "Role") {
			doc := str(r, "spec", "assumeRolePolicyDocument") + str(r, "spec", "forProvider", "assumeRolePolicy")
			for _, want := range []string{"sts:AssumeRoleWithWebIdentity", `"Service": "pods.eks.amazonaws.com"`, "sts:TagSession"} {
				if !strings.Contains(doc, want) {
					t.Errorf("%s trust lacks %s:\n%s", r["apiVersion"], want, doc)
				}
			}
		}
		wantEq(t, "Crossplane kinds", len(find(objs, "RolePolicy"))+len(find(objs, "RolePolicyAttachment")), 2)
	},
	"pod-identity-crossplane-namespaced": func(t *testing.T, objs []object) {
		sa := one(t, objs, "ServiceAccount")
		if _, has := get(sa, "metadata", "annotations").(map[string]any)["eks.amazonaws.com/role-arn"]; has {
			t.Error("podIdentity mode must not annotate the role ARN: a pod created without its association would get IRSA, which the trust refuses")
		}
		role := one(t, objs, "Role")
		wantEq(t, "group", str(role, "apiVersion"), "iam.aws.m.upbound.io/v1beta1")
		wantEq(t, "namespace", str(role, "metadata", "namespace"), "crossplane-managed")
		wantEq(t, "external name", str(role, "metadata", "annotations", "crossplane.io/external-name"), "prod-us-search-search-indexer")
		wantEq(t, "providerConfigRef", get(role, "spec", "providerConfigRef"), map[string]any{"name": "aws-prod", "kind": "ProviderConfig"})
		wantEq(t, "orphan by management policies", get(role, "spec", "managementPolicies"), []any{"Observe", "Create", "Update", "LateInitialize"})
		if strings.Contains(str(role, "spec", "forProvider", "assumeRolePolicy"), "WebIdentity") {
			t.Error("podIdentity trust has a web identity statement")
		}
		wantEq(t, "namespaced attachment", str(one(t, objs, "RolePolicyAttachment"), "apiVersion"), "iam.aws.m.upbound.io/v1beta1")
		pia := one(t, objs, "PodIdentityAssociation")
		wantEq(t, "association", get(pia, "spec", "forProvider"), map[string]any{"region": "us-east-2", "clusterName": "prod-us", "namespace": "search", "serviceAccount": "search-indexer", "roleArn": "arn:aws:iam::123456789012:role/workloads/prod-us-search-search-indexer"})
	},
	"cross-namespace-allowed": func(t *testing.T, objs []object) {
		sa := one(t, objs, "ServiceAccount")
		wantEq(t, "namespace the guardrail allows", str(sa, "metadata", "namespace"), "kube-system")
		wantEq(t, "binding", str(sa, "metadata", "annotations", "irsa.dev/binding"), "team-a/a")
		wantEq(t, "serviceAccountName", str(one(t, objs, "Deployment"), "spec", "template", "spec", "serviceAccountName"), "node-helper")
		wantEq(t, "default role name", str(one(t, objs, "Role"), "spec", "name"), "prod-kube-system-node-helper")
	},
	"ack-extras": func(t *testing.T, objs []object) {
		provider := one(t, objs, "OpenIDConnectProvider")
		wantEq(t, "provider", get(provider, "spec"), map[string]any{"url": "https://oidc.eks.eu-central-1.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9", "clientIDs": []any{"sts.amazonaws.com", "vault.example.com"}, "thumbprints": []any{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}})
		wantEq(t, "provider adoption fields", str(provider, "metadata", "annotations", "services.k8s.aws/adoption-fields"), `{"arn":"arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9"}`)
		policy := one(t, objs, "Policy")
		wantEq(t, "policy name", str(policy, "spec", "name"), "analytics-lake-read")
		for _, r := range find(objs, "Role") {
			wantEq(t, "deletion policy", str(r, "metadata", "annotations", "services.k8s.aws/deletion-policy"), "retain")
			wantEq(t, "adoption policy", str(r, "metadata", "annotations", "services.k8s.aws/adoption-policy"), "adopt-or-create")
			wantEq(t, "adoption fields", str(r, "metadata", "annotations", "services.k8s.aws/adoption-fields"), `{"name":"`+str(r, "spec", "name")+`"}`)
			if str(r, "spec", "name") == "platform-analytics-reporting" {
				// By ARN beside the AWS managed policy, never policyRefs: the controller refuses both.
				wantEq(t, "policies", get(r, "spec", "policies"), []any{"arn:aws:iam::aws:policy/AmazonAthenaFullAccess", "arn:aws:iam::123456789012:policy/analytics-lake-read"})
				wantEq(t, "policyRefs", get(r, "spec", "policyRefs"), nil)
			}
		}
	},
	"china": func(t *testing.T, objs []object) {
		wantEq(t, "role ARN", str(one(t, objs, "ServiceAccount"), "metadata", "annotations", "eks.amazonaws.com/role-arn"), "arn:aws-cn:iam::210987654321:role/beijing-media-uploader")
		trust := trustOf(t, one(t, objs, "Role"))
		wantEq(t, "federated", trust.Statement[0].Principal.Federated, "arn:aws-cn:iam::210987654321:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6")
	},
	"cross-account-provider": func(t *testing.T, objs []object) {
		wantEq(t, "role ARN in the role's account", str(find(objs, "ServiceAccount")[0], "metadata", "annotations", "eks.amazonaws.com/role-arn"), "arn:aws:iam::444455556666:role/shared-eu-finance-ledger")
		trust := trustOf(t, one(t, objs, "Role"))
		if len(trust.Statement) != 2 {
			t.Fatalf("want one statement per audience, got %d", len(trust.Statement))
		}
		for _, st := range trust.Statement {
			wantEq(t, "provider in the platform account", st.Principal.Federated, "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/C0FFEE0123456789C0FFEE0123456789")
		}
		key := "oidc.eks.eu-west-1.amazonaws.com/id/C0FFEE0123456789C0FFEE0123456789"
		wantEq(t, "sts audience subject", cond(trust, 0, "StringEquals", key+":sub"), "system:serviceaccount:finance:ledger")
		wantEq(t, "custom audience", cond(trust, 1, "StringEquals", key+":aud"), "ledger.example.com")
		wantEq(t, "custom audience subject", cond(trust, 1, "StringEquals", key+":sub"), "system:serviceaccount:finance:ledger-migrations")
		for _, o := range find(objs, "Job") {
			wantEq(t, "Job serviceAccountName", str(o, "spec", "template", "spec", "serviceAccountName"), "ledger-migrations")
		}
	},
}

type trustDoc struct {
	Statement []struct {
		Principal struct{ Federated string }
		Action    string
		Condition map[string]map[string]any
	}
}

func trustOf(t *testing.T, role object) trustDoc {
	t.Helper()
	raw := str(role, "spec", "assumeRolePolicyDocument")
	if strings.Contains(raw, "https://") {
		t.Errorf("the trust policy contains https://:\n%s", raw)
	}
	var d trustDoc
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		t.Fatalf("trust policy is not JSON: %v\n%s", err, raw)
	}
	for _, st := range d.Statement {
		wantEq(t, "trust action", st.Action, "sts:AssumeRoleWithWebIdentity")
	}
	return d
}

func cond(d trustDoc, i int, op, key string) any {
	if i >= len(d.Statement) {
		return nil
	}
	return d.Statement[i].Condition[op][key]
}

func one(t *testing.T, objs []object, kind string) object {
	t.Helper()
	found := find(objs, kind)
	if len(found) != 1 {
		t.Fatalf("want one %s, found %d", kind, len(found))
	}
	return found[0]
}

func wantEq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %#v, want %#v", what, got, want)
	}
}

func caseDirs(t *testing.T, kind string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("testdata", kind, "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases in testdata/%s: %v", kind, err)
	}
	return dirs
}

// TestKustomize renders every case with kustomize build, compares with the golden file, checks
// what the case is about, validates the output, and has IAM accept the roles.
func TestKustomize(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	endpoint := startMoto(t)
	iamc := iamClient(endpoint)
	for _, src := range caseDirs(t, "cases") {
		name := filepath.Base(src)
		t.Run(name, func(t *testing.T) {
			check, ok := caseChecks[name]
			if !ok {
				t.Fatalf("case %s has no checks in caseChecks", name)
			}
			dir := prepareKustomize(t, src, bin)
			stdout, stderr, err := run(t, dir, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
			if err != nil {
				t.Fatalf("kustomize build: %v\n%s", err, stderr)
			}
			golden := filepath.Join(src, "expected.yaml")
			if *update {
				write(t, golden, stdout)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./e2e -run TestKustomize -update, then read the diff)", err)
			}
			if stdout != string(want) {
				t.Errorf("kustomize output differs from %s:\n%s", golden, stdout)
			}
			objs := parseObjects(t, []byte(stdout))
			for _, o := range objs {
				if strings.HasPrefix(str(o, "apiVersion"), "irsa.dev/") {
					t.Errorf("%s %s reached kustomize's output; bindings and configs must be local config", o["kind"], str(o, "metadata", "name"))
				}
			}
			check(t, objs)
			validate(t, objs)
			for _, role := range iamRoles(objs) { // each alone: ACK and Crossplane render the same role
				resetMoto(t, endpoint)
				createACKRoles(t, iamc, []object{role})
			}
			for _, p := range find(objs, "Policy") { // customer managed policies: IAM checks the document
				if _, err := iamc.CreatePolicy(context.Background(), &iam.CreatePolicyInput{PolicyName: aws.String(str(p, "spec", "name")), Path: optString(get(p, "spec", "path")), PolicyDocument: aws.String(str(p, "spec", "policyDocument"))}); err != nil {
					t.Errorf("IAM rejected policy %s: %v", str(p, "spec", "name"), err)
				}
			}
		})
	}
}

// TestKpt renders every case as a kpt package, twice (the second render must change nothing),
// checks it renders the same objects kustomize does, and that `kpt fn eval --exec` agrees.
func TestKpt(t *testing.T) {
	bin, kpt := irsaFn(t), tool(t, "KPT", "kpt")
	for _, src := range caseDirs(t, "cases") {
		name := filepath.Base(src)
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(src, "expected.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			wantObjs := parseObjects(t, want)
			sortObjects(wantObjs)

			dir := prepareKpt(t, src, bin)
			if _, stderr, err := run(t, dir, nil, kpt, "fn", "render", "--allow-exec", "."); err != nil {
				t.Fatalf("kpt fn render: %v\n%s", err, stderr)
			}
			got := packageObjects(t, dir)
			if !reflect.DeepEqual(got, wantObjs) {
				t.Errorf("kpt renders other objects than kustomize:\n%s", diffObjects(t, got, wantObjs))
			}
			caseChecks[name](t, got)
			validate(t, got)
			first := snapshot(t, dir)
			if _, stderr, err := run(t, dir, nil, kpt, "fn", "render", "--allow-exec", "."); err != nil {
				t.Fatalf("second kpt fn render: %v\n%s", err, stderr)
			}
			if second := snapshot(t, dir); !reflect.DeepEqual(first, second) {
				for f := range second {
					if first[f] != second[f] {
						t.Errorf("the second render changed %s:\nbefore:\n%s\nafter:\n%s", f, first[f], second[f])
					}
				}
			}

			evalDir := copyCase(t, src)
			if _, stderr, err := run(t, evalDir, nil, kpt, "fn", "eval", "--exec", bin, "--fn-config", "fnconfig.yaml", "."); err != nil {
				t.Fatalf("kpt fn eval: %v\n%s", err, stderr)
			}
			if got := packageObjects(t, evalDir); !reflect.DeepEqual(got, wantObjs) {
				t.Errorf("kpt fn eval renders other objects than kustomize:\n%s", diffObjects(t, got, wantObjs))
			}
		})
	}
}

func diffObjects(t *testing.T, got, want []object) string {
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	return "got:\n" + string(g) + "\nwant:\n" + string(w)
}
