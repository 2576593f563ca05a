package fn

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"
)

// encodeCorpus are the documents Encode is held to: every YAML file of the examples and the
// end-to-end test data (comments, anchors, flow style, folded and literal scalars, unicode), and
// shapes picked to trip an indenting writer.
func encodeCorpus(t *testing.T) []string {
	t.Helper()
	docs := []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  lit: |\n    one\n\n      indented after an empty line\n    last\n  keep: |+\n    kept\n\n\n  lead: \"  leading spaces\\nsecond\"\n",
		"# head\napiVersion: v1 # line\nkind: ConfigMap\nmetadata:\n  name: b\n  # foot of name\ndata: {}\n# foot of document\n",
		"apiVersion: v1\nkind: List\nmetadata: {name: c}\nitems:\n- - nested\n  - seq\n- {flow: map}\n- ? complex key\n  : value\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata:\n  \"" + strings.Repeat("k", 200) + "\": long key\n  trailing: \"spaces   \"\n  tabs: \"a\\tb\"\n  empty: \"\"\n  nul: null\n",
	}
	for _, root := range []string{"../examples", "../e2e/testdata"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			docs = append(docs, strings.Split(string(data), "\n---\n")...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return docs
}

// TestEncodeIsTheSDKsOutput: for every document of the corpus, alone and all together, with and
// without results and a function config, Encode writes exactly the bytes of ResourceList.ToYAML.
func TestEncodeIsTheSDKsOutput(t *testing.T) {
	docs := encodeCorpus(t)
	parsed := 0
	check := func(t *testing.T, input []byte) {
		t.Helper()
		a, err := kfn.ParseResourceList(input)
		if err != nil {
			return // the SDK refuses it; so does the function
		}
		b, _ := kfn.ParseResourceList(input)
		a.Results = append(a.Results, &kfn.Result{Message: "a result", Severity: kfn.Warning})
		b.Results = append(b.Results, &kfn.Result{Message: "a result", Severity: kfn.Warning})
		got, err := Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		want, err := b.ToYAML()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Encode differs from ToYAML:\n%s\n--- ToYAML:\n%s", got, want)
		}
		parsed++
	}
	var all []string
	for _, d := range docs {
		if strings.TrimSpace(d) == "" {
			continue
		}
		check(t, resourceList("", d))
		all = append(all, d)
	}
	check(t, resourceList("", all...))
	check(t, resourceList("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fc}\ndata: {a: b}\n", all...))
	check(t, []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"))
	if parsed < 100 {
		t.Fatalf("only %d ResourceLists compared", parsed)
	}
}
