package iamsync

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
)

// LegacyOwner is the owner irsa-fn used to put on every role when none was given. Every pipeline
// shared it, so it says nothing about which one owns a role: it is never pruned and never given
// as an owner; `apply --adopt-owner irsa-fn` re-tags such roles with their pipeline's owner.
const LegacyOwner = "irsa-fn"

// ResolveOwners gives each role its owner — its spec.owner (from the IRSAConfig) or, when it
// has none, flagOwner (`--owner`) — and returns the owner the run acts for: the one owner of
// every role, or flagOwner. Nothing is derived: a role with no owner when no flagOwner is given,
// a role whose owner differs from flagOwner, roles of several owners in one pruning run, and the
// legacy owner are errors. The specs are changed in place.
func ResolveOwners(roles []v1alpha1.IAMRoleSpec, flagOwner string, prune bool) (string, error) {
	if flagOwner == LegacyOwner {
		return "", fmt.Errorf("owner %q is the old default every pipeline shared; give this pipeline its own owner (IRSAConfig spec.owner or --owner) and re-tag its roles with --adopt-owner %s", LegacyOwner, LegacyOwner)
	}
	owners := map[string][]string{}
	var missing []string
	for i := range roles {
		r := &roles[i]
		switch {
		case r.Owner == LegacyOwner:
			return "", fmt.Errorf("role %s has owner %q, the old default every pipeline shared; set IRSAConfig spec.owner to this pipeline's own owner", r.RoleName, LegacyOwner)
		case r.Owner != "" && flagOwner != "" && r.Owner != flagOwner:
			return "", fmt.Errorf("role %s has owner %q (IRSAConfig spec.owner) but --owner is %q; drop --owner or make them agree", r.RoleName, r.Owner, flagOwner)
		case r.Owner == "" && flagOwner == "":
			missing = append(missing, r.RoleName)
			continue
		case r.Owner == "":
			r.Owner = flagOwner
		}
		owners[r.Owner] = append(owners[r.Owner], r.RoleName)
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("role(s) %s have no owner: set spec.owner in the IRSAConfig that renders them, or pass --owner (one owner per pipeline)", strings.Join(missing, ", "))
	}
	if flagOwner != "" {
		return flagOwner, nil
	}
	switch names := slices.Sorted(maps.Keys(owners)); {
	case len(names) == 1:
		return names[0], nil
	case len(names) == 0 && prune:
		return "", fmt.Errorf("--prune needs an owner: no declared role names one; pass --owner")
	case prune:
		return "", fmt.Errorf("--prune with roles of %d owners (%s): prune one owner at a time, with --owner and that owner's roles", len(names), strings.Join(names, ", "))
	}
	return "", nil
}

// checkAccount refuses a role whose account cannot be confirmed: one that declares no account,
// whose ARN names another account than it declares, or that is declared for another account
// than the credentials'. Such a role is never created in the credentials' account.
func checkAccount(spec v1alpha1.IAMRoleSpec, caller string) error {
	parts := strings.Split(spec.ARN, ":")
	switch {
	case spec.AccountID == "":
		return fmt.Errorf("role %s declares no account ID (ARN %q): its account cannot be confirmed; render it with the cluster's accountID", spec.RoleName, spec.ARN)
	case len(parts) < 6 || parts[4] != spec.AccountID:
		return fmt.Errorf("role %s is declared for account %s, but its ARN %q names another", spec.RoleName, spec.AccountID, spec.ARN)
	case caller == "":
		return fmt.Errorf("role %s: the account of the credentials is unknown, so account %s cannot be confirmed", spec.RoleName, spec.AccountID)
	case spec.AccountID != caller:
		return fmt.Errorf("role %s is declared for account %s, but the credentials are for account %s", spec.RoleName, spec.AccountID, caller)
	}
	return nil
}
