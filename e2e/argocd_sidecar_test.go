package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sidecar is the Argo CD sidecar image (examples/argocd/Dockerfile) and podman to run it.
type sidecar struct {
	podman, image string
	plugin        cmpPlugin
}

// sidecarImage builds the sidecar image with `make sidecar-image` (as make test does) and finds
// podman to run it. In CI a podman that cannot run fails the test; elsewhere it skips loudly.
func sidecarImage(t *testing.T) sidecar {
	t.Helper()
	p := podman(t, "the Argo CD sidecar image (generate inside it, and that nothing but irsa-fn runs there)")
	image := os.Getenv("SIDECAR_IMAGE")
	if image == "" {
		image = "localhost/irsa-fn-cmp:dev"
	}
	makeImage(t, p, "sidecar-image", "SIDECAR_IMAGE="+image)
	return sidecar{podman: p, image: image, plugin: readPlugin(t)}
}

// cmpUID is the user argocd-cmp-server runs as; the plugin's commands run as it too.
const cmpUID = 999

// extractAsCMP copies the repository src into dst as argocd-cmp-server unpacks the tarball the
// repo server sends it: folders 0755 and files 0644, unless the plugin preserves file modes.
func extractAsCMP(t *testing.T, src, dst string, preserveFileMode bool) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		mode := os.FileMode(0o644)
		if info.IsDir() {
			mode = 0o755
		}
		if preserveFileMode {
			mode = info.Mode().Perm()
		}
		if info.IsDir() {
			return os.MkdirAll(target, mode)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, mode)
	})
	if err != nil {
		t.Fatalf("extract %s: %v", src, err)
	}
	// The CMP server, user 999, owns what it unpacks. Without root (rootless podman maps users
	// differently), let anyone write the folders instead.
	err = filepath.Walk(dst, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if os.Geteuid() == 0 {
			return os.Lchown(p, cmpUID, cmpUID)
		}
		if info.IsDir() {
			return os.Chmod(p, 0o777)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// noLandlockProfile is a seccomp profile that makes the Landlock calls fail as on a kernel
// without Landlock (ENOSYS), to test the sidecar where it is missing.
const noLandlockProfile = `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}`

// cmpRun is one run in the sidecar, as argocd-cmp-server runs the plugin's commands.
type cmpRun struct {
	repo, appPath string   // the repository on this machine, and the app's path in it
	env           []string // Argo CD's variables (cmpEnv)
	noLandlock    bool     // as on a kernel without Landlock
	argv          []string // the command; the plugin's generate when empty
}

// run runs r in the sidecar: as user 999 with the repo-server patch's securityContext (read-only
// root, no capabilities, no privilege escalation) and no network; /tmp an empty folder, where the
// repository is unpacked as the CMP server does (/tmp/_cmp_server/<id>/) and the command run in
// the app's folder; /var/run/argocd holding a stand-in for Argo CD's argocd-cmp-server (the
// marker tool), as Argo CD's shared volume holds the real one. It returns stdout, stderr, the
// app's folder on this machine, and the error.
func (s sidecar) run(t *testing.T, r cmpRun) (string, string, string, error) {
	t.Helper()
	tmp := t.TempDir()
	if err := os.Chmod(tmp, 0o1777); err != nil { // an emptyDir
		t.Fatal(err)
	}
	const workDir = "_cmp_server/7a3c41e0"
	extractAsCMP(t, r.repo, filepath.Join(tmp, workDir), s.plugin.Spec.PreserveFileMode)
	varRun := t.TempDir()
	copyFile(t, markerTool(t), filepath.Join(varRun, "argocd-cmp-server"), 0o755)
	args := []string{"run", "--rm", "--network", "none", "--user", "999:999", "--read-only",
		"--cap-drop", "ALL", "--security-opt", "no-new-privileges",
		"-v", tmp + ":/tmp", "-v", varRun + ":/var/run/argocd:ro",
		"-w", "/tmp/" + workDir + "/" + r.appPath}
	for _, e := range r.env {
		args = append(args, "-e", e)
	}
	if r.noLandlock {
		profile := filepath.Join(t.TempDir(), "seccomp.json")
		write(t, profile, noLandlockProfile)
		args = append(args, "--security-opt", "seccomp="+profile)
	}
	argv := r.argv
	if len(argv) == 0 {
		argv = s.plugin.generateArgv()
	}
	stdout, stderr, err := run(t, "", nil, s.podman, append(append(args, s.image), argv...)...)
	return stdout, stderr, filepath.Join(tmp, workDir, r.appPath), err
}

// exampleRepo is a repository holding the example app at examples/argocd/app, as the
// Application's source path says.
func exampleRepo(t *testing.T) (repo, appPath string) {
	t.Helper()
	repo, appPath = t.TempDir(), "examples/argocd/app"
	if err := os.MkdirAll(filepath.Join(repo, appPath), 0o755); err != nil {
		t.Fatal(err)
	}
	copyTree(t, filepath.Join(repoRoot(t), "examples", "argocd", "app"), filepath.Join(repo, appPath))
	return repo, appPath
}

// TestArgoCDSidecar runs the plugin's generate inside the sidecar image as the CMP server does:
// the example's manifests are kustomize's on this machine, byte for byte, for each cluster (and
// also where the kernel has no Landlock); an unknown cluster and a broken binding fail with the
// message on stderr and no manifests.
func TestArgoCDSidecar(t *testing.T) {
	s := sidecarImage(t)
	repo, appPath := exampleRepo(t)
	for _, c := range []struct {
		cluster    string
		noLandlock bool
	}{{"prod-eu", false}, {"staging-us", false}, {"prod-eu", true}} {
		out, stderr, _, err := s.run(t, cmpRun{repo: repo, appPath: appPath, env: cmpEnv("checkout-"+c.cluster, c.cluster), noLandlock: c.noLandlock})
		if err != nil {
			t.Fatalf("%s (no Landlock: %v): generate in the sidecar: %v\n%s", c.cluster, c.noLandlock, err, stderr)
		}
		// Without Landlock the build goes on, and says that executing is not restricted.
		if warned := strings.Contains(stderr, "warning: the build's functions could execute programs other than irsa-fn (Landlock is not available"); warned != c.noLandlock {
			t.Errorf("%s (no Landlock: %v): stderr %q: want the warning exactly when Landlock is missing", c.cluster, c.noLandlock, stderr)
		}
		if want := kustomizeOutput(t, filepath.Join(repo, appPath, "overlays", c.cluster)); out != want {
			t.Errorf("%s (no Landlock: %v): the sidecar's manifests differ from kustomize build's on this machine:\n%s\nwant:\n%s", c.cluster, c.noLandlock, out, want)
		}
	}

	out, stderr, _, err := s.run(t, cmpRun{repo: repo, appPath: appPath, env: cmpEnv("checkout-eu-nowhere-9", "eu-nowhere-9")})
	if exitCode(err) != 1 || out != "" || !strings.Contains(stderr, "irsa-fn plugin: app checkout-eu-nowhere-9: no folder overlays/eu-nowhere-9 for CLUSTER=eu-nowhere-9") {
		t.Errorf("generate for an unknown cluster: exit %d, want 1 with the missing folder on stderr:\n%s%s", exitCode(err), stderr, out)
	}

	binding := filepath.Join(repo, appPath, "base", "irsa-binding.yaml")
	data, err := os.ReadFile(binding)
	if err != nil {
		t.Fatal(err)
	}
	write(t, binding, strings.Replace(string(data), "  policies:\n", "  role:\n    maxSessionDuration: 60\n  policies:\n", 1))
	out, stderr, _, err = s.run(t, cmpRun{repo: repo, appPath: appPath, env: cmpEnv("checkout-prod-eu", "prod-eu")})
	if exitCode(err) != 1 || out != "" || !strings.Contains(stderr, "spec.role.maxSessionDuration: 60 is outside IAM's range") {
		t.Errorf("generate with a broken binding: exit %d, want 1 with irsa-fn's message on stderr and no manifests:\n%s%s", exitCode(err), stderr, out)
	}
}

// TestArgoCDSidecarRunsOnlyIrsaFn: a repository routed to the plugin cannot make the sidecar run
// anything but irsa-fn as a KRM function. Each function below would write the file marker in the
// app's folder, or (irsa-fn export) a folder; each build fails, and nothing is written. Every
// case runs twice: as is, and as on a kernel without Landlock, where the image (no shell, no
// other program) and preserveFileMode: false must hold on their own. Argo CD's own
// argocd-cmp-server, on its shared volume, is kept out by Landlock only.
func TestArgoCDSidecarRunsOnlyIrsaFn(t *testing.T) {
	s := sidecarImage(t)
	for _, c := range []struct {
		name, fn, stderr string
		ownTool          bool // the repository ships the marker tool as ./tool, executable in Git
		landlockOnly     bool
	}{
		{name: "a shell", fn: shellFunction, stderr: "fork/exec /bin/sh: no such file or directory"},
		{name: "the repository's own program", fn: "exec:\n  path: ./tool\n", stderr: "fork/exec ./tool: permission denied", ownTool: true},
		{name: "irsa-fn export", fn: "exec:\n  path: irsa-fn\n  args: [export, --out, marker]\n  envs: [\"IRSA_FN_ARGOCD_GENERATE=\"]\n",
			stderr: `irsa-fn: refused to run with the arguments ["export" "--out" "marker"]`},
		{name: "irsa-fn's generate", fn: "exec:\n  path: /usr/local/bin/irsa-fn\n  args: [argocd, generate]\n",
			stderr: `irsa-fn: refused to run with the arguments ["argocd" "generate"]`},
		{name: "Argo CD's argocd-cmp-server", fn: "exec:\n  path: /var/run/argocd/argocd-cmp-server\n",
			stderr: "fork/exec /var/run/argocd/argocd-cmp-server: permission denied", landlockOnly: true},
		{name: "a container function", fn: "container:\n  image: localhost/irsa-fn:dev\n", stderr: "the irsa-fn sidecar runs no container functions"},
		{name: "a starlark function", fn: "starlark:\n  path: fn.star\n", stderr: `unknown field "starlark"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			repo := t.TempDir()
			hostileApp(t, repo, c.fn)
			if c.ownTool {
				copyFile(t, markerTool(t), filepath.Join(repo, "tool"), 0o755)
				wantMarker(t, "./tool", repo)
			}
			if c.fn == shellFunction {
				wantMarker(t, "/bin/sh", repo)
			}
			if c.landlockOnly {
				landlock(t, "that the sidecar does not run Argo CD's argocd-cmp-server as a function")
				// The control: the stand-in runs in the sidecar, as user 999, and writes its marker.
				_, stderr, dir, err := s.run(t, cmpRun{repo: repo, appPath: ".", argv: []string{"/var/run/argocd/argocd-cmp-server"}})
				if _, serr := os.Stat(filepath.Join(dir, "marker")); err != nil || serr != nil {
					t.Fatalf("the argocd-cmp-server stand-in does not run in the sidecar, so its absence proves nothing: %v %v\n%s", err, serr, stderr)
				}
			}
			for _, noLandlock := range []bool{false, true} {
				if noLandlock && c.landlockOnly {
					continue
				}
				out, stderr, dir, err := s.run(t, cmpRun{repo: repo, appPath: ".", env: cmpEnv("hostile", ""), noLandlock: noLandlock})
				if exitCode(err) != 1 || out != "" || !strings.Contains(stderr, c.stderr) {
					t.Errorf("no Landlock: %v: exit %d, want 1 with %q on stderr and no manifests:\n%s%s", noLandlock, exitCode(err), c.stderr, stderr, out)
				}
				wantNoMarker(t, c.name, dir)
			}
		})
	}
}

// sidecarContainer reads the irsa-fn container and the pod's volumes from
// examples/argocd/repo-server-patch.yaml and, for the argo-cd Helm chart, helm-values.yaml.
func sidecarContainer(t *testing.T, file string) (container object, volumes []any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "argocd", file))
	if err != nil {
		t.Fatal(err)
	}
	doc := parseObjects(t, data)[0]
	var containers any
	if file == "helm-values.yaml" {
		containers, volumes = get(doc, "repoServer", "extraContainers"), asList(get(doc, "repoServer", "volumes"))
	} else {
		containers, volumes = get(doc, "spec", "template", "spec", "containers"), asList(get(doc, "spec", "template", "spec", "volumes"))
	}
	for _, c := range asList(containers) {
		if m, ok := c.(object); ok && m["name"] == "irsa-fn" {
			return m, volumes
		}
	}
	t.Fatalf("%s has no container irsa-fn", file)
	return nil, nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// TestArgoCDSidecarManifests: the Helm values and the repo server patch add the same sidecar,
// and it runs as TestArgoCDSidecar runs the image: Argo CD's argocd-cmp-server as entrypoint,
// user 999, read-only root, no capabilities, no privilege escalation, its own /tmp.
func TestArgoCDSidecarManifests(t *testing.T) {
	patch, patchVolumes := sidecarContainer(t, "repo-server-patch.yaml")
	helm, helmVolumes := sidecarContainer(t, "helm-values.yaml")
	if !reflect.DeepEqual(patch, helm) || !reflect.DeepEqual(patchVolumes, helmVolumes) {
		t.Errorf("helm-values.yaml and repo-server-patch.yaml differ:\n%v %v\n%v %v", helm, helmVolumes, patch, patchVolumes)
	}
	for _, c := range []struct {
		path []string
		want any
	}{
		{[]string{"command"}, []any{"/var/run/argocd/argocd-cmp-server"}},
		{[]string{"securityContext", "runAsUser"}, cmpUID},
		{[]string{"securityContext", "runAsNonRoot"}, true},
		{[]string{"securityContext", "readOnlyRootFilesystem"}, true},
		{[]string{"securityContext", "allowPrivilegeEscalation"}, false},
		{[]string{"securityContext", "capabilities", "drop"}, []any{"ALL"}},
	} {
		if got := get(patch, c.path...); !reflect.DeepEqual(got, c.want) {
			t.Errorf("the sidecar's %s is %v, want %v", strings.Join(c.path, "."), got, c.want)
		}
	}
	mounts := map[string]string{}
	for _, m := range asList(patch["volumeMounts"]) {
		mounts[str(m.(object), "mountPath")] = str(m.(object), "name")
	}
	want := map[string]string{"/var/run/argocd": "var-files", "/home/argocd/cmp-server/plugins": "plugins", "/tmp": "irsa-fn-tmp"}
	if !reflect.DeepEqual(mounts, want) {
		t.Errorf("the sidecar mounts %v, want %v (its own /tmp: not the repo server's)", mounts, want)
	}
}
