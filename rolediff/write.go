package rolediff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Summary is the report's line: how many roles changed, whether any change is broadening, and
// how many service accounts, workloads and associations changed.
func (r Report) Summary() string {
	yes := "no"
	if r.Broadening() {
		yes = "yes"
	}
	s := fmt.Sprintf("%d %s changed, broadening: %s", len(r.Roles), plural(len(r.Roles), "role", "roles"), yes)
	if len(r.Objects) > 0 {
		s += fmt.Sprintf(" (and %d service account, workload or association %s)", len(r.Objects), plural(len(r.Objects), "change", "changes"))
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// title names a role: its name, and its account when known.
func (d RoleDiff) title() string {
	if d.Account == "" {
		return d.Name
	}
	return d.Name + " (" + d.Account + ")"
}

// title names an object: kind namespace/name, and the association's cluster.
func (d ObjectDiff) title() string {
	s := d.Kind + " " + d.Namespace + "/" + d.Name
	if d.Cluster != "" {
		s += " on " + d.Cluster
	}
	return s
}

// WriteText writes the report for a terminal: per role its changes, then the bindings, then
// the summary line.
func (r Report) WriteText(w io.Writer) error {
	if r.Empty() {
		_, err := fmt.Fprintln(w, "no IAM-relevant change")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, d := range r.Roles {
		fmt.Fprintf(tw, "role %s: %s, %s\n", d.title(), d.Status, d.Class)
		for _, c := range d.Changes {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Class, c.Aspect, c.Change, c.Detail)
		}
	}
	if len(r.Objects) > 0 {
		fmt.Fprintln(tw, "service accounts, workloads and associations:")
	}
	for _, d := range r.Objects {
		fmt.Fprintf(tw, "  %s\t%s\t%s %s\t%s\n", d.Class, d.title(), d.Aspect, d.Change.Change, d.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, r.Summary())
	return err
}

// WriteMarkdown writes the report as a pull request comment: a heading, the summary line, a
// table per role and one for the bindings.
func (r Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("## irsa-fn diff: IAM changes\n\n")
	fmt.Fprintf(&b, "**%s**\n", r.Summary())
	if r.Empty() {
		b.WriteString("\nNo IAM-relevant change.\n")
	}
	for _, d := range r.Roles {
		fmt.Fprintf(&b, "\n### Role `%s`: %s, %s\n\n", d.title(), d.Status, mark(d.Class))
		b.WriteString("| Class | Aspect | Change | Detail |\n|---|---|---|---|\n")
		for _, c := range d.Changes {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mark(c.Class), c.Aspect, c.Change, cell(c.Detail))
		}
	}
	if len(r.Objects) > 0 {
		b.WriteString("\n### Service accounts, workloads and associations\n\n")
		b.WriteString("| Class | Object | Field | Change | Detail |\n|---|---|---|---|---|\n")
		for _, d := range r.Objects {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mark(d.Class), cell(d.title()), d.Aspect, d.Change.Change, cell(d.Detail))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mark writes a class, broadening in bold.
func mark(class string) string {
	if class == Broadening {
		return "**" + class + "**"
	}
	return class
}

// cell writes a value in a table cell: code, with pipes escaped.
func cell(s string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "`", "'") + "`"
}

// jsonReport is the JSON form: status and exitCode first, as every -o json result of irsa-fn.
type jsonReport struct {
	Status     string `json:"status"`
	ExitCode   int    `json:"exitCode"`
	Broadening bool   `json:"broadening"`
	Summary    string `json:"summary"`
	Report
}

// Status is "broadening" when a change is, "changed" when there are only other changes, or
// "unchanged".
func (r Report) Status() string {
	switch {
	case r.Broadening():
		return Broadening
	case r.Empty():
		return "unchanged"
	}
	return StatusChanged
}

// WriteJSON writes the report as one indented JSON document with the exit code the command
// returns.
func (r Report) WriteJSON(w io.Writer, exitCode int) error {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // -> and & read as written
	enc.SetIndent("", "  ")
	if err := enc.Encode(jsonReport{Status: r.Status(), ExitCode: exitCode, Broadening: r.Broadening(), Summary: r.Summary(), Report: r}); err != nil {
		return fmt.Errorf("encode the diff report: %w", err)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
