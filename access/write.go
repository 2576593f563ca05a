package access

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Status is the report's outcome: "refused" when a ServiceAccount or association is refused by
// its role, else "ok".
func (r Report) Status() string {
	if r.Refused() {
		return StatusRefused
	}
	return "ok"
}

// ExitCode is the exit code of the report: 1 when something is refused, else 0.
func (r Report) ExitCode() int {
	if r.Refused() {
		return 1
	}
	return 0
}

// WriteText writes the report as two tables: who can assume each role, then each ServiceAccount
// and association with its role and whether the role admits it, a row per cluster it is
// admitted through.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tMECHANISM\tCLUSTER\tNAMESPACE\tSERVICE ACCOUNT\tAUDIENCE")
	var notes []string
	for _, role := range r.Roles {
		id := role.ARN
		if id == "" {
			id = role.Name
		}
		if len(role.Subjects) == 0 {
			fmt.Fprintf(tw, "%s\t(nobody)\t\t\t\t\n", id)
		}
		for _, s := range role.Subjects {
			aud := strings.Join(s.Audiences, ",")
			if s.Mechanism == PodIdentity {
				aud = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", id, s.Mechanism, s.Cluster, s.Namespace, s.ServiceAccount, aud)
		}
		for _, n := range role.Notes {
			notes = append(notes, id+": "+n)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(w, "  note:", n)
	}
	if len(r.Checks) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAMESPACE/SERVICE ACCOUNT\tROLE\tSTATUS\tVIA")
	var reasons []string
	for _, c := range r.Checks {
		who := c.Namespace + "/" + c.Name
		if c.Cluster != "" {
			who += " on " + c.Cluster
		}
		// One row per cluster whose tokens the role admits, as the first table has one per
		// subject: the issuers are long, and a role trusted by several clusters would otherwise
		// make one line of all of them.
		via := c.Via
		if len(via) == 0 {
			via = []string{""}
		}
		for _, v := range via {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Kind, who, c.RoleARN, c.Status, v)
		}
		for _, why := range c.Reasons {
			reasons = append(reasons, who+": "+why)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, why := range reasons {
		fmt.Fprintln(w, "  refused:", why)
	}
	return nil
}

// jsonReport is the JSON form: status and exitCode first, as every -o json result of irsa-fn.
type jsonReport struct {
	Status   string `json:"status"`
	ExitCode int    `json:"exitCode"`
	Report
}

// WriteJSON writes the report as one indented JSON document.
func (r Report) WriteJSON(w io.Writer) error {
	if r.Roles == nil {
		r.Roles = []Role{}
	}
	if r.Checks == nil {
		r.Checks = []Check{}
	}
	doc, err := json.MarshalIndent(jsonReport{Status: r.Status(), ExitCode: r.ExitCode(), Report: r}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the access report: %w", err)
	}
	_, err = w.Write(append(doc, '\n'))
	return err
}
