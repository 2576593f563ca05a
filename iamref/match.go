package iamref

import (
	"sort"
	"strings"
)

// lower returns the ASCII byte c in lower case. The table's prefixes and action names are ASCII
// (the generator checks), so folding ASCII is folding them.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// compareFold compares a and b as strings.Compare does their ASCII-lower-cased forms, without
// making them.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if x, y := lower(a[i]), lower(b[i]); x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

// searchFold returns the first i in [0, n) whose name(i) is not below key, ASCII case folded,
// and whether name(i) equals key; name must be sorted that way.
func searchFold(n int, name func(int) string, key string) (int, bool) {
	i := sort.Search(n, func(i int) bool { return compareFold(name(i), key) >= 0 })
	return i, i < n && compareFold(name(i), key) == 0
}

// hasPrefixFold reports whether s starts with prefix, ASCII case folded.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && compareFold(s[:len(prefix)], prefix) == 0
}

// matchWildcard reports whether name matches an IAM action pattern, ASCII case folded: '*'
// matches any run of characters, also none, and '?' exactly one. It takes O(len(pattern) *
// len(name)) at worst, whatever the pattern: on a mismatch only the last '*' seen is retried.
func matchWildcard(pattern, name string) bool {
	p, n := 0, 0
	star, starN := -1, 0 // the last '*' in pattern, and where in name its run ends for now
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, starN = p, n
			p++
		case p < len(pattern) && (pattern[p] == '?' || lower(pattern[p]) == lower(name[n])):
			p++
			n++
		case star >= 0:
			starN++
			p, n = star+1, starN
		default:
			return false
		}
	}
	return strings.TrimLeft(pattern[p:], "*") == ""
}

// placeholder returns where the first placeholder of a condition key template starts and ends:
// ${Name}, or <name> as the data writes a few (s3:ExistingObjectTag/<key>); -1, -1 when there
// is none.
func placeholder(tmpl string) (start, end int) {
	for i := 0; i < len(tmpl); i++ {
		var closer string
		switch {
		case strings.HasPrefix(tmpl[i:], "${"):
			closer = "}"
		case tmpl[i] == '<':
			closer = ">"
		default:
			continue
		}
		if j := strings.Index(tmpl[i+1:], closer); j > 0 {
			return i, i + 1 + j + 1
		}
	}
	return -1, -1
}

// matchKey reports whether a condition key matches a key of the table, tmpl: the whole key,
// without regard to case, where each placeholder of tmpl matches any non-empty text, "/"
// included.
func matchKey(tmpl, key string) bool {
	// A few services write the tag placeholder as a literal "tag-key", or leave it out
	// (secretsmanager:ResourceTag/tag-key, ssm:resourceTag/tag-key, lex:ResourceTag/).
	if n := len(tmpl) - len("/tag-key"); n >= 0 && strings.EqualFold(tmpl[n:], "/tag-key") {
		tmpl = tmpl[:n+1] + "${TagKey}"
	} else if strings.HasSuffix(tmpl, "/") {
		tmpl += "${TagKey}"
	}
	start, end := placeholder(tmpl)
	if start < 0 {
		return strings.EqualFold(tmpl, key)
	}
	if len(key) <= start || !strings.EqualFold(tmpl[:start], key[:start]) {
		return false
	}
	key, rest := key[start:], tmpl[end:]
	if s, _ := placeholder(rest); s < 0 {
		// The last placeholder: it takes all but the rest's length, so one comparison does.
		return len(key) > len(rest) && strings.EqualFold(key[len(key)-len(rest):], rest)
	}
	for n := 1; n <= len(key); n++ {
		if matchKey(rest, key[n:]) {
			return true
		}
	}
	return false
}
