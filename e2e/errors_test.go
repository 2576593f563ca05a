package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// expectedErrors reads a case's errors.txt: lines that must each appear in the error output.
func expectedErrors(t *testing.T, src string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(src, "errors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestErrorsKustomize: each broken case fails kustomize build, prints nothing on stdout, and
// says on stderr what is wrong, naming the field.
func TestErrorsKustomize(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	for _, src := range caseDirs(t, "errors") {
		t.Run(filepath.Base(src), func(t *testing.T) {
			kustomizeFails(t, kustomize, expectedErrors(t, src), prepareKustomize(t, src, bin), nil, "--enable-alpha-plugins", "--enable-exec")
		})
	}
}

// kustomizeFails builds the kustomization in dir with flags, which must fail with nothing on
// stdout and each of want on stderr.
func kustomizeFails(t *testing.T, kustomize string, want []string, dir string, env []string, flags ...string) {
	t.Helper()
	args := append(append([]string{"build"}, flags...), ".")
	stdout, stderr, err := run(t, dir, env, kustomize, args...)
	if err == nil {
		t.Fatalf("kustomize build succeeded:\n%s", stdout)
	}
	if stdout != "" {
		t.Errorf("kustomize printed output despite the error:\n%s", stdout)
	}
	for _, w := range want {
		if n := strings.Count(stderr, w); n != 1 {
			t.Errorf("stderr has %q %d times, want once:\n%s", w, n, stderr)
		}
	}
}

// TestErrorsBinary: run directly on the files, irsa-fn exits 1, reports the error as a result
// with its field, and returns the items exactly as they came: no generated object, no change.
func TestErrorsBinary(t *testing.T) {
	bin := irsaFn(t)
	for _, src := range caseDirs(t, "errors") {
		t.Run(filepath.Base(src), func(t *testing.T) {
			files := append([]string{"fnconfig.yaml"}, resourceFiles(t, src)...)
			var inputs []object
			for _, f := range files {
				data, err := os.ReadFile(filepath.Join(src, f))
				if err != nil {
					t.Fatal(err)
				}
				inputs = append(inputs, parseObjects(t, data)...)
			}
			stdout, stderr, err := run(t, src, nil, bin, files...)
			if code := exitCode(err); code != 1 {
				t.Fatalf("exit code %d, want 1\n%s", code, stderr)
			}
			out := parseObjects(t, []byte(stdout))
			if len(out) != 1 || out[0]["kind"] != "ResourceList" {
				t.Fatalf("want one ResourceList on stdout, got:\n%s", stdout)
			}
			items, _ := out[0]["items"].([]any)
			var got []object
			for _, it := range items {
				got = append(got, it.(map[string]any))
			}
			sortObjects(got)
			sortObjects(inputs)
			if !reflect.DeepEqual(got, inputs) {
				t.Errorf("the items changed although the run failed:\n%s", diffObjects(t, got, inputs))
			}
			results, _ := out[0]["results"].([]any)
			var messages []string
			for _, r := range results {
				m := r.(map[string]any)
				if m["severity"] == "error" {
					field, _ := m["field"].(map[string]any)
					messages = append(messages, field["path"].(string)+": "+m["message"].(string))
				}
			}
			joined := strings.Join(messages, "\n")
			for _, want := range expectedErrors(t, src) {
				if !strings.Contains(joined, want) {
					t.Errorf("results lack %q:\n%s", want, joined)
				}
				if n := strings.Count(stderr, want); n != 1 {
					t.Errorf("stderr has %q %d times, want once:\n%s", want, n, stderr)
				}
			}
			// The errors are reported: nothing more is said of the failure (the SDK's
			// "failed to evaluate function: error: function failure").
			if strings.Contains(stderr, "failed to evaluate function") {
				t.Errorf("stderr says more than the errors:\n%s", stderr)
			}
		})
	}
}

// TestErrorsKpt: kpt fn render fails and leaves every file of the package as it was.
func TestErrorsKpt(t *testing.T) {
	bin, kpt := irsaFn(t), tool(t, "KPT", "kpt")
	for _, src := range caseDirs(t, "errors") {
		t.Run(filepath.Base(src), func(t *testing.T) {
			kptRenderFails(t, kpt, expectedErrors(t, src), prepareKpt(t, src, bin), nil, "--allow-exec")
		})
	}
}

// kptRenderFails renders the package in dir with flags, which must fail, leave every file as
// it was, and print each of want.
func kptRenderFails(t *testing.T, kpt string, want []string, dir string, env []string, flags ...string) {
	t.Helper()
	before := snapshot(t, dir)
	args := append(append([]string{"fn", "render"}, flags...), ".")
	stdout, stderr, err := run(t, dir, env, kpt, args...)
	if err == nil {
		t.Fatalf("kpt fn render succeeded:\n%s%s", stdout, stderr)
	}
	if after := snapshot(t, dir); !reflect.DeepEqual(before, after) {
		t.Errorf("a failed render changed the package")
	}
	for _, w := range want {
		if n := strings.Count(stdout+stderr, w); n != 1 {
			t.Errorf("kpt's output has %q %d times, want once (in the results):\n%s%s", w, n, stdout, stderr)
		}
	}
}

// TestDiagnosticsDeterministic: the same bad input gives byte-identical results and stderr on
// every run, so no diagnostic order comes from Go's map iteration or scheduling.
func TestDiagnosticsDeterministic(t *testing.T) {
	bin := irsaFn(t)
	const runs = 25
	for _, src := range caseDirs(t, "errors") {
		t.Run(filepath.Base(src), func(t *testing.T) {
			files := append([]string{"fnconfig.yaml"}, resourceFiles(t, src)...)
			firstOut, firstErr, err := run(t, src, nil, bin, files...)
			if exitCode(err) != 1 {
				t.Fatalf("exit code %d, want 1\n%s", exitCode(err), firstErr)
			}
			for i := 1; i < runs; i++ {
				out, stderr, _ := run(t, src, nil, bin, files...)
				if out != firstOut || stderr != firstErr {
					t.Fatalf("run %d differs from run 1:\nstderr 1:\n%s\nstderr %d:\n%s", i+1, firstErr, i+1, stderr)
				}
			}
		})
	}
}

// TestErrorsOnceThroughKptPipes: each error is printed once, never zero times, where kpt hands
// irsa-fn objects with their files but prints no results: `kpt fn source PKG | irsa-fn` (then
// `| kpt fn sink` or a file) shows only irsa-fn's stderr; and where kpt prints them: kpt fn eval
// of a package that gives irsa-fn no item (the binding only as --fn-config).
func TestErrorsOnceThroughKptPipes(t *testing.T) {
	bin, kpt := irsaFn(t), tool(t, "KPT", "kpt")
	for _, src := range caseDirs(t, "errors") {
		t.Run(filepath.Base(src), func(t *testing.T) {
			dir := copyCase(t, src)
			source, stderr, err := run(t, dir, nil, kpt, "fn", "source", ".")
			if err != nil || !strings.Contains(source, "config.kubernetes.io/path") {
				t.Fatalf("kpt fn source: %v\n%s%s", err, source, stderr)
			}
			cmd := exec.Command(bin)
			cmd.Stdin = strings.NewReader(source)
			var stdout, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &errOut
			if code := exitCode(cmd.Run()); code != 1 {
				t.Fatalf("kpt fn source | irsa-fn: exit %d, want 1\n%s", code, errOut.String())
			}
			for _, want := range expectedErrors(t, src) {
				if n := strings.Count(errOut.String(), want); n != 1 {
					t.Errorf("kpt fn source | irsa-fn: stderr has %q %d times, want once:\n%s", want, n, errOut.String())
				}
			}
		})
	}
	t.Run("kpt fn eval of an empty package", func(t *testing.T) {
		src := filepath.Join("testdata", "errors", "max-session-100")
		empty := t.TempDir()
		stdout, stderr, err := run(t, empty, nil, kpt, "fn", "eval", "--exec", bin, "--fn-config", filepath.Join(repoRoot(t), "e2e", src, "fnconfig.yaml"), ".")
		if err == nil {
			t.Fatalf("kpt fn eval succeeded:\n%s%s", stdout, stderr)
		}
		for _, want := range expectedErrors(t, src) {
			if n := strings.Count(stdout+stderr, want); n != 1 {
				t.Errorf("kpt's output has %q %d times, want once (in the results):\n%s%s", want, n, stdout, stderr)
			}
		}
	})
}
