package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/generator"
	"github.com/irsa-dev/irsa-fn/iamsync"
)

// runVerify is `irsa-fn verify`.
func runVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("irsa-fn verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	concurrency := fs.Int("concurrency", 4, "how many roles to read at once")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: irsa-fn verify [PATH...]\n\nReads the live IAM roles and OIDC providers and explains every way they differ from the\nrendered IAMRoles (and ServiceAccounts) in PATHs or stdin: a missing provider or audience\n(InvalidIdentityToken), a trust policy that refuses a declared service account (Not authorized\nto perform sts:AssumeRoleWithWebIdentity) and why, and every drifted field. Exit 0 only when\neverything matches.\n\nExample:\n  kustomize build --enable-alpha-plugins --enable-exec overlays/prod | irsa-fn verify\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	found, rest, err := loadRoles(fs.Args(), stdin)
	if err != nil {
		fmt.Fprintln(stderr, "irsa-fn verify:", err)
		return 1
	}
	if len(found) == 0 {
		fmt.Fprintln(stderr, "irsa-fn verify: no IAMRole found (render with output: [json], or give an irsa-fn export folder)")
		return 1
	}
	bindings := map[string]string{}
	for _, r := range found {
		bindings[r.Spec.RoleName] = r.Binding
	}
	var sas []iamsync.ServiceAccount
	for _, n := range rest {
		if n.GetKind() != "ServiceAccount" || n.GetApiVersion() != "v1" {
			continue
		}
		ann := n.GetAnnotations()
		if ann[generator.AnnotationRoleARN] == "" {
			continue
		}
		aud := ann[generator.AnnotationAudience]
		if aud == "" {
			aud = v1alpha1.DefaultAudience
		}
		sas = append(sas, iamsync.ServiceAccount{Namespace: n.GetNamespace(), Name: n.GetName(), RoleARN: ann[generator.AnnotationRoleARN], Audience: aud, Binding: ann[generator.AnnotationBinding]})
	}
	ctx := context.Background()
	roles := specs(found)
	iamClient, stsClient, err := awsClients(ctx, roles)
	if err != nil {
		fmt.Fprintln(stderr, "irsa-fn verify:", err)
		return 1
	}
	syncer := &iamsync.Syncer{IAM: iamClient, STS: stsClient, Options: iamsync.Options{Concurrency: *concurrency}}
	rep := syncer.Verify(ctx, roles, bindings, sas)
	rep.Write(stdout)
	if !rep.OK() {
		return 1
	}
	return 0
}
