package gctune

import (
	"runtime/debug"
	"testing"
)

func TestForInput(t *testing.T) {
	for _, c := range []struct {
		n    int
		want int64
	}{
		{0, minLimit},
		{1 << 10, minLimit},
		{10 << 20, 10 << 20 * limitPerInputByte},
	} {
		got := ForInput(c.n)
		if got.GCPercent != -1 || got.MemoryLimit != c.want {
			t.Errorf("ForInput(%d) = %+v, want GCPercent -1 and MemoryLimit %d", c.n, got, c.want)
		}
	}
}

func TestApplyLeavesTheUsersSettings(t *testing.T) {
	for _, env := range []map[string]string{{"GOGC": "100"}, {"GOMEMLIMIT": "1GiB"}, {"GOGC": "off", "GOMEMLIMIT": "2GiB"}} {
		before := debug.SetMemoryLimit(-1)
		if Apply(Settings{GCPercent: -1, MemoryLimit: 1 << 20}, func(k string) string { return env[k] }) {
			t.Errorf("with %v set, Apply changed the collector", env)
		}
		if after := debug.SetMemoryLimit(-1); after != before {
			t.Errorf("with %v set, the memory limit went from %d to %d", env, before, after)
		}
	}
}

func TestApply(t *testing.T) {
	prevPercent := debug.SetGCPercent(100)
	prevLimit := debug.SetMemoryLimit(-1)
	defer func() {
		debug.SetGCPercent(prevPercent)
		debug.SetMemoryLimit(prevLimit)
	}()
	if !Apply(Settings{GCPercent: 300, MemoryLimit: 1 << 30}, func(string) string { return "" }) {
		t.Fatal("Apply did nothing without GOGC and GOMEMLIMIT")
	}
	if got := debug.SetGCPercent(300); got != 300 {
		t.Errorf("GC percent %d, want 300", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("memory limit %d, want %d", got, 1<<30)
	}
}
