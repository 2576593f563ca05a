package generator

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/schemas"
)

// outputConstants are the values of the constants of type Output in api/v1alpha1, in source
// order, read from the source as the schema generator reads the types.
func outputConstants(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "api", "v1alpha1", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if typ, ok := vs.Type.(*ast.Ident); !ok || typ.Name != "Output" {
					continue
				}
				for _, v := range vs.Values {
					s, err := strconv.Unquote(v.(*ast.BasicLit).Value)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// schemaEnum reads the enum of the list at a path of a kind's JSON Schema.
func schemaEnum(t *testing.T, kind string, path ...string) []string {
	t.Helper()
	data, err := schemas.JSON(kind)
	if err != nil {
		t.Fatal(err)
	}
	var node map[string]any
	if err := json.Unmarshal(data, &node); err != nil {
		t.Fatal(err)
	}
	for _, p := range path {
		next, ok := node["properties"].(map[string]any)[p].(map[string]any)
		if !ok {
			t.Fatalf("%s schema has no %s", kind, strings.Join(path, "."))
		}
		node = next
	}
	var out []string
	for _, v := range node["items"].(map[string]any)["enum"].([]any) {
		out = append(out, v.(string))
	}
	return out
}

// TestOutputsAgree: the table of outputs, the Output constants of the API and the enum of
// spec.output in the JSON Schemas list the same outputs in the same order, and the table is
// sound: names once, one default, each described.
func TestOutputsAgree(t *testing.T) {
	names := OutputNames()
	if consts := outputConstants(t); !slices.Equal(consts, names) {
		t.Errorf("api/v1alpha1's Output constants %v, the table of outputs %v", consts, names)
	}
	for _, at := range []struct {
		kind string
		path []string
	}{{"IRSABinding", []string{"spec", "output"}}, {"IRSAConfig", []string{"spec", "defaults", "output"}}} {
		if enum := schemaEnum(t, at.kind, at.path...); !slices.Equal(enum, names) {
			t.Errorf("the %s schema's %s enum %v, the table of outputs %v (run make schemas)", at.kind, strings.Join(at.path, "."), enum, names)
		}
	}
	defaults := 0
	for i, o := range Outputs() {
		if slices.Index(names, string(o.Name())) != i {
			t.Errorf("output %s is in the table twice", o.Name())
		}
		if o.Traits().Summary == "" {
			t.Errorf("output %s has no summary for the schema", o.Name())
		}
		if o.Traits().Default {
			defaults++
		}
	}
	if defaults != 1 {
		t.Errorf("%d default outputs, want 1", defaults)
	}
}

// TestOutputsReadTheirObjects: every object an output renders for a binding with a role, a
// customer managed policy and Pod Identity associations reads back (ReadObject) as the role,
// policy or association it stands for, as the checks across runs and verify read them.
func TestOutputsReadTheirObjects(t *testing.T) {
	cfg := &v1alpha1.IRSAConfig{Spec: v1alpha1.ConfigSpec{ACK: v1alpha1.ACKSettings{AdoptionPolicy: "adopt-or-create"}}}
	for _, o := range Outputs() {
		t.Run(string(o.Name()), func(t *testing.T) {
			b := validBinding()
			b.Spec.Role.Name = "S3WriterRole"
			b.Spec.Mode = v1alpha1.ModeBoth
			if o.Traits().CustomerManaged != "" {
				b.Spec.Policies.CustomerManaged = []v1alpha1.CustomerManagedPolicy{{Name: "lake-read", Statements: b.Spec.Policies.Inline[0].Statements}}
			}
			b.Spec.Output = []v1alpha1.Output{o.Name()}
			res := Generate(Input{Binding: b, Config: cfg})
			if errs := errorsOf(res.Diagnostics); len(errs) > 0 {
				t.Fatal(errs)
			}
			var roles, policies, associations []string
			for _, obj := range res.Objects {
				r := ReadObject(viewOf(t, obj))
				if r.RoleName != "" {
					roles = append(roles, r.RoleName+"@"+r.RoleAccount)
				}
				if r.PolicyName != "" {
					policies = append(policies, r.PolicyName+"@"+r.PolicyAccount)
				}
				if a := r.Association; a != nil {
					associations = append(associations, strings.Join([]string{a.Cluster, a.Namespace, a.ServiceAccount, a.RoleARN}, " "))
				}
			}
			if len(res.Objects) == 0 {
				if len(roles)+len(policies)+len(associations) > 0 {
					t.Errorf("renders nothing, but reads %v %v %v", roles, policies, associations)
				}
				return
			}
			account := ""
			if o.Name() == v1alpha1.OutputJSON {
				account = "123456789012" // an IAMRole says its account; a Role does not
			}
			if want := []string{"S3WriterRole@" + account}; !slices.Equal(roles, want) {
				t.Errorf("roles read %v, want %v", roles, want)
			}
			var wantPolicies []string
			if len(b.Spec.Policies.CustomerManaged) > 0 {
				wantPolicies = []string{"lake-read@123456789012"} // from the adoption fields
			}
			if !slices.Equal(policies, wantPolicies) {
				t.Errorf("policies read %v, want %v", policies, wantPolicies)
			}
			var wantAssociations []string
			if o.Name() != v1alpha1.OutputJSON {
				wantAssociations = []string{"prod-eu production s3-writer arn:aws:iam::123456789012:role/S3WriterRole"}
			}
			if !slices.Equal(associations, wantAssociations) {
				t.Errorf("associations read %v, want %v", associations, wantAssociations)
			}
		})
	}
}

// viewOf reads an object through its YAML form, as fn and verify see it.
func viewOf(t *testing.T, o Object) ObjectView {
	t.Helper()
	data, err := yaml.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return ObjectView{
		APIVersion: o.APIVersion, Kind: o.Kind, Annotations: o.Metadata.Annotations,
		String: func(path ...string) string {
			var v any = doc
			for _, p := range path {
				m, ok := v.(map[string]any)
				if !ok {
					return ""
				}
				v = m[p]
			}
			s, _ := v.(string)
			return s
		},
	}
}

// TestOutputChecks: the checks that depend on the outputs take what they need from the table:
// the values allowed, an output that stands alone, the outputs that render customer managed
// policies, name their objects after the role or need each cluster's region.
func TestOutputChecks(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edit  func(*v1alpha1.IRSABinding)
		field string
		want  string
	}{
		{"an unknown output", func(b *v1alpha1.IRSABinding) { b.Spec.Output = []v1alpha1.Output{"ackk"} },
			"spec.output[0]", `output "ackk" is not supported (allowed: ack, crossplane, json, none)`},
		{"none with another output", func(b *v1alpha1.IRSABinding) { b.Spec.Output = []v1alpha1.Output{"ack", "none"} },
			"spec.output[1]", "output none cannot be combined with other outputs (allowed: none alone, or a list of other outputs)"},
		{"customer managed policies for an output that cannot render them", func(b *v1alpha1.IRSABinding) {
			b.Spec.Output = []v1alpha1.Output{"ack", "json"}
			b.Spec.Policies.CustomerManaged = []v1alpha1.CustomerManagedPolicy{{Name: "p", Statements: b.Spec.Policies.Inline[0].Statements}}
		}, "spec.policies.customerManaged", "output json does not render customer managed policies, and the outputs are [ack json] (allowed: output: [ack], which renders them as ACK Policy objects; or inline policies)"},
		{"a role name that names no object", func(b *v1alpha1.IRSABinding) {
			b.Spec.Output = []v1alpha1.Output{"json"}
			b.Spec.Role.Name = "@@"
		}, "spec.role.name", `role name "@@" leaves nothing of a Kubernetes object name (only letters, digits, '-' and '.' are kept, in lower case), and output json names its objects after the role (allowed: a role name with a letter or digit, or output: [none])`},
		{"Pod Identity for Crossplane without a region", func(b *v1alpha1.IRSABinding) {
			b.Spec.Output = []v1alpha1.Output{"ack", "crossplane"}
			b.Spec.Mode = v1alpha1.ModePodIdentity
			b.Spec.Clusters = []v1alpha1.Cluster{{Name: "lab"}}
		}, "spec.clusters[0].region", "region is required for output crossplane: Crossplane's PodIdentityAssociation names the cluster's region"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := validBinding()
			tt.edit(&b)
			errs := errorsOf(Generate(Input{Binding: b}).Diagnostics)
			if len(errs) != 1 || errs[0].Field != tt.field || !strings.HasPrefix(errs[0].String(), tt.field+": "+tt.want) {
				t.Errorf("errors %v\nwant one: %s: %s", errs, tt.field, tt.want)
			}
		})
	}
	for _, o := range Outputs() {
		b := validBinding()
		b.Spec.Role.Name = "@@"
		b.Spec.Output = []v1alpha1.Output{o.Name()}
		errs := errorsOf(Generate(Input{Binding: b}).Diagnostics)
		if named := len(errs) > 0; named != o.Traits().NamesObjects {
			t.Errorf("output %s: a role name that names no object gives errors %v", o.Name(), errs)
		}
	}
}
