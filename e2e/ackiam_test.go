package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// motoAccount is the account moto serves to credentials it does not know, so the account the
// ACK controller works in.
const motoAccount = "123456789012"

// ackIAMProblems compares IAM with what the ACK objects declare: every role with its path,
// description, maximum session, permissions boundary, trust policy, tags, inline policies and
// attached policies; every customer managed policy with its document, description and tags;
// every OIDC provider with its client IDs. Each mismatch is one line.
func ackIAMProblems(ctx context.Context, c *iam.Client, objs []object) []string {
	var out []string
	for _, o := range objs {
		var problems []string
		var err error
		switch o["kind"] {
		case "Role":
			problems, err = roleProblems(ctx, c, o)
		case "Policy":
			problems, err = policyProblems(ctx, c, o)
		case "OpenIDConnectProvider":
			problems, err = oidcProblems(ctx, c, o)
		default:
			err = fmt.Errorf("no IAM check for this kind")
		}
		if err != nil {
			problems = append(problems, err.Error())
		}
		for _, p := range problems {
			out = append(out, fmt.Sprintf("%s %s/%s: %s", o["kind"], str(o, "metadata", "namespace"), str(o, "metadata", "name"), p))
		}
	}
	return out
}

func roleProblems(ctx context.Context, c *iam.Client, o object) ([]string, error) {
	name := str(o, "spec", "name")
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("IAM GetRole %s: %w", name, err)
	}
	r := got.Role
	var out []string
	differ := func(what string, got, want any) {
		if !reflect.DeepEqual(got, want) {
			out = append(out, fmt.Sprintf("IAM holds %s %#v, declared %#v", what, got, want))
		}
	}
	differ("path", aws.ToString(r.Path), orDefault(str(o, "spec", "path"), "/"))
	differ("description", aws.ToString(r.Description), str(o, "spec", "description"))
	maxSession := int32(3600)
	if d, ok := get(o, "spec", "maxSessionDuration").(int); ok {
		maxSession = int32(d)
	}
	differ("max session duration", aws.ToInt32(r.MaxSessionDuration), maxSession)
	boundary := ""
	if r.PermissionsBoundary != nil {
		boundary = aws.ToString(r.PermissionsBoundary.PermissionsBoundaryArn)
	}
	differ("permissions boundary", boundary, str(o, "spec", "permissionsBoundary"))
	if p := documentProblem("trust policy", aws.ToString(r.AssumeRolePolicyDocument), str(o, "spec", "assumeRolePolicyDocument")); p != "" {
		out = append(out, p)
	}
	tags, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String(name)})
	if err != nil {
		return out, fmt.Errorf("IAM ListRoleTags %s: %w", name, err)
	}
	out = append(out, tagProblems(tags.Tags, get(o, "spec", "tags"))...)

	inline, _ := get(o, "spec", "inlinePolicies").(map[string]any)
	names, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return out, fmt.Errorf("IAM ListRolePolicies %s: %w", name, err)
	}
	var wantNames []string
	for k := range inline {
		wantNames = append(wantNames, k)
	}
	differ("inline policies", sorted(names.PolicyNames), sorted(wantNames))
	for _, pn := range names.PolicyNames {
		want, ok := inline[pn].(string)
		if !ok {
			continue
		}
		doc, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(pn)})
		if err != nil {
			return out, fmt.Errorf("IAM GetRolePolicy %s %s: %w", name, pn, err)
		}
		if p := documentProblem("inline policy "+pn, aws.ToString(doc.PolicyDocument), want); p != "" {
			out = append(out, p)
		}
	}

	att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return out, fmt.Errorf("IAM ListAttachedRolePolicies %s: %w", name, err)
	}
	var attached, declared []string
	for _, a := range att.AttachedPolicies {
		attached = append(attached, aws.ToString(a.PolicyArn))
	}
	list, _ := get(o, "spec", "policies").([]any)
	for _, a := range list {
		declared = append(declared, fmt.Sprint(a))
	}
	differ("attached policies", sorted(attached), sorted(declared))
	return out, nil
}

func policyProblems(ctx context.Context, c *iam.Client, o object) ([]string, error) {
	arn := policyARN(o)
	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("IAM GetPolicy %s: %w", arn, err)
	}
	var out []string
	if d, want := aws.ToString(got.Policy.Description), str(o, "spec", "description"); d != want {
		out = append(out, fmt.Sprintf("IAM holds description %q, declared %q", d, want))
	}
	version, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: got.Policy.DefaultVersionId})
	if err != nil {
		return out, fmt.Errorf("IAM GetPolicyVersion %s: %w", arn, err)
	}
	if p := documentProblem("policy document", aws.ToString(version.PolicyVersion.Document), str(o, "spec", "policyDocument")); p != "" {
		out = append(out, p)
	}
	tags, err := c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return out, fmt.Errorf("IAM ListPolicyTags %s: %w", arn, err)
	}
	return append(out, tagProblems(tags.Tags, get(o, "spec", "tags"))...), nil
}

func oidcProblems(ctx context.Context, c *iam.Client, o object) ([]string, error) {
	arn := oidcARN(o)
	got, err := c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("IAM GetOpenIDConnectProvider %s: %w", arn, err)
	}
	var out []string
	if u, want := strings.TrimPrefix(aws.ToString(got.Url), "https://"), strings.TrimPrefix(str(o, "spec", "url"), "https://"); u != want {
		out = append(out, fmt.Sprintf("IAM holds URL %q, declared %q", u, want))
	}
	if g, w := sorted(got.ClientIDList), sorted(strs(o, "spec", "clientIDs")); !reflect.DeepEqual(g, w) {
		out = append(out, fmt.Sprintf("IAM holds client IDs %v, declared %v", g, w))
	}
	if g, w := sorted(got.ThumbprintList), sorted(strs(o, "spec", "thumbprints")); !reflect.DeepEqual(g, w) {
		out = append(out, fmt.Sprintf("IAM holds thumbprints %v, declared %v", g, w))
	}
	return out, nil
}

// strs is the list of strings at path in o; nil when there is none.
func strs(o object, path ...string) []string {
	var out []string
	list, _ := get(o, path...).([]any)
	for _, v := range list {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// ackIAMExists reports whether IAM holds what an ACK object declares.
func ackIAMExists(ctx context.Context, c *iam.Client, o object) (bool, error) {
	var err error
	switch o["kind"] {
	case "Role":
		_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(str(o, "spec", "name"))})
	case "Policy":
		_, err = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(policyARN(o))})
	case "OpenIDConnectProvider":
		_, err = c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(oidcARN(o))})
	default:
		return false, fmt.Errorf("no IAM check for kind %v", o["kind"])
	}
	var missing *iamtypes.NoSuchEntityException
	if errors.As(err, &missing) {
		return false, nil
	}
	return err == nil, err
}

// emptyIAM deletes every role, customer managed policy and OIDC provider of the account, so
// that the next render starts from nothing (moto's own reset reloads the AWS managed policies,
// two seconds each time).
func emptyIAM(ctx context.Context, c *iam.Client) error {
	roles, err := c.ListRoles(ctx, &iam.ListRolesInput{})
	if err != nil {
		return fmt.Errorf("IAM ListRoles: %w", err)
	}
	for _, r := range roles.Roles {
		name := r.RoleName
		att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: name})
		if err != nil {
			return fmt.Errorf("IAM ListAttachedRolePolicies %s: %w", aws.ToString(name), err)
		}
		for _, a := range att.AttachedPolicies {
			if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: a.PolicyArn}); err != nil {
				return fmt.Errorf("IAM DetachRolePolicy %s: %w", aws.ToString(name), err)
			}
		}
		inline, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: name})
		if err != nil {
			return fmt.Errorf("IAM ListRolePolicies %s: %w", aws.ToString(name), err)
		}
		for _, p := range inline.PolicyNames {
			if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: name, PolicyName: aws.String(p)}); err != nil {
				return fmt.Errorf("IAM DeleteRolePolicy %s: %w", aws.ToString(name), err)
			}
		}
		if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name}); err != nil {
			return fmt.Errorf("IAM DeleteRole %s: %w", aws.ToString(name), err)
		}
	}
	policies, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	if err != nil {
		return fmt.Errorf("IAM ListPolicies: %w", err)
	}
	for _, p := range policies.Policies {
		versions, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: p.Arn})
		if err != nil {
			return fmt.Errorf("IAM ListPolicyVersions %s: %w", aws.ToString(p.Arn), err)
		}
		for _, v := range versions.Versions {
			if v.IsDefaultVersion {
				continue
			}
			if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: p.Arn, VersionId: v.VersionId}); err != nil {
				return fmt.Errorf("IAM DeletePolicyVersion %s: %w", aws.ToString(p.Arn), err)
			}
		}
		if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: p.Arn}); err != nil {
			return fmt.Errorf("IAM DeletePolicy %s: %w", aws.ToString(p.Arn), err)
		}
	}
	providers, err := c.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		return fmt.Errorf("IAM ListOpenIDConnectProviders: %w", err)
	}
	for _, p := range providers.OpenIDConnectProviderList {
		if _, err := c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: p.Arn}); err != nil {
			return fmt.Errorf("IAM DeleteOpenIDConnectProvider %s: %w", aws.ToString(p.Arn), err)
		}
	}
	return nil
}

// policyARN is the ARN of the customer managed policy an ACK Policy declares, in moto's account.
func policyARN(o object) string {
	return "arn:aws:iam::" + motoAccount + ":policy" + orDefault(str(o, "spec", "path"), "/") + str(o, "spec", "name")
}

// oidcARN is the ARN of the provider an ACK OpenIDConnectProvider declares, in moto's account.
func oidcARN(o object) string {
	return "arn:aws:iam::" + motoAccount + ":oidc-provider/" + strings.TrimPrefix(str(o, "spec", "url"), "https://")
}

// tagProblems checks that IAM holds exactly the declared tags, besides the tags the ACK
// controller adds of its own (services.k8s.aws/…).
func tagProblems(got []iamtypes.Tag, declared any) []string {
	want := map[string]string{}
	list, _ := declared.([]any)
	for _, t := range list {
		m, _ := t.(map[string]any)
		want[fmt.Sprint(m["key"])] = fmt.Sprint(m["value"])
	}
	have := map[string]string{}
	for _, t := range got {
		if k := aws.ToString(t.Key); !strings.HasPrefix(k, "services.k8s.aws/") {
			have[k] = aws.ToString(t.Value)
		}
	}
	if reflect.DeepEqual(have, want) {
		return nil
	}
	return []string{fmt.Sprintf("IAM holds tags %v, declared %v", have, want)}
}

// documentProblem compares a policy document IAM returns (URL-encoded) with a declared one, as
// JSON values.
func documentProblem(what, got, declared string) string {
	decoded, err := url.QueryUnescape(got)
	if err != nil {
		return fmt.Sprintf("IAM's %s does not decode: %v", what, err)
	}
	var g, w any
	if err := json.Unmarshal([]byte(decoded), &g); err != nil {
		return fmt.Sprintf("IAM's %s is not JSON: %v\n%s", what, err, decoded)
	}
	if err := json.Unmarshal([]byte(declared), &w); err != nil {
		return fmt.Sprintf("the declared %s is not JSON: %v\n%s", what, err, declared)
	}
	if !reflect.DeepEqual(g, w) {
		return fmt.Sprintf("IAM holds %s\n%s\ndeclared\n%s", what, decoded, declared)
	}
	return ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
