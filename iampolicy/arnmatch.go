package iampolicy

import (
	"math"
	"strings"
)

// ARN templates are the resource ARN formats of IAM's service reference, such as
// arn:${Partition}:s3:::${BucketName}/${ObjectName}. A policy's Resource can only ever match a
// request for one of the resource types its action acts on, so a Resource that no template of
// the action can produce denies that action silently. These functions decide whether some ARN is
// matched both by a policy's Resource pattern (IAM's * and ?, across colons) and by a template.

// symbol is one position of a pattern, as a set of characters: a literal, any character, or a
// template variable's characters. star marks a position that repeats zero or more times.
type symbol struct {
	lit  byte
	kind symbolKind
	star bool
}

// symbolKind says which characters a symbol stands for.
type symbolKind uint8

const (
	literal        symbolKind = iota // lit itself
	anyChar                          // any character: ? in a policy, or * when star is set
	noColon                          // a template variable that holds no ':'
	noColonOrSlash                   // a template variable that holds neither ':' nor '/'
)

// admits reports whether the symbol stands for c.
func (a symbol) admits(c byte) bool {
	switch a.kind {
	case literal:
		return a.lit == c
	case noColon:
		return c != ':'
	case noColonOrSlash:
		return c != ':' && c != '/'
	}
	return true
}

// meets reports whether both symbols admit a common character.
func (a symbol) meets(b symbol) bool {
	switch {
	case a.kind == literal:
		return b.admits(a.lit)
	case b.kind == literal:
		return a.admits(b.lit)
	}
	return true // each stands for all but a few characters
}

// policySymbols turns a policy Resource into symbols: * any run of characters (colons too), ?
// one character, a policy variable such as ${aws:username} any run, anything else itself.
func policySymbols(resource string) []symbol {
	out := make([]symbol, 0, len(resource))
	for i := 0; i < len(resource); i++ {
		switch c := resource[i]; {
		case c == '*':
			out = append(out, symbol{kind: anyChar, star: true})
		case c == '?':
			out = append(out, symbol{kind: anyChar})
		case c == '$' && i+1 < len(resource) && resource[i+1] == '{':
			if end := strings.IndexByte(resource[i:], '}'); end > 0 {
				out = append(out, symbol{kind: anyChar, star: true})
				i += end
				continue
			}
			out = append(out, symbol{lit: c})
		default:
			out = append(out, symbol{lit: c})
		}
	}
	return out
}

// templateSymbols turns an ARN template into symbols. A variable stands for one or more
// characters (zero or more where emptyFields allows an empty Region or Account, to find the
// templates a Resource with an empty field was meant for). Partition, Region, Account and
// BucketName hold neither ':' nor '/'; the last variable of a template may hold anything (object
// keys, parameter paths, secret names); any other variable holds no ':'.
func templateSymbols(template string, emptyFields bool) []symbol {
	out := make([]symbol, 0, len(template))
	last := strings.LastIndex(template, "${")
	for i := 0; i < len(template); i++ {
		end := strings.IndexByte(template[i:], '}')
		if !strings.HasPrefix(template[i:], "${") || end < 0 {
			out = append(out, symbol{lit: template[i]})
			continue
		}
		name := template[i+2 : i+end]
		kind := noColon
		switch {
		case name == "Partition" || name == "Region" || name == "Account" || name == "BucketName":
			kind = noColonOrSlash
		case i == last:
			kind = anyChar
		}
		if !(emptyFields && (name == "Region" || name == "Account")) {
			out = append(out, symbol{kind: kind})
		}
		out = append(out, symbol{kind: kind, star: true})
		i += end
	}
	return out
}

// matcher matches a policy's resources against ARN templates: it keeps each template's symbols
// and the search's scratch space between matches, and bounds the work in pairs of positions.
type matcher struct {
	// budget is what is left of the work allowed; a match beyond it answers true (taking the
	// resource to match) rather than spend more.
	budget int
	// strict and lenient hold each template's symbols, without and with empty fields.
	strict, lenient map[string][]symbol
	seen            []bool
	stack           []int
}

// newMatcher returns a matcher allowed budget pairs of positions.
func newMatcher(budget int) *matcher {
	return &matcher{budget: budget, strict: map[string][]symbol{}, lenient: map[string][]symbol{}}
}

// matches reports whether the resource (as symbols) may match some ARN of the template's form;
// emptyFields lets the template's region and account be empty.
func (m *matcher) matches(resource []symbol, template string, emptyFields bool) bool {
	cache := m.strict
	if emptyFields {
		cache = m.lenient
	}
	t, ok := cache[template]
	if !ok {
		t = templateSymbols(template, emptyFields)
		cache[template] = t
	}
	cost := (len(resource) + 1) * (len(t) + 1)
	if m.budget < cost {
		return true
	}
	m.budget -= cost
	return m.intersects(resource, t)
}

// intersects reports whether some string is matched by both symbol sequences: a search over
// pairs of positions, where a star position may stay while the other moves.
func (m *matcher) intersects(a, b []symbol) bool {
	width := len(b) + 1
	n := (len(a) + 1) * width
	if cap(m.seen) < n {
		m.seen = make([]bool, n)
	}
	m.seen = m.seen[:n]
	clear(m.seen)
	m.stack = append(m.stack[:0], 0)
	m.seen[0] = true
	push := func(i, j int) {
		if k := i*width + j; !m.seen[k] {
			m.seen[k] = true
			m.stack = append(m.stack, k)
		}
	}
	for len(m.stack) > 0 {
		k := m.stack[len(m.stack)-1]
		m.stack = m.stack[:len(m.stack)-1]
		i, j := k/width, k%width
		if i == len(a) && j == len(b) {
			return true
		}
		if i < len(a) && a[i].star {
			push(i+1, j)
		}
		if j < len(b) && b[j].star {
			push(i, j+1)
		}
		if i < len(a) && j < len(b) && a[i].meets(b[j]) {
			ni, nj := i+1, j+1
			if a[i].star {
				ni = i
			}
			if b[j].star {
				nj = j
			}
			push(ni, nj)
		}
	}
	return false
}

// ResourceMatchesTemplate reports whether the policy Resource pattern can match some ARN of the
// template's form.
func ResourceMatchesTemplate(resource, template string) bool {
	return newMatcher(math.MaxInt).matches(policySymbols(resource), template, false)
}

// arnField returns field n (0-based, colon-separated) of an ARN, and whether the ARN has it as a
// whole field: a * in an earlier field may span colons, so only fields before the first * count.
func arnField(arn string, n int) (string, bool) {
	star := strings.IndexByte(arn, '*')
	fields := strings.SplitN(arn, ":", n+2)
	if len(fields) < n+2 {
		return "", false
	}
	before := len(strings.Join(fields[:n+1], ":"))
	if star >= 0 && star <= before {
		return "", false
	}
	return fields[n], true
}

// templateField returns field n of an ARN template.
func templateField(template string, n int) string {
	fields := strings.SplitN(template, ":", n+2)
	if len(fields) < n+2 {
		return ""
	}
	return fields[n]
}

// readableTemplate writes a template with the partition the policy uses, as a user would write
// the ARN: arn:aws:s3:::${BucketName}/${ObjectName}.
func readableTemplate(template, partition string) string {
	if partition == "" || strings.ContainsAny(partition, "*?") {
		return template
	}
	return strings.Replace(template, "${Partition}", partition, 1)
}
