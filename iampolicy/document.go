// Package iampolicy is irsa-fn's IAM logic: policy documents in their canonical JSON form,
// parsing of documents written by hand, the checks IAM makes when it accepts one and those
// against IAM's service reference, least-privilege warnings, and trust evaluation (which web
// identity tokens and Pod Identity requests a trust policy admits). It does no I/O.
package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Version is the policy language version irsa-fn writes.
const Version = "2012-10-17"

// Document is an IAM policy document. Its JSON form has a fixed key order, so the same document
// always serializes to the same bytes.
type Document struct {
	Version   string      `json:"Version"`
	ID        string      `json:"Id,omitempty"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a policy document, with keys in the order IAM shows them.
type Statement struct {
	Sid         string     `json:"Sid,omitempty"`
	Effect      string     `json:"Effect"`
	Principal   *Principal `json:"Principal,omitempty"`
	Action      Values     `json:"Action,omitempty"`
	NotAction   Values     `json:"NotAction,omitempty"`
	Resource    Values     `json:"Resource,omitempty"`
	NotResource Values     `json:"NotResource,omitempty"`
	Condition   Condition  `json:"Condition,omitempty"`
}

// Principal is the principal of a trust policy statement.
type Principal struct {
	AWS       Values `json:"AWS,omitempty"`
	Federated Values `json:"Federated,omitempty"`
	Service   Values `json:"Service,omitempty"`
}

// Condition is a condition block: operator, then condition key, then values. encoding/json
// writes map keys sorted, which keeps it deterministic.
type Condition map[string]map[string]Values

// Values is a list of strings that serializes as a plain string when it holds exactly one, as
// IAM itself writes Action, Resource and condition values.
type Values []string

// MarshalJSON writes one value as a string and several as a list.
func (v Values) MarshalJSON() ([]byte, error) {
	if len(v) == 1 {
		return marshalNoEscape(v[0])
	}
	return marshalNoEscape([]string(v))
}

// UnmarshalJSON reads a string, a list of strings, or (as IAM accepts in conditions) booleans
// and numbers, which it keeps as their text.
func (v *Values) UnmarshalJSON(data []byte) error {
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	scalar := func(x any) (string, error) {
		switch t := x.(type) {
		case string:
			return t, nil
		case bool:
			return strconv.FormatBool(t), nil
		case float64:
			return strconv.FormatFloat(t, 'f', -1, 64), nil
		}
		return "", fmt.Errorf("expected a string or a list of strings, found %s", data)
	}
	switch t := raw.(type) {
	case []any:
		out := make(Values, 0, len(t))
		for _, x := range t {
			s, err := scalar(x)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		*v = out
		return nil
	default:
		s, err := scalar(t)
		if err != nil {
			return err
		}
		*v = Values{s}
		return nil
	}
}

// JSON returns the document as indented JSON (two spaces), the form written into rendered
// objects and exported files, so that reviewers read it in diffs.
func (d Document) JSON() string {
	b, err := marshalNoEscape(d)
	if err != nil {
		// Every field is a string, a list of strings or a map of them: marshalling cannot fail.
		panic(fmt.Sprintf("iampolicy: marshal document: %v", err))
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		panic(fmt.Sprintf("iampolicy: indent document: %v", err))
	}
	return out.String()
}

// Size is the document's length as IAM counts it against its quotas: without white space
// outside strings.
func (d Document) Size() int {
	b, _ := marshalNoEscape(d)
	return len(b)
}

// marshalNoEscape marshals v without escaping <, > and &, which IAM reads literally.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
