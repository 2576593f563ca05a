// Package gctune sets the garbage collector for one run of irsa-fn as a KRM function.
//
// A run parses the whole ResourceList into YAML trees, renders, and writes the whole list back:
// the live heap only grows, and the last phase, writing, allocates as much as parsing did. On the
// default setting (GOGC=100) the collector marks that growing heap again at every doubling, and
// `make bench` showed that to be most of the gap to a no-op function on the same SDK: with
// GOGC=200 in the environment irsa-fn took 0.79 times the no-op's wall time at 10,000 objects
// instead of 1.40 times. A run is short and its input is known before anything is parsed, so the
// collector is better told how much memory the run may use than how often to collect.
package gctune

import (
	"math"
	"runtime/debug"
)

const (
	// limitPerInputByte is the soft memory limit per byte of input. On bench/gen's input the
	// no-op function (default collector) peaks at 88 to 97 MiB of RSS per MiB of input at 1,000
	// objects and at 72 to 96 MiB per MiB at 10,000 (median of alternating runs; the spread is
	// where its last collection happens to fall), and irsa-fn's own live heap at the end of a
	// 10,000 object run is 55 bytes per input byte. With GOGC=off the RSS is the limit plus 10 to
	// 60 MiB of runtime and binary, so 72 bytes per byte puts irsa-fn's peak at about the no-op's
	// (0.9 to 1.05 times) while leaving the collector a third of the live heap as headroom.
	limitPerInputByte = 72
	// minLimit keeps small inputs, whose runs allocate a few MiB, from collecting at all.
	minLimit = 32 << 20
)

// Settings are the collector settings of a run.
type Settings struct {
	// GCPercent is the value for debug.SetGCPercent; -1 turns the proportional trigger off.
	GCPercent int
	// MemoryLimit is the value for debug.SetMemoryLimit, in bytes.
	MemoryLimit int64
}

// ForInput returns the settings for a run on an input of n bytes: no proportional trigger, and a
// soft memory limit proportional to the input. The collector then runs only as the heap nears
// the limit, a few times per run instead of at every doubling of the heap. The limit is soft: a
// heap that outgrows it (an input far denser in YAML nodes than bench/gen's) is collected with at
// most half the CPU (the runtime's limiter), and the run goes on.
func ForInput(n int) Settings {
	limit := int64(minLimit)
	if n > 0 && int64(n) <= math.MaxInt64/limitPerInputByte {
		limit = max(limit, int64(n)*limitPerInputByte)
	}
	return Settings{GCPercent: -1, MemoryLimit: limit}
}

// Apply sets s unless GOGC or GOMEMLIMIT is set in the environment (getenv is os.Getenv): a user
// who tunes the collector keeps exactly the settings they chose. It reports whether it set s.
func Apply(s Settings, getenv func(string) string) bool {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return false
	}
	debug.SetGCPercent(s.GCPercent)
	debug.SetMemoryLimit(s.MemoryLimit)
	return true
}
