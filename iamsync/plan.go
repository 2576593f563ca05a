package iamsync

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
)

// Action is what a plan does to a role.
type Action string

// The actions.
const (
	ActionCreate  Action = "create"
	ActionUpdate  Action = "update"
	ActionDelete  Action = "delete"
	ActionNone    Action = "no changes"
	ActionRefused Action = "refused"
	ActionFailed  Action = "failed"
)

// step is one IAM call of a plan, and the line that describes it.
type step struct {
	api    string // the IAM API the step calls, such as PutRolePolicy
	say    []string
	call   func(ctx context.Context, c *iam.Client) error
	mutate bool
}

// RolePlan is what apply does to one role, and what happened.
type RolePlan struct {
	Role   string
	Action Action
	// Lines describe the plan, one change a line, with diffs of policy documents.
	Lines []string
	// Err is why the role was refused or failed.
	Err error
	// Unchecked is set when the role's state could not be learned or changed for a reason that is
	// not the role's: throttling that outlasted the retries, an unreachable endpoint.
	Unchecked bool
	steps     []step
}

// Calls names the IAM API of each planned call, in order.
func (p *RolePlan) Calls() []string {
	out := make([]string, len(p.steps))
	for i, st := range p.steps {
		out[i] = st.api
	}
	return out
}

func (p *RolePlan) add(api string, call func(ctx context.Context, c *iam.Client) error, say ...string) {
	p.steps = append(p.steps, step{api: api, say: say, call: call, mutate: true})
	p.Lines = append(p.Lines, say...)
}

// planRole compares a declared role with IAM and lists the calls that make them agree.
//
// owner is the role's owner; adopt takes over an untagged role, and adoptOwner one tagged with
// that other owner.
func planRole(spec v1alpha1.IAMRoleSpec, live liveRole, owner string, adopt bool, adoptOwner string) *RolePlan {
	p := &RolePlan{Role: spec.RoleName}
	name := aws.String(spec.RoleName)
	if !live.exists {
		p.Action = ActionCreate
		planCreate(p, spec, owner)
		return p
	}
	switch got := live.tags[OwnerTag]; {
	case got == owner:
	case got == "" && adopt:
		p.Lines = append(p.Lines, "adopting a role irsa-fn did not create (--adopt)")
	case got == "":
		p.Action, p.Err = ActionRefused, fmt.Errorf("role %s exists and was not created by irsa-fn (no %s tag); pass --adopt to take it over", spec.RoleName, OwnerTag)
		return p
	case got == adoptOwner:
		p.Lines = append(p.Lines, fmt.Sprintf("taking over from owner %q (--adopt-owner)", got))
	case got == LegacyOwner:
		p.Action, p.Err = ActionRefused, fmt.Errorf("role %s has the old default owner %q, which every pipeline shared; pass --adopt-owner %s to re-tag it with owner %q", spec.RoleName, got, got, owner)
		return p
	default:
		p.Action, p.Err = ActionRefused, fmt.Errorf("role %s belongs to irsa-fn owner %q, not %q; apply it with --owner %s", spec.RoleName, got, owner, got)
		return p
	}
	if live.path != spec.Path {
		p.Action, p.Err = ActionRefused, fmt.Errorf("role %s has path %s in IAM but %s is declared; IAM cannot move a role: delete it, or declare path %s", spec.RoleName, live.path, spec.Path, live.path)
		return p
	}
	if !sameDocument(live.trust, spec.TrustPolicy) {
		lines := append([]string{"~ trust policy:"}, indent(Diff(live.trust, spec.TrustPolicy))...)
		p.add("UpdateAssumeRolePolicy", func(ctx context.Context, c *iam.Client) error {
			_, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: name, PolicyDocument: aws.String(spec.TrustPolicy)})
			return err
		}, lines...)
	}
	if live.description != spec.Description || live.maxSession != spec.MaxSessionDuration {
		var lines []string
		if live.description != spec.Description {
			lines = append(lines, fmt.Sprintf("~ description: %q -> %q", live.description, spec.Description))
		}
		if live.maxSession != spec.MaxSessionDuration {
			lines = append(lines, fmt.Sprintf("~ max session duration: %d -> %d", live.maxSession, spec.MaxSessionDuration))
		}
		p.add("UpdateRole", func(ctx context.Context, c *iam.Client) error {
			_, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: name, Description: aws.String(spec.Description), MaxSessionDuration: aws.Int32(int32(spec.MaxSessionDuration))})
			return err
		}, lines...)
	}
	switch {
	case live.boundary != spec.PermissionsBoundary && spec.PermissionsBoundary != "":
		p.add("PutRolePermissionsBoundary", func(ctx context.Context, c *iam.Client) error {
			_, err := c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: name, PermissionsBoundary: aws.String(spec.PermissionsBoundary)})
			return err
		}, fmt.Sprintf("~ permissions boundary: %q -> %q", live.boundary, spec.PermissionsBoundary))
	case live.boundary != "" && spec.PermissionsBoundary == "":
		p.add("DeleteRolePermissionsBoundary", func(ctx context.Context, c *iam.Client) error {
			_, err := c.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: name})
			return err
		}, fmt.Sprintf("- permissions boundary %s", live.boundary))
	}
	planTags(p, spec, live, owner)
	planInline(p, spec, live)
	planManaged(p, spec, live)
	p.Action = ActionUpdate
	if len(p.steps) == 0 {
		p.Action = ActionNone
	}
	return p
}

func planCreate(p *RolePlan, spec v1alpha1.IAMRoleSpec, owner string) {
	in := &iam.CreateRoleInput{
		RoleName: aws.String(spec.RoleName), Path: aws.String(spec.Path),
		AssumeRolePolicyDocument: aws.String(spec.TrustPolicy),
		MaxSessionDuration:       aws.Int32(int32(spec.MaxSessionDuration)),
	}
	if spec.Description != "" {
		in.Description = aws.String(spec.Description)
	}
	if spec.PermissionsBoundary != "" {
		in.PermissionsBoundary = aws.String(spec.PermissionsBoundary)
	}
	tags := desiredTags(spec, owner)
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		in.Tags = append(in.Tags, iamtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	// What CreateRole sets, as an update lists it: a dry run's reader sees the boundary and the
	// tags (the owner's among them) of a role it creates too.
	lines := []string{fmt.Sprintf("+ role %s (path %s, max session %ds)", spec.RoleName, spec.Path, spec.MaxSessionDuration)}
	if spec.Description != "" {
		lines = append(lines, fmt.Sprintf("+ description: %q", spec.Description))
	}
	if spec.PermissionsBoundary != "" {
		lines = append(lines, "+ permissions boundary: "+spec.PermissionsBoundary)
	}
	for _, t := range in.Tags {
		lines = append(lines, fmt.Sprintf("+ tag %s=%s", aws.ToString(t.Key), aws.ToString(t.Value)))
	}
	lines = append(lines, "+ trust policy:")
	lines = append(lines, indent(Diff("", spec.TrustPolicy))...)
	p.add("CreateRole", func(ctx context.Context, c *iam.Client) error {
		_, err := c.CreateRole(ctx, in)
		return err
	}, lines...)
	planInline(p, spec, liveRole{})
	planManaged(p, spec, liveRole{})
}

func planTags(p *RolePlan, spec v1alpha1.IAMRoleSpec, live liveRole, owner string) {
	want := desiredTags(spec, owner)
	var set []iamtypes.Tag
	var unset []string
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if v, ok := live.tags[k]; !ok || v != want[k] {
			set = append(set, iamtypes.Tag{Key: aws.String(k), Value: aws.String(want[k])})
			lines = append(lines, fmt.Sprintf("~ tag %s=%s", k, want[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(live.tags)) {
		if _, ok := want[k]; !ok {
			unset = append(unset, k)
			lines = append(lines, fmt.Sprintf("- tag %s", k))
		}
	}
	name := aws.String(spec.RoleName)
	if len(set) > 0 {
		p.add("TagRole", func(ctx context.Context, c *iam.Client) error {
			_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: name, Tags: set})
			return err
		}, lines[:len(set)]...)
	}
	if len(unset) > 0 {
		p.add("UntagRole", func(ctx context.Context, c *iam.Client) error {
			_, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: name, TagKeys: unset})
			return err
		}, lines[len(set):]...)
	}
}

func planInline(p *RolePlan, spec v1alpha1.IAMRoleSpec, live liveRole) {
	name := aws.String(spec.RoleName)
	declared := map[string]bool{}
	for _, pol := range spec.InlinePolicies {
		declared[pol.Name] = true
		current, exists := live.inline[pol.Name]
		if exists && sameDocument(current, pol.Document) {
			continue
		}
		verb := "~"
		if !exists {
			verb = "+"
		}
		lines := append([]string{fmt.Sprintf("%s inline policy %s:", verb, pol.Name)}, indent(Diff(current, pol.Document))...)
		pol := pol
		p.add("PutRolePolicy", func(ctx context.Context, c *iam.Client) error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: name, PolicyName: aws.String(pol.Name), PolicyDocument: aws.String(pol.Document)})
			return err
		}, lines...)
	}
	for _, old := range slices.Sorted(maps.Keys(live.inline)) {
		if !declared[old] {
			p.add("DeleteRolePolicy", func(ctx context.Context, c *iam.Client) error {
				_, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: name, PolicyName: aws.String(old)})
				return err
			}, "- inline policy "+old)
		}
	}
}

func planManaged(p *RolePlan, spec v1alpha1.IAMRoleSpec, live liveRole) {
	name := aws.String(spec.RoleName)
	declared := map[string]bool{}
	for _, arn := range spec.ManagedPolicies {
		declared[arn] = true
		if live.managed[arn] {
			continue
		}
		p.add("AttachRolePolicy", func(ctx context.Context, c *iam.Client) error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: name, PolicyArn: aws.String(arn)})
			return err
		}, "+ attach "+arn)
	}
	for _, arn := range slices.Sorted(maps.Keys(live.managed)) {
		if !declared[arn] {
			p.add("DetachRolePolicy", func(ctx context.Context, c *iam.Client) error {
				_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: aws.String(arn)})
				return err
			}, "- detach "+arn)
		}
	}
}

func indent(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "    " + l
	}
	return out
}
