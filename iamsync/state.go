// Package iamsync makes IAM hold the roles irsa-fn rendered: it reads each role's live state
// through aws-sdk-go-v2, plans the exact calls that bring it to the declared state (printing a
// readable diff of every policy document), makes them with bounded concurrency, and explains
// every mismatch for `irsa-fn verify`. It owns only roles that carry its ownership tag.
package iamsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
)

// OwnerTag is the tag irsa-fn puts on the roles it creates; its value scopes --prune.
const OwnerTag = "irsa.dev/owner"

// liveRole is what IAM holds for one role.
type liveRole struct {
	exists      bool
	arn         string
	path        string
	description string
	maxSession  int64
	boundary    string
	tags        map[string]string
	trust       string
	inline      map[string]string // name → document
	managed     map[string]bool
}

// readRole reads a role's whole state: the role, its inline policies and its attachments.
func readRole(ctx context.Context, c *iam.Client, name string) (liveRole, error) {
	out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	var nse *iamtypes.NoSuchEntityException
	if errors.As(err, &nse) {
		return liveRole{}, nil
	}
	if err != nil {
		return liveRole{}, fmt.Errorf("read role %s: %w", name, err)
	}
	r := out.Role
	live := liveRole{
		exists: true, arn: aws.ToString(r.Arn), path: aws.ToString(r.Path), description: aws.ToString(r.Description),
		maxSession: int64(aws.ToInt32(r.MaxSessionDuration)), tags: map[string]string{}, inline: map[string]string{}, managed: map[string]bool{},
	}
	if r.PermissionsBoundary != nil {
		live.boundary = aws.ToString(r.PermissionsBoundary.PermissionsBoundaryArn)
	}
	if live.trust, err = decodeDocument(aws.ToString(r.AssumeRolePolicyDocument)); err != nil {
		return liveRole{}, fmt.Errorf("role %s trust policy: %w", name, err)
	}
	tags := iam.NewListRoleTagsPaginator(c, &iam.ListRoleTagsInput{RoleName: aws.String(name)})
	for tags.HasMorePages() {
		page, err := tags.NextPage(ctx)
		if err != nil {
			return liveRole{}, fmt.Errorf("list tags of %s: %w", name, err)
		}
		for _, t := range page.Tags {
			live.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	policies := iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	for policies.HasMorePages() {
		page, err := policies.NextPage(ctx)
		if err != nil {
			return liveRole{}, fmt.Errorf("list inline policies of %s: %w", name, err)
		}
		for _, p := range page.PolicyNames {
			got, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(p)})
			if err != nil {
				return liveRole{}, fmt.Errorf("read inline policy %s of %s: %w", p, name, err)
			}
			if live.inline[p], err = decodeDocument(aws.ToString(got.PolicyDocument)); err != nil {
				return liveRole{}, fmt.Errorf("inline policy %s of %s: %w", p, name, err)
			}
		}
	}
	attached := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for attached.HasMorePages() {
		page, err := attached.NextPage(ctx)
		if err != nil {
			return liveRole{}, fmt.Errorf("list attached policies of %s: %w", name, err)
		}
		for _, p := range page.AttachedPolicies {
			live.managed[aws.ToString(p.PolicyArn)] = true
		}
	}
	return live, nil
}

// decodeDocument undoes the URL encoding IAM returns policy documents in.
func decodeDocument(doc string) (string, error) {
	if doc == "" {
		return "", nil
	}
	return url.QueryUnescape(doc)
}

// sameDocument compares two policy documents as JSON values, ignoring formatting and key order.
func sameDocument(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	return reflect.DeepEqual(x, y)
}

// desiredTags are a role's declared tags plus the ownership tag.
func desiredTags(spec v1alpha1.IAMRoleSpec, owner string) map[string]string {
	out := map[string]string{}
	for _, t := range spec.Tags {
		out[t.Key] = t.Value
	}
	out[OwnerTag] = owner
	return out
}
