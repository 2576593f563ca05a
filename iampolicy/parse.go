package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Parse reads a policy document written by hand. It accepts what IAM accepts — Statement as
// one object or a list, values as a string or a list — and rejects unknown elements, so a typo
// such as "Resources" is caught before IAM refuses it.
func Parse(text string) (Document, error) {
	if err := checkDuplicateKeys([]byte(text)); err != nil {
		return Document{}, err
	}
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

// checkDuplicateKeys refuses a JSON text with a key twice in one object: encoding/json would keep
// the last value and drop the first without a word, and IAM's own parser refuses the document.
func checkDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := k.(string)
				if seen[key] {
					return fmt.Errorf("%s: key %q appears twice; JSON keeps only the last, so the first would be lost", strings.TrimPrefix(path+"."+key, "."), key)
				}
				seen[key] = true
				if err := walk(path + "." + key); err != nil {
					return err
				}
			}
			_, err = dec.Token() // }
			return err
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			_, err = dec.Token() // ]
			return err
		}
		return nil
	}
	if err := walk(""); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil // not JSON: the decoder below says why
		}
		return err
	}
	return nil
}
