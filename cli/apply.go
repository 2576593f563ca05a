package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/export"
	"github.com/irsa-dev/irsa-fn/iamsync"
)

const applyUsage = `Usage: irsa-fn apply [flags] [PATH...]

Creates or updates each declared IAM role — trust policy, inline policies, managed attachments,
permissions boundary, tags, description, max session duration — so that IAM holds exactly what
was rendered. PATHs are rendered streams, kpt packages or irsa-fn export folders; stdin when none.
A second run makes no change and says so. Credentials, region and endpoint come from the AWS
SDK's standard settings (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_IAM, ...).

Roles are tagged with their owner: the IRSAConfig's spec.owner, or --owner; one per pipeline.
--prune deletes only roles of exactly that owner. An empty input is an error.

Exit status: 0 applied or in sync; 1 changes pending (--dry-run), a role refused or a call
failed; 2 could not check (usage, credentials, endpoint, throttling).

Example:
  set -o pipefail
  kustomize build --enable-alpha-plugins --enable-exec overlays/prod | irsa-fn export --out iam > manifests.yaml
  irsa-fn apply --dry-run iam     # the plan, with a diff of every policy document
  irsa-fn apply --prune iam       # a second run makes no change

Flags:
`

// loadRoles reads the declared roles from paths (stdin when none) — IAMRole objects in YAML, and
// export folders (subfolders holding role.json) — and the other objects of the stream.
func loadRoles(paths []string, stdin io.Reader) ([]export.Role, []*kyaml.RNode, error) {
	var found []export.Role
	for _, p := range paths {
		if info, err := os.Stat(p); err == nil && info.IsDir() {
			roles, err := export.ReadDir(p)
			if err != nil {
				return nil, nil, err
			}
			found = append(found, roles...)
		}
	}
	roles, rest, err := export.Read(paths, stdin)
	if err != nil {
		return nil, nil, err
	}
	found = append(found, roles...)
	if errs := export.Check(found); len(errs) > 0 {
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		return nil, nil, fmt.Errorf("%s", strings.Join(msgs, "\n"))
	}
	return found, rest, nil
}

func specs(roles []export.Role) []v1alpha1.IAMRoleSpec {
	out := make([]v1alpha1.IAMRoleSpec, len(roles))
	for i, r := range roles {
		out[i] = r.Spec
	}
	return out
}

// awsClients loads the SDK's standard configuration. IAM is global, but the SDK signs for a
// region: the partition's main one when none is configured. opts add to the SDK's load options.
func awsClients(ctx context.Context, roles []v1alpha1.IAMRoleSpec, opts ...func(*config.LoadOptions) error) (*iam.Client, *sts.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
		if len(roles) > 0 {
			switch strings.Split(roles[0].ARN+"::", ":")[1] {
			case "aws-cn":
				cfg.Region = "cn-north-1"
			case "aws-us-gov":
				cfg.Region = "us-gov-west-1"
			}
		}
	}
	return iam.NewFromConfig(cfg), sts.NewFromConfig(cfg), nil
}

// progressThreshold is how many roles a run works on before it shows a progress line.
const progressThreshold = 5

// applyCommand is `irsa-fn apply`; runApply wraps it for -o json.
func applyCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("irsa-fn apply", pflag.ContinueOnError)
	var opts iamsync.Options
	fs.BoolVar(&opts.DryRun, "dry-run", false, "print the plan, with diffs of policy documents, and change nothing")
	fs.BoolVar(&opts.Prune, "prune", false, "delete roles of exactly this owner (under --path-prefix) that are no longer declared; needs an owner")
	fs.BoolVar(&opts.Adopt, "adopt", false, "take over existing roles that irsa-fn did not create (no "+iamsync.OwnerTag+" tag)")
	fs.StringVar(&opts.AdoptOwner, "adopt-owner", "", "take over declared roles tagged with this other owner, such as the old default "+iamsync.LegacyOwner+", re-tagging them")
	fs.BoolVar(&opts.CreateOIDCProviders, "create-oidc-providers", false, "create the IAM OIDC providers the roles trust when they are missing")
	fs.StringVar(&opts.Owner, "owner", "", "value of the "+iamsync.OwnerTag+" tag for roles whose IRSAConfig sets no spec.owner, and the owner --prune deletes roles of; one per pipeline")
	fs.StringVar(&opts.PathPrefix, "path-prefix", "/", "with --prune, look only at roles under this path")
	fs.IntVar(&opts.Concurrency, "concurrency", 4, "how many roles to work on at once")
	allowEmpty := fs.Bool("allow-empty", false, "with --prune, run even when the input declares no IAMRole (deleting every role of the owner)")
	output := fs.StringP("output", "o", "text", "output format: text or json (one JSON document)")
	onlyProblems := fs.Bool("only-problems", false, "leave roles that are in sync out of the report")
	if code, done := parseFlags(fs, args, applyUsage, stdout, stderr); done {
		return code
	}
	if !outputFormatOK("apply", *output, stderr) {
		return 2
	}
	// IAM compares path prefixes as strings: /irsa would also take /irsa-x/.
	if p := opts.PathPrefix; !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") {
		fmt.Fprintf(stderr, "irsa-fn apply: --path-prefix %q: want an IAM path, / or /segments/ (with both slashes, so /irsa/ does not take /irsa-x/)\n", p)
		return 2
	}
	if strings.TrimSpace(opts.Owner) != opts.Owner {
		fmt.Fprintf(stderr, "irsa-fn apply: --owner %q: an owner has no leading or trailing white space\n", opts.Owner)
		return 2
	}
	found, rest, err := loadRoles(fs.Args(), stdin)
	if err != nil {
		fmt.Fprintln(stderr, "irsa-fn apply:", err)
		return 2 // could not read what to apply, as verify
	}
	roles := specs(found)
	if code := checkInput(roles, len(rest), opts.Prune, *allowEmpty, stderr); code != 0 {
		return code
	}
	owner, err := iamsync.ResolveOwners(roles, opts.Owner, opts.Prune)
	if err != nil {
		fmt.Fprintln(stderr, "irsa-fn apply:", err)
		return 2
	}
	opts.Owner = owner
	if *output == "text" {
		opts.Progress = progressLine(stderr, "apply")
	}
	ctx := context.Background()
	iamClient, stsClient, err := awsClients(ctx, roles)
	if err != nil {
		fmt.Fprintln(stderr, "irsa-fn apply:", err)
		return 2
	}
	rep := (&iamsync.Syncer{IAM: iamClient, STS: stsClient, Options: opts}).Apply(ctx, roles)
	if *output == "json" {
		if err := rep.WriteJSON(stdout, *onlyProblems); err != nil {
			fmt.Fprintln(stderr, "irsa-fn apply:", err)
			return 2
		}
	} else if rep.Err == nil {
		rep.Write(stdout, *onlyProblems)
	}
	if rep.Err != nil {
		fmt.Fprintln(stderr, "irsa-fn apply:", rep.Err)
	}
	return rep.ExitCode()
}

// checkInput stops a run whose input is empty — most often a render that failed upstream in a
// pipe without `set -o pipefail` — and a pruning run that declares no role, which would delete
// every role of its owner. It returns the exit code, 0 to go on.
func checkInput(roles []v1alpha1.IAMRoleSpec, others int, prune, allowEmpty bool, stderr io.Writer) int {
	switch {
	case len(roles) == 0 && others == 0:
		fmt.Fprintln(stderr, "irsa-fn apply: the input holds no objects at all: the render before it most likely failed "+
			"(in a pipe, use `set -o pipefail` so that its failure stops the pipeline); nothing was applied or pruned")
		return 2
	case len(roles) == 0 && prune && !allowEmpty:
		fmt.Fprintf(stderr, "irsa-fn apply: --prune with no IAMRole in the input (%d other objects) would delete every role of the owner; "+
			"render with output: [json], or pass --allow-empty if that is meant\n", others)
		return 2
	case len(roles) == 0 && !prune:
		fmt.Fprintln(stderr, "irsa-fn apply: no IAMRole found (render with output: [json], or give an irsa-fn export folder)")
		return 1
	}
	return 0
}

// progressLine reports, on a terminal, how many roles a command has worked on, redrawing one
// line, when it works on more than a few; elsewhere (a pipe, a CI log) it is nil.
func progressLine(w io.Writer, command string) func(done, total int) {
	if !isTerminal(w) {
		return nil
	}
	return progressWriter(w, command)
}

// progressWriter draws the progress line on w: "\r" and the count, a newline when done.
func progressWriter(w io.Writer, command string) func(done, total int) {
	return func(done, total int) {
		if total > progressThreshold {
			fmt.Fprintf(w, "\rirsa-fn %s: %d/%d roles", command, done, total)
			if done == total {
				fmt.Fprintln(w)
			}
		}
	}
}
