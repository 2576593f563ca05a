package generator

import (
	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
)

// jsonOutput renders the role as an irsa.dev IAMRole, for `irsa-fn export` and `irsa-fn apply`.
// It is local config: never applied to a cluster.
type jsonOutput struct{}

func (jsonOutput) Name() v1alpha1.Output { return v1alpha1.OutputJSON }

func (jsonOutput) Traits() OutputTraits {
	return OutputTraits{Summary: "an IAMRole for irsa-fn export and apply", NamesObjects: true}
}

// CheckConfig checks nothing: the IRSAConfig's spec.owner, which IAMRoles carry, is checked by
// irsa-fn apply and verify, which use it.
func (jsonOutput) CheckConfig(*v1alpha1.IRSAConfig, diag.Path, *diag.List) {}

func (jsonOutput) Render(m Model) []Object {
	role := m.Role
	if role == nil {
		return nil
	}
	spec := v1alpha1.IAMRoleSpec{
		RoleName: role.Name, AccountID: role.AccountID, ARN: role.ARN, Path: role.Path,
		Description: role.Description, MaxSessionDuration: role.MaxSessionDuration,
		PermissionsBoundary: role.PermissionsBoundary, Tags: role.Tags,
		TrustPolicy: role.Trust.JSON(), ManagedPolicies: role.Managed, OIDCProviders: m.OIDCProviders,
	}
	for _, p := range role.Inline {
		spec.InlinePolicies = append(spec.InlinePolicies, v1alpha1.PolicyDocument{Name: p.Name, Document: p.Document.JSON()})
	}
	if m.Config != nil {
		spec.Owner = m.Config.Spec.Owner
	}
	return []Object{{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.KindIAMRole, Metadata: m.meta(KubernetesName(role.Name), m.Namespace), Spec: spec, LocalConfig: true}}
}

// RenderConfig renders nothing: no IRSAConfig setting asks for IAMRoles.
func (jsonOutput) RenderConfig(*v1alpha1.IRSAConfig, []v1alpha1.OIDCProvider) ConfigObjects {
	return ConfigObjects{}
}

// Read reads the role of an IAMRole, and its account.
func (jsonOutput) Read(o ObjectView) (Rendered, bool) {
	if o.APIVersion != v1alpha1.APIVersion || o.Kind != v1alpha1.KindIAMRole {
		return Rendered{}, false
	}
	return Rendered{RoleName: o.String("spec", "roleName"), RoleAccount: o.String("spec", "accountID"), Trust: o.String("spec", "trustPolicy")}, true
}
