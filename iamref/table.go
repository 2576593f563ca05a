package iamref

// The generated table (zz_generated.go) is static arrays of these records and of uint16 ids:
// nothing is built at start-up and nothing is allocated to read it.

// service is one service: its prefix (a string id), its condition keys (a list id), and its
// resource types and actions as ranges of resources and actions.
type service struct {
	prefix, keys   uint16
	resFirst, resN uint16
	actFirst       uint32
	actN           uint16
}

// resource is one resource type: its name (a string id) and the lists of its ARN templates and
// condition keys.
type resource struct {
	name, arns, keys uint16
}

// action is one action: its name and access level (string ids), the list of its condition keys
// and the list of its resource types (an index into resRefOff).
type action struct {
	name, keys, res, level uint16
}

// str returns string id.
func str(id uint16) string {
	return strData[strOff[id] : strOff[id+1]-1]
}

// list returns the string ids of list id.
func list(id uint16) []uint16 {
	return lists[listOff[id]:listOff[id+1]]
}

// strs returns the strings of list id in a new slice.
func strs(id uint16) []string {
	ids := list(id)
	out := make([]string, len(ids))
	for i, s := range ids {
		out[i] = str(s)
	}
	return out
}

// resRefList returns the resource references of list id.
func resRefList(id uint16) []uint16 {
	return resRefs[resRefOff[id]:resRefOff[id+1]]
}

// requiredBit marks a resource reference the action requires.
const requiredBit = 1 << 15
