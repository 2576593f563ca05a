package generator_test

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/generator"
	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// randomBinding draws a binding: 1-3 clusters of one partition, some with their OIDC provider in
// another account, 1-4 service accounts over a few namespaces, names and audiences (so that
// neighbours exist), and sometimes a subject pattern over one namespace.
func randomBinding(r *rand.Rand) v1alpha1.IRSABinding {
	regions := [][]string{{"eu-west-1", "us-east-1", "ap-south-1"}, {"cn-north-1", "cn-northwest-1"}, {"us-gov-west-1", "us-gov-east-1"}}[r.Intn(3)]
	b := v1alpha1.IRSABinding{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.KindBinding, Metadata: v1alpha1.ObjectMeta{Name: "b", Namespace: "ns0"}}
	b.Spec.Role.AccountID = "123456789012"
	for i, n := 0, 1+r.Intn(3); i < n; i++ {
		region := regions[r.Intn(len(regions))]
		host := "amazonaws.com"
		if strings.HasPrefix(region, "cn-") {
			host = "amazonaws.com.cn"
		}
		c := v1alpha1.Cluster{Name: fmt.Sprintf("c%d", i), OIDCIssuer: fmt.Sprintf("https://oidc.eks.%s.%s/id/%032X", region, host, r.Uint64())}
		if r.Intn(3) == 0 {
			c.ProviderAccountID = "111122223333"
		}
		b.Spec.Clusters = append(b.Spec.Clusters, c)
	}
	seen := map[string]bool{}
	for i, n := 0, 1+r.Intn(4); i < n; i++ {
		sa := v1alpha1.ServiceAccount{Name: fmt.Sprintf("sa%d", r.Intn(3)), Namespace: fmt.Sprintf("ns%d", r.Intn(2))}
		if seen[sa.Namespace+"/"+sa.Name] {
			continue
		}
		seen[sa.Namespace+"/"+sa.Name] = true
		if r.Intn(3) == 0 {
			sa.Audience = "aud-" + fmt.Sprint(r.Intn(2))
		}
		b.Spec.ServiceAccounts = append(b.Spec.ServiceAccounts, sa)
	}
	if r.Intn(4) == 0 {
		ns := b.Spec.ServiceAccounts[0].Namespace
		keep := b.Spec.ServiceAccounts[:0]
		for _, sa := range b.Spec.ServiceAccounts {
			if sa.Namespace == ns {
				keep = append(keep, sa)
			}
		}
		b.Spec.ServiceAccounts = keep
		b.Spec.SubjectPattern = "system:serviceaccount:" + ns + ":*"
	}
	return b
}

type declared struct {
	provider, hostPath, sub, aud string
}

// TestTrustPolicyAdmitsExactlyTheDeclared draws bindings in every mode and evaluates their trust
// policies with iamsync's evaluator: the web identity statements (modes irsa and both) must
// admit every declared token and refuse its neighbours, and the Pod Identity statements (modes
// podIdentity and both) every declared association's request and refuse its neighbours.
func TestTrustPolicyAdmitsExactlyTheDeclared(t *testing.T) {
	const runs = 2000
	cfg := &v1alpha1.IRSAConfig{Spec: v1alpha1.ConfigSpec{Quotas: v1alpha1.Quotas{TrustPolicySize: generator.MaxTrustPolicySize}}}
	modes := []v1alpha1.Mode{v1alpha1.ModeIRSA, v1alpha1.ModeBoth, v1alpha1.ModePodIdentity}
	tooLarge := 0
	checked := map[v1alpha1.Mode]int{}
	for seed := int64(0); seed < runs; seed++ {
		r := rand.New(rand.NewSource(seed))
		b := randomBinding(r)
		b.Spec.Mode = modes[r.Intn(len(modes))]
		res := generator.Generate(generator.Input{Binding: b, Config: cfg})
		if res.Diagnostics.HasErrors() {
			if len(res.Diagnostics) == 1 && strings.Contains(res.Diagnostics[0].Message, "the trust policy for these clusters and service accounts has") {
				tooLarge++ // a legitimate refusal: over IAM's largest trust policy quota
				continue
			}
			t.Fatalf("seed %d: %v", seed, res.Diagnostics)
		}
		trust, err := iampolicy.Parse(res.Role.Trust.JSON())
		if err != nil {
			t.Fatalf("seed %d: the trust policy does not parse: %v", seed, err)
		}
		if b.Spec.Mode != v1alpha1.ModePodIdentity {
			checkWebIdentity(t, seed, b, trust, res.Role.Trust.JSON())
		}
		if b.Spec.Mode != v1alpha1.ModeIRSA {
			checkPodIdentity(t, seed, b, trust, res.Role.Trust.JSON())
		}
		checked[b.Spec.Mode]++
	}
	if tooLarge > runs/20 {
		t.Errorf("%d of %d bindings were over the trust policy quota: the property was checked on too few", tooLarge, runs)
	}
	for _, m := range modes {
		if checked[m] < runs/5 {
			t.Errorf("only %d bindings of mode %s checked", checked[m], m)
		}
	}
	t.Logf("%d random bindings checked (%v), %d over the trust policy quota", runs-tooLarge, checked, tooLarge)
}

// checkWebIdentity checks that a trust policy admits every declared web identity token and none
// of its neighbours that is not declared itself.
func checkWebIdentity(t *testing.T, seed int64, b v1alpha1.IRSABinding, trust iampolicy.Document, text string) {
	t.Helper()
	var want []declared
	for _, c := range b.Spec.Clusters {
		is, _ := generator.ParseIssuer(c.OIDCIssuer)
		account := c.ProviderAccountID
		if account == "" {
			account = b.Spec.Role.AccountID
		}
		provider := generator.OIDCProviderARN(generator.Partition(is.Region), account, is)
		for _, sa := range b.Spec.ServiceAccounts {
			aud := sa.Audience
			if aud == "" {
				aud = v1alpha1.DefaultAudience
			}
			want = append(want, declared{provider, is.HostPath, generator.Subject(sa.Namespace, sa.Name), aud})
		}
	}
	admits := func(d declared) bool {
		ok, _ := iampolicy.Admits(trust, iampolicy.Token{ProviderARN: d.provider, HostPath: d.hostPath, Sub: d.sub, Aud: d.aud})
		return ok
	}
	for _, d := range want {
		if !admits(d) {
			t.Fatalf("seed %d: declared %+v is refused by\n%s", seed, d, text)
		}
		parts := strings.Split(d.sub, ":")
		neighbours := map[string]declared{
			"another namespace":        {d.provider, d.hostPath, "system:serviceaccount:" + parts[2] + "x:" + parts[3], d.aud},
			"another audience":         {d.provider, d.hostPath, d.sub, d.aud + "x"},
			"another cluster":          {strings.Replace(d.provider, "/id/", "/id/F", 1), strings.Replace(d.hostPath, "/id/", "/id/F", 1), d.sub, d.aud},
			"another provider account": {strings.Replace(strings.Replace(d.provider, "::123456789012:", "::999999999999:", 1), "::111122223333:", "::999999999999:", 1), d.hostPath, d.sub, d.aud},
			"another partition":        {strings.Replace(strings.Replace(strings.Replace(d.provider, "arn:aws-cn:", "arn:aws:", 1), "arn:aws-us-gov:", "arn:aws:", 1), "arn:aws:iam", "arn:aws-cn:iam", 1), d.hostPath, d.sub, d.aud},
		}
		if b.Spec.SubjectPattern == "" {
			neighbours["another service account"] = declared{d.provider, d.hostPath, d.sub + "x", d.aud}
		}
		for _, w := range want { // a declared subject with another declared audience
			if w.aud != d.aud && b.Spec.SubjectPattern == "" {
				neighbours["another service account's audience"] = declared{d.provider, d.hostPath, d.sub, w.aud}
			}
		}
		for what, n := range neighbours {
			if !slices.Contains(want, n) && admits(n) {
				t.Fatalf("seed %d: %s is admitted: %+v\n%s", seed, what, n, text)
			}
		}
	}
}

// association is what EKS Pod Identity presents for a pod: its cluster, namespace and service
// account, as session tags.
type association struct {
	cluster, namespace, serviceAccount string
}

// checkPodIdentity checks that a trust policy admits the Pod Identity request of every declared
// association (every cluster with every service account) and refuses another service account,
// namespace or cluster, a declared service account under another declared namespace, and a
// request without session tags.
func checkPodIdentity(t *testing.T, seed int64, b v1alpha1.IRSABinding, trust iampolicy.Document, text string) {
	t.Helper()
	var want []association
	for _, c := range b.Spec.Clusters {
		for _, sa := range b.Spec.ServiceAccounts {
			want = append(want, association{c.Name, sa.Namespace, sa.Name})
		}
	}
	admits := func(a association) (bool, []string) {
		return iampolicy.AdmitsPodIdentity(trust, iampolicy.PodIdentityRequest{Tags: iampolicy.PodIdentityTags(a.cluster, a.namespace, a.serviceAccount)})
	}
	if ok, _ := iampolicy.AdmitsPodIdentity(trust, iampolicy.PodIdentityRequest{}); ok {
		t.Fatalf("seed %d: a Pod Identity request without session tags is admitted by\n%s", seed, text)
	}
	for _, d := range want {
		if ok, reasons := admits(d); !ok {
			t.Fatalf("seed %d: declared association %+v is refused (%v) by\n%s", seed, d, reasons, text)
		}
		neighbours := map[string]association{
			"another service account": {d.cluster, d.namespace, d.serviceAccount + "x"},
			"another namespace":       {d.cluster, d.namespace + "x", d.serviceAccount},
			"another cluster":         {d.cluster + "x", d.namespace, d.serviceAccount},
		}
		for _, w := range want { // a declared service account under another declared namespace
			if w.namespace != d.namespace {
				neighbours["a declared service account in another declared namespace"] = association{d.cluster, w.namespace, d.serviceAccount}
			}
		}
		for what, n := range neighbours {
			if ok, _ := admits(n); ok && !slices.Contains(want, n) {
				t.Fatalf("seed %d: %s is admitted: %+v\n%s", seed, what, n, text)
			}
		}
	}
}
