package yamlnode

import (
	"reflect"
	"strings"
	"testing"

	v3 "gopkg.in/yaml.v3"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

type inner struct {
	Key   string `yaml:"key"`
	Value string `yaml:"value"`
}

type sample struct {
	Name     string            `yaml:"name"`
	Count    int64             `yaml:"count,omitempty"`
	Zero     int64             `yaml:"zero,omitempty"`
	Flag     bool              `yaml:"flag"`
	Looks    []string          `yaml:"looks"`
	Doc      string            `yaml:"doc"`
	Tags     []inner           `yaml:"tags,omitempty"`
	Empty    []inner           `yaml:"empty,omitempty"`
	Labels   map[string]string `yaml:"labels,omitempty"`
	Any      any               `yaml:"any,omitempty"`
	Quoted   string            `yaml:"quoted"`
	EmptyStr string            `yaml:"emptyStr"`
}

// TestEncodeWritesWhatMarshalWrites: the node tree, written out, is exactly yaml.Marshal's text.
func TestEncodeWritesWhatMarshalWrites(t *testing.T) {
	v := sample{
		Name: "x", Count: 3, Flag: true, Looks: []string{"86400", "true", "yes", "0123", "null", "~", "1.5", "a: b", "- x", "on", "No", "1:20", "190:20:30.15", "12:ab"},
		Doc: "{\n  \"Version\": \"2012-10-17\"\n}", Tags: []inner{{"team", "payments"}},
		Labels: map[string]string{"z": "1", "a": "2"}, Any: inner{"k", "v"}, Quoted: "true", EmptyStr: "",
	}
	text, err := v3.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := kyaml.Parse(string(text)) // the old path: marshal, parse, write with kyaml
	if err != nil {
		t.Fatal(err)
	}
	want, err := parsed.String()
	if err != nil {
		t.Fatal(err)
	}
	n, err := Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := kyaml.NewRNode(n).String()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Encode writes\n%s\nyaml.Marshal writes\n%s", got, want)
	}
}

func TestToV3KeepsTheDocument(t *testing.T) {
	src := "# head\na: &x {b: [1, \"two\", null]} # line\nc: *x\nd: |\n  text\n"
	n, err := kyaml.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	c := ToV3(n.YNode())
	out, err := v3.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	if err := v3.Unmarshal([]byte(src), &a); err != nil {
		t.Fatal(err)
	}
	if err := v3.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "&x") || !strings.Contains(string(out), "*x") {
		t.Errorf("the alias was lost:\n%s", out)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the copied document reads differently:\n%s", out)
	}
}
