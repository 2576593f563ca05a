package v1alpha1

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// StringList is a list of strings that may also be written as a single scalar, as IAM condition
// values are: `aws:SourceVpc: vpc-1` and `aws:SourceVpc: [vpc-1, vpc-2]` are both accepted.
// +irsa:schema:stringOrList
type StringList []string

// UnmarshalYAML accepts a scalar or a sequence of scalars.
func (s *StringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*s = StringList{n.Value}
		return nil
	case yaml.SequenceNode:
		out := make(StringList, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: a condition value must be a string", c.Line)
			}
			out = append(out, c.Value)
		}
		*s = out
		return nil
	}
	return fmt.Errorf("line %d: expected a string or a list of strings", n.Line)
}
