package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

const bindingHead = `apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata: {name: app, namespace: team}
`

func resourceList(items ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, it := range items {
		for i, l := range strings.Split(strings.TrimRight(it, "\n"), "\n") {
			if i == 0 {
				b.WriteString("- " + l + "\n")
			} else {
				b.WriteString("  " + l + "\n")
			}
		}
	}
	return b.String()
}

// runFunction feeds input to irsa-fn as a KRM function and returns its exit code, output and
// peak memory. A run over a minute is a hang.
func runFunction(t *testing.T, input string) (int, string, string, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, irsaFn(t))
	cmd.Stdin = strings.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatal("irsa-fn did not finish within a minute: a hang")
	}
	var maxRSS int64
	if u, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = u.Maxrss // kilobytes on Linux
	}
	return exitCode(err), stdout.String(), stderr.String(), maxRSS
}

// TestHostileInput: each input gets a clear error and exit 1, never a panic or a hang, in
// bounded memory.
func TestHostileInput(t *testing.T) {
	laughs := "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 1; i <= 9; i++ {
		laughs += fmt.Sprintf("a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	bomb := strings.ReplaceAll(strings.TrimRight(laughs, "\n"), "\n", "\n  ")
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	mega := strings.Repeat("x", 4<<20)
	tests := []struct {
		name, input, want string
	}{
		{"alias bomb in a binding", resourceList(bindingHead + "spec:\n  " + bomb + "\n"), `spec.a9: unknown field "a9"`},
		{"alias in a binding", resourceList(bindingHead + "spec:\n  serviceAccounts: &s [{name: a}]\n  workloads: *s\n"), "spec.workloads: YAML aliases (*s) are not accepted"},
		{"alias bomb in another object", resourceList("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol, namespace: team}\ndata:\n  " + bomb + "\n"), ""},
		{"deep nesting", resourceList(bindingHead + "spec:\n  clusters: " + deep + "\n"), ""},
		{"megabyte string", resourceList(bindingHead + "spec:\n  clusters: [{oidcIssuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/X'}]\n  role: {accountID: '123456789012', description: '" + mega + "'}\n"), "spec.role.description: description (4194304 characters) is not valid"},
		{"not UTF-8", resourceList(bindingHead + "spec: {role: {name: \"\xff\xfe\"}}\n"), ""},
		{"duplicate keys", resourceList(bindingHead + "spec:\n  mode: irsa\n  mode: both\n"), ""},
		{"not a ResourceList", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "ResourceList"},
		{"not YAML", "{{{{", ""},
		{"a list", "- a\n- b\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr, maxRSS := runFunction(t, tt.input)
			if strings.Contains(stderr, "panic:") || strings.Contains(stderr, "goroutine ") {
				t.Fatalf("irsa-fn panicked:\n%s", stderr)
			}
			if maxRSS > 512<<10 {
				t.Errorf("peak memory %d MiB: not bounded", maxRSS>>10)
			}
			if tt.name == "alias bomb in another object" {
				// Not ours to judge: it passes through unexpanded, and the render succeeds.
				if code != 0 || !strings.Contains(stdout, "*a8") {
					t.Errorf("exit %d; the object was not passed through with its aliases:\n%.400s\n%s", code, stdout, stderr)
				}
				return
			}
			if code != 1 {
				t.Fatalf("exit %d, want 1\nstderr:\n%.2000s", code, stderr)
			}
			if strings.TrimSpace(stderr) == "" {
				t.Error("no message on stderr")
			}
			if tt.want != "" && !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%.2000s", tt.want, stderr)
			}
		})
	}
}
