package e2e

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// iamProxy stands between irsa-fn and moto on loopback: it records each IAM and STS action,
// and answers chosen actions with an IAM AccessDenied error, to test a failure mid-run.
type iamProxy struct {
	*httptest.Server
	mu      sync.Mutex
	actions []string
	fail    map[string]bool
}

func newIAMProxy(t *testing.T, motoURL string) *iamProxy {
	t.Helper()
	target, err := url.Parse(motoURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &iamProxy{fail: map[string]bool{}}
	forward := httputil.NewSingleHostReverseProxy(target)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		action := form.Get("Action")
		p.mu.Lock()
		p.actions = append(p.actions, action)
		failing := p.fail[action]
		p.mu.Unlock()
		if failing {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>injected by the test: not authorized to perform `+action+`</Message></Error><RequestId>test</RequestId></ErrorResponse>`)
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// reset forgets the recorded actions and sets which actions fail.
func (p *iamProxy) reset(failing ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.actions = nil
	p.fail = map[string]bool{}
	for _, a := range failing {
		p.fail[a] = true
	}
}

// mutations counts the recorded actions that change something (all but Get*, List*).
func (p *iamProxy) mutations() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for _, a := range p.actions {
		if !strings.HasPrefix(a, "Get") && !strings.HasPrefix(a, "List") {
			out[a]++
		}
	}
	return out
}
