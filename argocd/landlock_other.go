//go:build !linux

package argocd

import "fmt"

// restrictExec is Landlock's, which only Linux has.
func restrictExec(string) error {
	return fmt.Errorf("%w: not Linux", errNoLandlock)
}
