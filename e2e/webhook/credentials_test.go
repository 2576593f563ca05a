package webhook

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/amazon-eks-pod-identity-webhook/pkg/containercredentials"
	corev1 "k8s.io/api/core/v1"

	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// podTemplates are the workload kinds irsa-fn patches and where each keeps its pod template
// (metadata and spec); a Pod is its own.
var podTemplates = map[string][]string{
	"Deployment": {"spec", "template"}, "StatefulSet": {"spec", "template"}, "DaemonSet": {"spec", "template"},
	"ReplicaSet": {"spec", "template"}, "Rollout": {"spec", "template"}, "Job": {"spec", "template"},
	"CronJob": {"spec", "jobTemplate", "spec", "template"}, "Pod": {},
}

// role is a role object irsa-fn rendered: the role's name, path and trust policy.
type role struct {
	what, name, path string
	trust            iampolicy.Document
}

// arnSuffix is how the role's ARN ends: :role<path><name>.
func (r role) arnSuffix() string {
	path := r.path
	if path == "" {
		path = "/"
	}
	return ":role" + path + r.name
}

// association is a rendered EKS Pod Identity association.
type association struct {
	what, cluster, roleARN string
	id                     containercredentials.Identity
}

// render is what the webhook test reads of one render.
type render struct {
	serviceAccounts map[string]corev1.ServiceAccount // by namespace/name; only those irsa-fn wrote
	all             []corev1.ServiceAccount
	roles           map[string][]role // by binding
	associations    []association
	pods            []pod
}

// pod is the pod a workload runs.
type pod struct {
	what string
	pod  corev1.Pod
}

// TestWebhookGivesDeclaredCredentials renders the corpus (every example, e2e case and e2e error
// case, and this module's case of every workload kind) and admits each pod that runs as a
// ServiceAccount irsa-fn rendered or annotated through the pod identity webhook's own mutation
// (pkg/handler Modifier.MutatePod over pkg/cache's ServiceAccount cache), as a cluster would:
//   - before any Pod Identity association exists, a ServiceAccount with a role-arn annotation
//     gives every container AWS_ROLE_ARN (the rendered role), AWS_WEB_IDENTITY_TOKEN_FILE (the
//     projected token), AWS_STS_REGIONAL_ENDPOINTS=regional when the annotation asks, and a
//     token volume with the declared audience and expiration; the rendered trust policy admits
//     that token's aud and sub (iampolicy.Admits) and refuses another aud. A Pod Identity
//     binding's pods get no IRSA injection at all.
//   - with the rendered associations in place, the pods of a Pod Identity or both binding get
//     Pod Identity (container credentials) and no IRSA variables, even with the role-arn
//     annotation (mode both), and the trust admits the association's session tags.
//
// An error case irsa-fn refuses never reaches the webhook; one it renders must pass the same
// checks, so a render-time rule taken away fails this test with what pods would get wrong.
func TestWebhookGivesDeclaredCredentials(t *testing.T) {
	covered := map[string]bool{}
	for _, r := range corpus(t) {
		t.Run(r.name, func(t *testing.T) {
			if r.refused != "" {
				if !strings.HasPrefix(r.name, "e2e/testdata/errors/") {
					t.Fatalf("irsa-fn refused the render:\n%s", r.refused)
				}
				t.Logf("refused by irsa-fn: nothing reaches the webhook")
				return
			}
			for _, c := range checkRender(t, read(t, r.objects)) {
				covered[c] = true
			}
		})
	}
	// The corpus must exercise what this test claims to check.
	var want []string
	for kind := range podTemplates {
		want = append(want, "IRSA "+kind)
	}
	want = append(want, "IRSA init container", "IRSA audience", "IRSA expiration", "IRSA pod expiration", "IRSA regional endpoints",
		"IRSA skipped container", "Pod Identity only", "Pod Identity both", "Pod Identity before its association")
	for _, w := range want {
		if !covered[w] {
			t.Errorf("the corpus has no pod for %q", w)
		}
	}
}

// read picks out of a render's objects what reaches the webhook and what it must agree with.
func read(t *testing.T, objects []object) render {
	t.Helper()
	r := render{serviceAccounts: map[string]corev1.ServiceAccount{}, roles: map[string][]role{}}
	for _, o := range objects {
		kind, group := str(o, "kind"), strings.Split(str(o, "apiVersion"), "/")[0]
		binding := str(o, "metadata", "annotations", bindingKey)
		switch {
		case kind == "ServiceAccount" && group == "v1":
			var sa corev1.ServiceAccount
			convert(t, o, &sa)
			r.all = append(r.all, sa)
			if binding != "" {
				r.serviceAccounts[sa.Namespace+"/"+sa.Name] = sa
			}
		case kind == "Role" && group == "iam.services.k8s.aws":
			r.roles[binding] = append(r.roles[binding], newRole(t, key(o), str(o, "spec", "name"), str(o, "spec", "path"), str(o, "spec", "assumeRolePolicyDocument")))
		case kind == "Role" && strings.HasPrefix(group, "iam.aws.") && strings.HasSuffix(group, "upbound.io"):
			r.roles[binding] = append(r.roles[binding], newRole(t, key(o), str(o, "metadata", "annotations", "crossplane.io/external-name"), str(o, "spec", "forProvider", "path"), str(o, "spec", "forProvider", "assumeRolePolicy")))
		case kind == "PodIdentityAssociation" && group == "eks.services.k8s.aws":
			r.associations = append(r.associations, association{key(o), str(o, "spec", "clusterName"), str(o, "spec", "roleARN"),
				containercredentials.Identity{Namespace: str(o, "spec", "namespace"), ServiceAccount: str(o, "spec", "serviceAccount")}})
		case kind == "PodIdentityAssociation":
			r.associations = append(r.associations, association{key(o), str(o, "spec", "forProvider", "clusterName"), str(o, "spec", "forProvider", "roleArn"),
				containercredentials.Identity{Namespace: str(o, "spec", "forProvider", "namespace"), ServiceAccount: str(o, "spec", "forProvider", "serviceAccount")}})
		}
		path, isWorkload := podTemplates[kind]
		if !isWorkload {
			continue
		}
		template, _ := get(o, path...).(object)
		var p corev1.Pod
		convert(t, object{"metadata": template["metadata"], "spec": template["spec"]}, &p)
		p.Namespace = str(o, "metadata", "namespace")
		if p.Spec.ServiceAccountName == "" {
			p.Spec.ServiceAccountName = serviceAccountDefault // as the API server's admission sets it first
		}
		r.pods = append(r.pods, pod{kind + " " + p.Namespace + "/" + str(o, "metadata", "name"), p})
	}
	return r
}

func newRole(t *testing.T, what, name, path, trust string) role {
	t.Helper()
	doc, err := iampolicy.Parse(trust)
	if err != nil {
		t.Fatalf("%s: the trust policy does not parse: %v\n%s", what, err, trust)
	}
	return role{what, name, path, doc}
}

// convert turns a parsed object into a Kubernetes type.
func convert(t *testing.T, in object, out any) {
	t.Helper()
	data, err := json.Marshal(in)
	if err == nil {
		err = json.Unmarshal(data, out)
	}
	if err != nil {
		t.Fatalf("%v: %s", err, data)
	}
}

// checkRender admits every pod that runs as one of irsa-fn's ServiceAccounts, first through a
// webhook whose cluster has no Pod Identity association, then through one that has those the
// render declares, and says what it covered.
func checkRender(t *testing.T, r render) []string {
	t.Helper()
	identities := map[containercredentials.Identity]bool{}
	for _, a := range r.associations {
		identities[a.id] = true
	}
	before := newWebhook(t, r.all, nil)
	var after *webhook
	if len(identities) > 0 {
		after = newWebhook(t, r.all, identities)
	}
	var covered []string
	for _, p := range r.pods {
		sa, ours := r.serviceAccounts[p.pod.Namespace+"/"+p.pod.Spec.ServiceAccountName]
		if !ours {
			continue
		}
		t.Run(p.what, func(t *testing.T) {
			_, irsa := sa.Annotations[roleARNKey]
			id := containercredentials.Identity{Namespace: sa.Namespace, ServiceAccount: sa.Name}
			mutated, patched := before.mutate(t, p.pod)
			switch {
			case irsa:
				covered = append(covered, checkIRSA(t, p, mutated, patched, sa, r.roles[sa.Annotations[bindingKey]])...)
			case patched:
				t.Errorf("a Pod Identity binding's pod, before its association exists: the webhook patched it, want nothing injected:\n%s", diff(p.pod, mutated))
			case !identities[id]:
				t.Errorf("service account %s/%s has neither a role-arn annotation nor a Pod Identity association: its pods get no credentials", sa.Namespace, sa.Name)
			default:
				covered = append(covered, "Pod Identity before its association")
			}
			if !identities[id] {
				return
			}
			mutated, patched = after.mutate(t, p.pod)
			covered = append(covered, checkPodIdentity(t, p, mutated, patched, sa, r)...)
		})
	}
	return covered
}

// checkIRSA checks a pod the webhook mutated for a ServiceAccount with a role-arn annotation.
func checkIRSA(t *testing.T, p pod, m corev1.Pod, patched bool, sa corev1.ServiceAccount, roles []role) []string {
	t.Helper()
	covered := []string{"IRSA " + strings.Fields(p.what)[0]}
	if !patched {
		t.Fatalf("the webhook did not mutate the pod of ServiceAccount %s/%s (role-arn %s)", sa.Namespace, sa.Name, sa.Annotations[roleARNKey])
	}
	roleARN := sa.Annotations[roleARNKey]
	aud, declaredAud := sa.Annotations[audienceKey]
	if !declaredAud {
		aud = defaultAudience
	} else {
		covered = append(covered, "IRSA audience")
	}
	exp, why := declaredExpiration(sa, p.pod)
	if why != "" {
		covered = append(covered, why)
	}
	if _, ok := p.pod.Annotations[tokenExpirationKey]; ok {
		covered = append(covered, "IRSA pod expiration")
	}
	token := projectedToken(t, m, irsaVolume)
	if token != nil {
		if token.Audience != aud {
			t.Errorf("token audience %q, want %q", token.Audience, aud)
		}
		if token.ExpirationSeconds == nil || *token.ExpirationSeconds != exp {
			t.Errorf("token expirationSeconds %v, want %d", deref(token.ExpirationSeconds), exp)
		}
	}
	regional := sa.Annotations[stsRegionalKey] == "true"
	if regional {
		covered = append(covered, "IRSA regional endpoints")
	}
	skipped := skippedContainers(p.pod)
	if len(p.pod.Spec.InitContainers) > 0 {
		covered = append(covered, "IRSA init container")
	}
	for _, c := range containers(m) {
		orig := original(p.pod, c.Name)
		where := "container " + c.Name
		if skipped[c.Name] {
			covered = append(covered, "IRSA skipped container")
			if !reflect.DeepEqual(orig, c) {
				t.Errorf("%s is in %s, yet the webhook changed it", where, skipContainersKey)
			}
			continue
		}
		wantEnv(t, where, c, "AWS_ROLE_ARN", roleARN)
		wantEnv(t, where, c, "AWS_WEB_IDENTITY_TOKEN_FILE", mountPath(t, where, c, irsaVolume)+"/"+irsaTokenPath)
		if regional {
			wantEnv(t, where, c, "AWS_STS_REGIONAL_ENDPOINTS", "regional")
		} else if got, was := envValues(c, "AWS_STS_REGIONAL_ENDPOINTS"), envValues(orig, "AWS_STS_REGIONAL_ENDPOINTS"); !slices.Equal(got, was) {
			t.Errorf("%s: AWS_STS_REGIONAL_ENDPOINTS %q, want %q: the ServiceAccount does not ask for regional endpoints", where, got, was)
		}
		for _, name := range []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"} {
			if got, was := envValues(c, name), envValues(orig, name); !slices.Equal(got, was) {
				t.Errorf("%s: the webhook set %s %q in IRSA mode", where, name, got)
			}
		}
	}
	if len(roles) == 0 {
		t.Logf("no rendered role for binding %s (a role irsa-fn does not render): its trust is not checked here", sa.Annotations[bindingKey])
	}
	for _, r := range roles {
		checkWebIdentityTrust(t, r, roleARN, sa, aud)
	}
	return covered
}

// checkWebIdentityTrust: the role the ServiceAccount names is the rendered one, in the account
// of each OIDC provider its trust policy names, and that trust admits the pod's token (its sub,
// and the aud the webhook projects) from each provider, and refuses another aud.
func checkWebIdentityTrust(t *testing.T, r role, roleARN string, sa corev1.ServiceAccount, aud string) {
	t.Helper()
	if !strings.HasSuffix(roleARN, r.arnSuffix()) {
		t.Errorf("AWS_ROLE_ARN %s is not the rendered role %s (…%s)", roleARN, r.what, r.arnSuffix())
	}
	providers := 0
	for _, st := range r.trust.Statement {
		if st.Principal == nil {
			continue
		}
		for _, fed := range st.Principal.Federated {
			_, host, ok := strings.Cut(fed, ":oidc-provider/")
			if !ok {
				continue
			}
			providers++
			if partition := "arn:" + strings.Split(fed, ":")[1] + ":"; !strings.HasPrefix(roleARN, partition) {
				t.Errorf("AWS_ROLE_ARN %s is not in the partition of the OIDC provider %s its trust names", roleARN, fed)
			}
			tok := iampolicy.Token{ProviderARN: fed, HostPath: host, Sub: "system:serviceaccount:" + sa.Namespace + ":" + sa.Name, Aud: aud}
			if ok, why := iampolicy.Admits(r.trust, tok); !ok {
				t.Errorf("the trust policy of %s refuses the pod's token (aud %s) from %s: %s", r.what, aud, fed, strings.Join(why, "; "))
			}
			tok.Aud = aud + ".other"
			if ok, _ := iampolicy.Admits(r.trust, tok); ok {
				t.Errorf("the trust policy of %s admits a token with aud %s: the :aud it requires does not pin the audience", r.what, tok.Aud)
			}
		}
	}
	if providers == 0 {
		t.Errorf("the trust policy of %s names no OIDC provider, yet the ServiceAccount is annotated for IRSA", r.what)
	}
}

// checkPodIdentity checks a pod the webhook mutated with the render's associations in place.
func checkPodIdentity(t *testing.T, p pod, m corev1.Pod, patched bool, sa corev1.ServiceAccount, r render) []string {
	t.Helper()
	_, both := sa.Annotations[roleARNKey]
	covered := []string{"Pod Identity only"}
	if both {
		covered = []string{"Pod Identity both"}
	}
	if !patched {
		t.Fatalf("with its association in place, the webhook did not mutate the pod of ServiceAccount %s/%s", sa.Namespace, sa.Name)
	}
	if m.Labels[podIdentityLabel] != "enabled" {
		t.Errorf("label %s = %q, want enabled", podIdentityLabel, m.Labels[podIdentityLabel])
	}
	for _, v := range m.Spec.Volumes {
		if v.Name == irsaVolume {
			t.Errorf("with a Pod Identity association the webhook still projected the IRSA token volume %s", irsaVolume)
		}
	}
	if token := projectedToken(t, m, podIdentityVolume); token != nil {
		if token.Audience != podIdentityAudience {
			t.Errorf("Pod Identity token audience %q, want %q", token.Audience, podIdentityAudience)
		}
		exp, why := declaredExpiration(sa, p.pod)
		got := deref(token.ExpirationSeconds)
		if why != "" && got != exp || why == "" && (got < minJitteredExpiration || got > defaultTokenExpiration) {
			t.Errorf("Pod Identity token expirationSeconds %d, want %d (%s)", got, exp, why)
		}
	}
	for _, c := range containers(m) {
		orig := original(p.pod, c.Name)
		where := "container " + c.Name
		if skippedContainers(p.pod)[c.Name] {
			continue
		}
		wantEnv(t, where, c, "AWS_CONTAINER_CREDENTIALS_FULL_URI", podIdentityFullURI)
		wantEnv(t, where, c, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", mountPath(t, where, c, podIdentityVolume)+"/"+podIdentityTokenPath)
		for _, name := range []string{"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
			if got, was := envValues(c, name), envValues(orig, name); !slices.Equal(got, was) {
				t.Errorf("%s: with a Pod Identity association the webhook set %s %q", where, name, got)
			}
		}
	}
	for _, a := range r.associations {
		if a.id.Namespace != sa.Namespace || a.id.ServiceAccount != sa.Name {
			continue
		}
		if both && a.roleARN != sa.Annotations[roleARNKey] {
			t.Errorf("%s gives role %s, the ServiceAccount's role-arn is %s", a.what, a.roleARN, sa.Annotations[roleARNKey])
		}
		for _, ro := range r.roles[sa.Annotations[bindingKey]] {
			if !strings.HasSuffix(a.roleARN, ro.arnSuffix()) {
				t.Errorf("%s gives role %s, not the rendered role %s", a.what, a.roleARN, ro.what)
			}
			if ok, why := iampolicy.AdmitsPodIdentity(ro.trust, iampolicy.PodIdentityRequest{Tags: iampolicy.PodIdentityTags(a.cluster, sa.Namespace, sa.Name)}); !ok {
				t.Errorf("the trust policy of %s refuses %s: %s", ro.what, a.what, strings.Join(why, "; "))
			}
		}
	}
	return covered
}

// declaredExpiration is the token expiration irsa-fn's render declares for a pod: the
// ServiceAccount's annotation, else the pod's own, else the webhook's default; why says which
// declared it ("" for the default).
func declaredExpiration(sa corev1.ServiceAccount, p corev1.Pod) (int64, string) {
	for _, c := range []struct {
		ann map[string]string
		why string
	}{{sa.Annotations, "IRSA expiration"}, {p.Annotations, "IRSA pod expiration"}} {
		if v, ok := c.ann[tokenExpirationKey]; ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n, c.why
		}
	}
	return defaultTokenExpiration, ""
}

// projectedToken is the service account token projection of the named volume.
func projectedToken(t *testing.T, p corev1.Pod, volume string) *corev1.ServiceAccountTokenProjection {
	t.Helper()
	for _, v := range p.Spec.Volumes {
		if v.Name == volume && v.Projected != nil && len(v.Projected.Sources) == 1 && v.Projected.Sources[0].ServiceAccountToken != nil {
			return v.Projected.Sources[0].ServiceAccountToken
		}
	}
	t.Errorf("no projected token volume %s in the pod: %+v", volume, p.Spec.Volumes)
	return nil
}

// mountPath is where a container mounts the named volume.
func mountPath(t *testing.T, where string, c corev1.Container, volume string) string {
	t.Helper()
	var paths []string
	for _, m := range c.VolumeMounts {
		if m.Name == volume {
			paths = append(paths, m.MountPath)
		}
	}
	if len(paths) != 1 {
		t.Errorf("%s mounts volume %s %d times, want once", where, volume, len(paths))
		return "<not mounted>"
	}
	return paths[0]
}

// wantEnv: the container has the variable exactly once, with that value.
func wantEnv(t *testing.T, where string, c corev1.Container, name, value string) {
	t.Helper()
	if got := envValues(c, name); !slices.Equal(got, []string{value}) {
		t.Errorf("%s: %s = %q, want %q", where, name, got, value)
	}
}

func envValues(c corev1.Container, name string) []string {
	var out []string
	for _, e := range c.Env {
		if e.Name == name {
			out = append(out, e.Value)
		}
	}
	return out
}

// containers are a pod's init containers and containers.
func containers(p corev1.Pod) []corev1.Container {
	return append(append([]corev1.Container(nil), p.Spec.InitContainers...), p.Spec.Containers...)
}

// original is the container of that name in the pod as it was admitted.
func original(p corev1.Pod, name string) corev1.Container {
	for _, c := range containers(p) {
		if c.Name == name {
			return c
		}
	}
	return corev1.Container{}
}

// skippedContainers are those the pod's skip-containers annotation lists.
func skippedContainers(p corev1.Pod) map[string]bool {
	out := map[string]bool{}
	for _, n := range strings.Split(p.Annotations[skipContainersKey], ",") {
		if n != "" {
			out[n] = true
		}
	}
	return out
}

func deref(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

// diff shows a pod before and after the webhook, for messages.
func diff(before, after corev1.Pod) string {
	b, _ := json.MarshalIndent(before.Spec, "", "  ")
	a, _ := json.MarshalIndent(after.Spec, "", "  ")
	return fmt.Sprintf("before: %s\nafter: %s", b, a)
}
