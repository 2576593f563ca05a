package cli

import (
	"bytes"
	"flag"
	"fmt"
	"io"

	"github.com/irsa-dev/irsa-fn/export"
)

// runExport is `irsa-fn export --out DIR [PATH...]`.
func runExport(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("irsa-fn export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "folder to write DIR/<role>/*.json into (required)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: irsa-fn export --out DIR [PATH...]\n\nReads a rendered stream from stdin, or files and kpt package folders, writes each IAMRole\nto DIR/<role>/trust-policy.json, DIR/<role>/<policy>.json and DIR/<role>/role.json, and\nprints every other object (not local config) on stdout.\n\nExample:\n  kustomize build --enable-alpha-plugins --enable-exec overlays/prod | irsa-fn export --out iam > manifests.yaml\n  aws iam create-role --role-name S3WriterRole --assume-role-policy-document file://iam/S3WriterRole/trust-policy.json\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if *out == "" {
		fmt.Fprintln(stderr, "irsa-fn export: --out DIR is required")
		fs.Usage()
		return 2
	}
	roles, rest, err := export.Read(fs.Args(), stdin)
	if err != nil {
		fmt.Fprintln(stderr, "irsa-fn export:", err)
		return 1
	}
	if errs := export.Check(roles); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(stderr, "irsa-fn export:", e)
		}
		fmt.Fprintf(stderr, "irsa-fn export: %d error(s); nothing was written\n", len(errs))
		return 1
	}
	var manifests bytes.Buffer
	if err := export.WriteManifests(&manifests, rest); err != nil {
		fmt.Fprintln(stderr, "irsa-fn export:", err)
		return 1
	}
	if err := export.Write(*out, roles); err != nil {
		fmt.Fprintln(stderr, "irsa-fn export:", err)
		return 1
	}
	if _, err := stdout.Write(manifests.Bytes()); err != nil {
		fmt.Fprintln(stderr, "irsa-fn export:", err)
		return 1
	}
	fmt.Fprintf(stderr, "irsa-fn export: %d role(s) written to %s, %d object(s) on stdout\n", len(roles), *out, len(rest))
	return 0
}
