package cli

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/irsa-dev/irsa-fn/fn"
	"github.com/irsa-dev/irsa-fn/generator"
	"github.com/irsa-dev/irsa-fn/rolediff"
)

const diffUsage = "Usage: irsa-fn diff OLD NEW\n\nCompares two renders — each a rendered stream file, a folder (kpt package, export folder, YAML\nfiles) or - for stdin (one of them at most) — and reports what changed for IAM: per role (by\nname and account) the subjects its trust admits, actions and resources per effect (expanded\nthrough IAM's service reference, so s3:* -> s3:Get* narrows and s3:GetObject -> s3:Get*\nbroadens), wildcards, conditions, NotAction/NotResource, boundary, managed policies and session\nduration; per ServiceAccount, workload and Pod Identity association the role or service account\nit uses. Each change is broadening, narrowing or neutral; when a change cannot be shown to grant\nno more, it is broadening.\n\nExit codes: 0 compared (with --fail-on broadening: and nothing broadens), 1 a broadening change\nwith --fail-on broadening, 2 usage or input error.\n\nExample (a pull request's base and head):\n  kustomize build --enable-alpha-plugins --enable-exec base-checkout/overlays/prod > old.yaml\n  kustomize build --enable-alpha-plugins --enable-exec overlays/prod | irsa-fn diff -o markdown old.yaml -\n\nFlags:\n"

// runDiff is `irsa-fn diff OLD NEW`: the IAM-relevant difference between two renders.
func runDiff(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return withJSONErrors(args, stdout, stderr, func(stdout, stderr io.Writer) int {
		fs := pflag.NewFlagSet("irsa-fn diff", pflag.ContinueOnError)
		output := fs.StringP("output", "o", "text", "output format: text, markdown (a pull request comment) or json (one JSON document)")
		failOn := fs.String("fail-on", "", "broadening: exit 1 when a change cannot be shown to narrow or keep access")
		_ = fs.SetAnnotation("output", completionValues, []string{"text", "markdown", "json"}) // both flags exist
		_ = fs.SetAnnotation("fail-on", completionValues, []string{"broadening"})
		if code, done := parseFlags(fs, args, diffUsage, stdout, stderr); done {
			return code
		}
		var problems []string
		if o := *output; o != "text" && o != "markdown" && o != "json" {
			problems = append(problems, fmt.Sprintf("-o %q: want text, markdown or json", o))
		}
		if f := *failOn; f != "" && f != "broadening" {
			problems = append(problems, fmt.Sprintf("--fail-on %q: want broadening", f))
		}
		paths := fs.Args()
		switch {
		case len(paths) != 2:
			problems = append(problems, fmt.Sprintf("want two inputs, OLD and NEW, found %d", len(paths)))
		case paths[0] == "-" && paths[1] == "-":
			problems = append(problems, "OLD and NEW are both - (stdin): at most one of them may be")
		}
		if len(problems) > 0 {
			for _, p := range problems {
				fmt.Fprintln(stderr, "irsa-fn diff:", p)
			}
			fmt.Fprintln(stderr, "Run 'irsa-fn diff --help' for usage.")
			return 2
		}
		var inputs [2]rolediff.Input
		for i, p := range paths {
			in, err := readDiffInput(p, stdin)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s %s: %v", []string{"OLD", "NEW"}[i], p, err))
			}
			inputs[i] = in
		}
		if len(problems) > 0 {
			for _, p := range problems {
				fmt.Fprintln(stderr, "irsa-fn diff:", p)
			}
			return 2
		}
		rep := rolediff.Compare(inputs[0], inputs[1])
		code := 0
		if *failOn == "broadening" && rep.Broadening() {
			code = 1
		}
		var err error
		switch *output {
		case "json":
			err = rep.WriteJSON(stdout, code)
		case "markdown":
			err = rep.WriteMarkdown(stdout)
		default:
			err = rep.WriteText(stdout)
		}
		if err != nil {
			fmt.Fprintln(stderr, "irsa-fn diff:", err)
			return 2
		}
		return code
	})
}

// readDiffInput reads one side of a diff: a file, a folder, or - for stdin.
func readDiffInput(path string, stdin io.Reader) (rolediff.Input, error) {
	var paths []string
	if path != "-" {
		paths = []string{path}
	}
	found, rest, err := loadRoles(paths, stdin)
	if err != nil {
		return rolediff.Input{}, err
	}
	if len(found) == 0 && len(rest) == 0 {
		return rolediff.Input{}, fmt.Errorf("no object found: an empty render (did the command that renders it fail?)")
	}
	var in rolediff.Input
	for _, r := range found {
		role := rolediff.Role{Name: r.Spec.RoleName, Account: r.Spec.AccountID, Source: r.Source, Trust: r.Spec.TrustPolicy,
			Managed: r.Spec.ManagedPolicies, Boundary: r.Spec.PermissionsBoundary, MaxSessionDuration: r.Spec.MaxSessionDuration}
		for _, p := range r.Spec.InlinePolicies {
			role.Inline = append(role.Inline, rolediff.Policy{Name: p.Name, Document: p.Document})
		}
		in.Roles = append(in.Roles, role)
	}
	// Crossplane renders a role's inline and managed policies as objects of their own, which
	// reference the Role object by name.
	crossplane := map[string]*rolediff.Role{}
	var policies, attachments []*kyaml.RNode
	for _, n := range rest {
		if readBinding(n, &in.ServiceAccounts, &in.Associations) {
			continue
		}
		if path, ok := fn.WorkloadPodSpec(n.GetApiVersion(), n.GetKind()); ok {
			// The API server takes the deprecated serviceAccount when serviceAccountName is empty.
			sa := cmp.Or(field(n, strings.Join(append(slices.Clone(path), "serviceAccountName"), ".")),
				field(n, strings.Join(append(slices.Clone(path), "serviceAccount"), ".")), "default")
			in.Workloads = append(in.Workloads, rolediff.Workload{Kind: n.GetKind(), Namespace: n.GetNamespace(), Name: n.GetName(), ServiceAccount: sa})
			continue
		}
		group, _, _ := strings.Cut(n.GetApiVersion(), "/")
		switch {
		case group == "iam.services.k8s.aws" && n.GetKind() == "Role":
			in.Roles = append(in.Roles, ackRole(n))
		case group == "iam.services.k8s.aws" && n.GetKind() == "Policy":
			in.Policies = append(in.Policies, rolediff.ManagedPolicy{Path: field(n, "spec.path"), Name: field(n, "spec.name"), Document: field(n, "spec.policyDocument")})
		case strings.HasPrefix(group, "iam.aws.") && strings.HasSuffix(group, "upbound.io") && n.GetKind() == "Role":
			r := readObject(n)
			role := rolediff.Role{Name: r.RoleName, Source: n.GetKind() + " " + n.GetName(), Trust: r.Trust,
				Boundary: field(n, "spec.forProvider.permissionsBoundary"), MaxSessionDuration: number(n, "spec.forProvider.maxSessionDuration")}
			crossplane[n.GetNamespace()+"/"+n.GetName()] = &role
		case strings.HasPrefix(group, "iam.aws.") && n.GetKind() == "RolePolicy":
			policies = append(policies, n)
		case strings.HasPrefix(group, "iam.aws.") && n.GetKind() == "RolePolicyAttachment":
			attachments = append(attachments, n)
		}
	}
	for _, p := range policies {
		if r := crossplane[p.GetNamespace()+"/"+field(p, "spec.forProvider.roleRef.name")]; r != nil {
			name := p.GetAnnotations()[generator.AnnotationExternalName]
			r.Inline = append(r.Inline, rolediff.Policy{Name: name, Document: field(p, "spec.forProvider.policy")})
		}
	}
	for _, a := range attachments {
		if r := crossplane[a.GetNamespace()+"/"+field(a, "spec.forProvider.roleRef.name")]; r != nil {
			r.Managed = append(r.Managed, field(a, "spec.forProvider.policyArn"))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(crossplane)) {
		in.Roles = append(in.Roles, *crossplane[k])
	}
	inferAccounts(&in)
	return in, nil
}

// ackRole reads an ACK Role: its spec holds the whole role.
func ackRole(n *kyaml.RNode) rolediff.Role {
	r := rolediff.Role{Name: field(n, "spec.name"), Source: n.GetKind() + " " + n.GetNamespace() + "/" + n.GetName(),
		Trust: field(n, "spec.assumeRolePolicyDocument"), Boundary: field(n, "spec.permissionsBoundary"),
		MaxSessionDuration: number(n, "spec.maxSessionDuration")}
	if m, err := n.Pipe(kyaml.Lookup("spec", "inlinePolicies")); err == nil && m != nil {
		fields, _ := m.Fields()
		for _, name := range fields {
			doc, _ := m.GetString(name)
			r.Inline = append(r.Inline, rolediff.Policy{Name: name, Document: doc})
		}
	}
	if l, err := n.Pipe(kyaml.Lookup("spec", "policies")); err == nil && l != nil {
		elems, _ := l.Elements()
		for _, e := range elems {
			r.Managed = append(r.Managed, kyaml.GetValue(e))
		}
	}
	return r
}

// field is the string at a dotted path of an object; empty when there is none.
func field(n *kyaml.RNode, path string) string {
	v, _ := n.GetString(path)
	return v
}

// number is the integer at a dotted path of an object; 0 when there is none.
func number(n *kyaml.RNode, path string) int64 {
	v, err := n.Pipe(kyaml.Lookup(strings.Split(path, ".")...))
	if err != nil || v == nil {
		return 0
	}
	i, _ := strconv.ParseInt(kyaml.GetValue(v), 10, 64)
	return i
}

// inferAccounts sets the account of roles whose render does not say it (ACK, Crossplane) from
// the role ARNs the input's ServiceAccounts and associations name, when they name one account
// for the role; so roles match across renders by name and account whatever the output.
func inferAccounts(in *rolediff.Input) {
	accounts := map[string][]string{}
	note := func(arn string) {
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) == 6 && strings.HasPrefix(parts[5], "role/") {
			name := parts[5][strings.LastIndex(parts[5], "/")+1:]
			if !slices.Contains(accounts[name], parts[4]) {
				accounts[name] = append(accounts[name], parts[4])
			}
		}
	}
	for _, sa := range in.ServiceAccounts {
		note(sa.RoleARN)
	}
	for _, a := range in.Associations {
		note(a.RoleARN)
	}
	for i, r := range in.Roles {
		if r.Account == "" && len(accounts[r.Name]) == 1 {
			in.Roles[i].Account = accounts[r.Name][0]
		}
	}
}
