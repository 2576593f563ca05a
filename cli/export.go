package cli

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/irsa-dev/irsa-fn/export"
)

const exportUsage = `Usage: irsa-fn export --out DIR [--allow-empty] [--force] [PATH...]

Reads a rendered stream from stdin, or files and kpt package folders, writes each IAMRole
to DIR/<role>/trust-policy.json, DIR/<role>/<policy>.json and DIR/<role>/role.json, and
prints every other object (not local config) on stdout.

DIR/` + export.ManifestFile + ` lists the files export wrote; the next export removes only
those (and role folders left empty), so other files in DIR are kept. export never writes
through a symbolic link: DIR holding one is refused. A non-empty DIR without the manifest is
refused unless --force.

Empty input is refused (exit 2): in a pipeline it usually means the command before the pipe
failed; run the pipeline under 'set -o pipefail'. Input without an IAMRole is refused
(exit 1) unless --allow-empty. In both cases nothing is written or removed.

Exit codes: 0 written; 1 refused (a role, DIR's content, no IAMRole) or failed; 2 no input
or a usage error.

Example:
  set -o pipefail
  kustomize build --enable-alpha-plugins --enable-exec overlays/prod | irsa-fn export --out iam > manifests.yaml
  aws iam create-role --role-name S3WriterRole --assume-role-policy-document file://iam/S3WriterRole/trust-policy.json

Flags:
`

// runExport is `irsa-fn export --out DIR [PATH...]`.
func runExport(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("irsa-fn export", pflag.ContinueOnError)
	out := fs.String("out", "", "folder to write DIR/<role>/*.json into (required)")
	allowEmpty := fs.Bool("allow-empty", false, "accept input without an IAMRole: remove every role the last export wrote")
	force := fs.Bool("force", false, "take over a non-empty DIR without "+export.ManifestFile+" (only folders holding a role.json count as irsa-fn's)")
	if code, done := parseFlags(fs, args, exportUsage, stdout, stderr); done {
		return code
	}
	if *out == "" {
		fmt.Fprintln(stderr, "irsa-fn export: --out DIR is required\nRun 'irsa-fn export --help' for usage.")
		return 2
	}
	in, err := export.ReadInput(fs.Args(), stdin)
	if err != nil {
		fmt.Fprintln(stderr, "irsa-fn export:", err)
		return 1
	}
	if in.Documents == 0 {
		from := "stdin"
		if len(fs.Args()) > 0 {
			from = strings.Join(fs.Args(), ", ")
		}
		fmt.Fprintf(stderr, "irsa-fn export: no input: %s held no YAML document; if it comes from a pipe, the command before it probably failed (run the pipeline under 'set -o pipefail'); nothing was written to %s\n", from, *out)
		return 2
	}
	if len(in.Roles) == 0 && !*allowEmpty {
		fmt.Fprintf(stderr, "irsa-fn export: %d document(s) but no irsa.dev/v1alpha1 IAMRole (bindings render one with output: [json]); pass --allow-empty to export none and remove the roles the last export wrote; nothing was written to %s\n", in.Documents, *out)
		return 1
	}
	if errs := export.Check(in.Roles); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(stderr, "irsa-fn export:", e)
		}
		fmt.Fprintf(stderr, "irsa-fn export: %d error(s); nothing was written\n", len(errs))
		return 1
	}
	var manifests bytes.Buffer
	if err := export.WriteManifests(&manifests, in.Rest); err != nil {
		fmt.Fprintln(stderr, "irsa-fn export:", err)
		return 1
	}
	if err := export.Write(*out, in.Roles, export.WriteOptions{Force: *force}); err != nil {
		fmt.Fprintln(stderr, "irsa-fn export:", err)
		return 1
	}
	if _, err := stdout.Write(manifests.Bytes()); err != nil {
		fmt.Fprintln(stderr, "irsa-fn export:", err)
		return 1
	}
	fmt.Fprintf(stderr, "irsa-fn export: %d role(s) written to %s, %d object(s) on stdout\n", len(in.Roles), *out, len(in.Rest))
	return 0
}
