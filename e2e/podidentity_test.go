package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// podIdentityConfig and podIdentityBinding are a binding in mode podIdentity with service
// accounts in two namespaces and two clusters: its trust must admit exactly the six associations
// it renders.
const podIdentityConfig = `apiVersion: irsa.dev/v1alpha1
kind: IRSAConfig
metadata:
  name: prod
spec:
  clusters:
    - {name: prod-eu, region: eu-west-1}
    - {name: prod-us, region: us-east-1}
  defaults:
    role: {accountID: "123456789012"}
    output: [ack]
  guardrails:
    crossNamespace: [jobs]
`

const podIdentityBinding = `apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata:
  name: billing
  namespace: finance
spec:
  mode: podIdentity
  serviceAccounts:
    - name: billing
    - name: reports
    - {name: batch, namespace: jobs}
  role:
    name: BillingRole
  policies:
    inline:
      - name: invoices
        statements:
          - actions: [s3:GetObject]
            resources: ["arn:aws:s3:::finance-invoices/*"]
`

// podIdentityCall is one AssumeRole request of EKS Pod Identity: the session tags of a pod, or
// none, and whether the role's trust must admit it.
type podIdentityCall struct {
	what    string
	tags    map[string]string
	allowed bool
}

// TestPodIdentityTrustSimulated renders a Pod Identity role and has the independent evaluator
// (@cloud-copilot/iam-simulate) decide, with the rendered trust policy as the role's resource
// policy, the calls EKS Pod Identity makes as pods.eks.amazonaws.com: sts:AssumeRole, and with
// session tags sts:TagSession. Each declared association is admitted; another service account,
// namespace or cluster, a declared service account under another declared namespace, and a
// request without session tags are refused. iampolicy.AdmitsPodIdentity, which verify uses, must
// decide every call the same way.
func TestPodIdentityTrustSimulated(t *testing.T) {
	e := newEvaluator(t)
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	src := t.TempDir()
	write(t, filepath.Join(src, "fnconfig.yaml"), podIdentityConfig)
	write(t, filepath.Join(src, "bindings.yaml"), podIdentityBinding)
	dir := prepareKustomize(t, src, bin)
	stdout, stderr, err := run(t, dir, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr)
	}
	objs := parseObjects(t, []byte(stdout))
	trust := str(one(t, objs, "Role"), "spec", "assumeRolePolicyDocument")
	doc, err := iampolicy.Parse(trust)
	if err != nil {
		t.Fatalf("the trust policy does not parse: %v\n%s", err, trust)
	}
	associations := find(objs, "PodIdentityAssociation")
	if len(associations) != 6 {
		t.Fatalf("%d associations, want 6 (2 clusters, 3 service accounts):\n%s", len(associations), stdout)
	}
	tags := func(cluster, namespace, sa string) map[string]string {
		// The six session tags EKS Pod Identity sets.
		return map[string]string{
			iampolicy.TagEKSClusterARN: fmt.Sprintf("arn:aws:eks:eu-west-1:123456789012:cluster/%s", cluster), iampolicy.TagEKSClusterName: cluster,
			iampolicy.TagKubernetesNamespace: namespace, iampolicy.TagKubernetesServiceAccount: sa,
			iampolicy.TagKubernetesPodName: sa + "-7d4b9c-x2x5q", iampolicy.TagKubernetesPodUID: "0f6a3b1e-6c1d-4a8e-9b7a-2f1e3c4d5e6f",
		}
	}
	var calls []podIdentityCall
	var roleARN string
	for _, a := range associations {
		cluster, ns, sa := str(a, "spec", "clusterName"), str(a, "spec", "namespace"), str(a, "spec", "serviceAccount")
		roleARN = str(a, "spec", "roleARN")
		other := "jobs"
		if ns == "jobs" {
			other = "finance"
		}
		calls = append(calls,
			podIdentityCall{fmt.Sprintf("declared %s/%s on %s", ns, sa, cluster), tags(cluster, ns, sa), true},
			podIdentityCall{fmt.Sprintf("another service account %s/%s-admin on %s", ns, sa, cluster), tags(cluster, ns, sa+"-admin"), false},
			podIdentityCall{fmt.Sprintf("another namespace %s-dev/%s on %s", ns, sa, cluster), tags(cluster, ns+"-dev", sa), false},
			podIdentityCall{fmt.Sprintf("another cluster: %s/%s on staging", ns, sa), tags("staging", ns, sa), false},
			podIdentityCall{fmt.Sprintf("the other declared namespace: %s/%s on %s", other, sa, cluster), tags(cluster, other, sa), false},
		)
	}
	calls = append(calls, podIdentityCall{"a request without session tags (an association with disableSessionTags)", nil, false})

	var reqs []simRequest
	for _, c := range calls {
		actions := []string{"sts:AssumeRole", "sts:TagSession"}
		if len(c.tags) == 0 {
			actions = actions[:1] // without tags STS evaluates sts:AssumeRole only
		}
		ctx := map[string]any{}
		for k, v := range c.tags {
			ctx[iampolicy.RequestTag(k)] = v
		}
		for _, action := range actions {
			reqs = append(reqs, simRequest{
				IdentityPolicies: []json.RawMessage{}, Principal: iampolicy.PodIdentityPrincipal, Action: action,
				Resource: roleARN, ResourceAccount: "123456789012", Context: ctx, ResourcePolicy: json.RawMessage(trust),
			})
		}
	}
	results := e.simulate(t, reqs)
	for _, c := range calls {
		n := 2 // sts:AssumeRole and sts:TagSession
		if len(c.tags) == 0 {
			n = 1
		}
		mine := results[:n]
		results = results[n:]
		t.Run(c.what, func(t *testing.T) {
			// STS admits the request only when every action it evaluates is allowed.
			allowed := true
			for _, r := range mine {
				if r.Result == "Error" || len(r.Errors) > 0 {
					t.Fatalf("the simulator could not evaluate the call: %v\n%s", r.Errors, r.Explanation)
				}
				allowed = allowed && r.Result == "Allowed"
			}
			if allowed != c.allowed {
				t.Errorf("iam-simulate: allowed %v, want %v\ntrust policy: %s\nresults: %+v", allowed, c.allowed, trust, mine)
			}
			ok, reasons := iampolicy.AdmitsPodIdentity(doc, iampolicy.PodIdentityRequest{Tags: c.tags})
			if ok != c.allowed {
				t.Errorf("iampolicy.AdmitsPodIdentity: %v (%v), want %v", ok, reasons, c.allowed)
			}
		})
	}
}
