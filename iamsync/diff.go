package iamsync

import (
	"encoding/json"
	"strings"
)

// canonical renders a JSON document indented with sorted keys, so two documents that differ
// only in formatting render the same and a diff shows only what changed.
func canonical(doc string) string {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return doc
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return doc
	}
	return string(out)
}

// Diff returns a line diff of two JSON documents: lines only in the live one start with "- ",
// lines only in the declared one with "+ ", and up to two lines of context around each change.
func Diff(live, declared string) []string {
	a := strings.Split(canonical(live), "\n")
	b := strings.Split(canonical(declared), "\n")
	if live == "" {
		a = nil
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte
		text string
	}
	var all []line
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			all = append(all, line{' ', a[i]})
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			all = append(all, line{'-', a[i]})
			i++
		default:
			all = append(all, line{'+', b[j]})
			j++
		}
	}
	const context = 2
	var out []string
	lastPrinted := -1
	for k, l := range all {
		if l.op == ' ' {
			continue
		}
		start := max(k-context, lastPrinted+1)
		if lastPrinted >= 0 && start > lastPrinted+1 {
			out = append(out, "  ...")
		}
		for c := start; c < k; c++ {
			out = append(out, "  "+all[c].text)
		}
		out = append(out, string(l.op)+" "+l.text)
		lastPrinted = k
		for c := k + 1; c < len(all) && c <= k+context && all[c].op == ' '; c++ {
			out = append(out, "  "+all[c].text)
			lastPrinted = c
		}
	}
	return out
}
