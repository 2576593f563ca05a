package schemas

import (
	"bytes"
	"encoding/json"
)

// Schema is a JSON Schema node, its keys in a fixed order so the output is stable.
type Schema struct {
	Schema      string `json:"$schema,omitempty"`
	ID          string `json:"$id,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type,omitempty"`
	// Default is the value irsa-fn uses when the field is not given.
	Default       any      `json:"default,omitempty"`
	Enum          []string `json:"enum,omitempty"`
	Pattern       string   `json:"pattern,omitempty"`
	MinLength     *int64   `json:"minLength,omitempty"`
	MaxLength     *int64   `json:"maxLength,omitempty"`
	Minimum       *int64   `json:"minimum,omitempty"`
	Maximum       *int64   `json:"maximum,omitempty"`
	MinItems      *int64   `json:"minItems,omitempty"`
	MaxItems      *int64   `json:"maxItems,omitempty"`
	UniqueItems   bool     `json:"uniqueItems,omitempty"`
	MinProperties *int64   `json:"minProperties,omitempty"`
	MaxProperties *int64   `json:"maxProperties,omitempty"`
	Items         *Schema  `json:"items,omitempty"`
	Properties    Props    `json:"properties,omitempty"`
	// PropertyNames is the schema every key of a map matches.
	PropertyNames        *Schema   `json:"propertyNames,omitempty"`
	Required             []string  `json:"required,omitempty"`
	AdditionalProperties any       `json:"additionalProperties,omitempty"`
	AllOf                []*Schema `json:"allOf,omitempty"`
	AnyOf                []*Schema `json:"anyOf,omitempty"`
	OneOf                []*Schema `json:"oneOf,omitempty"`
	Not                  *Schema   `json:"not,omitempty"`
	// ErrorMessage is the readable message ajv-errors (and yaml-language-server) report instead
	// of the validator's own when the node does not match.
	ErrorMessage    string `json:"errorMessage,omitempty"`
	PreserveUnknown bool   `json:"x-kubernetes-preserve-unknown-fields,omitempty"`
	// ListType is x-kubernetes-list-type: set, the CRD form of uniqueItems.
	ListType string `json:"x-kubernetes-list-type,omitempty"`
}

// Prop is one property of an object schema.
type Prop struct {
	Name   string
	Schema *Schema
}

// Props are an object's properties in declaration order.
type Props []Prop

// UnmarshalJSON reads the properties of an object, keeping their order.
func (p *Props) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		var s Schema
		if err := dec.Decode(&s); err != nil {
			return err
		}
		*p = append(*p, Prop{Name: t.(string), Schema: &s})
	}
	_, err := dec.Token()
	return err
}

// MarshalJSON writes the properties as an object, in order.
func (p Props) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, prop := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(prop.Name)
		v, err := json.Marshal(prop.Schema)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Get returns the schema of the property name, nil when there is none.
func (p Props) Get(name string) *Schema {
	for _, prop := range p {
		if prop.Name == name {
			return prop.Schema
		}
	}
	return nil
}
