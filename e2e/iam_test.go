package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// iamClient is an IAM client for the emulator at endpoint.
func iamClient(endpoint string) *iam.Client {
	return iam.New(iam.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(endpoint),
	})
}

// iamRoles returns every role of a render in the ACK Role's shape: ACK Roles as they are, and
// Crossplane Roles with their RolePolicies and RolePolicyAttachments folded in, so that IAM
// checks the documents of both outputs.
func iamRoles(objs []object) []object {
	var out []object
	byObject := map[string]map[string]any{}
	for _, o := range find(objs, "Role") {
		switch {
		case strings.HasPrefix(str(o, "apiVersion"), "iam.services.k8s.aws/"):
			out = append(out, o)
		case strings.Contains(str(o, "apiVersion"), ".upbound.io/"):
			fp, _ := get(o, "spec", "forProvider").(map[string]any)
			spec := map[string]any{
				"name": str(o, "metadata", "annotations", "crossplane.io/external-name"), "assumeRolePolicyDocument": fp["assumeRolePolicy"],
				"path": fp["path"], "description": fp["description"], "maxSessionDuration": fp["maxSessionDuration"],
				"permissionsBoundary": fp["permissionsBoundary"], "inlinePolicies": map[string]any{},
			}
			if tags, ok := fp["tags"].(map[string]any); ok {
				var list []any
				for k, v := range tags {
					list = append(list, map[string]any{"key": k, "value": v})
				}
				spec["tags"] = list
			}
			byObject[str(o, "metadata", "name")] = spec
			out = append(out, object{"spec": spec})
		}
	}
	for _, o := range find(objs, "RolePolicy") {
		if spec, ok := byObject[str(o, "spec", "forProvider", "roleRef", "name")]; ok {
			spec["inlinePolicies"].(map[string]any)[str(o, "metadata", "annotations", "crossplane.io/external-name")] = str(o, "spec", "forProvider", "policy")
		}
	}
	for _, o := range find(objs, "RolePolicyAttachment") {
		if spec, ok := byObject[str(o, "spec", "forProvider", "roleRef", "name")]; ok {
			list, _ := spec["policies"].([]any)
			spec["policies"] = append(list, str(o, "spec", "forProvider", "policyArn"))
		}
	}
	return out
}

// resetMoto empties the emulator between cases.
func resetMoto(t *testing.T, endpoint string) {
	t.Helper()
	resp, err := http.Post(endpoint+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatalf("reset moto: %v", err)
	}
	resp.Body.Close()
}

// createACKRoles creates each ACK Role of a render in IAM the way the ACK controller would:
// the role with its trust policy, then its inline policies and managed attachments. moto
// validates the trust policy only on UpdateAssumeRolePolicy, so it is set again that way. Then
// everything is read back and compared with what was rendered.
func createACKRoles(t *testing.T, c *iam.Client, roles []object) {
	t.Helper()
	ctx := context.Background()
	for _, r := range roles {
		spec, _ := r["spec"].(map[string]any)
		name := spec["name"].(string)
		trust := spec["assumeRolePolicyDocument"].(string)
		in := &iam.CreateRoleInput{
			RoleName:                 aws.String(name),
			AssumeRolePolicyDocument: aws.String(trust),
			Path:                     optString(spec["path"]),
			Description:              optString(spec["description"]),
			PermissionsBoundary:      optString(spec["permissionsBoundary"]),
		}
		if d, ok := spec["maxSessionDuration"].(int); ok {
			in.MaxSessionDuration = aws.Int32(int32(d))
		}
		if tags, ok := spec["tags"].([]any); ok {
			for _, tg := range tags {
				m := tg.(map[string]any)
				in.Tags = append(in.Tags, iamtypes.Tag{Key: aws.String(m["key"].(string)), Value: aws.String(m["value"].(string))})
			}
		}
		if b := in.PermissionsBoundary; b != nil {
			createCustomerPolicy(t, c, *b)
		}
		if _, err := c.CreateRole(ctx, in); err != nil {
			t.Fatalf("IAM CreateRole %s: %v", name, err)
		}
		if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(name), PolicyDocument: aws.String(trust)}); err != nil {
			t.Fatalf("IAM rejected the trust policy of %s: %v\n%s", name, err, trust)
		}
		inline, _ := spec["inlinePolicies"].(map[string]any)
		for pname, doc := range inline {
			if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(pname), PolicyDocument: aws.String(doc.(string))}); err != nil {
				t.Fatalf("IAM rejected inline policy %s of %s: %v\n%s", pname, name, err, doc)
			}
		}
		managed, _ := spec["policies"].([]any)
		for _, arn := range managed {
			if !strings.Contains(arn.(string), ":iam::aws:") {
				createCustomerPolicy(t, c, arn.(string))
			}
			if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(arn.(string))}); err != nil {
				t.Fatalf("IAM AttachRolePolicy %s to %s: %v", arn, name, err)
			}
		}
		checkRoleReadBack(t, c, name, trust, inline, managed)
	}
}

func checkRoleReadBack(t *testing.T, c *iam.Client, name, trust string, inline map[string]any, managed []any) {
	t.Helper()
	ctx := context.Background()
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatalf("GetRole %s: %v", name, err)
	}
	doc, err := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument))
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, doc, trust) {
		t.Errorf("role %s: IAM holds trust policy\n%s\nrendered\n%s", name, doc, trust)
	}
	names, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for k := range inline {
		want = append(want, k)
	}
	sort.Strings(want)
	gotNames := append([]string(nil), names.PolicyNames...)
	sort.Strings(gotNames)
	if len(want) != len(gotNames) || (len(want) > 0 && !reflect.DeepEqual(want, gotNames)) {
		t.Errorf("role %s: inline policies in IAM %v, rendered %v", name, gotNames, want)
	}
	att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if len(att.AttachedPolicies) != len(managed) {
		t.Errorf("role %s: %d managed policies attached in IAM, %d rendered", name, len(att.AttachedPolicies), len(managed))
	}
}

// createCustomerPolicy makes a customer managed policy exist, for boundaries and attachments.
func createCustomerPolicy(t *testing.T, c *iam.Client, arn string) {
	t.Helper()
	resource := arn[strings.Index(arn, ":policy/")+len(":policy"):]
	i := strings.LastIndex(resource, "/")
	_, err := c.CreatePolicy(context.Background(), &iam.CreatePolicyInput{
		PolicyName:     aws.String(resource[i+1:]),
		Path:           aws.String(resource[:i+1]),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`),
	})
	if err != nil && !strings.Contains(err.Error(), "EntityAlreadyExists") {
		t.Fatalf("CreatePolicy %s: %v", arn, err)
	}
}

// decodeDoc undoes the URL encoding IAM returns documents in.
func decodeDoc(doc string) (string, error) {
	return url.QueryUnescape(doc)
}

func optString(v any) *string {
	if s, ok := v.(string); ok && s != "" {
		return aws.String(s)
	}
	return nil
}

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, a)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return reflect.DeepEqual(x, y)
}

// TestMotoRejectsBrokenPolicies proves the emulator checks what the cases rely on it to check:
// a trust policy with a Resource, and a permission policy without one, are refused.
func TestMotoRejectsBrokenPolicies(t *testing.T) {
	c := iamClient(startMoto(t))
	ctx := context.Background()
	good := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/x"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("control"), AssumeRolePolicyDocument: aws.String(good)}); err != nil {
		t.Fatal(err)
	}
	badTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"x"},"Action":"sts:AssumeRoleWithWebIdentity","Resource":"*"}]}`
	if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("control"), PolicyDocument: aws.String(badTrust)}); err == nil {
		t.Error("moto accepted a trust policy with a Resource: it does not check trust policies, so the cases prove nothing")
	}
	badInline := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("control"), PolicyName: aws.String("p"), PolicyDocument: aws.String(badInline)}); err == nil {
		t.Error("moto accepted a permission policy without a Resource")
	}
}
