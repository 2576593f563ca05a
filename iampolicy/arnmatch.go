package iampolicy

import "strings"

// ARN templates are the resource ARN formats of IAM's service reference, such as
// arn:${Partition}:s3:::${BucketName}/${ObjectName}. A policy's Resource can only ever match a
// request for one of the resource types its action acts on, so a Resource that no template of
// the action can produce denies that action silently. These functions decide whether some ARN is
// matched both by a policy's Resource pattern (IAM's * and ?, across colons) and by a template.

// symbol is one position of a pattern, as a set of characters: a literal, any character, or a
// template variable's characters. star marks a position that repeats zero or more times.
type symbol struct {
	lit      byte
	any      bool   // ? in a policy, * when star is set
	variable string // characters a template variable may not contain; set for variables
	star     bool
}

// accepts reports whether both symbols admit a common character.
func (a symbol) meets(b symbol) bool {
	switch {
	case a.variable != "" && b.variable != "":
		return true // each excludes only a few characters
	case a.variable != "":
		return b.any || strings.IndexByte(a.variable, b.lit) < 0
	case b.variable != "":
		return a.any || strings.IndexByte(b.variable, a.lit) < 0
	case a.any || b.any:
		return true
	}
	return a.lit == b.lit
}

// policySymbols turns a policy Resource into symbols: * any run of characters (colons too), ?
// one character, a policy variable such as ${aws:username} any run, anything else itself.
func policySymbols(resource string) []symbol {
	out := make([]symbol, 0, len(resource))
	for i := 0; i < len(resource); i++ {
		switch c := resource[i]; {
		case c == '*':
			out = append(out, symbol{any: true, star: true})
		case c == '?':
			out = append(out, symbol{any: true})
		case c == '$' && i+1 < len(resource) && resource[i+1] == '{':
			if end := strings.IndexByte(resource[i:], '}'); end > 0 {
				out = append(out, symbol{any: true, star: true})
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
		exclude := ":"
		switch {
		case name == "Partition" || name == "Region" || name == "Account" || name == "BucketName":
			exclude = ":/"
		case i == last:
			exclude = "\x00" // anything printable
		}
		v := symbol{variable: exclude}
		if !(emptyFields && (name == "Region" || name == "Account")) {
			out = append(out, v)
		}
		v.star = true
		out = append(out, v)
		i += end
	}
	return out
}

// intersects reports whether some string is matched by both symbol sequences: a search over
// pairs of positions, where a star position may stay while the other moves.
func intersects(a, b []symbol) bool {
	width := len(b) + 1
	seen := make([]bool, (len(a)+1)*width)
	stack := []int{0}
	seen[0] = true
	push := func(i, j int) {
		if k := i*width + j; !seen[k] {
			seen[k] = true
			stack = append(stack, k)
		}
	}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
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
	return intersects(policySymbols(resource), templateSymbols(template, false))
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
