package iamsync

import (
	"encoding/json"
	"fmt"
	"io"
)

// ApplyRoleResult is one role of the apply JSON report.
type ApplyRoleResult struct {
	// Name of the role.
	Name string `json:"name"`
	// Status is what apply did or would do: create, update, delete, no changes, refused, failed,
	// or could not check.
	Status string `json:"status"`
	// Calls are the IAM calls planned, in order.
	Calls []string `json:"calls"`
	// Changes describe the calls, one change a line, with diffs of policy documents.
	Changes []string `json:"changes,omitempty"`
	// Reasons say why the role was refused, failed or could not be checked.
	Reasons []string `json:"reasons,omitempty"`
}

// ApplyProviderResult is one OIDC provider of the apply JSON report.
type ApplyProviderResult struct {
	ARN     string `json:"arn"`
	State   string `json:"state"`
	Problem bool   `json:"problem"`
	Fix     string `json:"fix,omitempty"`
}

// ApplyJSONReport is the report of `irsa-fn apply -o json`: one document for the whole run.
type ApplyJSONReport struct {
	Account   string                `json:"account,omitempty"`
	DryRun    bool                  `json:"dryRun"`
	ExitCode  int                   `json:"exitCode"`
	Error     string                `json:"error,omitempty"`
	Notes     []string              `json:"notes,omitempty"`
	Roles     []ApplyRoleResult     `json:"roles"`
	Providers []ApplyProviderResult `json:"providers,omitempty"`
}

// statusCouldNotCheck is the JSON status of a role whose state could not be learned or changed.
const statusCouldNotCheck = "could not check"

// JSON returns the report as the JSON report; onlyProblems leaves out roles that are in sync.
func (r *Report) JSON(onlyProblems bool) ApplyJSONReport {
	out := ApplyJSONReport{Account: r.Account, DryRun: r.DryRun, ExitCode: r.ExitCode(), Notes: r.Notes, Roles: []ApplyRoleResult{}}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	for _, p := range r.Roles {
		if onlyProblems && p.Action == ActionNone {
			continue
		}
		res := ApplyRoleResult{Name: p.Role, Status: string(p.Action), Calls: p.Calls(), Changes: p.Lines}
		if p.Unchecked {
			res.Status = statusCouldNotCheck
		}
		if p.Err != nil {
			res.Reasons = append(res.Reasons, p.Err.Error())
		}
		out.Roles = append(out.Roles, res)
	}
	for _, p := range r.Providers {
		out.Providers = append(out.Providers, ApplyProviderResult{ARN: p.ARN, State: p.State, Problem: p.Problem, Fix: p.Fix})
	}
	return out
}

// WriteJSON prints the JSON report, indented, as one document.
func (r *Report) WriteJSON(w io.Writer, onlyProblems bool) error {
	data, err := json.MarshalIndent(r.JSON(onlyProblems), "", "  ")
	if err != nil {
		return fmt.Errorf("encode the report: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}
