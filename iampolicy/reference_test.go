package iampolicy

import (
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/diag"
)

// TestCheckReference checks each render-time check against IAM's service reference with the
// exact message a user sees, and that real policies, AWS-owned resources and wildcards pass.
func TestCheckReference(t *testing.T) {
	allow := func(actions, resources []string, cond Condition) Document {
		return Document{Version: Version, Statement: []Statement{{Effect: "Allow", Action: actions, Resource: resources, Condition: cond}}}
	}
	list := func(s ...string) []string { return s }
	tests := []struct {
		name string
		doc  Document
		want []string // diagnostics, in order; none for a clean policy
	}{
		{"real actions on their resources", allow(list("s3:GetObject", "s3:putobject", "s3:Get*"), list("arn:aws:s3:::bucket/*"), nil), nil},
		{"unknown action", allow(list("s3:GetObjects"), list("arn:aws:s3:::bucket/*"), nil), list(
			`error Statement[0].Action[0]: "s3:GetObjects" is not an action of s3; did you mean "s3:GetObject"? (allowed: an action of s3 in IAM's service reference)`)},
		{"unknown service, nothing near", allow(list("zz0:GetObject"), list("*"), nil), list(
			`error Statement[0].Action[0]: action "zz0:GetObject": "zz0" is not an AWS service prefix (allowed: an action of IAM's service reference, service:Action)`)},
		{"unknown action, nothing near", allow(list("s3:PutObjectBrandNew"), list("*"), nil), list(
			`error Statement[0].Action[0]: "s3:PutObjectBrandNew" is not an action of s3 (allowed: an action of s3 in IAM's service reference)`)},
		{"unknown service", allow(list("s4:GetObject"), list("*"), nil), list(
			`error Statement[0].Action[0]: action "s4:GetObject": "s4" is not an AWS service prefix; did you mean "s3"? (allowed: an action of IAM's service reference, service:Action)`)},
		{"pattern that matches nothing", allow(list("s3:Gett*"), list("*"), nil), list(
			`error Statement[0].Action[0]: action pattern "s3:Gett*" matches no action of s3 (allowed: a pattern that matches one or more actions of s3)`)},
		{"object action on a bucket", allow(list("s3:PutObject"), list("arn:aws:s3:::bucket"), nil), list(
			`error Statement[0].Action[0]: s3:PutObject can match none of the statement's resources "arn:aws:s3:::bucket" (allowed: an ARN of the form arn:aws:s3:${Region}:${Account}:accesspoint/${AccessPointName}/object/${ObjectName} (accesspointobject), or arn:aws:s3:::${BucketName}/${ObjectName} (object))`)},
		{"bucket action on objects", allow(list("s3:ListBucket"), list("arn:aws:s3:::bucket/*"), nil), list(
			`error Statement[0].Action[0]: s3:ListBucket can match none of the statement's resources "arn:aws:s3:::bucket/*" (allowed: an ARN of the form arn:aws:s3:${Region}:${Account}:accesspoint/${AccessPointName} (accesspoint), or arn:aws:s3:::${BucketName} (bucket))`)},
		{"bucket and objects in one statement", allow(list("s3:ListBucket", "s3:GetObject"), list("arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"), nil), nil},
		{"pattern none of whose actions fits", allow(list("s3:GetObject*"), list("arn:aws:s3:::bucket"), nil), []string{
			`error Statement[0].Action[0]: none of the …`},
		},
		{"action with no resource type", allow(list("ec2:DescribeInstances"), list("arn:aws:ec2:eu-west-1:123456789012:instance/*"), nil), list(
			`warning Statement[0].Action[0]: ec2:DescribeInstances acts on no resource type in IAM's service reference, which documents Resource "*" for it; the statement lists only "arn:aws:ec2:eu-west-1:123456789012:instance/*"`)},
		{"empty account", allow(list("ec2:RunInstances"), list("arn:aws:ec2:eu-west-1::instance/*"), nil), list(
			`error Statement[0].Resource[0]: resource "arn:aws:ec2:eu-west-1::instance/*" has an empty account field, but arn:aws:ec2:${Region}:${Account}:instance/${InstanceId} names one: IAM compares ARNs field by field, so this resource matches nothing (allowed: the account (or * for any) in arn:aws:ec2:${Region}:${Account}:instance/${InstanceId})`)},
		{"empty region", allow(list("sqs:ReceiveMessage"), list("arn:aws:sqs::123456789012:queue"), nil), list(
			`error Statement[0].Resource[0]: resource "arn:aws:sqs::123456789012:queue" has an empty region field, but arn:aws:sqs:${Region}:${Account}:${QueueName} names one: IAM compares ARNs field by field, so this resource matches nothing (allowed: the region (or * for any) in arn:aws:sqs:${Region}:${Account}:${QueueName})`)},
		{"AWS AMIs and snapshots have no account", allow(list("ec2:RunInstances"), list("arn:aws:ec2:eu-west-1::image/*", "arn:aws:ec2:eu-west-1::snapshot/*"), nil), nil},
		{"public SSM parameters have no account", allow(list("ssm:GetParameter"), list("arn:aws:ssm:eu-west-1::parameter/aws/service/eks/*"), nil), nil},
		{"own SSM parameters need one", allow(list("ssm:GetParameter"), list("arn:aws:ssm:eu-west-1::parameter/prod/*"), nil), []string{
			`error Statement[0].Resource[0]: resource "arn:aws:ssm:eu-west-1::parameter/prod/*" has an empty account field…`}},
		{"a star spans colons", allow(list("ec2:TerminateInstances", "s3:GetObject", "sqs:ReceiveMessage"), list("arn:aws:ec2:*", "arn:aws:s3:::*", "arn:aws-cn:sqs:*:*:*"), nil), nil},
		{"policy variables match anything", allow(list("s3:GetObject"), list("arn:aws:s3:::bucket/${aws:username}/*"), nil), nil},
		{"forms the reference lacks: WebSocket routes, a REST API's root, Multi-Region Access Point objects", allow(list("execute-api:Invoke", "s3:GetObject"), list(
			"arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/$connect", "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/",
			"arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap/object/*"), nil), nil},
		{"SSM documents AWS owns have no account", allow(list("ssm:SendCommand", "ssm:StartAutomationExecution"), list(
			"arn:aws:ssm:eu-west-1::document/AWS-RunShellScript", "arn:aws:ssm:eu-west-1::automation-definition/AWS-RestartEC2Instance:$DEFAULT",
			"arn:aws:ec2:eu-west-1:123456789012:instance/*"), nil), nil},
		{"partition typo", allow(list("s3:GetObject"), list("arn:aws-gov:s3:::b/*"), nil), list(
			`error Statement[0].Resource[0]: resource "arn:aws-gov:s3:::b/*" names partition "aws-gov", which is not an AWS partition (allowed: aws, aws-cn, aws-eusc, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-us-gov)`)},
		{"region and account typos", allow(list("sqs:ReceiveMessage"), list("arn:aws:sqs:eu-west1:12345678901:q"), nil), list(
			`error Statement[0].Resource[0]: resource "arn:aws:sqs:eu-west1:12345678901:q" names region "eu-west1", which is not a region name (allowed: a region such as eu-west-1, empty, or a pattern)`,
			`error Statement[0].Resource[0]: resource "arn:aws:sqs:eu-west1:12345678901:q" names account "12345678901", which is not 12 digits (allowed: a 12-digit account ID, empty, or a pattern)`)},
		{"an empty field hides no other action's mismatch", allow(list("ec2:RunInstances", "s3:PutObject"), list("arn:aws:ec2:eu-west-1::instance/*", "arn:aws:s3:::bucket"), nil), []string{
			`error Statement[0].Resource[0]: resource "arn:aws:ec2:eu-west-1::instance/*" has an empty account field…`,
			`error Statement[0].Action[1]: s3:PutObject can match none of the statement's resources "arn:aws:ec2:eu-west-1::instance/*", "arn:aws:s3:::bucket" (allowed…`}},
		{"long lists are cut in messages", allow(list("s3:PutObject"), list("arn:aws:s3:::a", "arn:aws:s3:::b", "arn:aws:s3:::c", "arn:aws:s3:::d", "arn:aws:s3:::"+strings.Repeat("e", 300)), nil), []string{
			`error Statement[0].Action[0]: s3:PutObject can match none of the statement's resources "arn:aws:s3:::a", "arn:aws:s3:::b", "arn:aws:s3:::c", and 2 more (allowed…`}},
		{"Resource * and NotResource are exempt", Document{Version: Version, Statement: []Statement{
			{Effect: "Allow", Action: list("s3:PutObject"), Resource: list("*")},
			{Effect: "Allow", Action: list("s3:PutObject"), NotResource: list("arn:aws:s3:::bucket")},
		}}, nil},
		{"typo in NotAction", Document{Version: Version, Statement: []Statement{{Effect: "Deny", NotAction: list("iam:PassRoles"), Resource: list("*")}}}, list(
			`error Statement[0].NotAction[0]: "iam:PassRoles" is not an action of iam; did you mean "iam:PassRole"? (allowed: an action of iam in IAM's service reference)`)},
		{"condition keys of the action, its resources, and global ones", allow(list("ec2:CreateTags", "iam:PassRole"), list("*"), Condition{
			"StringEquals": {"ec2:CreateAction": {"RunInstances"}, "iam:PassedToService": {"ec2.amazonaws.com"}, "aws:RequestedRegion": {"eu-west-1"}},
			"StringLike":   {"aws:RequestTag/kubernetes.io/cluster/prod": {"owned"}, "aws:ResourceTag/karpenter.sh/nodepool": {"*"}, "AWS:PrincipalTag/team": {"a"}},
		}), nil},
		{"condition keys IAM does not know", allow(list("s3:ListBucket"), list("arn:aws:s3:::bucket"), Condition{
			"StringEquals": {"aws:SourceVpcc": {"vpc-1"}, "s3:prefixx": {"home/"}, "nosuchservice:Key": {"x"}},
		}), list(
			`error Statement[0].Condition["StringEquals"]["aws:SourceVpcc"]: condition key "aws:SourceVpcc" is not in IAM's service reference: no request carries it; did you mean "aws:SourceVpc"? (allowed…`,
			`error Statement[0].Condition["StringEquals"]["nosuchservice:Key"]: condition key "nosuchservice:Key" is not in IAM's service reference: no request carries it (allowed…`,
			`error Statement[0].Condition["StringEquals"]["s3:prefixx"]: condition key "s3:prefixx" is not in IAM's service reference: no request carries it; did you mean "s3:prefix"? (allowed…`)},
		{"an unknown condition key is found under Action *", Document{Version: Version, Statement: []Statement{{Effect: "Deny", Action: list("*"), Resource: list("*"),
			Condition: Condition{"Bool": {"aws:SecureTransportt": {"false"}}}}}}, list(
			`error Statement[0].Condition["Bool"]["aws:SecureTransportt"]: condition key "aws:SecureTransportt" is not in IAM's service reference: no request carries it; did you mean "aws:SecureTransport"? (allowed…`)},
		{"condition key of no action", allow(list("s3:GetObject"), list("arn:aws:s3:::bucket/*"), Condition{"StringEquals": {"ec2:CreateAction": {"RunInstances"}}}), list(
			`warning Statement[0].Condition["StringEquals"]["ec2:CreateAction"]: condition key "ec2:CreateAction" is not a global key nor a key of s3:GetObject or their resources: their requests never carry it`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l diag.List
			CheckReference(tt.doc, diag.Path{}, nil, Findings{}, &l)
			var got []string
			for _, d := range l {
				got = append(got, string(d.Severity)+" "+d.String())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i := range got {
				// A want ending in "…" is a prefix; otherwise the whole message.
				prefix, isPrefix := strings.CutSuffix(tt.want[i], "…")
				if got[i] != tt.want[i] && !(isPrefix && strings.HasPrefix(got[i], prefix)) {
					t.Errorf("diagnostic %d:\n got %s\nwant %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestCheckManagedPolicyARN: unknown AWS managed policies are errors with the nearest name in
// the aws partition, warnings elsewhere; customer managed policies are not looked up.
func TestCheckManagedPolicyARN(t *testing.T) {
	tests := []struct{ arn, want string }{
		{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", ""},
		{"arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy", ""},
		{"arn:aws:iam::123456789012:policy/my-policy", ""},
		{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAcces", `error p: AWS managed policy "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAcces" does not exist; did you mean "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"? (allowed: an AWS managed policy (aws iam list-policies --scope AWS))`},
		{"arn:aws:iam::aws:policy/AmazonEBSCSIDriverPolicy", `error p: AWS managed policy "arn:aws:iam::aws:policy/AmazonEBSCSIDriverPolicy" does not exist; did you mean "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"? (allowed: an AWS managed policy (aws iam list-policies --scope AWS))`},
		{"arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess", ""},
		{"arn:aws-us-gov:iam::aws:policy/AmazonS3ReadOnlyAcces", `warning p: AWS managed policy "arn:aws-us-gov:iam::aws:policy/AmazonS3ReadOnlyAcces" is not among the aws partition's managed policies (aws-us-gov is not listed): check that it exists there; did you mean "arn:aws-us-gov:iam::aws:policy/AmazonS3ReadOnlyAccess"?`},
		{"arn:aws:iam::aws:policy/zzzzzzzzzz", `error p: AWS managed policy "arn:aws:iam::aws:policy/zzzzzzzzzz" does not exist (allowed: an AWS managed policy (aws iam list-policies --scope AWS))`},
	}
	for _, tt := range tests {
		var l diag.List
		CheckManagedPolicyARN(tt.arn, diag.NewPath("p"), Findings{}, &l)
		got := ""
		if len(l) > 0 {
			got = string(l[0].Severity) + " " + l[0].String()
		}
		if len(l) > 1 || got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.arn, got, tt.want)
		}
	}
}

// TestResourceMatchesTemplate: IAM's wildcards against the reference's ARN templates.
func TestResourceMatchesTemplate(t *testing.T) {
	object := "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
	bucket := "arn:${Partition}:s3:::${BucketName}"
	role := "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"
	tests := []struct {
		resource, template string
		want               bool
	}{
		{"arn:aws:s3:::b/k", object, true},
		{"arn:aws:s3:::b/dir/k:1", object, true},
		{"arn:aws:s3:::b", object, false},
		{"arn:aws:s3:::b", bucket, true},
		{"arn:aws:s3:::b/*", bucket, false},
		{"arn:aws:s3:::b*", bucket, true},
		{"arn:aws:s3:::b*", object, true},
		{"arn:aws:s3:::b?", bucket, true},
		{"*", object, true},
		{"arn:*", role, true},
		{"arn:aws:iam::123456789012:role/team/app", role, true},
		{"arn:aws:iam::123456789012:role/", role, false},
		{"arn:aws:iam:::role/x", role, false},
		{"arn:aws:iam::123456789012:user/x", role, false},
		{"arn:aws:s3:::b/k", role, false},
	}
	for _, tt := range tests {
		if got := ResourceMatchesTemplate(tt.resource, tt.template); got != tt.want {
			t.Errorf("ResourceMatchesTemplate(%q, %q) = %v, want %v", tt.resource, tt.template, got, tt.want)
		}
	}
}

// BenchmarkCheckReference measures a typical statement, and a hostile one: every action of EC2
// against many long resources none of which it can act on (the worst case of the ARN matching).
func BenchmarkCheckReference(b *testing.B) {
	typical := Document{Version: Version, Statement: []Statement{{Effect: "Allow",
		Action:    []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket"},
		Resource:  []string{"arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"},
		Condition: Condition{"StringEquals": {"aws:ResourceTag/team": {"a"}}}}}}
	var long []string
	for i := 0; i < 20; i++ {
		long = append(long, "arn:aws:s3:::"+strings.Repeat("b", 400)+"/"+strings.Repeat("*k", 50))
	}
	hostile := Document{Version: Version, Statement: []Statement{{Effect: "Allow", Action: []string{"ec2:*"}, Resource: long}}}
	for _, bc := range []struct {
		name string
		doc  Document
	}{{"typical", typical}, {"hostile", hostile}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				var l diag.List
				CheckReference(bc.doc, diag.Path{}, nil, Findings{}, &l)
			}
		})
	}
}

// TestCheckResourcePartition: a role in aws-cn is never allowed anything on arn:aws: resources.
func TestCheckResourcePartition(t *testing.T) {
	doc := Document{Version: Version, Statement: []Statement{{Effect: "Allow", Action: Values{"s3:GetObject"},
		Resource: Values{"arn:aws-cn:s3:::b/*", "arn:aws:s3:::b/*", "arn:*:s3:::c/*", "*"}}}}
	var l diag.List
	CheckResourcePartition(doc, "aws-cn", diag.NewPath("p"), YAMLNames, Findings{}, &l)
	want := `p.statements[0].resources[1]: resource "arn:aws:s3:::b/*" is in partition aws, the role in aws-cn: IAM never matches it (allowed: resources in partition aws-cn, the role's)`
	if len(l) != 1 || l[0].String() != want || l[0].Severity != diag.Error {
		t.Errorf("got %v, want %q", l, want)
	}
}
