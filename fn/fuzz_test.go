package fn

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"
	"gopkg.in/yaml.v3"
)

// FuzzProcess runs the whole ResourceList processor on any input: it never panics; a failed
// render returns the items exactly as they came; a successful one writes a ResourceList that
// parses again; Run writes exactly the bytes the SDK's Run writes, but for a comment yaml.v3
// would move out of the item it was in (see onlyDroppedComments). A failed render's items differ
// from the input's in nothing else either: a comment after the last key of the last item
// (testdata/fuzz/FuzzProcess/bcf00550e8b9a040) is written by yaml.v3 at the next token, the
// results that follow a failed render, so the SDK moves it to `results:` and Encode drops it.
// No runner writes a failed render's items back (kpt leaves the files; kustomize strips
// comments before the function sees them).
func FuzzProcess(f *testing.F) {
	for _, dir := range []string{"../e2e/testdata/cases", "../e2e/testdata/errors"} {
		cases, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, c := range cases {
			var items []string
			files, _ := filepath.Glob(filepath.Join(c, "*.yaml"))
			for _, file := range files {
				if strings.HasSuffix(file, "expected.yaml") {
					continue
				}
				data, _ := os.ReadFile(file)
				for _, doc := range strings.Split(string(data), "\n---\n") {
					items = append(items, doc)
				}
			}
			f.Add([]byte(resourceList("", items...)))
		}
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		before, err := kfn.ParseResourceList(input)
		if err != nil {
			return // the SDK refuses it before irsa-fn runs
		}
		out, runErr := Run(&Processor{}, input)
		sdkOut, sdkErr := kfn.Run(&Processor{}, input)
		if (sdkErr == nil) != (runErr == nil) || !bytes.Equal(out, sdkOut) && !onlyDroppedComments(t, out, sdkOut) {
			t.Fatalf("Run and the SDK's Run differ:\n%s\n---\n%s", out, sdkOut)
		}
		after, err := kfn.ParseResourceList(out)
		if err != nil {
			t.Fatalf("the output is not a ResourceList: %v\n%s", err, out)
		}
		if runErr != nil {
			if len(before.Items) != len(after.Items) {
				t.Fatalf("a failed render changed the number of items: %d -> %d", len(before.Items), len(after.Items))
			}
			// Items come back sorted; compare them as sorted sets of documents.
			before.Sort()
			for i := range before.Items {
				if b, a := before.Items[i].Bytes(), after.Items[i].Bytes(); !bytes.Equal(b, a) && !onlyDroppedComments(t, a, b) {
					t.Fatalf("a failed render changed an item:\n%s\n---\n%s", before.Items[i].Bytes(), after.Items[i].Bytes())
				}
			}
		}
	})
}

// onlyDroppedComments reports whether out is sdkOut but for comments sdkOut carries and out does
// not. yaml.v3 writes the line comment of an empty value at the emitter's next token: the SDK,
// encoding the whole list as one document, puts a comment from the end of the last item on the
// `results:` key after it; Encode, writing item by item, has no next token and drops it
// (testdata/fuzz/FuzzProcess/comment-on-empty-tagged-scalar). Anything else is a difference.
func onlyDroppedComments(t *testing.T, out, sdkOut []byte) bool {
	t.Helper()
	ours, oursComments := uncommented(t, out)
	sdk, sdkComments := uncommented(t, sdkOut)
	if !bytes.Equal(ours, sdk) {
		return false
	}
	for c, n := range oursComments {
		if sdkComments[c] < n {
			return false
		}
	}
	return true
}

// uncommented re-encodes a YAML document without its comments and counts the comments it had.
func uncommented(t *testing.T, doc []byte) ([]byte, map[string]int) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		t.Fatalf("the output does not parse: %v\n%s", err, doc)
	}
	comments := map[string]int{}
	var strip func(n *yaml.Node)
	strip = func(n *yaml.Node) {
		for _, c := range []*string{&n.HeadComment, &n.LineComment, &n.FootComment} {
			if *c != "" {
				comments[*c]++
				*c = ""
			}
		}
		for _, child := range n.Content {
			strip(child)
		}
	}
	strip(&root)
	out, err := yaml.Marshal(&root)
	if err != nil {
		t.Fatal(err)
	}
	return out, comments
}
