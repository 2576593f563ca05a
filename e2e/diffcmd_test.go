package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// diffReport is the part of `irsa-fn diff -o json` the tests read.
type diffReport struct {
	Status     string `json:"status"`
	ExitCode   int    `json:"exitCode"`
	Broadening bool   `json:"broadening"`
	Summary    string `json:"summary"`
	Roles      []struct {
		Name    string `json:"name"`
		Account string `json:"account"`
		Status  string `json:"status"`
		Class   string `json:"class"`
		Changes []struct {
			Aspect string `json:"aspect"`
			Change string `json:"change"`
			Detail string `json:"detail"`
			Class  string `json:"class"`
		} `json:"changes"`
	} `json:"roles"`
	Objects []struct {
		Kind      string `json:"kind"`
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
		Aspect    string `json:"aspect"`
		Change    string `json:"change"`
		Detail    string `json:"detail"`
		Class     string `json:"class"`
	} `json:"objects"`
}

// changes lists the report's changes as "class aspect change" lines, objects as "class kind
// aspect change".
func (r diffReport) changes() []string {
	var out []string
	for _, role := range r.Roles {
		for _, c := range role.Changes {
			out = append(out, c.Class+" "+c.Aspect+" "+c.Change)
		}
	}
	for _, o := range r.Objects {
		out = append(out, o.Class+" "+o.Kind+" "+o.Aspect+" "+o.Change)
	}
	return out
}

// diffCmd runs the real irsa-fn diff with stdin and returns its exit code, stdout and stderr.
func diffCmd(t *testing.T, bin, stdin string, args ...string) (int, string, string) {
	t.Helper()
	return irsaFnCmd(t, bin, stdin, append([]string{"diff"}, args...)...)
}

func parseDiff(t *testing.T, out string) diffReport {
	t.Helper()
	var rep diffReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("irsa-fn diff -o json: %v\n%s", err, out)
	}
	return rep
}

// quickstartEdit is an edit of the quickstart's binding or deployment: each old string is
// replaced once by the new one.
type quickstartEdit struct {
	file     string
	old, new string
}

// quickstart copies examples/quickstart and returns a function that renders it with edits
// applied (the files restored after), written to a file of another folder.
func quickstart(t *testing.T, bin string) (string, func(name string, edits ...quickstartEdit) string) {
	t.Helper()
	return renderer(t, bin, "quickstart")
}

// renderer is quickstart for any example rendered with kustomize.
func renderer(t *testing.T, bin, example string) (string, func(name string, edits ...quickstartEdit) string) {
	t.Helper()
	dir := copyExample(t, example, bin)
	out := t.TempDir()
	return dir, func(name string, edits ...quickstartEdit) string {
		t.Helper()
		saved := map[string][]byte{}
		for _, e := range edits {
			p := filepath.Join(dir, e.file)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := saved[p]; !ok {
				saved[p] = data
			}
			if !strings.Contains(string(data), e.old) {
				t.Fatalf("%s has no %q", e.file, e.old)
			}
			write(t, p, strings.Replace(string(data), e.old, e.new, 1))
		}
		rendered, _ := renderKustomize(t, dir, bin)
		for p, data := range saved {
			write(t, p, string(data))
		}
		f := filepath.Join(out, name+".yaml")
		write(t, f, string(rendered))
		return f
	}
}

// The quickstart binding's lines the edits change.
const (
	qsBinding    = "irsa-binding.yaml"
	qsActions    = "- actions: [s3:PutObject, s3:PutObjectAcl]"
	qsAccount    = "    - name: s3-writer\n      tokenExpiration: 86400\n"
	qsRoleName   = "    name: S3WriterRole\n"
	qsWorkload   = "    - kind: Deployment\n      name: my-app\n"
	qsStatements = "            resources: [\"arn:aws:s3:::my-app-uploads/*\"]\n"
)

var (
	addAction  = quickstartEdit{qsBinding, qsActions, "- actions: [s3:PutObject, s3:PutObjectAcl, s3:GetObject]"}
	addAccount = quickstartEdit{qsBinding, qsAccount, qsAccount + "    - name: reports\n"}
	dropAction = quickstartEdit{qsBinding, qsActions, "- actions: [s3:PutObject]"}
)

// TestDiffExamples renders the quickstart, then with a binding broadened (an action and a
// service account added) and narrowed (an action removed), and checks irsa-fn diff's exit codes
// with and without --fail-on broadening, its text, markdown and JSON, stdin, and export folders.
func TestDiffExamples(t *testing.T) {
	bin := irsaFn(t)
	_, render := quickstart(t, bin)
	base := render("base")
	broad := render("broad", addAction, addAccount)
	narrow := render("narrow", dropAction)

	code, out, stderr := diffCmd(t, bin, "", "-o", "json", base, broad)
	if code != 0 {
		t.Fatalf("a broadening diff without --fail-on exited %d: %s", code, stderr)
	}
	rep := parseDiff(t, out)
	got := rep.changes()
	for _, want := range []string{"broadening trust subject added", "broadening permissions allow action added", "broadening ServiceAccount role-arn added"} {
		if !slices.Contains(got, want) {
			t.Errorf("the broadening diff has no %q: %v", want, got)
		}
	}
	if !rep.Broadening || rep.Status != "broadening" || len(rep.Roles) != 1 || rep.Roles[0].Name != "S3WriterRole" || rep.Roles[0].Account != "123456789012" {
		t.Errorf("the broadening diff: %+v", rep)
	}
	if code, out, _ := diffCmd(t, bin, "", "-o", "json", "--fail-on", "broadening", base, broad); code != 1 || parseDiff(t, out).ExitCode != 1 {
		t.Errorf("--fail-on broadening on a broadening change: exit %d, want 1\n%s", code, out)
	}

	code, out, stderr = diffCmd(t, bin, "", "-o", "json", "--fail-on", "broadening", base, narrow)
	if code != 0 {
		t.Fatalf("--fail-on broadening on a narrowing change exited %d: %s\n%s", code, stderr, out)
	}
	rep = parseDiff(t, out)
	if rep.Broadening || !slices.Contains(rep.changes(), "narrowing permissions allow action removed") || rep.Roles[0].Class != "narrowing" {
		t.Errorf("the narrowing diff: %v", rep.changes())
	}

	code, text, _ := diffCmd(t, bin, "", base, broad)
	if code != 0 || !strings.Contains(text, "role S3WriterRole (123456789012): changed, broadening") || !strings.Contains(text, "1 role changed, broadening: yes") {
		t.Errorf("text output, exit %d:\n%s", code, text)
	}
	code, md, _ := diffCmd(t, bin, "", "-o", "markdown", base, broad)
	if code != 0 || !strings.HasPrefix(md, "## irsa-fn diff: IAM changes\n") || !strings.Contains(md, "**1 role changed, broadening: yes") ||
		!strings.Contains(md, "| **broadening** | trust | subject added |") {
		t.Errorf("markdown output, exit %d:\n%s", code, md)
	}
	if _, again, _ := diffCmd(t, bin, "", "-o", "markdown", base, broad); again != md {
		t.Errorf("two runs differ:\n%s\n%s", md, again)
	}
	code, same, _ := diffCmd(t, bin, "", "--fail-on", "broadening", base, base)
	if code != 0 || same != "no IAM-relevant change\n" {
		t.Errorf("a render against itself: exit %d:\n%s", code, same)
	}

	// stdin: NEW as -, and OLD as -.
	broadText, err := os.ReadFile(broad)
	if err != nil {
		t.Fatal(err)
	}
	if code, fromStdin, stderr := diffCmd(t, bin, string(broadText), base, "-"); code != 0 || fromStdin != text {
		t.Errorf("NEW from stdin: exit %d, output differs from the files':\n%s%s", code, fromStdin, stderr)
	}
	baseText, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	if code, fromStdin, _ := diffCmd(t, bin, string(baseText), "--fail-on=broadening", "-", broad); code != 1 || fromStdin != text {
		t.Errorf("OLD from stdin: exit %d, want 1, output differs from the files':\n%s", code, fromStdin)
	}
}

// TestDiffExportFolders compares export folders (`irsa-fn export` of an IAMRole render) as
// apply and verify read them, and renders against folders.
func TestDiffExportFolders(t *testing.T) {
	bin, kustomize := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize")
	src := prepareKustomize(t, filepath.Join("testdata", "pipeline"), bin)
	build := func() string {
		built, stderr, err := run(t, src, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
		if err != nil {
			t.Fatalf("kustomize build: %v\n%s", err, stderr)
		}
		return built
	}
	export := func(stream string) string {
		dir := filepath.Join(t.TempDir(), "iam")
		cmd := exec.Command(bin, "export", "--out", dir)
		cmd.Stdin = strings.NewReader(stream)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("irsa-fn export: %v\n%s", err, out)
		}
		return dir
	}
	old := build()
	bindings := filepath.Join(src, "bindings.yaml")
	data, err := os.ReadFile(bindings)
	if err != nil {
		t.Fatal(err)
	}
	actions := regexp.MustCompile(`actions: \[([^\]]*)\]`)
	if !actions.Match(data) {
		t.Fatalf("%s has no actions: [...] to broaden", bindings)
	}
	write(t, bindings, actions.ReplaceAllString(string(data), "actions: [$1, s3:DeleteObject]"))
	broad := build()
	oldDir, newDir := export(old), export(broad)

	code, out, stderr := diffCmd(t, bin, "", "-o", "json", "--fail-on", "broadening", oldDir, newDir)
	rep := parseDiff(t, out)
	if code != 1 || !slices.Contains(rep.changes(), "broadening permissions allow action added") || len(rep.Objects) != 0 {
		t.Errorf("export folders with an action added: exit %d, want 1: %v\n%s", code, rep.changes(), stderr)
	}
	// The folder and the stream it was exported from hold the same roles.
	code, out, stderr = diffCmd(t, bin, old, "-o", "json", oldDir, "-")
	if rep := parseDiff(t, out); code != 0 || len(rep.Roles) != 0 {
		t.Errorf("an export folder against its own stream: exit %d, roles changed %+v\n%s", code, rep.Roles, stderr)
	}
}

// TestDiffUsageErrors checks that wrong arguments and inputs exit 2 with the reason on stderr
// (and, with -o json, a JSON error on stdout).
func TestDiffUsageErrors(t *testing.T) {
	bin := irsaFn(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "render.yaml")
	write(t, file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
	empty := filepath.Join(dir, "empty.yaml")
	write(t, empty, "")
	source := filepath.Join(repoRoot(t), "examples", "kustomize-overlays", "base")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"one input", []string{file}, "want two inputs, OLD and NEW, found 1"},
		{"three inputs", []string{file, file, file}, "want two inputs, OLD and NEW, found 3"},
		{"stdin twice", []string{"-", "-"}, "at most one of them may be"},
		{"bad output", []string{"-o", "yaml", file, file}, `-o "yaml": want text, markdown or json`},
		{"bad fail-on", []string{"--fail-on", "narrowing", file, file}, `--fail-on "narrowing": want broadening`},
		{"unknown flag", []string{"--bogus", file, file}, "unknown flag: --bogus"},
		{"missing file", []string{file, filepath.Join(dir, "nope.yaml")}, "NEW " + filepath.Join(dir, "nope.yaml")},
		{"empty render", []string{empty, file}, "OLD " + empty + ": no object found"},
		// A source folder instead of its render: its binding is no role, so every role would
		// count as removed, narrowing, and pass --fail-on broadening.
		{"source folder", []string{"--fail-on", "broadening", file, source}, "NEW " + source + ": not a render: it holds the IRSABinding checkout, which no irsa-fn run rendered"},
		{"source files", []string{filepath.Join(repoRoot(t), "examples", "multi-service", "bindings.yaml"), file}, "it holds the IRSABindings shop/catalog, shop/invoices, shop/orders, which no irsa-fn run rendered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := diffCmd(t, bin, "", tc.args...)
			if code != 2 || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want 2 with %q on stderr and nothing on stdout:\nstdout: %s\nstderr: %s", code, tc.want, stdout, stderr)
			}
		})
	}
	code, stdout, stderr := diffCmd(t, bin, "", "-o", "json", file)
	if code != 2 || !strings.Contains(stdout, `"exitCode": 2`) || !strings.Contains(stdout, "want two inputs") || !strings.Contains(stderr, "want two inputs") {
		t.Errorf("-o json usage error: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestDiffAdversary renders pull requests that try to broaden access quietly and checks that
// each is reported broadening and fails --fail-on broadening: a condition change alone, a
// StringLike wildcard in the trust's sub, an action moved into NotAction, a renamed role, and a
// workload switched to another service account.
func TestDiffAdversary(t *testing.T) {
	bin := irsaFn(t)
	_, render := quickstart(t, bin)
	condition := func(vpc string) quickstartEdit {
		return quickstartEdit{qsBinding, qsStatements, qsStatements + "            conditions:\n              StringEquals:\n                aws:SourceVpc: [" + vpc + "]\n"}
	}
	reports := quickstartEdit{qsBinding, qsAccount, qsAccount + "    - name: reports\n"}
	cases := []struct {
		name     string
		old, new []quickstartEdit
		want     string
	}{
		{"condition change only", []quickstartEdit{condition("vpc-1")}, []quickstartEdit{condition("vpc-2")}, "broadening permissions condition changed"},
		{"StringLike wildcard in the trust sub", nil,
			[]quickstartEdit{{qsBinding, "  role:\n", "  subjectPattern: \"system:serviceaccount:production:*\"\n  role:\n"}}, "broadening trust subject added"},
		{"action moved into NotAction", nil,
			[]quickstartEdit{{qsBinding, qsActions, "- notActions: [s3:DeleteObject]"}}, "broadening permissions NotAction/NotResource statement added or changed"},
		{"role renamed", nil, []quickstartEdit{{qsBinding, qsRoleName, "    name: S3WriterRoleV2\n"}}, "broadening role role added"},
		{"workload added with the deprecated serviceAccount", nil,
			[]quickstartEdit{{"deployment.yaml", "              value: my-app-uploads\n", "              value: my-app-uploads\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: sneaky, namespace: production}\n" +
				"spec: {selector: {matchLabels: {app: sneaky}}, template: {metadata: {labels: {app: sneaky}}, spec: {serviceAccount: s3-writer, containers: [{name: c, image: x}]}}}\n"}},
			"broadening Deployment serviceAccountName added"},
		{"token lifetime raised", []quickstartEdit{{qsBinding, "tokenExpiration: 86400", "tokenExpiration: 3600"}}, nil, "broadening ServiceAccount token-expiration changed"},
		{"workload switched service account", []quickstartEdit{reports},
			[]quickstartEdit{reports, {qsBinding, qsWorkload, qsWorkload + "      serviceAccount: reports\n"}}, "broadening Deployment serviceAccountName changed"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := render("old"+string(rune('a'+i)), tc.old...)
			new := render("new"+string(rune('a'+i)), tc.new...)
			code, out, stderr := diffCmd(t, bin, "", "-o", "json", "--fail-on", "broadening", old, new)
			rep := parseDiff(t, out)
			if code != 1 || !rep.Broadening || !slices.Contains(rep.changes(), tc.want) {
				t.Errorf("exit %d, want 1 with %q: %v\n%s", code, tc.want, rep.changes(), stderr)
			}
			// Undone, the wildcard narrows back to the one service account, the lifetime to
			// the shorter one.
			if tc.name != "StringLike wildcard in the trust sub" && tc.name != "token lifetime raised" {
				return
			}
			if code, out, _ := diffCmd(t, bin, "", "-o", "json", "--fail-on", "broadening", new, old); code != 0 {
				t.Errorf("%s undone: exit %d, want 0: %v", tc.name, code, parseDiff(t, out).changes())
			}
		})
	}
}

// TestDiffCIScript runs examples/ci/iam-diff.sh for real: a git repository made from the
// quickstart, a pull request branch that broadens a binding, then one that narrows it; kustomize
// and the built irsa-fn on the PATH. It checks the markdown and the exit codes, and that the
// GitHub Actions and GitLab CI examples parse and call the script.
func TestDiffCIScript(t *testing.T) {
	bin, kustomize, git := irsaFn(t), tool(t, "KUSTOMIZE", "kustomize"), tool(t, "GIT", "git")
	script := filepath.Join(repoRoot(t), "examples", "ci", "iam-diff.sh")
	repo, _ := quickstart(t, bin)
	env := []string{pathWith(t, bin), "KUSTOMIZE=" + kustomize, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1"}
	gitRun := func(args ...string) {
		t.Helper()
		if out, stderr, err := run(t, repo, env, git, args...); err != nil {
			t.Fatalf("git %v: %v\n%s%s", args, err, out, stderr)
		}
	}
	gitRun("init", "-q", "-b", "main")
	gitRun("add", ".")
	gitRun("commit", "-q", "-m", "base")
	edit := func(e quickstartEdit) {
		t.Helper()
		p := filepath.Join(repo, e.file)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), e.old) {
			t.Fatalf("%s has no %q", e.file, e.old)
		}
		write(t, p, strings.Replace(string(data), e.old, e.new, 1))
	}
	out := filepath.Join(t.TempDir(), "iam-diff.md")
	runScript := func() (int, string) {
		t.Helper()
		stdout, stderr, err := run(t, repo, env, "sh", script, "main", ".", out)
		md, _ := os.ReadFile(out)
		if code := exitCode(err); code != 0 && code != 1 {
			t.Fatalf("iam-diff.sh exited %d:\n%s%s", code, stdout, stderr)
		}
		return exitCode(err), string(md)
	}

	gitRun("checkout", "-q", "-b", "broaden")
	edit(addAction)
	edit(addAccount)
	gitRun("commit", "-q", "-am", "broaden")
	code, md := runScript()
	if code != 1 || !strings.HasPrefix(md, "## irsa-fn diff: IAM changes") || !strings.Contains(md, "1 role changed, broadening: yes") || !strings.Contains(md, "subject added") {
		t.Errorf("a broadening pull request: exit %d, want 1:\n%s", code, md)
	}

	gitRun("checkout", "-q", "main")
	gitRun("checkout", "-q", "-b", "narrow")
	edit(dropAction)
	gitRun("commit", "-q", "-am", "narrow")
	code, md = runScript()
	if code != 0 || !strings.Contains(md, "1 role changed, broadening: no") || !strings.Contains(md, "allow action removed") {
		t.Errorf("a narrowing pull request: exit %d, want 0:\n%s", code, md)
	}
	if stdout, _, _ := run(t, repo, env, git, "worktree", "list"); strings.Count(stdout, "\n") != 1 {
		t.Errorf("the script left a worktree behind:\n%s", stdout)
	}
	if _, stderr, err := run(t, repo, env, "sh", script, "main"); exitCode(err) != 2 || !strings.Contains(stderr, "usage") {
		t.Errorf("the script without its arguments: exit %d, want 2: %s", exitCode(err), stderr)
	}

	// The CI examples parse and call the script.
	for file, scripts := range map[string]func(doc map[string]any) []string{
		"github-actions.yaml": func(doc map[string]any) []string {
			var runs []string
			jobs, _ := doc["jobs"].(map[string]any)
			for _, job := range jobs {
				steps, _ := job.(map[string]any)["steps"].([]any)
				for _, s := range steps {
					if r, ok := s.(map[string]any)["run"].(string); ok {
						runs = append(runs, r)
					}
				}
			}
			return runs
		},
		"gitlab-ci.yaml": func(doc map[string]any) []string {
			var lines []string
			job, _ := doc["iam-diff"].(map[string]any)
			script, _ := job["script"].([]any)
			for _, l := range script {
				s, _ := l.(string)
				lines = append(lines, s)
			}
			return lines
		},
	} {
		data, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "ci", file))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Errorf("examples/ci/%s: %v", file, err)
			continue
		}
		if !slices.ContainsFunc(scripts(doc), func(s string) bool { return strings.Contains(s, "sh examples/ci/iam-diff.sh ") }) {
			t.Errorf("examples/ci/%s does not run examples/ci/iam-diff.sh: %v", file, scripts(doc))
		}
	}
}

// TestDiffCustomerManagedPolicy changes the document of an ACK Policy a role attaches (the
// rendered ack-extras case) and checks the role's permissions are reported broadened.
func TestDiffCustomerManagedPolicy(t *testing.T) {
	bin := irsaFn(t)
	rendered, err := os.ReadFile(filepath.Join("testdata", "cases", "ack-extras", "expected.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const action = `"s3:ListBucket"`
	if !strings.Contains(string(rendered), action) {
		t.Fatalf("the ack-extras render has no %s", action)
	}
	dir := t.TempDir()
	old, new := filepath.Join(dir, "old.yaml"), filepath.Join(dir, "new.yaml")
	write(t, old, string(rendered))
	write(t, new, strings.Replace(string(rendered), action, action+`, "s3:DeleteObject"`, 1))
	code, out, stderr := diffCmd(t, bin, "", "-o", "json", "--fail-on", "broadening", old, new)
	rep := parseDiff(t, out)
	if code != 1 || len(rep.Roles) != 1 || !slices.Contains(rep.changes(), "broadening permissions allow action added") {
		t.Errorf("an action added to an attached ACK Policy: exit %d, want 1: %v\n%s", code, rep.changes(), stderr)
	}
}

// TestDiffOtherOutputs broadens the Crossplane example (an action and a managed policy: roles,
// RolePolicies and RolePolicyAttachments read together) and the Pod Identity example (a service
// account: a trust subject and an association), and checks each is reported broadening.
func TestDiffOtherOutputs(t *testing.T) {
	bin := irsaFn(t)
	for _, tc := range []struct {
		example string
		edits   []quickstartEdit
		want    []string
	}{
		{"crossplane", []quickstartEdit{
			{"irsa-binding.yaml", "- actions: [es:ESHttpPost, es:ESHttpPut]", "- actions: [es:ESHttpPost, es:ESHttpPut, es:ESHttpDelete]"},
			{"irsa-binding.yaml", "managed: [arn:aws:iam::aws:policy/AmazonOpenSearchServiceReadOnlyAccess]", "managed: [arn:aws:iam::aws:policy/AmazonOpenSearchServiceReadOnlyAccess, arn:aws:iam::aws:policy/ReadOnlyAccess]"},
		}, []string{"broadening permissions allow action added", "broadening managedPolicies managed policy attached"}},
		{"pod-identity", []quickstartEdit{
			{"irsa-binding.yaml", "  role:\n", "  serviceAccounts:\n    - name: billing\n    - name: audit\n  role:\n"},
		}, []string{"broadening trust subject added", "broadening PodIdentityAssociation roleArn added"}},
	} {
		t.Run(tc.example, func(t *testing.T) {
			_, render := renderer(t, bin, tc.example)
			old, new := render("old"), render("new", tc.edits...)
			if code, out, stderr := diffCmd(t, bin, "", "--fail-on", "broadening", old, old); code != 0 || out != "no IAM-relevant change\n" {
				t.Errorf("the render against itself: exit %d\n%s%s", code, out, stderr)
			}
			code, out, stderr := diffCmd(t, bin, "", "-o", "json", "--fail-on", "broadening", old, new)
			rep := parseDiff(t, out)
			for _, want := range tc.want {
				if !slices.Contains(rep.changes(), want) {
					t.Errorf("no %q: %v", want, rep.changes())
				}
			}
			if code != 1 || len(rep.Roles) != 1 {
				t.Errorf("exit %d, want 1, one role changed: %+v\n%s", code, rep.Roles, stderr)
			}
		})
	}
}
