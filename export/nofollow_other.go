//go:build !unix

package export

// oNoFollow is 0 where the platform has no O_NOFOLLOW; Write still checks every path with Lstat
// and writes through O_EXCL temporary files renamed into place, which never follow a link.
const oNoFollow = 0
