package iampolicy

// MatchLike reports whether value matches an IAM StringLike pattern: '*' matches any run of
// characters (also none) and '?' exactly one. Matching is case-sensitive, as StringLike is.
func MatchLike(pattern, value string) bool {
	p, v := []rune(pattern), []rune(value)
	// star and mark remember the last '*' seen and where in value it started matching, so a
	// mismatch retries with the star eating one more rune: linear in practice, no recursion.
	star, mark := -1, 0
	i, j := 0, 0
	for j < len(v) {
		switch {
		case i < len(p) && p[i] == '*':
			star, mark = i, j
			i++
		case i < len(p) && (p[i] == '?' || p[i] == v[j]):
			i++
			j++
		case star >= 0:
			i = star + 1
			mark++
			j = mark
		default:
			return false
		}
	}
	for i < len(p) && p[i] == '*' {
		i++
	}
	return i == len(p)
}

// LikeCovers reports whether the StringLike pattern outer matches every value the pattern inner
// matches (case-sensitively): system:serviceaccount:prod:* covers system:serviceaccount:prod:a
// and system:serviceaccount:prod:a-*. A policy variable of inner (${aws:username}, or an escape
// such as ${*}) may stand for anything, so only a * of outer covers it; equal patterns always
// cover each other.
func LikeCovers(outer, inner string) bool {
	return outer == inner || patternCovers(outer, policyVariable.ReplaceAllString(inner, "*"))
}
