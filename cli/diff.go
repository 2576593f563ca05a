package cli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/fn"
	"github.com/irsa-dev/irsa-fn/generator"
	"github.com/irsa-dev/irsa-fn/rolediff"
)

const diffUsage = "Usage: irsa-fn diff OLD NEW\n\nCompares two renders — each a rendered stream file, a folder (kpt package, export folder, YAML\nfiles) or - for stdin (one of them at most) — and reports what changed for IAM: per role (by\nname and account) the subjects its trust admits, actions and resources per effect (expanded\nthrough IAM's service reference, so s3:* -> s3:Get* narrows and s3:GetObject -> s3:Get*\nbroadens), wildcards, conditions, NotAction/NotResource, boundary, managed policies and session\nduration; per ServiceAccount, workload and Pod Identity association the role or service account\nit uses; IAM fields and objects it does not model, as written. Each change is broadening,\nnarrowing or neutral; when a change cannot be shown to grant no more, it is broadening.\n\nExit codes: 0 compared (with --fail-on broadening: and nothing broadens), 1 a broadening change\nwith --fail-on broadening, 2 usage or input error.\n\nExample (a pull request's base and head):\n  kustomize build --enable-alpha-plugins --enable-exec base-checkout/overlays/prod > old.yaml\n  kustomize build --enable-alpha-plugins --enable-exec overlays/prod | irsa-fn diff -o markdown old.yaml -\n\nFlags:\n"

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
	rest = flattenLists(rest)
	var twice []string
	for _, n := range rest {
		if key := duplicateKey(n.YNode(), ""); key != "" {
			twice = append(twice, fmt.Sprintf("%s %s/%s: key %s written twice: YAML readers differ on which value they keep (this comparison would read the first, others the last); write it once", n.GetKind(), n.GetNamespace(), n.GetName(), key))
		}
	}
	if len(twice) > 0 {
		return rolediff.Input{}, fmt.Errorf("%s", strings.Join(twice, "\n"))
	}
	if names := unrenderedBindings(rest); len(names) > 0 {
		what := "the IRSABinding"
		if len(names) > 1 {
			what += "s"
		}
		return rolediff.Input{}, fmt.Errorf("not a render: it holds %s %s, which no irsa-fn run rendered (a render drops its bindings or marks them local config), so its roles would count as removed; render it first: kustomize build --enable-alpha-plugins --enable-exec DIR > rendered.yaml, or kpt fn render on a copy of the package",
			what, strings.Join(names, ", "))
	}
	var in rolediff.Input
	for _, r := range found {
		role := rolediff.Role{Name: r.Spec.RoleName, Account: r.Spec.AccountID, Source: r.Source, Trust: r.Spec.TrustPolicy,
			Managed: r.Spec.ManagedPolicies, Boundary: r.Spec.PermissionsBoundary, MaxSessionDuration: r.Spec.MaxSessionDuration}
		for _, p := range r.Spec.InlinePolicies {
			role.Inline = append(role.Inline, rolediff.Policy{Name: p.Name, Document: p.Document})
		}
		if r.Spec.Path != "" && r.Spec.Path != "/" {
			role.Other = map[string]string{"path": r.Spec.Path}
		}
		for _, t := range r.Spec.Tags {
			if role.Other == nil {
				role.Other = map[string]string{}
			}
			role.Other["tags."+t.Key] = t.Value
		}
		in.Roles = append(in.Roles, role)
	}
	// Crossplane renders a role's inline and managed policies as objects of their own, which
	// reference the Role object by name.
	crossplane := map[string]*rolediff.Role{}
	var policies, attachments []*kyaml.RNode
	for _, n := range rest {
		if before := len(in.Associations); readBinding(n, &in.ServiceAccounts, &in.Associations) {
			if len(in.Associations) == before {
				in.TokenLifetimes = append(in.TokenLifetimes, rolediff.TokenLifetime{Namespace: n.GetNamespace(), Name: n.GetName(),
					Value: n.GetAnnotations()[generator.AnnotationTokenExpiration]})
			}
			if len(in.Associations) > before {
				// What the comparison does not read of an association (a target role for role
				// chaining, session tags turned off…) is compared as written.
				extra := unread(n, "clusterName", "namespace", "serviceAccount", "roleARN", "roleArn", "region")
				delete(extra, "spec.providerConfigRef")
				unmodeledFields(&in, n, extra)
			}
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
		crossplaneIAM := strings.HasPrefix(group, "iam.aws.") && strings.HasSuffix(group, "upbound.io")
		switch {
		case group == "iam.services.k8s.aws" && n.GetKind() == "Role":
			in.Roles = append(in.Roles, ackRole(n))
		case group == "iam.services.k8s.aws" && n.GetKind() == "Policy":
			in.Policies = append(in.Policies, rolediff.ManagedPolicy{Path: field(n, "spec.path"), Name: field(n, "spec.name"), Document: field(n, "spec.policyDocument")})
			// What the comparison does not read of a policy (its adoption annotations, which can
			// make it take over a policy other roles attach, its tags…) is compared as written.
			unmodeledFields(&in, n, unread(n, "path", "name", "policyDocument", "description"))
		case crossplaneIAM && n.GetKind() == "Role":
			r := readObject(n)
			role := rolediff.Role{Name: r.RoleName, Source: n.GetKind() + " " + n.GetName(), Trust: r.Trust,
				Boundary: field(n, "spec.forProvider.permissionsBoundary"), MaxSessionDuration: number(n, "spec.forProvider.maxSessionDuration"),
				Other: unread(n, "assumeRolePolicy", "permissionsBoundary", "maxSessionDuration", "description")}
			crossplane[n.GetNamespace()+"/"+n.GetName()] = &role
		case crossplaneIAM && n.GetKind() == "RolePolicy":
			policies = append(policies, n)
		case crossplaneIAM && n.GetKind() == "RolePolicyAttachment":
			attachments = append(attachments, n)
		case iamGroup(group):
			in.Unmodeled = append(in.Unmodeled, unmodeled(n))
		case n.GetKind() != "ServiceAccount":
			// A kind the comparison does not know may still run pods as a service account
			// (an Argo Workflow, a Tekton PipelineRun, a SparkApplication): any service account
			// it names counts as its workload's.
			for _, sa := range namedServiceAccounts(n.YNode()) {
				in.Workloads = append(in.Workloads, rolediff.Workload{Kind: n.GetKind(), Namespace: n.GetNamespace(), Name: n.GetName(), ServiceAccount: sa})
			}
		}
	}
	// A policy or attachment is the role's when it references the role object and says nothing
	// else (no role named by external name or selector, the same provider configuration);
	// otherwise it is compared as written.
	roleOf := func(n *kyaml.RNode, read string) *rolediff.Role {
		r := crossplane[n.GetNamespace()+"/"+field(n, "spec.forProvider.roleRef.name")]
		rest := unread(n, read, "roleRef")
		if r == nil || rest["spec.providerConfigRef"] != r.Other["spec.providerConfigRef"] {
			return nil
		}
		delete(rest, "spec.providerConfigRef")
		if len(rest) > 0 {
			return nil
		}
		return r
	}
	for _, p := range policies {
		if r := roleOf(p, "policy"); r != nil {
			name := p.GetAnnotations()[generator.AnnotationExternalName]
			r.Inline = append(r.Inline, rolediff.Policy{Name: name, Document: field(p, "spec.forProvider.policy")})
		} else {
			in.Unmodeled = append(in.Unmodeled, unmodeled(p))
		}
	}
	for _, a := range attachments {
		if r := roleOf(a, "policyArn"); r != nil {
			r.Managed = append(r.Managed, field(a, "spec.forProvider.policyArn"))
		} else {
			in.Unmodeled = append(in.Unmodeled, unmodeled(a))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(crossplane)) {
		in.Roles = append(in.Roles, *crossplane[k])
	}
	inferAccounts(&in)
	return in, nil
}

// iamGroup reports whether an API group is one of AWS IAM's, as ACK and Crossplane's AWS
// providers name them.
func iamGroup(group string) bool {
	return group == "iam.services.k8s.aws" || group == "identity.aws.crossplane.io" ||
		(strings.HasPrefix(group, "iam.aws.") && strings.HasSuffix(group, "upbound.io"))
}

// unmodeled is an IAM object the comparison does not model, compared as written.
func unmodeled(n *kyaml.RNode) rolediff.Object {
	return rolediff.Object{Kind: n.GetKind() + "." + strings.Split(n.GetApiVersion(), "/")[0], Namespace: n.GetNamespace(), Name: n.GetName(), Content: oneLine(n)}
}

// oneLine writes a node as JSON on one line, keys sorted: the same value written as YAML or
// JSON, in any key order, is the same line.
func oneLine(n *kyaml.RNode) string {
	var v any
	if err := n.YNode().Decode(&v); err == nil {
		if b, err := json.Marshal(v); err == nil {
			return string(b)
		}
	}
	return strings.Join(strings.Fields(n.MustString()), " ")
}

// flattenLists replaces each List (kind v1 List, or any *List with items, as kubectl applies
// them) by its items, so that an object wrapped in a list is read like any other.
func flattenLists(nodes []*kyaml.RNode) []*kyaml.RNode {
	var out []*kyaml.RNode
	for _, n := range nodes {
		items, err := n.Pipe(kyaml.Lookup("items"))
		if !strings.HasSuffix(n.GetKind(), "List") || err != nil || items == nil {
			out = append(out, n)
			continue
		}
		elems, _ := items.Elements()
		out = append(out, flattenLists(elems)...)
	}
	return out
}

// namedServiceAccounts lists the values of the serviceAccountName and serviceAccount fields
// anywhere in a node, sorted, without repeats.
func namedServiceAccounts(n *kyaml.Node) []string {
	var out []string
	var walk func(n *kyaml.Node)
	walk = func(n *kyaml.Node) {
		for i, c := range n.Content {
			if n.Kind == kyaml.MappingNode && i%2 == 0 && i+1 < len(n.Content) && (c.Value == "serviceAccountName" || c.Value == "serviceAccount") &&
				n.Content[i+1].Kind == kyaml.ScalarNode && n.Content[i+1].Value != "" {
				out = append(out, n.Content[i+1].Value)
			}
			walk(c)
		}
	}
	walk(n)
	slices.Sort(out)
	return slices.Compact(out)
}

// duplicateKey returns the path of a mapping key written twice in a node, "" when there is none.
func duplicateKey(n *kyaml.Node, path string) string {
	switch n.Kind {
	case kyaml.DocumentNode, kyaml.SequenceNode:
		for i, c := range n.Content {
			if k := duplicateKey(c, fmt.Sprintf("%s[%d]", path, i)); k != "" {
				return k
			}
		}
	case kyaml.MappingNode:
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := strings.TrimPrefix(path+"."+n.Content[i].Value, ".")
			if seen[n.Content[i].Value] {
				return key
			}
			seen[n.Content[i].Value] = true
			if k := duplicateKey(n.Content[i+1], key); k != "" {
				return k
			}
		}
	}
	return ""
}

// unread lists, by field path, what an ACK or Crossplane object's spec holds beyond the fields
// the comparison reads (for Crossplane, named under spec.forProvider) — path, tags, policy
// references, inline policies and managed policies written on a Crossplane Role, another
// provider configuration, spec.initProvider… — and for ACK its adoption annotations.
func unread(n *kyaml.RNode, read ...string) map[string]string {
	out := map[string]string{}
	add := func(prefix []string, skip func(string) bool) {
		m, err := n.Pipe(kyaml.Lookup(prefix...))
		if err != nil || m == nil || m.YNode().Kind != kyaml.MappingNode {
			return
		}
		fields, _ := m.Fields()
		for _, f := range fields {
			if !skip(f) {
				v := m.Field(f).Value
				out[strings.Join(append(slices.Clone(prefix), f), ".")] = oneLine(v)
			}
		}
	}
	if _, err := n.Pipe(kyaml.Lookup("spec", "forProvider")); err == nil && strings.Contains(n.GetApiVersion(), "upbound.io") {
		add([]string{"spec"}, func(f string) bool { return f == "forProvider" })
		add([]string{"spec", "forProvider"}, func(f string) bool { return slices.Contains(read, f) })
		return out
	}
	add([]string{"spec"}, func(f string) bool { return slices.Contains(read, f) })
	// ACK's adoption annotations can make the object take over another IAM resource.
	for k, v := range n.GetAnnotations() {
		if strings.HasPrefix(k, "services.k8s.aws/adoption") {
			out["metadata.annotations."+k] = v
		}
	}
	return out
}

// unmodeledFields adds the fields of an object the comparison does not read, when it has any,
// to the input's unmodeled objects, so that any change to them is seen.
func unmodeledFields(in *rolediff.Input, n *kyaml.RNode, extra map[string]string) {
	if len(extra) == 0 {
		return
	}
	b, _ := json.Marshal(extra)
	in.Unmodeled = append(in.Unmodeled, rolediff.Object{Kind: n.GetKind() + " fields", Namespace: n.GetNamespace(), Name: n.GetName(), Content: string(b)})
}

// ackRole reads an ACK Role: its spec holds the whole role.
func ackRole(n *kyaml.RNode) rolediff.Role {
	r := rolediff.Role{Name: field(n, "spec.name"), Source: n.GetKind() + " " + n.GetNamespace() + "/" + n.GetName(),
		Trust: field(n, "spec.assumeRolePolicyDocument"), Boundary: field(n, "spec.permissionsBoundary"),
		MaxSessionDuration: number(n, "spec.maxSessionDuration"),
		Other:              unread(n, "name", "assumeRolePolicyDocument", "permissionsBoundary", "maxSessionDuration", "inlinePolicies", "policies", "description")}
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

// unrenderedBindings names the IRSABindings among an input's objects: irsa-fn marks every
// binding it renders local config, which the reader leaves out, and kustomize drops them, so a
// binding left is one no run rendered: the input is a source folder or file, not a render.
func unrenderedBindings(objs []*kyaml.RNode) []string {
	var out []string
	for _, n := range objs {
		if n.GetApiVersion() != v1alpha1.APIVersion || n.GetKind() != v1alpha1.KindBinding {
			continue
		}
		name := n.GetName()
		if ns := n.GetNamespace(); ns != "" {
			name = ns + "/" + name
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
