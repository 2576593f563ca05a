package cli

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

func TestVersionAndHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"irsa-fn", "version"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got := out.String(); !strings.HasPrefix(got, "irsa-fn ") || !strings.Contains(got, runtime.Version()) || !strings.Contains(got, "commit ") {
		t.Errorf("version printed %q", got)
	}
	out.Reset()
	if code := Main([]string{"irsa-fn", "help"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "kustomize build --enable-alpha-plugins --enable-exec") {
		t.Errorf("help (exit %d):\n%s", code, out.String())
	}
}
