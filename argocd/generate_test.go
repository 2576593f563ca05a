package argocd

import (
	"bytes"
	"strings"
	"testing"
)

func TestFolder(t *testing.T) {
	for cluster, want := range map[string]string{"": ".", "prod-eu": "overlays/prod-eu", "eks.prod_1": "overlays/eks.prod_1"} {
		if got, err := Folder(cluster); err != nil || got != want {
			t.Errorf("Folder(%q) = %q, %v; want %q", cluster, got, err, want)
		}
	}
	// Nothing that leads out of overlays/.
	for _, cluster := range []string{"..", ".", "../base", "a/b", "/etc", ".hidden", "-x", "a b", "prod\n"} {
		if got, err := Folder(cluster); err == nil || !strings.Contains(err.Error(), "is not a folder name under overlays/") {
			t.Errorf("Folder(%q) = %q, %v; want an error", cluster, got, err)
		}
	}
}

func TestMainUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"build"}, {"generate", "extra"}} {
		var out, errOut bytes.Buffer
		if code := Main(args, func(string) string { return "" }, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "Usage: irsa-fn argocd generate") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and the usage", args, code, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := Main([]string{"--help"}, func(string) string { return "" }, &out, &errOut); code != 0 || !strings.Contains(out.String(), "Usage: irsa-fn argocd generate") {
		t.Errorf("--help: exit %d, stdout %q", code, out.String())
	}
}
