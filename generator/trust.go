package generator

import (
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// PodIdentityPrincipal is the service principal EKS Pod Identity assumes roles as.
const PodIdentityPrincipal = iampolicy.PodIdentityPrincipal

// Subject is the sub claim of a service account's projected token.
func Subject(namespace, name string) string {
	return "system:serviceaccount:" + namespace + ":" + name
}

// trustPolicy builds the trust policy. For Pod Identity, one statement per namespace trusts the
// EKS Pod Identity service principal for exactly the declared service accounts of that
// namespace, on the declared clusters (see podIdentityStatements). For IRSA, for each cluster,
// one statement per audience in use,
// trusting the cluster's OIDC provider for exactly the declared subjects with that audience (so
// no service account is admitted with another's audience). With a subject pattern, the sub
// condition is StringLike on the pattern instead.
func (r *resolver) trustPolicy() iampolicy.Document {
	audiences, subjects := r.audiences()
	doc := iampolicy.Document{Version: iampolicy.Version}
	if r.podIdentity() {
		doc.Statement = append(doc.Statement, r.podIdentityStatements()...)
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

// podIdentityStatements trusts EKS Pod Identity for the declared service accounts only. EKS
// assumes the role with the session tags eks-cluster-name, kubernetes-namespace and
// kubernetes-service-account (among others), so each statement requires, with StringEquals:
//   - aws:RequestTag/kubernetes-namespace: one namespace. A statement per namespace, because one
//     statement with a list of namespaces and a list of service accounts would admit every
//     pairing of the two (a service account of one namespace under the name of another's);
//   - aws:RequestTag/kubernetes-service-account: the declared service accounts of that namespace;
//   - aws:RequestTag/eks-cluster-name: every declared cluster. A list is exact here: the
//     binding associates every service account on every cluster, so any declared cluster with
//     any declared (namespace, service account) pair is a declared association.
//
// A request without these tags (an association with disableSessionTags) fails the conditions,
// so irsa-fn never renders that field. Cluster names are unique only within an account and
// region: a cluster of the same name in another region of the role's account would be admitted
// too, as it is by the EKS User Guide's own example.
func (r *resolver) podIdentityStatements() []iampolicy.Statement {
	var clusters iampolicy.Values
	for _, c := range r.clusters {
		if !slices.Contains(clusters, c.name) {
			clusters = append(clusters, c.name)
		}
	}
	var namespaces []string
	accounts := map[string]iampolicy.Values{}
	for _, sa := range r.spec.ServiceAccounts {
		if _, ok := accounts[sa.Namespace]; !ok {
			namespaces = append(namespaces, sa.Namespace)
		}
		if !slices.Contains(accounts[sa.Namespace], sa.Name) {
			accounts[sa.Namespace] = append(accounts[sa.Namespace], sa.Name)
		}
	}
	var out []iampolicy.Statement
	for _, ns := range namespaces {
		out = append(out, iampolicy.Statement{
			Effect:    "Allow",
			Principal: &iampolicy.Principal{Service: iampolicy.Values{PodIdentityPrincipal}},
			Action:    iampolicy.PodIdentityActions(),
			Condition: iampolicy.Condition{"StringEquals": {
				iampolicy.RequestTag(iampolicy.TagEKSClusterName):           clusters,
				iampolicy.RequestTag(iampolicy.TagKubernetesNamespace):      {ns},
				iampolicy.RequestTag(iampolicy.TagKubernetesServiceAccount): accounts[ns],
			}},
		})
	}
	return out
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
