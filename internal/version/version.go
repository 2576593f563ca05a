// Package version reports which build of irsa-fn is running.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at link time by the Makefile and the Dockerfile:
// -ldflags "-X github.com/irsa-dev/irsa-fn/internal/version.version=v0.1.0 -X ...commit=abc123".
// They are variables only because the linker can set nothing else.
var (
	version = ""
	commit  = ""
)

// Info is the version, commit and Go version of this binary.
type Info struct {
	Version, Commit, GoVersion string
}

// Get returns the build's version: from the linker flags, else from the module version that
// `go install ...@vX` records, else "dev".
func Get() Info {
	info := Info{Version: version, Commit: commit, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && info.Commit == "" {
				info.Commit = s.Value
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	return info
}

// String renders the version as `irsa-fn version` prints it.
func (i Info) String() string {
	return fmt.Sprintf("irsa-fn %s (commit %s, %s)", i.Version, i.Commit, i.GoVersion)
}
