package e2e

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// devImage is the image `make image` builds.
const devImage = "localhost/irsa-fn:dev"

// irsaFnImage builds the image with `make image` (once per test run) and returns podman and the
// image.
func irsaFnImage(t *testing.T) (string, string) {
	t.Helper()
	p := podman(t, "the container image (make image) under kustomize and kpt, its user and labels")
	makeImage(t, p, "image", "IMAGE="+devImage)
	return p, devImage
}

var (
	// execFunction is a kustomize function annotation that runs irsa-fn as a binary.
	execFunction = regexp.MustCompile(`exec:\n( +)path: \S*irsa-fn\b[^\n]*`)
	// execMutator is a Kptfile mutator that runs irsa-fn as a binary.
	execMutator = regexp.MustCompile(`- exec: \S*irsa-fn\b[^\n]*`)
)

// containerExample copies examples/<name> as copyExample does, with every function that runs
// irsa-fn as a binary running image instead, and returns the folder of rel in it.
func containerExample(t *testing.T, name, rel, bin, image string) string {
	t.Helper()
	tree := copyExample(t, name, bin)
	replaced := 0
	err := filepath.Walk(tree, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !(strings.HasSuffix(p, ".yaml") || info.Name() == "Kptfile") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		content := execFunction.ReplaceAllString(string(data), "container:\n${1}image: "+image)
		content = execMutator.ReplaceAllString(content, "- image: "+image)
		if strings.Contains(content, "exec:") {
			t.Fatalf("%s still runs a function as exec:\n%s", p, content)
		}
		if content != string(data) {
			replaced++
		}
		return os.WriteFile(p, []byte(content), info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
	if replaced == 0 {
		t.Fatalf("examples/%s has no exec function to run as a container", name)
	}
	return filepath.Join(tree, strings.TrimPrefix(rel, name))
}

// renderingsWith returns the example renderings with a tool (kustomize, kpt).
func renderingsWith(t *testing.T, tool string) []rendering {
	t.Helper()
	var out []rendering
	for _, r := range renderings(t) {
		if r.tool == tool {
			out = append(out, r)
		}
	}
	return out
}

// checkRuns checks that every container run the shims logged ran image as kustomize and kpt
// run functions, without network and as the user nobody, and that there were at least want.
func checkRuns(t *testing.T, log, image string, want int) {
	t.Helper()
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatalf("the container runtime was never called: %v", err)
	}
	runs := 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if !strings.HasPrefix(line, "run ") {
			continue
		}
		runs++
		args := " " + line + " "
		for _, want := range []string{" --rm ", " -i ", " --network none ", " --user nobody ", " --security-opt=no-new-privileges ", " " + image + " "} {
			if !strings.Contains(args, want) {
				t.Errorf("a function ran without %q: %s", strings.TrimSpace(want), line)
			}
		}
	}
	if runs < want || want == 0 {
		t.Errorf("%d container runs, want at least %d, and at least one:\n%s", runs, want, data)
	}
}

// TestImageKustomize renders every kustomize example with the image as a container function,
// run as kustomize runs it (docker run, no network, user nobody; podman behind a docker shim),
// and gets byte for byte what the binary renders as an exec function.
func TestImageKustomize(t *testing.T) {
	podman, image := irsaFnImage(t)
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	shims, log := containerShims(t, podman)
	path := "PATH=" + shims + string(os.PathListSeparator) + os.Getenv("PATH")
	rendered := 0
	for _, r := range renderingsWith(t, "kustomize") {
		t.Run(r.dir, func(t *testing.T) {
			rendered++
			want, _ := renderKustomize(t, filepath.Join(copyExample(t, r.example, bin), strings.TrimPrefix(r.dir, r.example)), bin)
			dir := containerExample(t, r.example, r.dir, bin, image)
			got, stderr, err := run(t, dir, []string{path}, kustomize, "build", "--enable-alpha-plugins", ".")
			if err != nil {
				t.Fatalf("kustomize build with the image: %v\n%s", err, stderr)
			}
			if got != string(want) {
				t.Errorf("the image rendered other output than the binary:\n--- image\n%s\n--- binary\n%s", got, want)
			}
		})
	}
	checkRuns(t, log, image, rendered)
}

// TestImageKpt renders the kpt example with the image as a Kptfile mutator (KPT_FN_RUNTIME=podman,
// --image-pull-policy never) and gets the same files as the binary renders as an exec mutator.
func TestImageKpt(t *testing.T) {
	podman, image := irsaFnImage(t)
	bin, kpt := irsaFn(t), tool(t, "KPT", "kpt")
	shims, log := containerShims(t, podman)
	env := []string{"PATH=" + shims + string(os.PathListSeparator) + os.Getenv("PATH"), "KPT_FN_RUNTIME=podman"}
	rendered := 0
	for _, r := range renderingsWith(t, "kpt") {
		t.Run(r.dir, func(t *testing.T) {
			rendered++
			want := filepath.Join(copyExample(t, r.example, bin), strings.TrimPrefix(r.dir, r.example))
			if _, stderr, err := run(t, want, []string{pathWith(t, bin)}, kpt, "fn", "render", "--allow-exec", "."); err != nil {
				t.Fatalf("kpt fn render with the binary: %v\n%s", err, stderr)
			}
			got := containerExample(t, r.example, r.dir, bin, image)
			if _, stderr, err := run(t, got, env, kpt, "fn", "render", "--image-pull-policy", "never", "."); err != nil {
				t.Fatalf("kpt fn render with the image: %v\n%s", err, stderr)
			}
			gotFiles, wantFiles := snapshot(t, got), snapshot(t, want)
			delete(gotFiles, "/Kptfile") // the one file that differs: image: instead of exec:
			delete(wantFiles, "/Kptfile")
			if !reflect.DeepEqual(gotFiles, wantFiles) {
				t.Errorf("the image rendered other files than the binary:\n--- image\n%v\n--- binary\n%v", gotFiles, wantFiles)
			}
		})
	}
	checkRuns(t, log, image, rendered)
}

// TestImageErrors: a broken binding fails under kustomize and kpt with the image as it does with
// the binary: no output, the package unchanged, and irsa-fn's message naming the field.
func TestImageErrors(t *testing.T) {
	podman, image := irsaFnImage(t)
	shims, log := containerShims(t, podman)
	path := "PATH=" + shims + string(os.PathListSeparator) + os.Getenv("PATH")
	kustomize := tool(t, "KUSTOMIZE", "kustomize")
	ran := 0
	for _, src := range caseDirs(t, "errors") {
		t.Run("kustomize/"+filepath.Base(src), func(t *testing.T) {
			ran++
			dir := prepareKustomizeFn(t, src, "container:\n  image: "+image+"\n")
			kustomizeFails(t, kustomize, expectedErrors(t, src), dir, []string{path}, "--enable-alpha-plugins")
		})
	}
	t.Run("kpt", func(t *testing.T) {
		kpt := tool(t, "KPT", "kpt")
		ran++
		src := filepath.Join("testdata", "errors", "issuer-not-https")
		dir := prepareKptFn(t, src, "image: "+image)
		kptRenderFails(t, kpt, expectedErrors(t, src), dir, []string{path, "KPT_FN_RUNTIME=podman"}, "--image-pull-policy", "never")
	})
	checkRuns(t, log, image, ran)
}

// TestImageMetadata: the image runs as nonroot by number (so a pod's runAsNonRoot can check it),
// has irsa-fn as its entrypoint, and carries the OCI labels, whose version and revision are those
// the binary inside reports.
func TestImageMetadata(t *testing.T) {
	podman, image := irsaFnImage(t)
	checkImage(t, podman, image, runtime.GOARCH)
}

// TestImageArm64 builds the image for linux/arm64 with `make image IMAGE_ARCH=arm64`, on this
// machine, without emulation (the Dockerfile runs nothing, it copies the binary `make
// build-linux` cross-compiled), and checks the image holds a static arm64 binary.
func TestImageArm64(t *testing.T) {
	p := podman(t, "the arm64 image (make image IMAGE_ARCH=arm64)")
	const image = "localhost/irsa-fn:e2e-arm64"
	makeImage(t, p, "image", "IMAGE="+image, "IMAGE_ARCH=arm64")
	removeImage(t, p, image)
	checkImage(t, p, image, "arm64")
}

// imageConfig is what podman image inspect says of an image that the tests check.
type imageConfig struct {
	Architecture, Os string
	Config           struct {
		User       string
		Entrypoint []string
		Labels     map[string]string
	}
}

// checkImage checks an image's configuration and labels, and the binary in it: static, built
// for arch, stamped with the version and revision of the labels.
func checkImage(t *testing.T, podman, image, arch string) {
	t.Helper()
	out, err := exec.Command(podman, "image", "inspect", image).Output()
	if err != nil {
		t.Fatalf("podman image inspect %s: %v", image, err)
	}
	var configs []imageConfig
	if err := json.Unmarshal(out, &configs); err != nil || len(configs) != 1 {
		t.Fatalf("podman image inspect printed %s (%v)", out, err)
	}
	c := configs[0]
	if c.Architecture != arch || c.Os != "linux" {
		t.Errorf("the image is for %s/%s, want linux/%s", c.Os, c.Architecture, arch)
	}
	if c.Config.User != "65532:65532" {
		t.Errorf("the image's user is %q, want 65532:65532 (nonroot, by number)", c.Config.User)
	}
	if !reflect.DeepEqual(c.Config.Entrypoint, []string{"/usr/local/bin/irsa-fn"}) {
		t.Errorf("the image's entrypoint is %q", c.Config.Entrypoint)
	}
	labels := c.Config.Labels
	want := map[string]string{
		"org.opencontainers.image.title":    "irsa-fn",
		"org.opencontainers.image.source":   "https://" + modulePath(t),
		"org.opencontainers.image.licenses": licenseID(t),
	}
	for k, v := range want {
		if labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, labels[k], v)
		}
	}
	if labels["org.opencontainers.image.description"] == "" {
		t.Error("the image has no org.opencontainers.image.description label")
	}
	version, revision := labels["org.opencontainers.image.version"], labels["org.opencontainers.image.revision"]
	if version == "" || revision == "" {
		t.Errorf("the image's version label is %q and its revision %q", version, revision)
	}

	bin := copyOut(t, podman, image, "/usr/local/bin/irsa-fn")
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("the image's irsa-fn is not an ELF binary: %v", err)
	}
	defer f.Close()
	machines := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	if f.Machine != machines[arch] {
		t.Errorf("the image's irsa-fn is built for %v, want %v", f.Machine, machines[arch])
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the image's irsa-fn asks for a dynamic loader: it is not static")
		}
	}
	if arch != runtime.GOARCH {
		// It cannot run here without emulation; the linker wrote the stamp into its data.
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{version, revision} {
			if !bytes.Contains(data, []byte(s)) {
				t.Errorf("the image's irsa-fn is not stamped with %q", s)
			}
		}
		return
	}
	out, err = exec.Command(podman, "run", "--rm", "--network", "none", image, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("irsa-fn version in the image: %v\n%s", err, out)
	}
	if stamp := "irsa-fn " + version + " (commit " + revision + ","; !strings.HasPrefix(string(out), stamp) {
		t.Errorf("the labels say %q, but irsa-fn version says %q", stamp, out)
	}
}

// copyOut copies a file out of an image into a temporary folder.
func copyOut(t *testing.T, podman, image, path string) string {
	t.Helper()
	out, err := exec.Command(podman, "create", image).Output()
	if err != nil {
		t.Fatalf("podman create: %v", err)
	}
	id := strings.TrimSpace(string(out))
	defer exec.Command(podman, "rm", id).Run()
	dst := filepath.Join(t.TempDir(), filepath.Base(path))
	if out, err := exec.Command(podman, "cp", id+":"+path, dst).CombinedOutput(); err != nil {
		t.Fatalf("podman cp: %v\n%s", err, out)
	}
	return dst
}

// modulePath is the module's path, from go.mod.
func modulePath(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^module (\S+)$`).FindSubmatch(data)
	if m == nil {
		t.Fatal("go.mod has no module line")
	}
	return string(m[1])
}

// licenseID is the SPDX identifier of the LICENSE file.
func licenseID(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "Apache License\n                           Version 2.0, January 2004") {
		return "Apache-2.0"
	}
	t.Fatal("LICENSE is not the Apache License 2.0")
	return ""
}
