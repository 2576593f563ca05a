package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"gopkg.in/yaml.v3"

	"github.com/irsa-dev/irsa-fn/internal/controlplane"
	"github.com/irsa-dev/irsa-fn/internal/kubeclient"
	"github.com/irsa-dev/irsa-fn/internal/testenv"
)

// The ACK controller suite applies what irsa-fn renders to the real ACK iam-controller, running
// on a local control plane (etcd and kube-apiserver) against moto, and reads IAM back.
//
// PodIdentityAssociations (eks.services.k8s.aws) are not applied: moto (the version the Makefile
// pins) implements no EKS Pod Identity API (its EKS routes are clusters, node groups, Fargate
// profiles and tags), so the ACK eks-controller could only fail every reconcile.

// ackEnv is the real ACK iam-controller reconciling against moto.
type ackEnv struct {
	kube *kubeclient.Client
	iam  *iam.Client
}

// ackSyncTimeout bounds how long a render's objects may take to reach ACK.ResourceSynced=True;
// a role syncs in well under a second.
const ackSyncTimeout = 30 * time.Second

// startACKController starts moto, the control plane with the controller's CRDs, and the
// controller; everything stops with the test.
func startACKController(t *testing.T) *ackEnv {
	t.Helper()
	const notTested = "the real ACK iam-controller acting on the rendered ACK objects"
	bins := controlplane.Binaries{
		Etcd:      testenv.Path(t, "ETCD", notTested),
		APIServer: testenv.Path(t, "KUBE_APISERVER", notTested),
	}
	controller := testenv.Path(t, "ACK_IAM_CONTROLLER", notTested)
	crds := testenv.Path(t, "ACK_IAM_CRDS", notTested)
	moto := startMoto(t)
	started := time.Now()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	plane, err := controlplane.Start(ctx, bins, t.TempDir())
	if err != nil {
		t.Fatalf("start the control plane: %v", err)
	}
	t.Cleanup(plane.Stop)
	httpClient, err := plane.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	env := &ackEnv{kube: kubeclient.New(plane.URL, plane.Token, httpClient), iam: iamClient(moto)}
	files, err := filepath.Glob(filepath.Join(crds, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in %s: %v", crds, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, crd := range parseObjects(t, data) {
			if err := env.kube.ApplyCRD(ctx, crd); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
		}
	}

	metrics, err := controlplane.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	health, err := controlplane.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{
		"--aws-region", "us-east-1",
		"--aws-endpoint-url", moto, "--aws-identity-endpoint-url", moto, "--allow-unsafe-aws-endpoint-urls",
		"--enable-leader-election=false", "--enable-carm=false",
		"--metrics-addr", fmt.Sprintf("127.0.0.1:%d", metrics), "--healthz-addr", fmt.Sprintf("127.0.0.1:%d", health),
	}
	// The controller's AWS settings come from its flags alone: AWS_CA_BUNDLE, for one, makes it
	// fail every reconcile against a plain-HTTP endpoint.
	procEnv := controlplane.Environ(awsVariables(),
		"KUBECONFIG="+plane.Kubeconfig, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull)
	proc, err := controlplane.StartProcess("ack-iam-controller", controller, args, procEnv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		proc.Stop(10 * time.Second)
		if t.Failed() {
			t.Logf("%s\n%s", proc.Logs(30000), plane.Logs(3000))
		}
	})
	t.Logf("etcd, kube-apiserver, the CRDs and the controller started in %s", time.Since(started).Round(100*time.Millisecond))
	return env
}

// awsVariables are the AWS_* variables of the test's environment.
func awsVariables() []string {
	var out []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_") {
			out = append(out, name)
		}
	}
	return out
}

// ackIAMObjects returns the objects of a render that the iam-controller acts on.
func ackIAMObjects(objs []object) []object {
	var out []object
	for _, o := range objs {
		if strings.HasPrefix(str(o, "apiVersion"), "iam.services.k8s.aws/") {
			out = append(out, o)
		}
	}
	return out
}

// TestACKController applies the ACK objects of every example and every end-to-end case to the
// real ACK iam-controller, waits until each is ACK.ResourceSynced=True, checks that IAM holds
// what they declare and that each ServiceAccount's role ARN is the role the controller made,
// then deletes them and checks that the deletion policy was honoured. Renders run one after the
// other: they reuse role names, as separate clusters or accounts would.
func TestACKController(t *testing.T) {
	env := startACKController(t)
	bin := irsaFn(t)
	applied := map[string]int{} // by kind of render
	for _, r := range append(renderings(t), argoCDRenderings(t)...) {
		t.Run("examples/"+r.dir, func(t *testing.T) {
			applied["examples"] += env.roundTrip(t, renderExample(t, copyExample(t, r.example, bin), r, bin))
		})
	}
	for _, src := range caseDirs(t, "cases") {
		t.Run("cases/"+filepath.Base(src), func(t *testing.T) {
			applied["cases"] += env.roundTrip(t, renderCase(t, src, bin, nil))
		})
	}
	if applied["examples"] == 0 || applied["cases"] == 0 {
		t.Errorf("the examples and cases rendered %v ACK objects for the controller: the suite checked nothing", applied)
	}
	t.Run("IAM follows a changed binding", func(t *testing.T) { env.followsChanges(t, bin) })
	t.Run("an OIDC provider outlives its ACK object", func(t *testing.T) { env.providerOutlivesObject(t, bin) })
	t.Run("an existing role is adopted", func(t *testing.T) { env.adoptsExistingRole(t, bin) })
	t.Run("an existing OIDC provider is adopted", func(t *testing.T) { env.adoptsExistingProvider(t, bin) })
}

// renderCase renders an end-to-end case with kustomize after replacing, in each named file of
// the case, old by new (each must occur).
func renderCase(t *testing.T, src, bin string, edits map[string][][2]string) []object {
	t.Helper()
	if len(edits) > 0 {
		src = copyCase(t, src)
	}
	for file, list := range edits {
		path := filepath.Join(src, file)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		content := string(data)
		for _, e := range list {
			if !strings.Contains(content, e[0]) {
				t.Fatalf("%s has no %q to edit", file, e[0])
			}
			content = strings.Replace(content, e[0], e[1], 1)
		}
		write(t, path, content)
	}
	_, objs := renderKustomize(t, prepareKustomize(t, src, bin), bin)
	return objs
}

// roundTrip applies a render's ACK objects, checks IAM, deletes them and checks what the
// deletion policy keeps, and returns how many objects it applied. A render without ACK objects
// has nothing to check.
func (e *ackEnv) roundTrip(t *testing.T, objs []object) int {
	t.Helper()
	acks := ackIAMObjects(objs)
	if len(acks) == 0 {
		t.Log("renders no ACK iam-controller objects")
		return 0
	}
	e.emptyAccount(t)
	e.apply(t, acks)
	e.waitSynced(t, acks)
	for _, p := range ackIAMProblems(context.Background(), e.iam, acks) {
		t.Error(p)
	}
	e.checkServiceAccounts(t, objs, acks)
	e.deleteAndCheck(t, acks)
	return len(acks)
}

// emptyAccount deletes every role, customer managed policy and OIDC provider from IAM.
func (e *ackEnv) emptyAccount(t *testing.T) {
	t.Helper()
	if err := emptyIAM(context.Background(), e.iam); err != nil {
		t.Fatal(err)
	}
}

// apply creates what the platform provides before irsa-fn's objects (namespaces, permissions
// boundaries) and applies the objects. The objects are deleted with the test, whatever happens.
func (e *ackEnv) apply(t *testing.T, acks []object) {
	t.Helper()
	ctx := context.Background()
	namespaces := map[string]bool{}
	for _, o := range acks {
		ns := str(o, "metadata", "namespace")
		if !namespaces[ns] {
			namespaces[ns] = true
			if _, err := e.kube.Apply(ctx, object{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}); err != nil {
				t.Fatal(err)
			}
		}
		if b := str(o, "spec", "permissionsBoundary"); b != "" {
			createCustomerPolicy(t, e.iam, b)
		}
	}
	t.Cleanup(func() { e.deleteAll(t, acks) })
	for _, o := range acks {
		if _, err := e.kube.Apply(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
}

// syncProblems lists the objects that are not ACK.ResourceSynced=True, with their conditions.
func (e *ackEnv) syncProblems(ctx context.Context, acks []object) []string {
	var out []string
	for _, o := range acks {
		live, err := e.kube.Get(ctx, str(o, "apiVersion"), str(o, "kind"), str(o, "metadata", "namespace"), str(o, "metadata", "name"))
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", kubeclient.Key(o), err))
			continue
		}
		if status, _ := kubeclient.Condition(live, "ACK.ResourceSynced"); status != "True" {
			conds, _ := yaml.Marshal(get(live, "status", "conditions"))
			out = append(out, fmt.Sprintf("%s has no ACK.ResourceSynced=True; its conditions:\n%s", kubeclient.Key(o), conds))
		}
	}
	return out
}

// waitSynced waits until every object is ACK.ResourceSynced=True; otherwise it fails with each
// object's conditions.
func (e *ackEnv) waitSynced(t *testing.T, acks []object) {
	t.Helper()
	if problems := e.waitSyncedWithin(acks, ackSyncTimeout); len(problems) > 0 {
		t.Fatalf("after %s:\n%s", ackSyncTimeout, strings.Join(problems, "\n"))
	}
}

// waitSyncedWithin waits up to timeout until every object is ACK.ResourceSynced=True, and
// returns what is not, as the last complete look found it.
func (e *ackEnv) waitSyncedWithin(acks []object, timeout time.Duration) []string {
	deadline := time.Now().Add(timeout)
	for {
		problems := e.syncProblems(context.Background(), acks)
		if len(problems) == 0 || time.Now().After(deadline) {
			return problems
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkServiceAccounts checks that each role ARN irsa-fn annotates on a ServiceAccount is the
// ARN the controller reports for the role of that name: the ARN pods will assume.
func (e *ackEnv) checkServiceAccounts(t *testing.T, objs, acks []object) {
	t.Helper()
	ctx := context.Background()
	arns := map[string]string{} // role name → the controller's ARN
	for _, o := range find(acks, "Role") {
		live, err := e.kube.Get(ctx, str(o, "apiVersion"), "Role", str(o, "metadata", "namespace"), str(o, "metadata", "name"))
		if err != nil {
			t.Fatal(err)
		}
		arns[str(o, "spec", "name")] = str(live, "status", "ackResourceMetadata", "arn")
	}
	for _, sa := range find(objs, "ServiceAccount") {
		annotated := str(sa, "metadata", "annotations", "eks.amazonaws.com/role-arn")
		name := annotated[strings.LastIndex(annotated, "/")+1:]
		got, ok := arns[name]
		if annotated == "" || !ok {
			continue // no IRSA annotation, or a role that irsa-fn does not render
		}
		// The controller works in moto's account: compare the account only where it is that one.
		same := arnResource(got) == arnResource(annotated)
		if strings.HasPrefix(annotated, "arn:aws:iam::"+motoAccount+":") {
			same = got == annotated
		}
		if !same {
			t.Errorf("ServiceAccount %s/%s names role %s, the controller made %s", str(sa, "metadata", "namespace"), str(sa, "metadata", "name"), annotated, got)
		}
	}
}

// arnResource is the part of an ARN after the account: role/path/name.
func arnResource(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	return parts[len(parts)-1]
}

// deleteAndCheck deletes the objects, roles first (a policy cannot be deleted while attached),
// waits until the controller has let them go, and checks IAM: what has
// services.k8s.aws/deletion-policy: retain is still there, the rest is gone.
func (e *ackEnv) deleteAndCheck(t *testing.T, acks []object) {
	t.Helper()
	e.deleteAll(t, acks)
	ctx := context.Background()
	for _, o := range acks {
		retain := str(o, "metadata", "annotations", "services.k8s.aws/deletion-policy") == "retain"
		exists, err := ackIAMExists(ctx, e.iam, o)
		switch {
		case err != nil:
			t.Error(err)
		case retain && !exists:
			t.Errorf("%s has deletion-policy retain, yet deleting it deleted %s from IAM", kubeclient.Key(o), str(o, "spec", "name")+str(o, "spec", "url"))
		case !retain && exists:
			t.Errorf("%s was deleted without deletion-policy retain, yet IAM still holds %s", kubeclient.Key(o), str(o, "spec", "name")+str(o, "spec", "url"))
		}
	}
}

// deleteAll deletes the objects, roles first, each kind waiting until its objects are gone.
func (e *ackEnv) deleteAll(t *testing.T, acks []object) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ackSyncTimeout)
	defer cancel()
	for _, kind := range []string{"Role", "Policy", "OpenIDConnectProvider"} {
		list := find(acks, kind)
		for _, o := range list {
			if err := e.kube.Delete(ctx, str(o, "apiVersion"), kind, str(o, "metadata", "namespace"), str(o, "metadata", "name")); err != nil {
				t.Fatal(err)
			}
		}
		for _, o := range list {
			if err := e.kube.WaitGone(ctx, str(o, "apiVersion"), kind, str(o, "metadata", "namespace"), str(o, "metadata", "name")); err != nil {
				t.Fatalf("the controller did not let go of %s: %v", kubeclient.Key(o), err)
			}
		}
	}
}

// waitIAM waits until IAM holds what the objects declare and each is ACK.ResourceSynced=True,
// after an update (ACK reports no observed generation to wait for).
func (e *ackEnv) waitIAM(t *testing.T, acks []object) {
	t.Helper()
	deadline := time.Now().Add(ackSyncTimeout)
	for {
		problems := ackIAMProblems(context.Background(), e.iam, acks)
		if len(problems) == 0 {
			e.waitSynced(t, acks)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("IAM did not follow the update within %s:\n%s", ackSyncTimeout, strings.Join(problems, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// keys names the objects, in order, for comparing renders.
func keys(objs []object) string {
	var out []string
	for _, o := range objs {
		out = append(out, kubeclient.Key(o))
	}
	return strings.Join(out, ", ")
}

// findObject returns the object of a kind whose spec.name is name.
func findObject(t *testing.T, objs []object, kind, name string) object {
	t.Helper()
	for _, o := range find(objs, kind) {
		if str(o, "spec", "name") == name {
			return o
		}
	}
	t.Fatalf("the render has no %s %s", kind, name)
	return nil
}

// ackExtras is the end-to-end case with every kind of ACK object.
var ackExtras = filepath.Join("testdata", "cases", "ack-extras")

// followsChanges renders the ack-extras case, lets the controller create it, then changes the
// bindings (an inline policy's actions, the customer managed policy's statements, the service
// account the trust names, the managed policy, the description, maximum session and tags),
// renders and applies again, and waits until IAM holds the new declaration; then applies the
// first render again and waits until IAM is back. The audiences stay: moto implements neither
// AddClientIDToOpenIDConnectProvider nor RemoveClientIDFromOpenIDConnectProvider (it answers
// 500), so a provider's client IDs cannot follow a change here.
func (e *ackEnv) followsChanges(t *testing.T, bin string) {
	before := ackIAMObjects(renderCase(t, ackExtras, bin, nil))
	e.emptyAccount(t)
	e.apply(t, before)
	e.waitSynced(t, before)
	for _, p := range ackIAMProblems(context.Background(), e.iam, before) {
		t.Error(p)
	}

	after := ackIAMObjects(renderCase(t, ackExtras, bin, map[string][][2]string{
		"bindings.yaml": {
			{"actions: [kms:Decrypt]", "actions: [kms:Decrypt, kms:DescribeKey]"},
			{"actions: [s3:GetObject, s3:ListBucket]", "actions: [s3:GetObject]"},
			{"- name: vault-agent\n      audience: vault.example.com\n", "- name: vault\n      audience: vault.example.com\n  role:\n    name: platform-analytics-vault-agent\n"},
			{"managed: [arn:aws:iam::aws:policy/AmazonAthenaFullAccess]", "managed: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]"},
			{"spec:\n  policies:\n    # An AWS managed", "spec:\n  role:\n    description: Builds the reports\n    maxSessionDuration: 7200\n    tags: {team: analytics}\n  policies:\n    # An AWS managed"},
		},
	}))
	if keys(after) != keys(before) {
		t.Fatalf("the edited render has other ACK objects than the first: %s, before %s", keys(after), keys(before))
	}
	// Before the update, the IAM check sees every edit as a difference: it would notice IAM not
	// following.
	stale := strings.Join(ackIAMProblems(context.Background(), e.iam, after), "\n")
	for _, want := range []string{"holds trust policy", "holds inline policy kms-decrypt", "holds attached policies",
		"holds policy document", "holds description", "holds max session duration", "holds tags"} {
		if !strings.Contains(stale, want) {
			t.Errorf("before the update, the IAM check reports no %q:\n%s", want, stale)
		}
	}
	e.apply(t, after)
	e.waitIAM(t, after)
	// And back: what the edit added is removed from IAM again.
	e.apply(t, before)
	e.waitIAM(t, before)
}

// providerOutlivesObject renders ack-extras without a deletion policy, lets the controller create
// everything, deletes the ACK objects, and checks that the cluster's OIDC provider is still in
// IAM: every IRSA role of the cluster trusts it, including roles irsa-fn does not render.
func (e *ackEnv) providerOutlivesObject(t *testing.T, bin string) {
	objs := ackIAMObjects(renderCase(t, ackExtras, bin, map[string][][2]string{
		"fnconfig.yaml": {{"    deletionPolicy: retain\n", ""}},
	}))
	provider := one(t, objs, "OpenIDConnectProvider")
	e.emptyAccount(t)
	e.apply(t, objs)
	e.waitSynced(t, objs)
	e.deleteAll(t, objs)
	exists, err := ackIAMExists(context.Background(), e.iam, provider)
	if err != nil {
		t.Fatal(err)
	}
	if !exists {
		t.Errorf("deleting %s deleted %s from IAM", kubeclient.Key(provider), oidcARN(provider))
	}
}

// adoptsExistingRole creates one of ack-extras' roles in IAM first, with another trust policy,
// an extra inline policy and a stray tag, then applies the render
// (services.k8s.aws/adoption-policy: adopt-or-create): the controller adopts the role instead of
// failing on EntityAlreadyExists, and makes it as declared.
func (e *ackEnv) adoptsExistingRole(t *testing.T, bin string) {
	objs := ackIAMObjects(renderCase(t, ackExtras, bin, nil))
	role := findObject(t, objs, "Role", "platform-analytics-vault-agent")
	wantAdoptOrCreate(t, role)
	e.emptyAccount(t)
	ctx := context.Background()
	name := aws.String(str(role, "spec", "name"))
	stale := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := e.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: aws.String(stale),
		Tags: []iamtypes.Tag{{Key: aws.String("stray"), Value: aws.String("yes")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: name, PolicyName: aws.String("stray"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	only := []object{role}
	e.apply(t, only)
	e.waitSynced(t, only)
	for _, p := range ackIAMProblems(ctx, e.iam, only) {
		t.Error(p)
	}
	e.wantAdopted(t, role)
	e.deleteAndCheck(t, only)
}

// adoptsExistingProvider creates the cluster's OIDC provider in IAM first, as eksctl or
// Terraform do, with the rendered client IDs and another thumbprint (IAM always holds one: it
// fetches it when CreateOpenIDConnectProvider is given none), then applies ack-extras' provider:
// the controller adopts it, reports it synced, and IAM holds the rendered thumbprints.
func (e *ackEnv) adoptsExistingProvider(t *testing.T, bin string) {
	objs := ackIAMObjects(renderCase(t, ackExtras, bin, nil))
	provider := one(t, objs, "OpenIDConnectProvider")
	wantAdoptOrCreate(t, provider)
	e.emptyAccount(t)
	stale := strings.Repeat("9", 40)
	if slices.Contains(strs(provider, "spec", "thumbprints"), stale) {
		t.Fatalf("ack-extras renders the thumbprint the adopted provider starts with, %s: the test would not see the controller replace it", stale)
	}
	if _, err := e.iam.CreateOpenIDConnectProvider(context.Background(), &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(str(provider, "spec", "url")), ClientIDList: strs(provider, "spec", "clientIDs"), ThumbprintList: []string{stale},
	}); err != nil {
		t.Fatal(err)
	}
	only := []object{provider}
	e.apply(t, only)
	if problems := e.waitSyncedWithin(only, 5*time.Second); len(problems) > 0 {
		t.Fatalf("the adopted provider did not sync:\n%s", strings.Join(problems, "\n"))
	}
	for _, p := range ackIAMProblems(context.Background(), e.iam, only) {
		t.Error(p)
	}
	e.wantAdopted(t, provider)
	e.deleteAndCheck(t, only)
}

// wantAdoptOrCreate fails unless the object asks the controller to adopt what exists.
func wantAdoptOrCreate(t *testing.T, o object) {
	t.Helper()
	if str(o, "metadata", "annotations", "services.k8s.aws/adoption-policy") != "adopt-or-create" {
		t.Fatalf("ack-extras no longer adopts %s: %v", kubeclient.Key(o), get(o, "metadata", "annotations"))
	}
}

// wantAdopted checks that the controller says it adopted the object's resource.
func (e *ackEnv) wantAdopted(t *testing.T, o object) {
	t.Helper()
	live, err := e.kube.Get(context.Background(), str(o, "apiVersion"), str(o, "kind"), str(o, "metadata", "namespace"), str(o, "metadata", "name"))
	if err != nil {
		t.Fatal(err)
	}
	if adopted := str(live, "metadata", "annotations", "services.k8s.aws/adopted"); adopted != "true" {
		t.Errorf("%s was not adopted (services.k8s.aws/adopted: %q)", kubeclient.Key(o), adopted)
	}
}
