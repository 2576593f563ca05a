// Package diag carries the problems found in a user's input: each names the field it is about,
// says what was wrong and what is allowed, and has a severity. Every layer of irsa-fn reports
// through it, so that all problems of a run can be collected and shown together.
package diag

import (
	"fmt"
	"strconv"
	"strings"
)

// Severity says whether a diagnostic fails the render.
type Severity string

// The severities, named as in the KRM function result format.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Path is a field path such as spec.role.maxSessionDuration or spec.workloads[2].name.
// The zero value is the root of an object.
type Path struct{ segments []string }

// NewPath starts a path at the named top-level fields.
func NewPath(fields ...string) Path {
	return Path{}.Child(fields...)
}

// Child returns the path extended by the named fields.
func (p Path) Child(fields ...string) Path {
	out := make([]string, 0, len(p.segments)+len(fields))
	out = append(out, p.segments...)
	for _, f := range fields {
		out = append(out, "."+f)
	}
	return Path{segments: out}
}

// Index returns the path extended by a list index.
func (p Path) Index(i int) Path {
	return p.with("[" + strconv.Itoa(i) + "]")
}

// Key returns the path extended by a map key.
func (p Path) Key(k string) Path {
	return p.with("[" + strconv.Quote(k) + "]")
}

func (p Path) with(seg string) Path {
	out := make([]string, 0, len(p.segments)+1)
	out = append(append(out, p.segments...), seg)
	return Path{segments: out}
}

// Parent returns the path without its last segment: the object or list that holds the field.
// The root is its own parent.
func (p Path) Parent() Path {
	if len(p.segments) == 0 {
		return p
	}
	return Path{segments: p.segments[: len(p.segments)-1 : len(p.segments)-1]}
}

// Contains reports whether field, a path as String renders it, is p or a field under p.
func (p Path) Contains(field string) bool {
	s := p.String()
	if s == "" || field == s {
		return true
	}
	rest, ok := strings.CutPrefix(field, s)
	return ok && (strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "["))
}

// String renders the path without a leading dot; the root renders as "".
func (p Path) String() string {
	return strings.TrimPrefix(strings.Join(p.segments, ""), ".")
}

// Diagnostic is one problem, or one note, about one field.
type Diagnostic struct {
	Severity Severity
	// Field is the path of the field the diagnostic is about; empty for the whole object.
	Field string
	// Message says what was found and why it is wrong.
	Message string
	// Allowed says what would be accepted; empty when there is nothing useful to say.
	Allowed string
}

// String renders the diagnostic as one line: field, message and what is allowed.
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Field != "" {
		b.WriteString(d.Field)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	if d.Allowed != "" {
		b.WriteString(" (allowed: ")
		b.WriteString(d.Allowed)
		b.WriteString(")")
	}
	return b.String()
}

// List collects diagnostics in the order they were found.
type List []Diagnostic

// Errorf records an error about the field at path.
func (l *List) Errorf(path Path, allowed, format string, args ...any) {
	l.add(Error, path, allowed, format, args...)
}

// Warnf records a warning about the field at path.
func (l *List) Warnf(path Path, format string, args ...any) {
	l.add(Warning, path, "", format, args...)
}

// Infof records an informational note about the field at path.
func (l *List) Infof(path Path, format string, args ...any) {
	l.add(Info, path, "", format, args...)
}

func (l *List) add(sev Severity, path Path, allowed, format string, args ...any) {
	*l = append(*l, Diagnostic{Severity: sev, Field: path.String(), Message: fmt.Sprintf(format, args...), Allowed: allowed})
}

// HasErrors reports whether any diagnostic in the list is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns the errors of the list, in order.
func (l List) Errors() List {
	var out List
	for _, d := range l {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}
