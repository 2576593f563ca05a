package argocd

import "errors"

// errNoLandlock is restrictExec's error when the kernel cannot restrict what is executed. The
// build then runs without it: the sidecar image holds no program but irsa-fn, and the files of
// the repository are not executable (preserveFileMode: false).
var errNoLandlock = errors.New("Landlock is not available")
