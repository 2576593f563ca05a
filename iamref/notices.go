package iamref

import _ "embed" // for Notices

// Notices are the names, versions and license texts of the data the table is generated from, as
// their licenses ask of every copy: `irsa-fn version --notices` prints them.
//
//go:embed THIRD_PARTY_NOTICES.md
var Notices string
