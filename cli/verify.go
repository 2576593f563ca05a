package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/generator"
	"github.com/irsa-dev/irsa-fn/iamsync"
)

// verifyUsage is what verify --help prints before the flags.
const verifyUsage = "Usage: irsa-fn verify [PATH...]\n\nReads the live IAM roles and OIDC providers and explains every way they differ from the\nrendered IAMRoles (and ServiceAccounts) in PATHs or stdin: a missing provider or audience\n(InvalidIdentityToken), a trust policy that refuses a declared service account (Not authorized\nto perform sts:AssumeRoleWithWebIdentity, or sts:AssumeRole for EKS Pod Identity) and why, and\nevery drifted field, a missing or foreign irsa.dev/owner tag included. Every annotated ServiceAccount\nand PodIdentityAssociation is checked against the live trust of the role it names.\n\nExit codes: 0 everything in sync, 1 drift, 2 could not check (credentials, endpoint, throttling,\na role of another account than the credentials') or a usage error. Drift wins over could not check.\n\nExample:\n  kustomize build --enable-alpha-plugins --enable-exec overlays/prod | irsa-fn verify\n\nFlags:\n"

// verifyCommand is `irsa-fn verify`; runVerify wraps it for -o json.
func verifyCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("irsa-fn verify", pflag.ContinueOnError)
	var opts iamsync.Options
	fs.IntVar(&opts.Concurrency, "concurrency", 4, "how many roles to read at once")
	fs.StringVar(&opts.Owner, "owner", "", "value the "+iamsync.OwnerTag+" tag must have (any value when empty; the tag must be there)")
	output := fs.StringP("output", "o", "text", "output format: text, or json (one JSON document, one result per role)")
	onlyProblems := fs.Bool("only-problems", false, "leave out the roles and OIDC providers that are in sync")
	if code, done := parseFlags(fs, args, verifyUsage, stdout, stderr); done {
		return code
	}
	if !outputFormatOK("verify", *output, stderr) {
		return 2
	}
	if opts.Owner == iamsync.LegacyOwner {
		fmt.Fprintf(stderr, "irsa-fn verify: --owner %q is the old default, which no pipeline owns; name this pipeline's owner\n", opts.Owner)
		return 2
	}
	found, rest, err := loadRoles(fs.Args(), stdin)
	if err != nil {
		fmt.Fprintln(stderr, "irsa-fn verify:", err)
		return 2
	}
	if len(found) == 0 {
		fmt.Fprintln(stderr, "irsa-fn verify: no IAMRole found (render with output: [json], or give an irsa-fn export folder)")
		return 2
	}
	bindings := map[string]string{}
	for _, r := range found {
		bindings[r.Spec.RoleName] = r.Binding
	}
	var sas []iamsync.ServiceAccount
	var assocs []iamsync.Association
	for _, n := range rest {
		if a, ok := association(n); ok {
			assocs = append(assocs, a)
			continue
		}
		if sa, ok := annotatedServiceAccount(n); ok {
			sas = append(sas, sa)
		}
	}
	ctx := context.Background()
	roles := specs(found)
	// Without the SDK's own log lines (a fallback to IMDSv1 while looking for credentials, say):
	// verify says once, itself, what could not be checked and why.
	iamClient, stsClient, err := awsClients(ctx, roles, config.WithLogger(logging.Nop{}))
	if err != nil {
		fmt.Fprintln(stderr, "irsa-fn verify: could not check:", err)
		return 2
	}
	if *output == "text" {
		opts.Progress = progressLine(stderr, "verify")
	}
	syncer := &iamsync.Syncer{IAM: iamClient, STS: stsClient, Options: opts}
	rep, err := syncer.Verify(ctx, roles, bindings, sas, assocs)
	if err != nil {
		fmt.Fprintln(stderr, "irsa-fn verify: could not check:", err)
		return 2
	}
	if *output == "json" {
		if err := rep.WriteJSON(stdout, *onlyProblems); err != nil {
			fmt.Fprintln(stderr, "irsa-fn verify:", err)
			return 2
		}
	} else {
		rep.Write(stdout, *onlyProblems)
	}
	switch rep.Status() {
	case iamsync.StatusDrift:
		return 1
	case iamsync.StatusUnchecked:
		return 2
	}
	return 0
}

// association reads an EKS Pod Identity association of the render, of any output that renders
// them (ACK, Crossplane).
func association(n *kyaml.RNode) (iamsync.Association, bool) {
	r := readObject(n)
	if r.Association == nil {
		return iamsync.Association{}, false
	}
	a := iamsync.Association{Cluster: r.Association.Cluster, Namespace: r.Association.Namespace, ServiceAccount: r.Association.ServiceAccount, RoleARN: r.Association.RoleARN}
	return a, a.RoleARN != "" && a.Cluster != "" && a.Namespace != "" && a.ServiceAccount != ""
}

// readObject reads what a rendered object stands for in AWS, through the output that renders it.
func readObject(n *kyaml.RNode) generator.Rendered {
	return generator.ReadObject(generator.ObjectView{
		APIVersion: n.GetApiVersion(), Kind: n.GetKind(), Annotations: n.GetAnnotations(),
		String: func(path ...string) string {
			v, _ := n.GetString(strings.Join(path, "."))
			return v
		},
	})
}

// annotatedServiceAccount reads a ServiceAccount annotated with a role: the role, the audience
// its tokens carry (the webhook's default when the annotation leaves it out) and its binding.
func annotatedServiceAccount(n *kyaml.RNode) (iamsync.ServiceAccount, bool) {
	if n.GetKind() != "ServiceAccount" || n.GetApiVersion() != "v1" {
		return iamsync.ServiceAccount{}, false
	}
	ann := n.GetAnnotations()
	if ann[generator.AnnotationRoleARN] == "" {
		return iamsync.ServiceAccount{}, false
	}
	aud := ann[generator.AnnotationAudience]
	if aud == "" {
		aud = v1alpha1.DefaultAudience
	}
	return iamsync.ServiceAccount{Namespace: n.GetNamespace(), Name: n.GetName(), RoleARN: ann[generator.AnnotationRoleARN], Audience: aud, Binding: ann[generator.AnnotationBinding]}, true
}

// outputFormatOK reports whether -o names a format the command writes (text or json), and says
// so on stderr when it does not.
func outputFormatOK(command, output string, stderr io.Writer) bool {
	if output == "text" || output == "json" {
		return true
	}
	fmt.Fprintf(stderr, "irsa-fn %s: -o %q: want text or json\n", command, output)
	return false
}
