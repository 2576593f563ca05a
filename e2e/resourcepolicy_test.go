package e2e

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// readCalls decodes the allowed and denied calls of an access file strictly, as
// readWellKnownAccess does, and returns them as accessCalls, allowed first.
func readCalls(src string) ([]accessCall, error) {
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	var f wellKnownAccess
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	return f.calls(), nil
}

// TestAccessResourcePolicyDecoding shows an access file's resourcePolicy is read strictly: a JSON
// string and the same document as a YAML map give the same policy, and anything else is an error.
func TestAccessResourcePolicyDecoding(t *testing.T) {
	const jsonForm = `
allowed:
  - action: kms:Decrypt
    resource: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    resourcePolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":["kms:Decrypt"],"Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}]}'
`
	const yamlForm = `
allowed:
  - action: kms:Decrypt
    resource: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    resourcePolicy:
      Version: 2012-10-17
      Statement:
        - Effect: Allow
          Principal: {AWS: "arn:aws:iam::123456789012:role/app"}
          Action: [kms:Decrypt]
          Resource: "*"
          Condition: {Bool: {kms:GrantIsForAWSResource: true}}
`
	var docs []any
	for _, src := range []string{jsonForm, yamlForm} {
		calls, err := readCalls(src)
		if err != nil {
			t.Fatalf("%v\n%s", err, src)
		}
		if len(calls) != 1 || len(calls[0].ResourcePolicy) == 0 {
			t.Fatalf("want one call with a resource policy, got %+v", calls)
		}
		var doc any
		if err := json.Unmarshal(calls[0].ResourcePolicy, &doc); err != nil {
			t.Fatalf("the resource policy is not JSON: %v\n%s", err, calls[0].ResourcePolicy)
		}
		docs = append(docs, doc)
	}
	if !reflect.DeepEqual(docs[0], docs[1]) {
		t.Errorf("the JSON string and the YAML map differ:\n%v\n%v", docs[0], docs[1])
	}

	const call = "allowed:\n  - action: kms:Decrypt\n    resource: arn:aws:kms:eu-west-1:123456789012:key/k\n"
	for name, tail := range map[string]string{
		"a number":               "    resourcePolicy: 42\n",
		"a JSON list":            "    resourcePolicy: '[{}]'\n",
		"JSON null":              "    resourcePolicy: 'null'\n",
		"text after the JSON":    "    resourcePolicy: '{} {}'\n",
		"not JSON":               "    resourcePolicy: 'Allow kms:Decrypt'\n",
		"a YAML list":            "    resourcePolicy: [Version]\n",
		"a null value":           "    resourcePolicy: {Version: ~}\n",
		"a key given twice":      "    resourcePolicy: {Version: 2012-10-17, Version: 2008-10-17}\n",
		"a misspelt field":       "    resourcePolicies: {Version: 2012-10-17}\n",
		"an alias in the policy": "    resourcePolicy: {Statement: &s [], Other: *s}\n",
	} {
		calls, err := readCalls(call + tail)
		t.Logf("%s: %v", name, err)
		if err == nil {
			t.Errorf("%s: read without error: %+v", name, calls)
		}
	}
}

// TestAccessResourcePolicyFor shows which calls get the default key policy: calls on a KMS key or a
// pattern of keys, in the key's partition and account, and no other call.
func TestAccessResourcePolicyFor(t *testing.T) {
	for resource, want := range map[string]string{
		"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab": "arn:aws:iam::123456789012:root",
		"arn:aws-cn:kms:cn-north-1:210987654321:key/*":                                "arn:aws-cn:iam::210987654321:root",
		"arn:aws:kms:eu-west-1:123456789012:alias/ebs":                                "",
		"arn:aws:s3:::prod-backups/key/1":                                             "",
		"*":                                                                           "",
	} {
		rp := resourcePolicyFor(accessCall{Action: "kms:Decrypt", Resource: resource})
		if want == "" {
			if rp != nil {
				t.Errorf("%s: got the resource policy %s, want none", resource, rp)
			}
			continue
		}
		var doc struct {
			Statement []struct {
				Effect, Action, Resource string
				Principal                struct{ AWS string }
			}
		}
		if err := json.Unmarshal(rp, &doc); err != nil {
			t.Fatalf("%s: the default key policy is not JSON: %v\n%s", resource, err, rp)
		}
		if len(doc.Statement) != 1 || doc.Statement[0].Principal.AWS != want || doc.Statement[0].Action != "kms:*" || doc.Statement[0].Effect != "Allow" || doc.Statement[0].Resource != "*" {
			t.Errorf("%s: got %s, want the default key policy allowing kms:* to %s", resource, rp, want)
		}
	}
	own := json.RawMessage(`{"Version":"2012-10-17","Statement":[]}`)
	if rp := resourcePolicyFor(accessCall{Resource: "arn:aws:kms:eu-west-1:123456789012:key/k", ResourcePolicy: own}); !bytes.Equal(rp, own) {
		t.Errorf("a call's own resource policy was replaced by %s", rp)
	}
}

// TestAccessKMSKeyPolicy shows the harness evaluates KMS as AWS does: an identity policy that
// allows kms:Decrypt on a key counts only when the key policy allows the key's account; a key
// policy that names the role allows it by itself in the same account; across accounts both the
// role's policies and the key's must allow. The calls come from an access file, to cover the
// whole path from resourcePolicy to the simulator.
func TestAccessKMSKeyPolicy(t *testing.T) {
	e := newEvaluator(t)
	const (
		principal = "arn:aws:iam::123456789012:role/app"
		key       = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		otherKey  = "arn:aws:kms:eu-west-1:210987654321:key/abcd1234-ab12-cd34-ef56-abcdef123456"
	)
	role := rolePolicies{ARN: principal, Account: "123456789012", Identity: []json.RawMessage{json.RawMessage(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":["` + key + `","` + otherKey + `"]}]}`)}}
	// A key policy written for key administrators only: it does not delegate to IAM.
	const noDelegation = `
    resourcePolicy:
      Version: 2012-10-17
      Statement:
        - Sid: Key administrators
          Effect: Allow
          Principal: {AWS: "arn:aws:iam::123456789012:role/key-admin"}
          Action: "kms:*"
          Resource: "*"`
	calls, err := readCalls(`
allowed:
  - action: kms:Decrypt
    resource: ` + key + `
    source: the identity policy, and the default key policy lets it count
  - action: kms:Encrypt
    resource: ` + key + `
    resourcePolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"kms:Encrypt","Resource":"*"}]}'
    source: the key policy names the role; no identity policy allows kms:Encrypt
  - action: kms:Decrypt
    resource: ` + otherKey + `
    resourcePolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:Decrypt","Resource":"*"}]}'
    source: the other account's key policy allows this account, and the identity policy allows the key
denied:
  - action: kms:Decrypt
    resource: ` + key + noDelegation + `
    why: the identity policy allows it, but the key policy does not delegate to IAM
  - action: kms:Encrypt
    resource: ` + key + `
    why: the default key policy delegates to IAM, and no identity policy allows kms:Encrypt
  - action: kms:Decrypt
    resource: ` + otherKey + `
    why: the other account's default key policy trusts that account only
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Allowed", "Allowed", "Allowed", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied"}
	if len(calls) != len(want) {
		t.Fatalf("read %d calls, want %d", len(calls), len(want))
	}
	var reqs []simRequest
	for _, c := range calls {
		reqs = append(reqs, role.request(c))
	}
	// The first denied call once more, with no resource policy at all given to the simulator:
	// KMS then ignores the identity policy, as AWS would.
	bare := role.request(calls[0])
	bare.ResourcePolicy = nil
	reqs = append(reqs, bare)
	results := e.simulate(t, reqs)
	for i, c := range calls {
		r := results[i]
		if r.Result != want[i] {
			t.Errorf("%s (%s): the simulator said %s %v, want %s\n%s", c.name(), c.Note, r.Result, r.Errors, want[i], r.Explanation)
		}
		if msg := mismatch(c, r); msg != "" {
			t.Error(msg)
		}
		flipped := c
		flipped.Allowed = !c.Allowed
		if msg := mismatch(flipped, r); msg == "" {
			t.Errorf("%s: the wrong expectation allowed=%v was not reported", c.name(), flipped.Allowed)
		} else if !strings.Contains(msg, "resource policy: {") {
			t.Errorf("%s: the report does not show the resource policy:\n%s", c.name(), msg)
		}
	}
	if got := results[len(calls)].Result; got != "ImplicitlyDenied" {
		t.Errorf("kms:Decrypt on a key with no key policy: the simulator said %s, want ImplicitlyDenied (KMS needs the key policy to delegate to IAM)\n%s", got, results[len(calls)].Explanation)
	}
	if !strings.Contains(string(results[3].Explanation), `"resourcePolicy"`) {
		t.Errorf("the explanation of a call with a resource policy does not show its statements:\n%s", results[3].Explanation)
	}
}
