package controlplane

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEnviron(t *testing.T) {
	t.Setenv("AWS_CA_BUNDLE", "/etc/ca.pem")
	t.Setenv("KEEP_ME", "1")
	env := Environ([]string{"AWS_CA_BUNDLE"}, "EXTRA=2")
	joined := "\n" + strings.Join(env, "\n") + "\n"
	if strings.Contains(joined, "\nAWS_CA_BUNDLE=") {
		t.Error("AWS_CA_BUNDLE was kept")
	}
	if !strings.Contains(joined, "\nKEEP_ME=1\n") || !strings.HasSuffix(joined, "\nEXTRA=2\n") {
		t.Errorf("the rest of the environment or the extra variable is missing: %v", env)
	}
}

// TestStartFailsOnMissingProgram: a control plane whose etcd cannot start is an error naming
// the program, and nothing is left running.
func TestStartFailsOnMissingProgram(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-etcd")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := Start(ctx, Binaries{Etcd: missing, APIServer: missing}, t.TempDir())
	if err == nil {
		p.Stop()
		t.Fatal("a control plane without etcd started")
	}
	if !strings.Contains(err.Error(), "start etcd ("+missing+")") {
		t.Errorf("the error does not name etcd and its path: %v", err)
	}
}

func TestProcessLogsAndStop(t *testing.T) {
	p, err := StartProcess("sleeper", "/bin/sh", []string{"-c", "echo started; exec sleep 60"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.Logs(100), "started") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if logs := p.Logs(100); !strings.Contains(logs, "---- sleeper output ----\nstarted\n") {
		t.Errorf("logs: %q", logs)
	}
	if exited, _ := p.Exited(); exited {
		t.Fatal("the process exited early")
	}
	p.Stop(5 * time.Second)
	if exited, err := p.Exited(); !exited || err == nil {
		t.Errorf("after Stop: exited %v, %v; want a process ended by a signal", exited, err)
	}
}
