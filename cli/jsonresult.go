package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// runApply is `irsa-fn apply`; see applyCommand. With -o json its outcome is always one JSON
// document on stdout, also when it stops before it has a report.
func runApply(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return withJSONErrors(args, stdout, stderr, func(out, errw io.Writer) int { return applyCommand(args, stdin, out, errw) })
}

// runVerify is `irsa-fn verify`; see verifyCommand, and runApply for -o json.
func runVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return withJSONErrors(args, stdout, stderr, func(out, errw io.Writer) int { return verifyCommand(args, stdin, out, errw) })
}

// errorResult is the JSON document of a command that stopped before it had a report: a usage
// error, unreadable or empty input, no credentials.
type errorResult struct {
	Status   string `json:"status"`
	ExitCode int    `json:"exitCode"`
	Error    string `json:"error"`
}

// withJSONErrors runs a command; when -o json was asked for and the command wrote nothing on
// stdout, it writes one errorResult there, with what the command said on stderr.
func withJSONErrors(args []string, stdout, stderr io.Writer, run func(out, errw io.Writer) int) int {
	if !wantsJSON(args) {
		return run(stdout, stderr)
	}
	var out, said bytes.Buffer
	code := run(&out, io.MultiWriter(stderr, &said))
	if out.Len() == 0 {
		doc, err := json.MarshalIndent(errorResult{Status: "error", ExitCode: code, Error: strings.TrimSpace(said.String())}, "", "  ")
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		out.Write(append(doc, '\n'))
	}
	if _, err := stdout.Write(out.Bytes()); err != nil && code == 0 {
		return 2
	}
	return code
}

// wantsJSON reports whether the arguments ask for -o json (as -o json, -o=json, -ojson,
// --output json, --output=json, and the older --o json).
func wantsJSON(args []string) bool {
	for i, a := range args {
		switch {
		case a == "--":
			return false
		case a == "-o=json" || a == "-ojson" || a == "--o=json" || a == "--output=json":
			return true
		case (a == "-o" || a == "--o" || a == "--output") && i+1 < len(args) && args[i+1] == "json":
			return true
		}
	}
	return false
}
