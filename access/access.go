// Package access answers, from rendered output alone, who can assume each IAM role: the
// subjects (cluster, namespace, service account, audience, mechanism) read from each role's
// trust policy, and for each ServiceAccount and Pod Identity association of the input, whether
// the role it names admits it, with the evaluation `irsa-fn verify` uses. It does no I/O.
package access

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// Mechanisms by which a pod assumes a role.
const (
	// IRSA is sts:AssumeRoleWithWebIdentity with the cluster's OIDC provider as Federated principal.
	IRSA = "IRSA"
	// PodIdentity is sts:AssumeRole (and sts:TagSession) by the service principal of EKS Pod Identity.
	PodIdentity = "PodIdentity"
)

// Any is shown for a field the trust policy does not restrict.
const Any = "*"

// RoleInput is a rendered role: its name, account and ARN where the object says, where it was
// read from, and its trust policy as text.
type RoleInput struct {
	Name, Account, ARN, Source, Trust string
}

// ServiceAccount is an annotated ServiceAccount of the input.
type ServiceAccount struct {
	Namespace, Name, RoleARN, Audience string
}

// Association is an EKS Pod Identity association of the input.
type Association struct {
	Cluster, Namespace, ServiceAccount, RoleARN string
}

// Input is what access reads: roles, ServiceAccounts and associations.
type Input struct {
	Roles           []RoleInput
	ServiceAccounts []ServiceAccount
	Associations    []Association
}

// Subject is one kind of caller a trust policy admits. A field of "*" is not restricted; Pattern
// says some field is an IAM StringLike pattern rather than a literal.
type Subject struct {
	Mechanism string `json:"mechanism"`
	// Cluster is the issuer (host path of the OIDC provider) for IRSA, the cluster name for Pod
	// Identity.
	Cluster string `json:"cluster"`
	// Provider is the OIDC provider's ARN (IRSA only).
	Provider       string   `json:"provider,omitempty"`
	Namespace      string   `json:"namespace"`
	ServiceAccount string   `json:"serviceAccount"`
	Audiences      []string `json:"audiences,omitempty"`
	// Sub is the sub condition value as written (IRSA only).
	Sub       string `json:"sub,omitempty"`
	Pattern   bool   `json:"pattern"`
	Statement int    `json:"statement"`
}

// Role is what a role's trust policy admits. Complex is set when the policy holds something access
// cannot list exactly (NotPrincipal, NotAction, other condition operators or keys, a conditional
// Deny on a pattern): the subjects are then what the statements name, and Notes say what was not
// understood.
type Role struct {
	Name     string    `json:"name"`
	ARN      string    `json:"arn,omitempty"`
	Source   string    `json:"source,omitempty"`
	Subjects []Subject `json:"subjects"`
	Complex  bool      `json:"complex"`
	Notes    []string  `json:"notes,omitempty"`
}

// Check statuses.
const (
	StatusAdmitted = "admitted"
	StatusRefused  = "refused"
	// StatusNotRendered: the role named is not in the input, so its trust is unknown here.
	StatusNotRendered = "role-not-in-input"
	// StatusUnknown: the role's trust policy could not be read.
	StatusUnknown = "unknown"
)

// Check is whether the role a ServiceAccount or an association names admits it.
type Check struct {
	Kind      string `json:"kind"`
	Cluster   string `json:"cluster,omitempty"`
	Namespace string `json:"namespace"`
	Name      string `json:"serviceAccount"`
	Audience  string `json:"audience,omitempty"`
	RoleARN   string `json:"roleArn"`
	Status    string `json:"status"`
	// Via lists the clusters (issuers) whose tokens the role admits.
	Via     []string `json:"via,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
}

// Report is the answer for an input.
type Report struct {
	Roles  []Role  `json:"roles"`
	Checks []Check `json:"serviceAccounts"`
}

// Refused reports whether some ServiceAccount or association is refused by its role.
func (r Report) Refused() bool {
	return slices.ContainsFunc(r.Checks, func(c Check) bool { return c.Status == StatusRefused })
}

// Evaluate reads every role's trust policy and checks every ServiceAccount and association.
func Evaluate(in Input) Report {
	var rep Report
	docs := make([]*iampolicy.Document, len(in.Roles))
	for i, ri := range in.Roles {
		r := Role{Name: ri.Name, ARN: ri.ARN, Source: ri.Source, Subjects: []Subject{}}
		doc, err := iampolicy.Parse(ri.Trust)
		if err != nil {
			r.Complex = true
			r.Notes = append(r.Notes, fmt.Sprintf("unknown/complex: the trust policy is not one access can read (%v); NotPrincipal, for one, is not evaluated", err))
		} else {
			docs[i] = &doc
			r.Subjects, r.Notes = Subjects(doc)
			r.Complex = slices.ContainsFunc(r.Notes, func(n string) bool { return strings.HasPrefix(n, complexPrefix) })
		}
		rep.Roles = append(rep.Roles, r)
	}
	find := func(arn string) int {
		name, account := nameOf(arn)
		for i, r := range in.Roles {
			if r.ARN == arn || (r.ARN == "" && r.Name == name && (r.Account == "" || r.Account == account)) {
				return i
			}
		}
		return -1
	}
	// role finds the trust of the role an ARN names; a status when there is none to evaluate.
	role := func(arn string) (*iampolicy.Document, string) {
		i := find(arn)
		switch {
		case i < 0:
			return nil, StatusNotRendered
		case docs[i] == nil:
			return nil, StatusUnknown
		}
		return docs[i], ""
	}
	for _, sa := range in.ServiceAccounts {
		c := Check{Kind: "ServiceAccount", Namespace: sa.Namespace, Name: sa.Name, Audience: sa.Audience, RoleARN: sa.RoleARN}
		if doc, status := role(sa.RoleARN); doc == nil {
			c.Status = status
		} else {
			c.Status, c.Via, c.Reasons = checkIRSA(*doc, sa)
		}
		rep.Checks = append(rep.Checks, c)
	}
	for _, a := range in.Associations {
		c := Check{Kind: "PodIdentityAssociation", Cluster: a.Cluster, Namespace: a.Namespace, Name: a.ServiceAccount, RoleARN: a.RoleARN}
		req := iampolicy.PodIdentityRequest{Tags: iampolicy.PodIdentityTags(a.Cluster, a.Namespace, a.ServiceAccount)}
		if doc, status := role(a.RoleARN); doc == nil {
			c.Status = status
		} else if ok, why := iampolicy.AdmitsPodIdentity(*doc, req); ok {
			c.Status, c.Via = StatusAdmitted, []string{a.Cluster}
		} else {
			c.Status, c.Reasons = StatusRefused, why
		}
		rep.Checks = append(rep.Checks, c)
	}
	slices.SortStableFunc(rep.Roles, func(a, b Role) int { return cmp.Or(cmp.Compare(a.ARN, b.ARN), cmp.Compare(a.Name, b.Name)) })
	slices.SortStableFunc(rep.Checks, func(a, b Check) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Cluster, b.Cluster))
	})
	return rep
}

// checkIRSA evaluates a ServiceAccount's token from each OIDC provider the trust names: it is
// admitted when some provider's token is.
func checkIRSA(doc iampolicy.Document, sa ServiceAccount) (string, []string, []string) {
	var via, reasons []string
	for _, p := range iampolicy.OIDCProviders(doc) {
		host := hostPath(p)
		tok := iampolicy.Token{ProviderARN: p, HostPath: host, Sub: "system:serviceaccount:" + sa.Namespace + ":" + sa.Name, Aud: sa.Audience}
		if ok, why := iampolicy.Admits(doc, tok); ok {
			via = append(via, host)
		} else {
			reasons = append(reasons, host+": "+strings.Join(why, "; "))
		}
	}
	if len(via) > 0 {
		return StatusAdmitted, via, nil
	}
	if len(reasons) == 0 {
		reasons = []string{"the trust policy names no OIDC provider, so no web identity token is admitted"}
	}
	return StatusRefused, nil, reasons
}

func hostPath(provider string) string {
	_, h, _ := strings.Cut(provider, ":oidc-provider/")
	return h
}

// nameOf returns a role ARN's name and account.
func nameOf(arn string) (name, account string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return "", ""
	}
	return parts[5][strings.LastIndex(parts[5], "/")+1:], parts[4]
}
