// Package controlplane runs a local Kubernetes control plane for tests: etcd and kube-apiserver
// on loopback ports, one bearer token that may do everything, and a kubeconfig for controllers.
// It starts processes and waits for them; it knows nothing of what the tests put into it.
package controlplane

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Binaries are the programs the control plane runs.
type Binaries struct {
	// Etcd is an etcd 3.4 or later server.
	Etcd string
	// APIServer is a kube-apiserver stamped with its version.
	APIServer string
}

// Plane is a running control plane.
type Plane struct {
	// URL is the API server's address, https://127.0.0.1:port.
	URL string
	// Token authenticates as a member of system:masters (every request is allowed anyway).
	Token string
	// CA is the PEM certificate that signed the API server's serving certificate.
	CA []byte
	// Kubeconfig is the path of a kubeconfig file for URL with Token.
	Kubeconfig string

	procs []*Process
}

// Start runs etcd and kube-apiserver with their files under dir and waits until the API
// server is ready. On error, whatever was started is stopped and its output is in the error.
func Start(ctx context.Context, bins Binaries, dir string) (*Plane, error) {
	p := &Plane{}
	if err := p.start(ctx, bins, dir); err != nil {
		logs := p.Logs(4000)
		p.Stop()
		return nil, fmt.Errorf("%w\n%s", err, logs)
	}
	return p, nil
}

func (p *Plane) start(ctx context.Context, bins Binaries, dir string) error {
	pki, err := newPKI()
	if err != nil {
		return err
	}
	p.Token, p.CA = pki.token, pki.caPEM
	files := map[string][]byte{
		"ca.crt": pki.caPEM, "serving.crt": pki.servingPEM, "serving.key": pki.servingKeyPEM,
		"sa.key": pki.saKeyPEM, "sa.pub": pki.saPubPEM,
		"tokens.csv": []byte(pki.token + ",admin,admin,system:masters\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	etcdURL, err := p.startEtcd(bins.Etcd, filepath.Join(dir, "etcd"))
	if err != nil {
		return err
	}
	port, err := FreePort()
	if err != nil {
		return err
	}
	p.URL = fmt.Sprintf("https://127.0.0.1:%d", port)
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--tls-cert-file=" + filepath.Join(dir, "serving.crt"),
		"--tls-private-key-file=" + filepath.Join(dir, "serving.key"),
		"--token-auth-file=" + filepath.Join(dir, "tokens.csv"),
		"--authorization-mode=AlwaysAllow",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file=" + filepath.Join(dir, "sa.key"),
		"--service-cluster-ip-range=10.0.0.0/24",
		"--enable-priority-and-fairness=false",
		"--cert-dir=" + filepath.Join(dir, "apiserver-certs"),
	}
	api, err := StartProcess("kube-apiserver", bins.APIServer, args, Environ(nil))
	if err != nil {
		return err
	}
	p.procs = append(p.procs, api)
	if err := p.waitReady(ctx, api); err != nil {
		return err
	}
	p.Kubeconfig = filepath.Join(dir, "kubeconfig")
	return os.WriteFile(p.Kubeconfig, []byte(p.kubeconfig(filepath.Join(dir, "ca.crt"))), 0o600)
}

// startEtcd runs a single-member etcd on two free loopback ports and returns its client URL.
func (p *Plane) startEtcd(bin, dataDir string) (string, error) {
	clientPort, err := FreePort()
	if err != nil {
		return "", err
	}
	peerPort, err := FreePort()
	if err != nil {
		return "", err
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peer := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	args := []string{
		"--name=test", "--data-dir=" + dataDir,
		"--listen-client-urls=" + client, "--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=test=" + peer,
		"--log-level=warn",
	}
	// ETCD_* variables of the caller would configure this etcd too.
	env := Environ(etcdVariables())
	proc, err := StartProcess("etcd", bin, args, env)
	if err != nil {
		return "", err
	}
	p.procs = append(p.procs, proc)
	return client, nil
}

func etcdVariables() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ETCD_") {
			name, _, _ := strings.Cut(kv, "=")
			out = append(out, name)
		}
	}
	return out
}

// waitReady polls /readyz until the API server answers 200.
func (p *Plane) waitReady(ctx context.Context, api *Process) error {
	client, err := p.HTTPClient()
	if err != nil {
		return err
	}
	var last string
	for {
		for _, proc := range p.procs {
			if exited, err := proc.Exited(); exited {
				return fmt.Errorf("%s exited before the API server was ready: %v", proc.name, err)
			}
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+p.Token)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kube-apiserver at %s was not ready (last answer: %s): %w", p.URL, last, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// HTTPClient returns a client that trusts the API server's certificate.
func (p *Plane) HTTPClient() (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(p.CA) {
		return nil, errors.New("the control plane's CA certificate does not parse")
	}
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}, nil
}

func (p *Plane) kubeconfig(caFile string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: local
  context:
    cluster: local
    user: admin
current-context: local
`, p.URL, caFile, p.Token)
}

// Alive returns an error naming the first process of the plane that has ended.
func (p *Plane) Alive() error {
	for _, proc := range p.procs {
		if exited, err := proc.Exited(); exited {
			return fmt.Errorf("%s has exited: %v\n%s", proc.name, err, proc.Logs(4000))
		}
	}
	return nil
}

// Logs returns the last max bytes of each process's output.
func (p *Plane) Logs(max int) string {
	var parts []string
	for _, proc := range p.procs {
		parts = append(parts, proc.Logs(max))
	}
	return strings.Join(parts, "\n")
}

// Stop ends the API server, then etcd.
func (p *Plane) Stop() {
	for i := len(p.procs) - 1; i >= 0; i-- {
		p.procs[i].Stop(10 * time.Second)
	}
}
