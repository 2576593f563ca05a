package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/irsa-dev/irsa-fn/argocd"
	"github.com/irsa-dev/irsa-fn/iamref"
	"github.com/irsa-dev/irsa-fn/internal/version"
)

// The command line is built with cobra, as kubectl, kustomize, kpt and eksctl are: the same
// conventions (help on stdout, `help CMD`, GNU-style flags, shell completion, suggestions).

// streams are the process's standard streams, as a command sees them.
type streams struct {
	in          io.Reader
	out, errOut io.Writer
}

// command is one subcommand whose own code parses its flags: run gets every argument after the
// command's name (--help included) and returns the exit code.
type command struct {
	name, short string
	run         func(args []string, s streams) int
}

// subcommands are irsa-fn's commands that parse their own flags, in the order the short usage
// lists them. A new command is one more line here.
func subcommands() []command {
	return []command{
		{"export", "write each IAMRole of a rendered stream to DIR/<role>/*.json, print the rest", func(a []string, s streams) int { return runExport(a, s.in, s.out, s.errOut) }},
		{"apply", "create or update the IAM roles through the AWS SDK", func(a []string, s streams) int { return runApply(a, s.in, s.out, s.errOut) }},
		{"verify", "compare the live IAM roles and OIDC providers with what was rendered", func(a []string, s streams) int { return runVerify(a, s.in, s.out, s.errOut) }},
		{"access", "who each rendered role's trust admits; whether each ServiceAccount's role does", func(a []string, s streams) int { return runAccess(a, s.in, s.out, s.errOut) }},
		{"diff", "what a change does to IAM between two renders (-o markdown for a pull request)", func(a []string, s streams) int { return runDiff(a, s.in, s.out, s.errOut) }},
		{"explain", "the irsa.dev kinds' fields: type, limits, default (explain irsabinding.spec.role)", func(a []string, s streams) int { return runExplain(a, s.out, s.errOut) }},
		{"argocd", "the Argo CD Config Management Plugin's generate (irsa-fn argocd generate)", func(a []string, s streams) int { return argocd.Main(a, os.Getenv, s.out, s.errOut) }},
	}
}

// newRoot builds the command tree; the exit code of the command that runs is stored in code.
func newRoot(s streams, code *int) *cobra.Command {
	root := &cobra.Command{
		Use:   "irsa-fn [FILE...]",
		Short: "render IAM Roles for Service Accounts (IRSA) and EKS Pod Identity for Amazon EKS",
		// Files as arguments render as the KRM function does; an argument that is no file but
		// almost a command's name is a typing error.
		Args:          func(c *cobra.Command, args []string) error { return checkFileArgs(c, args) },
		SilenceErrors: true,
		SilenceUsage:  true,
		// within two edits of a command's name (SuggestionsFor, unlike cobra's errors, has no default)
		SuggestionsMinimumDistance: 2,
		RunE: func(c *cobra.Command, args []string) error {
			if v, _ := c.Flags().GetBool("version"); v {
				*code = writeVersion(s.out)
				return nil
			}
			*code = runFiles(args, s)
			return nil
		},
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.errOut)
	root.Flags().Bool("version", false, "print the version (as irsa-fn version)")
	// irsa-fn FILE... takes files: the commands complete first, files where none matches (cobra
	// offers no files after a command's name otherwise) and after a file.
	root.ValidArgsFunction = func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveDefault
	}
	cobraHelp := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		if c != root { // version, completion: cobra's own help
			cobraHelp(c, args)
			return
		}
		writeHelp(s.out)
	})
	for _, sc := range subcommands() {
		sc := sc
		c := &cobra.Command{
			Use:                sc.name,
			Short:              sc.short,
			DisableFlagParsing: true, // the command parses its own flags, --help included
			RunE: func(_ *cobra.Command, args []string) error {
				*code = sc.run(args, s)
				return nil
			},
		}
		// `irsa-fn help CMD` prints what `irsa-fn CMD --help` does.
		c.SetHelpFunc(func(*cobra.Command, []string) { *code = sc.run([]string{"--help"}, s) })
		if sc.name == "argocd" {
			c.ValidArgs = []string{"generate"}
		} else {
			c.ValidArgsFunction = completeFlags(sc)
		}
		root.AddCommand(c)
	}
	ver := &cobra.Command{
		Use:   "version",
		Short: versionShort,
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if n, _ := c.Flags().GetBool("notices"); n {
				fmt.Fprint(s.out, iamref.Notices)
				*code = 0
				return nil
			}
			*code = writeVersion(s.out)
			return nil
		},
	}
	ver.Flags().Bool("notices", false, "print the licenses of the embedded data")
	root.AddCommand(ver)
	// cobra's completion command prints its help, exit 0, for a shell it does not know.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.ValidArgs = []string{"bash", "zsh", "fish", "powershell"}
			c.Args = cobra.OnlyValidArgs
			c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
		}
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	return root
}

// versionShort is what irsa-fn version does, in the command lists and its own help.
const versionShort = "print the version, commit, Go and IAM data versions (--notices: the data's licenses)"

// writeVersion prints the version, commit and Go version, and the embedded IAM data's versions.
func writeVersion(w io.Writer) int {
	fmt.Fprintln(w, version.Get())
	fmt.Fprintf(w, "IAM service reference: %s (MIT: irsa-fn version --notices)\n", iamref.DataVersions)
	return 0
}

// checkFileArgs refuses an argument that is not an existing file and is within two edits (or a
// prefix) of a command's name: `irsa-fn exprt` is a typing error, not a missing file.
func checkFileArgs(root *cobra.Command, args []string) error {
	for _, a := range args {
		if _, err := os.Stat(a); err == nil {
			continue
		}
		near := root.SuggestionsFor(a)
		// cobra's suggestions leave out its help command.
		if a != "help" && iamref.Suggest([]string{"help"}, a) != "" {
			near = append(near, "help")
		}
		if len(near) > 0 {
			return fmt.Errorf("%q is neither a file nor a command: did you mean %s?", a, strings.Join(near, " or "))
		}
	}
	return nil
}

// runFiles is the function mode on files (and the function mode on stdin when there are none),
// as the KRM function SDK runs it.
func runFiles(args []string, s streams) int {
	if len(args) == 0 {
		return runFunction(s.in, s.out, s.errOut)
	}
	return runFunctionOnFiles(args, s.out, s.errOut)
}

// execute runs the command line args (without the program name) and returns the exit code:
// the command's, or 2 for a usage error (unknown flag or command, a typing error).
func execute(args []string, s streams) int {
	code := 0
	root := newRoot(s, &code)
	root.SetArgs(args)
	if _, err := root.ExecuteC(); err != nil {
		fmt.Fprintf(s.errOut, "irsa-fn: %v\nRun 'irsa-fn --help' for usage.\n", err)
		return 2
	}
	return code
}

// shortUsage is what irsa-fn prints when started on a terminal without arguments or input,
// instead of waiting for a ResourceList on stdin.
func shortUsage(w io.Writer) {
	fmt.Fprint(w, `irsa-fn renders IAM Roles for Service Accounts (IRSA) and EKS Pod Identity for Amazon EKS.
It is a KRM function: it reads a ResourceList on stdin (kustomize, kpt and Argo CD run it so),
or renders the objects in FILEs.

Usage:
  irsa-fn < resource-list.yaml
  irsa-fn FILE...
  irsa-fn COMMAND [flags]

Commands:
`)
	writeCommands(w)
	fmt.Fprint(w, "\nirsa-fn --help prints the full help; irsa-fn help COMMAND a command's.\n")
}

// writeCommands lists the commands: the table's, then version, completion and help.
func writeCommands(w io.Writer) {
	for _, sc := range subcommands() {
		fmt.Fprintf(w, "  %-11s %s\n", sc.name, sc.short)
	}
	fmt.Fprintf(w, "  %-11s %s\n", "version", versionShort)
	fmt.Fprintf(w, "  %-11s %s\n", "completion", "shell completion: bash, zsh, fish or powershell (source <(irsa-fn completion bash))")
	fmt.Fprintf(w, "  %-11s %s\n", "help", "print this help, or a command's (as irsa-fn COMMAND --help)")
}

// isTerminal reports whether f (a stream of the process) is a terminal. A character device is
// not enough: /dev/null is one too, and `irsa-fn < /dev/null` is an empty input, not a person.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// flagProbe is a stdout that asks a command for its flags instead of running it: parseFlags
// hands it the command's flag set and stops. The flags are declared once, where the command
// parses them, and shell completion reads them from there.
type flagProbe struct {
	io.Writer
	flags *pflag.FlagSet
}

// flagsOf returns the flags a command declares (nil for one that parses none with parseFlags).
func flagsOf(sc command) *pflag.FlagSet {
	probe := &flagProbe{Writer: io.Discard}
	sc.run([]string{"--help"}, streams{in: strings.NewReader(""), out: probe, errOut: io.Discard})
	return probe.flags
}

// completeFlags completes a command's flags (--dry-run, -o) for cobra's shell completion, which
// does not see them since the command parses its own; other arguments complete as files.
func completeFlags(sc command) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		fs := flagsOf(sc)
		if fs == nil {
			return nil, cobra.ShellCompDirectiveDefault
		}
		if n := len(args); n > 0 && !strings.Contains(args[n-1], "=") {
			if f := lookupFlag(fs, args[n-1]); f != nil && f.Value.Type() != "bool" {
				if values := f.Annotations[completionValues]; len(values) > 0 {
					return values, cobra.ShellCompDirectiveNoFileComp
				}
				if f.Name == "output" {
					return []cobra.Completion{"text", "json"}, cobra.ShellCompDirectiveNoFileComp
				}
				return nil, cobra.ShellCompDirectiveDefault // a value: a folder, a number, a name
			}
		}
		if !strings.HasPrefix(toComplete, "-") {
			return nil, cobra.ShellCompDirectiveDefault
		}
		var out []cobra.Completion
		fs.VisitAll(func(f *pflag.Flag) {
			for _, name := range []string{"--" + f.Name, "-" + f.Shorthand} {
				if name != "-" && strings.HasPrefix(name, toComplete) {
					out = append(out, cobra.CompletionWithDesc(name, f.Usage))
				}
			}
		})
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completionValues annotates a flag with the values shell completion offers for it (-o of a
// command that writes more than text and json, say).
const completionValues = "irsa-fn/values"

// lookupFlag returns the flag an argument such as --out or -o names, or nil.
func lookupFlag(fs *pflag.FlagSet, arg string) *pflag.Flag {
	switch {
	case strings.HasPrefix(arg, "--"):
		return fs.Lookup(arg[2:])
	case strings.HasPrefix(arg, "-") && len(arg) == 2:
		return fs.ShorthandLookup(arg[1:])
	}
	return nil
}

// parseFlags parses a command's flags GNU-style. --help prints usage and the flags on stdout
// (done, exit 0); a wrong flag prints the error on stderr (done, exit 2).
func parseFlags(fs *pflag.FlagSet, args []string, usage string, stdout, stderr io.Writer) (code int, done bool) {
	if probe, ok := stdout.(*flagProbe); ok {
		probe.flags = fs
		return 0, true
	}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	// -o json was a Go flag named o, which also took --o json.
	fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "o" {
			name = "output"
		}
		return pflag.NormalizedName(name)
	})
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, pflag.ErrHelp):
		fmt.Fprint(stdout, usage)
		fmt.Fprint(stdout, fs.FlagUsages())
		return 0, true
	default:
		fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", fs.Name(), err, fs.Name())
		return 2, true
	}
}
