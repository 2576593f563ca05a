package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Parse reads a policy document written by hand. It accepts what IAM accepts — Statement as
// one object or a list, values as a string or a list — and rejects unknown elements, so a typo
// such as "Resources" is caught before IAM refuses it.
func Parse(text string) (Document, error) {
	var raw struct {
		Version   string          `json:"Version"`
		ID        string          `json:"Id"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := decodeStrict([]byte(text), &raw); err != nil {
		return Document{}, err
	}
	doc := Document{Version: raw.Version, ID: raw.ID}
	body := bytes.TrimSpace(raw.Statement)
	switch {
	case len(body) == 0 || bytes.Equal(body, []byte("null")):
		return doc, nil
	case body[0] == '{':
		var st Statement
		if err := decodeStrict(body, &st); err != nil {
			return Document{}, fmt.Errorf("Statement: %w", err)
		}
		doc.Statement = []Statement{st}
	default:
		var items []json.RawMessage
		if err := json.Unmarshal(body, &items); err != nil {
			return Document{}, fmt.Errorf("Statement: expected an object or a list of objects: %w", err)
		}
		for i, item := range items {
			var st Statement
			if err := decodeStrict(item, &st); err != nil {
				return Document{}, fmt.Errorf("Statement[%d]: %w", i, err)
			}
			doc.Statement = append(doc.Statement, st)
		}
	}
	return doc, nil
}

func decodeStrict(data []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected data after the JSON value")
	}
	return nil
}
