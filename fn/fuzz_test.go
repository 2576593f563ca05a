package fn

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"
)

// FuzzProcess runs the whole ResourceList processor on any input: it never panics; a failed
// render returns the items exactly as they came; a successful one writes a ResourceList that
// parses again; Run writes exactly the bytes the SDK's Run writes.
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
		if sdkOut, sdkErr := kfn.Run(&Processor{}, input); !bytes.Equal(out, sdkOut) || (sdkErr == nil) != (runErr == nil) {
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
				if !bytes.Equal(before.Items[i].Bytes(), after.Items[i].Bytes()) {
					t.Fatalf("a failed render changed an item:\n%s\n---\n%s", before.Items[i].Bytes(), after.Items[i].Bytes())
				}
			}
		}
	})
}
