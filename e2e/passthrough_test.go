package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const passthrough = "testdata/passthrough"

// TestPassthroughKpt: after kpt fn render, the files of objects irsa-fn does not touch are byte
// for byte what they were (git diff on them would be empty). The block scalars that kpt itself
// re-encodes on every render are instead byte for byte what a no-op function leaves.
func TestPassthroughKpt(t *testing.T) {
	bin, kpt := irsaFn(t), tool(t, "KPT", "kpt")
	render := func(function string) string {
		dir := prepareKpt(t, passthrough, function)
		if _, stderr, err := run(t, dir, nil, kpt, "fn", "render", "--allow-exec", "."); err != nil {
			t.Fatalf("kpt fn render with %s: %v\n%s", function, err, stderr)
		}
		return dir
	}
	noop := filepath.Join(t.TempDir(), "noop")
	write(t, noop, "#!/bin/sh\nexec cat\n")
	if err := os.Chmod(noop, 0o755); err != nil {
		t.Fatal(err)
	}
	withFn, withNoop := render(bin), render(noop)
	read := func(dir, file string) string {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	if before, after := read(passthrough, "corpus.yaml"), read(withFn, "corpus.yaml"); before != after {
		t.Errorf("the render changed corpus.yaml:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if fn, floor := read(withFn, "reencoded.yaml"), read(withNoop, "reencoded.yaml"); fn != floor {
		t.Errorf("irsa-fn changed reencoded.yaml beyond kpt's own round trip:\nno-op:\n%s\nirsa-fn:\n%s", floor, fn)
	}
	if !strings.Contains(read(withFn, "deployment.yaml"), "serviceAccountName: app") {
		t.Error("the binding was not rendered, so the test proves nothing")
	}
}

// TestPassthroughKustomize: under kustomize, the untouched objects come out exactly as kustomize
// writes them without the function.
func TestPassthroughKustomize(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	with := prepareKustomize(t, passthrough, bin)
	without := copyCase(t, passthrough)
	write(t, filepath.Join(without, "kustomization.yaml"), "resources:\n  - corpus.yaml\n  - reencoded.yaml\n  - deployment.yaml\n")
	withOut, stderr, err := run(t, with, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if err != nil {
		t.Fatalf("kustomize build with irsa-fn: %v\n%s", err, stderr)
	}
	withoutOut, stderr, err := run(t, without, nil, kustomize, "build", ".")
	if err != nil {
		t.Fatalf("kustomize build without: %v\n%s", err, stderr)
	}
	docs := func(stream string) map[string]string {
		out := map[string]string{}
		for _, d := range strings.Split(stream, "\n---\n") {
			o := parseObjects(t, []byte(d))
			if len(o) == 1 {
				out[str(o[0], "kind")+"/"+str(o[0], "metadata", "name")] = strings.TrimSpace(d)
			}
		}
		return out
	}
	w, wo := docs(withOut), docs(withoutOut)
	for _, id := range []string{"ConfigMap/comments", "ConfigMap/block-scalars", "Widget/widget"} {
		if w[id] == "" || w[id] != wo[id] {
			t.Errorf("%s differs:\nwith irsa-fn:\n%s\nwithout:\n%s", id, w[id], wo[id])
		}
	}
	if w["Deployment/app"] == wo["Deployment/app"] {
		t.Error("the Deployment was not patched, so the test proves nothing")
	}
}
