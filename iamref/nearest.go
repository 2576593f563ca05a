package iamref

import "strings"

// Nearest returns the candidate nearest to s: the smallest Levenshtein distance between their
// lower-cased forms, ties broken by the first in sorted (byte) order; "" when there are no
// candidates. It serves "did you mean" messages, such as GetObject for s3:GetObjects.
func Nearest(candidates []string, s string) string {
	target := []rune(strings.ToLower(s))
	best, bestDist := "", -1
	// prev and cur are two rows of the distance matrix, reused for every candidate.
	prev := make([]int, len(target)+1)
	cur := make([]int, len(target)+1)
	for _, c := range candidates {
		d := levenshtein([]rune(strings.ToLower(c)), target, prev, cur)
		if bestDist < 0 || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	return best
}

// levenshtein returns the edit distance between a and b, using prev and cur (each len(b)+1
// long) as scratch.
func levenshtein(a, b []rune, prev, cur []int) int {
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// maxSuggestLength bounds the names Suggest looks at: no IAM action, service or managed policy
// name is longer, and the distance costs the product of the two lengths per candidate.
const maxSuggestLength = 128

// Suggest returns the candidate a user who wrote s most likely meant: the nearest one, when it is
// near enough to be a typo (an edit distance of at most a third of s's length, and at least 2
// allowed); "" otherwise, and for an s longer than any IAM name.
func Suggest(candidates []string, s string) string {
	if len(s) > maxSuggestLength || len(candidates) == 0 {
		return ""
	}
	best := Nearest(candidates, s)
	prev := make([]int, len([]rune(s))+1)
	cur := make([]int, len(prev))
	d := levenshtein([]rune(strings.ToLower(best)), []rune(strings.ToLower(s)), prev, cur)
	if d > max(2, len(s)/3) {
		return ""
	}
	return best
}
