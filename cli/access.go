package cli

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/irsa-dev/irsa-fn/access"
)

const accessUsage = "Usage: irsa-fn access [PATH...]\n\nLists, for every role of the rendered output in PATHs (files, kpt packages, export folders)\nor stdin, who can assume it — mechanism (IRSA or Pod Identity), cluster, namespace, service\naccount, audience — read from its trust policy itself, StringLike patterns shown as written;\nthen every annotated ServiceAccount and Pod Identity association, its role and whether that\nrole admits it (as verify evaluates it, without AWS).\n\nExit codes: 0 ok, 1 a ServiceAccount or association is refused by its role, 2 usage or input error.\n\nExample:\n  kustomize build --enable-alpha-plugins --enable-exec overlays/prod | irsa-fn access\n\nFlags:\n"

// runAccess is `irsa-fn access`: who can assume each rendered role, read from its trust policy,
// and whether each ServiceAccount's and association's role admits it. No AWS call.
func runAccess(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return withJSONErrors(args, stdout, stderr, func(stdout, stderr io.Writer) int {
		fs := pflag.NewFlagSet("irsa-fn access", pflag.ContinueOnError)
		output := fs.StringP("output", "o", "text", "output format: text, or json (one JSON document)")
		if code, done := parseFlags(fs, args, accessUsage, stdout, stderr); done {
			return code
		}
		if !outputFormatOK("access", *output, stderr) {
			return 2
		}
		found, rest, err := loadRoles(fs.Args(), stdin)
		if err != nil {
			fmt.Fprintln(stderr, "irsa-fn access:", err)
			return 2
		}
		var in access.Input
		for _, r := range found {
			in.Roles = append(in.Roles, access.RoleInput{Name: r.Spec.RoleName, Account: r.Spec.AccountID, ARN: r.Spec.ARN, Source: r.Source, Trust: r.Spec.TrustPolicy})
		}
		for _, n := range rest {
			if readBinding(n, &in.ServiceAccounts, &in.Associations) {
				continue
			}
			if r := readObject(n); r.RoleName != "" && r.Trust != "" {
				in.Roles = append(in.Roles, access.RoleInput{Name: r.RoleName, Account: r.RoleAccount, Source: n.GetKind() + " " + n.GetNamespace() + "/" + n.GetName(), Trust: r.Trust})
			}
		}
		if len(in.Roles) == 0 && len(in.ServiceAccounts) == 0 && len(in.Associations) == 0 {
			fmt.Fprintln(stderr, "irsa-fn access: no role, annotated ServiceAccount or Pod Identity association found in the input")
			return 2
		}
		rep := access.Evaluate(in)
		write := rep.WriteText
		if *output == "json" {
			write = rep.WriteJSON
		}
		if err := write(stdout); err != nil {
			fmt.Fprintln(stderr, "irsa-fn access:", err)
			return 2
		}
		return rep.ExitCode()
	})
}

// readBinding adds a Pod Identity association or an annotated ServiceAccount of the render to
// its list, and reports whether the object was one.
func readBinding(n *kyaml.RNode, sas *[]access.ServiceAccount, assocs *[]access.Association) bool {
	if a, ok := association(n); ok {
		*assocs = append(*assocs, access.Association{Cluster: a.Cluster, Namespace: a.Namespace, ServiceAccount: a.ServiceAccount, RoleARN: a.RoleARN})
		return true
	}
	if sa, ok := annotatedServiceAccount(n); ok {
		*sas = append(*sas, access.ServiceAccount{Namespace: sa.Namespace, Name: sa.Name, RoleARN: sa.RoleARN, Audience: sa.Audience})
		return true
	}
	return false
}
