package iamsync

import (
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	got := Diff(`{"a": 1, "b": [1, 2], "c": "x"}`, `{"c": "x", "b": [1, 3], "a": 1}`)
	want := []string{ // two lines of context on each side
		`    "b": [`,
		`      1,`,
		`-     2`,
		`+     3`,
		`    ],`,
		`    "c": "x"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if d := Diff(`{"a":1}`, `{ "a" : 1 }`); len(d) != 0 {
		t.Errorf("formatting alone made a diff: %q", d)
	}
	if d := Diff("", `{"a":1}`); len(d) != 3 || d[0] != "+ {" {
		t.Errorf("a new document: %q", d)
	}
}
