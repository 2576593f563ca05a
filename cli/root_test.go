package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/irsa-dev/irsa-fn/internal/testenv"
)

// run is Main on args after the program name, with empty stdin.
func run(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Main(append([]string{"irsa-fn"}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestUsageErrors: unknown flags and commands exit 2, with the error on stderr and nothing on
// stdout; a near miss of a command's name says which one was meant.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"exprt"}, `"exprt" is neither a file nor a command: did you mean export?`},
		{[]string{"verfy"}, "did you mean verify?"},
		{[]string{"aply", "x"}, "did you mean apply?"},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"-v"}, "unknown shorthand flag: 'v' in -v"},
		{[]string{"apply", "--bogus"}, "irsa-fn apply: unknown flag: --bogus\nRun 'irsa-fn apply --help' for usage."},
		{[]string{"apply", "-dry-run"}, "irsa-fn apply: unknown shorthand flag: 'd' in -dry-run"},
		{[]string{"export", "--no-such"}, "irsa-fn export: unknown flag: --no-such"},
		{[]string{"verify", "--prune"}, "irsa-fn verify: unknown flag: --prune"},
		{[]string{"version", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"completion", "tcsh"}, `invalid argument "tcsh" for "irsa-fn completion"`},
		{[]string{"argocd", "generat"}, "expected the command generate"},
		{[]string{"hlep"}, `"hlep" is neither a file nor a command: did you mean help?`},
		{[]string{"hepl", "export"}, "did you mean help?"},
	} {
		code, out, errOut := run(tc.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2, nothing on stdout, %q on stderr", tc.args, code, out, errOut, tc.want)
		}
	}
}

// TestFileArgsBeforeSuggestions: an existing file is rendered even when its name is a near miss
// of a command's.
func TestFileArgsBeforeSuggestions(t *testing.T) {
	t.Chdir(t.TempDir())
	root := newRoot(streams{}, new(int))
	if err := checkFileArgs(root, []string{"exprt"}); err == nil || !strings.Contains(err.Error(), "did you mean export?") {
		t.Errorf("no file exprt: %v", err)
	}
	if err := os.WriteFile("exprt", []byte("kind: ConfigMap\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkFileArgs(root, []string{"exprt", "missing.yaml"}); err != nil {
		t.Errorf("the file exprt, and a missing file named like no command: %v", err)
	}
}

// TestHelpOnStdout: every command's help is on stdout with exit 0, as `CMD --help`, `CMD -h`
// and `help CMD`, the same text each way.
func TestHelpOnStdout(t *testing.T) {
	for _, cmd := range []string{"export", "apply", "verify", "access", "diff", "explain", "argocd", "version", "completion"} {
		var helps []string
		for _, args := range [][]string{{cmd, "--help"}, {cmd, "-h"}, {"help", cmd}} {
			code, out, errOut := run(args...)
			if code != 0 || errOut != "" || !strings.Contains(out, "Usage") {
				t.Errorf("%q: exit %d, stderr %q, stdout %q; want the usage on stdout, exit 0", args, code, errOut, out)
			}
			helps = append(helps, out)
		}
		if helps[0] != helps[1] || helps[0] != helps[2] {
			t.Errorf("%s: --help, -h and help %s differ:\n%s\n---\n%s\n---\n%s", cmd, cmd, helps[0], helps[1], helps[2])
		}
	}
	// The flags are listed GNU-style.
	_, out, _ := run("apply", "--help")
	for _, want := range []string{"--dry-run", "--prune", "-o, --output string", "--path-prefix string"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply --help lacks %q:\n%s", want, out)
		}
	}
	_, top, _ := run("--help")
	if _, help, _ := run("help"); help != top || !strings.Contains(top, "irsa-fn explain") {
		t.Errorf("help and --help differ, or do not point at irsa-fn explain")
	}
}

// TestVersionFlag: --version prints what `version` does.
func TestVersionFlag(t *testing.T) {
	code, flag, errOut := run("--version")
	_, cmd, _ := run("version")
	if code != 0 || errOut != "" || flag != cmd || !strings.HasPrefix(flag, "irsa-fn ") {
		t.Errorf("--version: exit %d, stdout %q (version: %q), stderr %q", code, flag, cmd, errOut)
	}
}

// TestVersionHelp: version --help and the command list say what version prints, in a whole
// sentence, and how to get the data's licenses.
func TestVersionHelp(t *testing.T) {
	code, help, _ := run("version", "--help")
	first, _, _ := strings.Cut(help, "\n")
	_, list, _ := run("--help")
	if code != 0 || !strings.HasSuffix(first, "IAM data versions (--notices: the data's licenses)") || !strings.Contains(list, first) {
		t.Errorf("version --help starts %q (exit %d); want it to name the IAM data's versions and --notices, as --help lists it:\n%s", first, code, list)
	}
}

// TestOutputFlagSpellings: -o json keeps its spellings (the Go flag took --o) and gains
// --output; each gives one JSON document, also on a usage error.
func TestOutputFlagSpellings(t *testing.T) {
	for _, args := range [][]string{
		{"verify", "--output", "json"}, {"verify", "--output=json"}, {"verify", "-ojson"}, {"verify", "--o", "json"},
		{"apply", "-o", "json", "--bogus"},
	} {
		code, out, errOut := run(args...)
		var doc errorResult
		if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 2 || doc.ExitCode != 2 || doc.Error == "" || !strings.Contains(errOut, doc.Error) {
			t.Errorf("%q: exit %d, stdout %q (%v), stderr %q", args, code, out, err, errOut)
		}
	}
}

// TestCompletion: a script for every shell; bash's parses and, sourced, completes irsa-fn; the
// completions name the commands.
func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		code, out, errOut := run("completion", shell)
		if code != 0 || errOut != "" || !strings.Contains(out, "irsa-fn") || len(out) < 500 {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %q", shell, code, len(out), errOut)
		}
	}
	bash := testenv.Program(t, "bash", "the bash completion script loads")
	_, script, _ := run("completion", "bash")
	file := filepath.Join(t.TempDir(), "irsa-fn.bash")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bash, "-n", file).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	out, err := exec.Command(bash, "-c", "source "+file+" && complete -p irsa-fn").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "irsa-fn") {
		t.Errorf("sourcing the script registered no completion: %v\n%s", err, out)
	}
	_, got, _ := run("__complete", "ex")
	if !strings.Contains(got, "export") {
		t.Errorf("completing `irsa-fn ex`: %q", got)
	}
}

// TestCompletionFlags: completion offers each command's own flags, with their descriptions, the
// values of -o, and files for other arguments, through cobra's __complete as the shells call it.
func TestCompletionFlags(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		want, not []string
		directive string
	}{
		{[]string{"export", "--"}, []string{"--out\t", "--allow-empty\t", "--force\t"}, []string{"--dry-run"}, ":4"},
		{[]string{"apply", "--"}, []string{"--dry-run\tprint the plan", "--prune\t", "--owner\t", "--output\t", "--only-problems\t"}, nil, ":4"},
		{[]string{"apply", "--dr"}, []string{"--dry-run\t"}, []string{"--prune"}, ":4"},
		{[]string{"verify", "-"}, []string{"--owner\t", "--concurrency\t", "-o\t", "--output\t"}, []string{"--prune"}, ":4"},
		{[]string{"access", "--"}, []string{"--output\t"}, nil, ":4"},
		{[]string{"explain", "--"}, []string{"--recursive\t"}, nil, ":4"},
		{[]string{"verify", "-o", ""}, []string{"text", "json"}, []string{"markdown"}, ":4"},
		{[]string{"diff", "--"}, []string{"--output\t", "--fail-on\t"}, nil, ":4"},
		{[]string{"diff", "-o", ""}, []string{"text", "markdown", "json"}, nil, ":4"},
		{[]string{"diff", "--fail-on", ""}, []string{"broadening"}, []string{"text"}, ":4"},
		{[]string{"apply", "--dry-run", ""}, nil, []string{"--"}, ":0"}, // a file
		{[]string{"export", "--out", ""}, nil, []string{"--"}, ":0"},    // a folder
		{[]string{"export", "--out=iam", "-"}, []string{"--force\t"}, nil, ":4"},
		{[]string{"ex"}, []string{"export\t", "explain\t"}, nil, ":0"}, // commands first
		{[]string{"examples/"}, nil, []string{"export"}, ":0"},         // irsa-fn FILE...
		{[]string{"binding.yaml", ""}, nil, []string{"export"}, ":0"},  // more files
	} {
		code, out, errOut := run(append([]string{"__complete"}, tc.args...)...)
		if code != 0 || !strings.Contains(errOut, "Completion ended") {
			t.Errorf("__complete %q: exit %d, stderr %q", tc.args, code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if got := lines[len(lines)-1]; got != tc.directive {
			t.Errorf("__complete %q: directive %s, want %s\n%s", tc.args, got, tc.directive, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("__complete %q lacks %q:\n%s", tc.args, w, out)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(out, n) {
				t.Errorf("__complete %q offers %q:\n%s", tc.args, n, out)
			}
		}
	}
}

// openPTY opens a pseudo-terminal and returns its terminal side.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("the pseudo-terminal's number: %v", err)
	}
	tty, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return tty
}

// TestTerminalStdin: on a terminal, without arguments, irsa-fn prints a short usage instead of
// waiting for a ResourceList; /dev/null (a character device, but no terminal) and a pipe are
// input, run as the KRM function.
func TestTerminalStdin(t *testing.T) {
	tty := openPTY(t)
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	if info, _ := devNull.Stat(); info.Mode()&os.ModeCharDevice == 0 {
		t.Fatal("/dev/null is no character device here: the test below proves nothing")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer r.Close()
	if !isTerminal(tty) || isTerminal(devNull) || isTerminal(r) || isTerminal(strings.NewReader("")) {
		t.Errorf("terminal: pty %v, /dev/null %v, pipe %v, reader %v", isTerminal(tty), isTerminal(devNull), isTerminal(r), isTerminal(strings.NewReader("")))
	}

	var out, errOut bytes.Buffer
	if code := Main([]string{"irsa-fn"}, tty, &out, &errOut); code != 0 || errOut.Len() != 0 ||
		!strings.Contains(out.String(), "irsa-fn FILE...") || !strings.Contains(out.String(), "  export ") || strings.Contains(out.String(), "Fields of") {
		t.Errorf("on a terminal: exit %d, stdout %q, stderr %q; want the short usage", code, out.String(), errOut.String())
	}
	for name, in := range map[string]*os.File{"/dev/null": devNull, "a pipe": r} {
		out.Reset()
		errOut.Reset()
		if code := Main([]string{"irsa-fn"}, in, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n") {
			t.Errorf("stdin %s: exit %d, stdout %q, stderr %q; want the function's empty ResourceList", name, code, out.String(), errOut.String())
		}
	}
}
