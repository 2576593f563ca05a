package e2e

import (
	"os"
	"testing"
)

// TestDiffVerdictsAgreeWithIAM asks IAM's evaluation (the independent simulator) whether each
// of irsa-fn diff's verdicts holds: for pairs of real quickstart renders, every request of a
// grid (actions × resources × request contexts) is evaluated against the old and the new role.
// A change the simulator finds a request newly allowed for must be reported broadening (and
// fail --fail-on broadening); a change diff calls narrowing must leave no request newly allowed.
func TestDiffVerdictsAgreeWithIAM(t *testing.T) {
	e := newEvaluator(t)
	bin := irsaFn(t)
	_, render := quickstart(t, bin)
	const bucket = "arn:aws:s3:::my-app-uploads"
	resources := func(rs string) quickstartEdit {
		return quickstartEdit{qsBinding, qsStatements, "            resources: [" + rs + "]\n"}
	}
	condition := func(vpc string) quickstartEdit {
		return quickstartEdit{qsBinding, qsStatements, qsStatements + "            conditions:\n              StringEquals:\n                aws:SourceVpc: [" + vpc + "]\n"}
	}
	deny := func(action string) quickstartEdit {
		return quickstartEdit{qsBinding, qsStatements, qsStatements + "          - effect: Deny\n            actions: [" + action + "]\n            resources: [\"" + bucket + "/b/*\"]\n"}
	}
	cases := []struct {
		name       string
		old, new   []quickstartEdit
		broadening bool
	}{
		{"an action added", nil, []quickstartEdit{addAction}, true},
		{"an action removed", nil, []quickstartEdit{dropAction}, false},
		{"an action list replaced by a wildcard", nil, []quickstartEdit{{qsBinding, qsActions, "- actions: [\"s3:Put*\"]"}}, true},
		{"a wildcard replaced by one of its actions", []quickstartEdit{{qsBinding, qsActions, "- actions: [\"s3:Put*\"]"}}, nil, false},
		{"resources narrowed to a prefix", nil, []quickstartEdit{resources(`"` + bucket + `/a/*"`)}, false},
		{"resources widened to another bucket", nil, []quickstartEdit{resources(`"` + bucket + `/*", "arn:aws:s3:::other/*"`)}, true},
		{"a condition added", nil, []quickstartEdit{condition("vpc-1")}, false},
		{"a condition's value changed", []quickstartEdit{condition("vpc-1")}, []quickstartEdit{condition("vpc-2")}, true},
		{"a condition removed", []quickstartEdit{condition("vpc-1")}, nil, true},
		{"a Deny added", nil, []quickstartEdit{deny("s3:PutObject")}, false},
		{"a Deny removed", []quickstartEdit{deny("s3:PutObject")}, nil, true},
	}
	var grid []accessCall
	for _, action := range []string{"s3:GetObject", "s3:PutObject", "s3:PutObjectAcl", "s3:PutObjectTagging", "s3:DeleteObject"} {
		for _, resource := range []string{bucket + "/a/x", bucket + "/b/x", "arn:aws:s3:::other/x"} {
			for _, ctx := range []map[string]any{nil, {"aws:SourceVpc": "vpc-1"}, {"aws:SourceVpc": "vpc-2"}} {
				grid = append(grid, accessCall{Action: action, Resource: resource, Context: ctx})
			}
		}
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			oldFile := render("old"+string(rune('a'+i)), tc.old...)
			newFile := render("new"+string(rune('a'+i)), tc.new...)
			allowed := func(file string) []bool {
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				roles := renderedRoles(t, parseObjects(t, data))
				if len(roles) != 1 {
					t.Fatalf("%s: %d roles, want 1", file, len(roles))
				}
				p := e.policiesOf(t, roles[0])
				var reqs []simRequest
				for _, c := range grid {
					reqs = append(reqs, p.request(c))
				}
				var out []bool
				for j, r := range e.simulate(t, reqs) {
					if r.Result == "Error" || len(r.Errors) > 0 {
						t.Fatalf("the simulator could not evaluate %+v: %v", grid[j], r.Errors)
					}
					out = append(out, r.Result == "Allowed")
				}
				return out
			}
			before, after := allowed(oldFile), allowed(newFile)
			var gained []accessCall
			for j := range grid {
				if after[j] && !before[j] {
					gained = append(gained, grid[j])
				}
			}
			if (len(gained) > 0) != tc.broadening {
				t.Fatalf("the case is wrong: IAM allows %d requests newly (%+v), want broadening %v", len(gained), gained, tc.broadening)
			}
			code, out, stderr := diffCmd(t, bin, "", "--fail-on", "broadening", oldFile, newFile)
			if want := map[bool]int{true: 1, false: 0}[tc.broadening]; code != want {
				t.Errorf("irsa-fn diff exit %d, want %d (IAM newly allows %+v):\n%s%s", code, want, gained, out, stderr)
			}
		})
	}
}
