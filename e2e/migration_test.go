package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// migrationStage is what one stage of an IRSA → Pod Identity migration must render.
type migrationStage struct {
	mode                   string
	roleARNAnnotation      bool
	webIdentity, podsTrust bool
	associations           int
}

var migration = []migrationStage{
	{"irsa", true, true, false, 0},
	{"both", true, true, true, 2}, // one ACK and one Crossplane association
	{"podIdentity", false, false, true, 2},
}

func checkStage(t *testing.T, st migrationStage, objs []object) {
	t.Helper()
	sa := one(t, objs, "ServiceAccount")
	_, annotated := get(sa, "metadata", "annotations").(map[string]any)["eks.amazonaws.com/role-arn"]
	wantEq(t, st.mode+": role-arn annotation", annotated, st.roleARNAnnotation)
	wantEq(t, st.mode+": associations", len(find(objs, "PodIdentityAssociation")), st.associations)
	for _, r := range find(objs, "Role") {
		doc := str(r, "spec", "assumeRolePolicyDocument") + str(r, "spec", "forProvider", "assumeRolePolicy")
		wantEq(t, st.mode+": web identity trust", strings.Contains(doc, "sts:AssumeRoleWithWebIdentity"), st.webIdentity)
		wantEq(t, st.mode+": pods.eks trust", strings.Contains(doc, "pods.eks.amazonaws.com"), st.podsTrust)
	}
	wantEq(t, st.mode+": the Deployment runs as the service account", str(one(t, objs, "Deployment"), "spec", "template", "spec", "serviceAccountName"), "billing")
	validate(t, objs)
}

// TestPodIdentityMigration renders the README's three migration stages with kustomize.
func TestPodIdentityMigration(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	for _, st := range migration {
		t.Run(st.mode, func(t *testing.T) {
			dir := prepareKustomize(t, filepath.Join("testdata", "cases", "pod-identity-both"), bin)
			setMode(t, filepath.Join(dir, "fnconfig.yaml"), st.mode)
			stdout, stderr, err := run(t, dir, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
			if err != nil {
				t.Fatalf("kustomize build: %v\n%s", err, stderr)
			}
			checkStage(t, st, parseObjects(t, []byte(stdout)))
		})
	}
}

// TestPodIdentityMigrationKpt walks one kpt package through the stages, rendering in place as a
// team would: each render replaces what the last one made.
func TestPodIdentityMigrationKpt(t *testing.T) {
	bin, kpt := irsaFn(t), tool(t, "KPT", "kpt")
	dir := prepareKpt(t, filepath.Join("testdata", "cases", "pod-identity-both"), bin)
	for _, st := range migration {
		setMode(t, filepath.Join(dir, "fnconfig.yaml"), st.mode)
		if _, stderr, err := run(t, dir, nil, kpt, "fn", "render", "--allow-exec", "."); err != nil {
			t.Fatalf("%s: kpt fn render: %v\n%s", st.mode, err, stderr)
		}
		checkStage(t, st, packageObjects(t, dir))
	}
}

func setMode(t *testing.T, path, mode string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "mode: ") {
			lines[i] = l[:strings.Index(l, "mode: ")] + "mode: " + mode
		}
	}
	write(t, path, strings.Join(lines, "\n"))
}
