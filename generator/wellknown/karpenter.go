package wellknown

import (
	"fmt"

	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// karpenter-controller: the controller policies of the getting-started CloudFormation template
// of aws/karpenter-provider-aws v1.14.1,
// website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml
// (NodeLifecyclePolicy, IAMIntegrationPolicy, EKSIntegrationPolicy, InterruptionPolicy,
// ZonalShiftPolicy and ResourceDiscoveryPolicy), folded into one document. Karpenter launches
// and terminates instances and launch templates of this cluster's node pools only, manages the
// instance profiles of its node classes, passes its node role to EC2, reads its interruption
// queue, and reads what it needs to choose instances, all in the cluster's region.
//
// Where the template leaves the account of an EC2 ARN as *, the role's own account is named;
// AMIs, snapshots and the public SSM parameters are AWS-owned and have no account, as there.
// The node role defaults to KarpenterNodeRole-<cluster> and the queue to <cluster>, as there.
var karpenterController = addon{
	needsCluster: true,
	needsRegion:  true,
	optional:     []param{pNodeRole, pQueue},
	build: func(p Params) Policy {
		c := p.ClusterName
		ec2 := func(resource string) string {
			return fmt.Sprintf("arn:%s:ec2:%s:%s:%s", p.Partition, p.Region, p.AccountID, resource)
		}
		awsOwned := func(service, resource string) string {
			return fmt.Sprintf("arn:%s:%s:%s::%s", p.Partition, service, p.Region, resource)
		}
		profiles := fmt.Sprintf("arn:%s:iam::%s:instance-profile/*", p.Partition, p.AccountID)
		clusterARN := fmt.Sprintf("arn:%s:eks:%s:%s:cluster/%s", p.Partition, p.Region, p.AccountID, c)
		nodeRole := p.NodeRoleARN
		if nodeRole == "" {
			nodeRole = fmt.Sprintf("arn:%s:iam::%s:role/KarpenterNodeRole-%s", p.Partition, p.AccountID, c)
		}
		queue := p.InterruptionQueueARN
		if queue == "" {
			queue = fmt.Sprintf("arn:%s:sqs:%s:%s:%s", p.Partition, p.Region, p.AccountID, c)
		}

		clusterTag := "kubernetes.io/cluster/" + c
		const (
			nodePoolTag  = "karpenter.sh/nodepool"
			nodeClassTag = "karpenter.k8s.aws/ec2nodeclass"
			eksNameTag   = "eks:eks-cluster-name"
			regionTag    = "topology.kubernetes.io/region"
		)
		anyValue := iampolicy.Values{"*"}
		// The resources a launch creates, each tagged by the request.
		created := []string{
			ec2("fleet/*"), ec2("instance/*"), ec2("volume/*"), ec2("network-interface/*"),
			ec2("launch-template/*"), ec2("spot-instances-request/*"),
		}
		// What Karpenter created for a node pool of this cluster.
		ownedByNodePool := iampolicy.Condition{
			"StringEquals": {"aws:ResourceTag/" + clusterTag: {"owned"}},
			"StringLike":   {"aws:ResourceTag/" + nodePoolTag: anyValue},
		}
		// What Karpenter created for a node class of this cluster in this region.
		ownedByNodeClass := iampolicy.Condition{
			"StringEquals": {"aws:ResourceTag/" + clusterTag: {"owned"}, "aws:ResourceTag/" + regionTag: {p.Region}},
			"StringLike":   {"aws:ResourceTag/" + nodeClassTag: anyValue},
		}
		return single("karpenter-controller",
			// NodeLifecyclePolicy.
			allow([]string{"ec2:RunInstances", "ec2:CreateFleet"}, []string{
				awsOwned("ec2", "image/*"), awsOwned("ec2", "snapshot/*"),
				ec2("security-group/*"), ec2("subnet/*"), ec2("capacity-reservation/*"), ec2("placement-group/*"),
			}, nil),
			allow([]string{"ec2:RunInstances", "ec2:CreateFleet"}, []string{ec2("launch-template/*")}, ownedByNodePool),
			allow([]string{"ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"}, created, iampolicy.Condition{
				"StringEquals": {"aws:RequestTag/" + clusterTag: {"owned"}, "aws:RequestTag/" + eksNameTag: {c}},
				"StringLike":   {"aws:RequestTag/" + nodePoolTag: anyValue},
			}),
			allow([]string{"ec2:CreateTags"}, created, iampolicy.Condition{
				"StringEquals": {
					"aws:RequestTag/" + clusterTag: {"owned"}, "aws:RequestTag/" + eksNameTag: {c},
					"ec2:CreateAction": {"RunInstances", "CreateFleet", "CreateLaunchTemplate"},
				},
				"StringLike": {"aws:RequestTag/" + nodePoolTag: anyValue},
			}),
			allow([]string{"ec2:CreateTags"}, []string{ec2("instance/*")}, iampolicy.Condition{
				"StringEquals":              {"aws:ResourceTag/" + clusterTag: {"owned"}},
				"StringLike":                {"aws:ResourceTag/" + nodePoolTag: anyValue},
				"StringEqualsIfExists":      {"aws:RequestTag/" + eksNameTag: {c}},
				"ForAllValues:StringEquals": {"aws:TagKeys": {eksNameTag, "karpenter.sh/nodeclaim", "Name"}},
			}),
			allow([]string{"ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"}, []string{ec2("instance/*"), ec2("launch-template/*")}, ownedByNodePool),
			// IAMIntegrationPolicy.
			allow([]string{"iam:PassRole"}, []string{nodeRole}, iampolicy.Condition{
				"StringEquals": {"iam:PassedToService": {"ec2.amazonaws.com", "ec2.amazonaws.com.cn"}},
			}),
			allow([]string{"iam:CreateInstanceProfile"}, []string{profiles}, iampolicy.Condition{
				"StringEquals": {
					"aws:RequestTag/" + clusterTag: {"owned"}, "aws:RequestTag/" + eksNameTag: {c},
					"aws:RequestTag/" + regionTag: {p.Region},
				},
				"StringLike": {"aws:RequestTag/" + nodeClassTag: anyValue},
			}),
			allow([]string{"iam:TagInstanceProfile"}, []string{profiles}, iampolicy.Condition{
				"StringEquals": {
					"aws:ResourceTag/" + clusterTag: {"owned"}, "aws:ResourceTag/" + regionTag: {p.Region},
					"aws:RequestTag/" + clusterTag: {"owned"}, "aws:RequestTag/" + eksNameTag: {c},
					"aws:RequestTag/" + regionTag: {p.Region},
				},
				"StringLike": {"aws:ResourceTag/" + nodeClassTag: anyValue, "aws:RequestTag/" + nodeClassTag: anyValue},
			}),
			allow([]string{"iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"}, []string{profiles}, ownedByNodeClass),
			// EKSIntegrationPolicy, InterruptionPolicy, ZonalShiftPolicy.
			allow([]string{"eks:DescribeCluster"}, []string{clusterARN}, nil),
			allow([]string{"sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"}, []string{queue}, nil),
			allow([]string{"arc-zonal-shift:GetManagedResource"}, all(), iampolicy.Condition{
				"StringEquals": {"arc-zonal-shift:ResourceIdentifier": {clusterARN}},
			}),
			// ResourceDiscoveryPolicy.
			allow([]string{
				"ec2:DescribeCapacityReservations", "ec2:DescribeImages", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus",
				"ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplates",
				"ec2:DescribePlacementGroups", "ec2:DescribeSecurityGroups", "ec2:DescribeSpotPriceHistory", "ec2:DescribeSubnets",
			}, all(), iampolicy.Condition{"StringEquals": {"aws:RequestedRegion": {p.Region}}}),
			allow([]string{"ssm:GetParameter"}, []string{awsOwned("ssm", "parameter/aws/service/*")}, nil),
			allow([]string{"pricing:GetProducts", "iam:ListInstanceProfiles"}, all(), nil),
			allow([]string{"iam:GetInstanceProfile"}, []string{profiles}, nil),
		)
	},
}
