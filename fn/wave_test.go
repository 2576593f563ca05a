package fn

import (
	"strings"
	"testing"
)

// TestOneWave: a binding with an unknown field, a wrong type, a range, an enum and a statement
// error reports all of them in one run, in a stable order: the decoder's problems, then the
// checks of what it could read. Another binding's problems follow its own; a binding that did not
// decode cleanly is not planned, so its workloads are not looked up in the input.
func TestOneWave(t *testing.T) {
	broken := binding("web", `  mode: irsaa
  serviceAccounts: [{name: web, tokenExpiration: soon}]
  policies:
    inline:
      - name: read
        statements: [{effect: Allowed, actions: [s3:GetObject], resources: ["arn:aws:s3:::b/*"]}]
  workloads: [{kind: Deployment, name: not-in-the-input}]
`)
	broken = strings.Replace(broken, `role: {accountID: "123456789012"}`, `role: {accountID: "123456789012", maxSessionDuration: 100, colour: blue}`, 1)
	other := binding("api", "  workloads: [{kind: Deployment, name: api}]\n")
	out := process(t, resourceList("", broken, other, deployment))
	if out.ok {
		t.Fatalf("succeeded:\n%s", out.output)
	}
	want := []string{
		`error: IRSABinding shop/web: spec.role.colour: unknown field "colour"`,
		`error: IRSABinding shop/web: spec.serviceAccounts[0].tokenExpiration: "soon" is not a whole number`,
		`error: IRSABinding shop/web: spec.mode: mode "irsaa" is not supported`,
		`error: IRSABinding shop/web: spec.role.maxSessionDuration: 100 is outside IAM's range`,
		`error: IRSABinding shop/web: spec.policies.inline[0].statements[0].effect: effect "Allowed" is not valid`,
		`error: IRSABinding shop/api: spec.workloads[0].name: Deployment shop/api is not in the input`,
		`irsa-fn: 6 error(s)`,
	}
	lines := strings.Split(strings.TrimSpace(out.log), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out.log)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d:\n%s\nwant it to start with:\n%s", i+1, lines[i], w)
		}
	}
	if again := process(t, resourceList("", broken, other, deployment)); again.log != out.log || again.output != out.output {
		t.Error("a second run differs")
	}
}

// TestConfigUnknownFieldDoesNotHideItsChecks: an IRSAConfig with an unknown field still has its
// other fields checked in the same run.
func TestConfigUnknownFieldDoesNotHideItsChecks(t *testing.T) {
	cfg := "apiVersion: irsa.dev/v1alpha1\nkind: IRSAConfig\nmetadata: {name: prod}\nspec:\n  colour: blue\n  defaults: {role: {maxSessionDuration: 5}}\n"
	out := process(t, resourceList(cfg, binding("web", "")))
	for _, want := range []string{`IRSAConfig prod: spec.colour: unknown field "colour"`, "IRSAConfig prod: spec.defaults.role.maxSessionDuration: 5 is outside IAM's range"} {
		if !strings.Contains(out.log, want) {
			t.Errorf("log lacks %q:\n%s", want, out.log)
		}
	}
}
