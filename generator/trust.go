package generator

import (
	"strings"

	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// PodIdentityPrincipal is the service principal EKS Pod Identity assumes roles as.
const PodIdentityPrincipal = "pods.eks.amazonaws.com"

// Subject is the sub claim of a service account's projected token.
func Subject(namespace, name string) string {
	return "system:serviceaccount:" + namespace + ":" + name
}

// trustPolicy builds the trust policy. For Pod Identity, one statement trusts the EKS Pod
// Identity service principal. For IRSA, for each cluster, one statement per audience in use,
// trusting the cluster's OIDC provider for exactly the declared subjects with that audience (so
// no service account is admitted with another's audience). With a subject pattern, the sub
// condition is StringLike on the pattern instead.
func (r *resolver) trustPolicy() iampolicy.Document {
	audiences, subjects := r.audiences()
	doc := iampolicy.Document{Version: iampolicy.Version}
	if r.podIdentity() {
		doc.Statement = append(doc.Statement, iampolicy.Statement{
			Effect:    "Allow",
			Principal: &iampolicy.Principal{Service: iampolicy.Values{PodIdentityPrincipal}},
			Action:    iampolicy.Values{"sts:AssumeRole", "sts:TagSession"},
		})
	}
	if !r.irsa() {
		return doc
	}
	for _, c := range r.clusters {
		key := c.issuer.HostPath
		for _, aud := range audiences {
			cond := iampolicy.Condition{"StringEquals": {key + ":aud": {aud}}}
			if p := r.spec.SubjectPattern; p != "" {
				cond["StringLike"] = map[string]iampolicy.Values{key + ":sub": {p}}
			} else {
				cond["StringEquals"][key+":sub"] = subjects[aud]
			}
			doc.Statement = append(doc.Statement, iampolicy.Statement{
				Effect:    "Allow",
				Principal: &iampolicy.Principal{Federated: iampolicy.Values{OIDCProviderARN(c.partition, c.providerAccount, c.issuer)}},
				Action:    iampolicy.Values{"sts:AssumeRoleWithWebIdentity"},
				Condition: cond,
			})
		}
	}
	return doc
}

// audiences lists the audiences of the service accounts in order of first use, and the subjects
// of each.
func (r *resolver) audiences() ([]string, map[string]iampolicy.Values) {
	var audiences []string
	subjects := map[string]iampolicy.Values{}
	for _, sa := range r.spec.ServiceAccounts {
		if _, ok := subjects[sa.Audience]; !ok {
			audiences = append(audiences, sa.Audience)
		}
		subjects[sa.Audience] = append(subjects[sa.Audience], Subject(sa.Namespace, sa.Name))
	}
	return audiences, subjects
}

// checkSubjectPattern warns about a wildcard subject and rejects one that leaves out a declared
// service account, which could then not assume the role.
func (r *resolver) checkSubjectPattern() {
	p := r.spec.SubjectPattern
	if p == "" {
		return
	}
	path := specPath.Child("subjectPattern")
	if strings.ContainsAny(p, "*?") {
		r.diags.Warnf(path, "subject pattern %q lets every matching service account assume the role, including ones created later%s", p, r.origin(r.in.Binding.Spec.SubjectPattern != ""))
	}
	for i, sa := range r.spec.ServiceAccounts {
		if sub := Subject(sa.Namespace, sa.Name); !iampolicy.MatchLike(p, sub) {
			r.diags.Errorf(path, "a pattern that matches every declared service account", "pattern %q does not match serviceAccounts[%d] (%s), which could then not assume the role", p, i, sub)
		}
	}
}
