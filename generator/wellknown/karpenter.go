package wellknown

import (
	"fmt"

	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// karpenter-controller (aws/karpenter-provider-aws, getting started CloudFormation): launch and
// terminate instances and launch templates of this cluster's node pools only, manage the
// instance profiles of its node classes, pass its node role to EC2, read its interruption queue,
// and read what it needs to choose instances, all scoped to the cluster, its region and account.
// The node role defaults to KarpenterNodeRole-<cluster> and the queue to <cluster>, as there.
var karpenterController = addon{
	needsCluster: true,
	needsRegion:  true,
	optional:     []param{pNodeRole, pQueue},
	build: func(p Params) Policy {
		c := p.ClusterName
		regional := func(format string) string {
			return fmt.Sprintf("arn:%s:ec2:%s:%s", p.Partition, p.Region, format)
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
		owned := map[string]iampolicy.Values{"aws:ResourceTag/kubernetes.io/cluster/" + c: {"owned"}}
		nodepool := map[string]iampolicy.Values{"aws:ResourceTag/karpenter.sh/nodepool": {"*"}}
		created := []string{
			regional(":fleet/*"), regional(":instance/*"), regional(":volume/*"), regional(":network-interface/*"),
			regional(":launch-template/*"), regional(":spot-instances-request/*"),
		}
		createTags := map[string]iampolicy.Values{
			"aws:RequestTag/kubernetes.io/cluster/" + c: {"owned"}, "aws:RequestTag/eks:eks-cluster-name": {c},
		}
		withCreateAction := map[string]iampolicy.Values{"ec2:CreateAction": {"RunInstances", "CreateFleet", "CreateLaunchTemplate"}}
		for k, v := range createTags {
			withCreateAction[k] = v
		}
		requestNodepool := map[string]iampolicy.Values{"aws:RequestTag/karpenter.sh/nodepool": {"*"}}
		regionTag := map[string]iampolicy.Values{"aws:ResourceTag/kubernetes.io/cluster/" + c: {"owned"}, "aws:ResourceTag/topology.kubernetes.io/region": {p.Region}}
		nodeclass := map[string]iampolicy.Values{"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": {"*"}}
		profileTagging := map[string]iampolicy.Values{
			"aws:RequestTag/kubernetes.io/cluster/" + c: {"owned"}, "aws:RequestTag/eks:eks-cluster-name": {c},
			"aws:RequestTag/topology.kubernetes.io/region": {p.Region},
		}
		profileTagUpdate := map[string]iampolicy.Values{}
		for k, v := range regionTag {
			profileTagUpdate[k] = v
		}
		for k, v := range profileTagging {
			profileTagUpdate[k] = v
		}
		return single("karpenter-controller",
			// Node lifecycle.
			allow([]string{"ec2:RunInstances", "ec2:CreateFleet"}, []string{
				fmt.Sprintf("arn:%s:ec2:%s::image/*", p.Partition, p.Region), fmt.Sprintf("arn:%s:ec2:%s::snapshot/*", p.Partition, p.Region),
				regional(":security-group/*"), regional(":subnet/*"), regional(":capacity-reservation/*"), regional(":placement-group/*"),
			}, nil),
			allow([]string{"ec2:RunInstances", "ec2:CreateFleet"}, []string{regional(":launch-template/*")}, iampolicy.Condition{"StringEquals": owned, "StringLike": nodepool}),
			allow([]string{"ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"}, created, iampolicy.Condition{"StringEquals": createTags, "StringLike": requestNodepool}),
			allow([]string{"ec2:CreateTags"}, created, iampolicy.Condition{"StringEquals": withCreateAction, "StringLike": requestNodepool}),
			allow([]string{"ec2:CreateTags"}, []string{regional(":instance/*")}, iampolicy.Condition{
				"StringEquals":              owned,
				"StringLike":                nodepool,
				"StringEqualsIfExists":      {"aws:RequestTag/eks:eks-cluster-name": {c}},
				"ForAllValues:StringEquals": {"aws:TagKeys": {"eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"}},
			}),
			allow([]string{"ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"}, []string{regional(":instance/*"), regional(":launch-template/*")}, iampolicy.Condition{"StringEquals": owned, "StringLike": nodepool}),
			// IAM integration.
			allow([]string{"iam:PassRole"}, []string{nodeRole}, iampolicy.Condition{"StringEquals": {"iam:PassedToService": {"ec2.amazonaws.com", "ec2.amazonaws.com.cn"}}}),
			allow([]string{"iam:CreateInstanceProfile"}, []string{profiles}, iampolicy.Condition{"StringEquals": profileTagging, "StringLike": {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": {"*"}}}),
			allow([]string{"iam:TagInstanceProfile"}, []string{profiles}, iampolicy.Condition{"StringEquals": profileTagUpdate, "StringLike": {
				"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": {"*"}, "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": {"*"},
			}}),
			allow([]string{"iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"}, []string{profiles}, iampolicy.Condition{"StringEquals": regionTag, "StringLike": nodeclass}),
			// EKS, interruption queue, zonal shift.
			allow([]string{"eks:DescribeCluster"}, []string{clusterARN}, nil),
			allow([]string{"sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"}, []string{queue}, nil),
			allow([]string{"arc-zonal-shift:GetManagedResource"}, all(), iampolicy.Condition{"StringEquals": {"arc-zonal-shift:ResourceIdentifier": {clusterARN}}}),
			// Resource discovery.
			allow([]string{
				"ec2:DescribeCapacityReservations", "ec2:DescribeImages", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus",
				"ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplates",
				"ec2:DescribePlacementGroups", "ec2:DescribeSecurityGroups", "ec2:DescribeSpotPriceHistory", "ec2:DescribeSubnets",
			}, all(), iampolicy.Condition{"StringEquals": {"aws:RequestedRegion": {p.Region}}}),
			allow([]string{"ssm:GetParameter"}, []string{fmt.Sprintf("arn:%s:ssm:%s::parameter/aws/service/*", p.Partition, p.Region)}, nil),
			allow([]string{"pricing:GetProducts", "iam:ListInstanceProfiles"}, all(), nil),
			allow([]string{"iam:GetInstanceProfile"}, []string{profiles}, nil),
		)
	},
}
