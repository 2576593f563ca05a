package wellknown

import (
	"fmt"

	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// cluster-autoscaler: the "Full Cluster Autoscaler Features Policy" of kubernetes/autoscaler
// cluster-autoscaler-1.36.1, cluster-autoscaler/cloudprovider/aws/README.md, with its second
// block restricted as the README recommends: resizing only the Auto Scaling groups of the role's
// account tagged k8s.io/cluster-autoscaler/<cluster>: owned (the auto-discovery tag, as EKS
// managed node groups set it). eks:DescribeNodegroup, which reads labels and taints of this
// cluster's managed node groups, is limited to them.
var clusterAutoscaler = addon{
	needsCluster: true,
	build: func(p Params) Policy {
		groups := fmt.Sprintf("arn:%s:autoscaling:*:%s:autoScalingGroup:*:autoScalingGroupName/*", p.Partition, p.AccountID)
		nodegroups := fmt.Sprintf("arn:%s:eks:*:%s:nodegroup/%s/*/*", p.Partition, p.AccountID, p.ClusterName)
		return single("cluster-autoscaler",
			allow([]string{
				"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
				"autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
				"ec2:DescribeImages", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplateVersions",
				"ec2:GetInstanceTypesFromInstanceRequirements",
			}, all(), nil),
			allow([]string{"eks:DescribeNodegroup"}, []string{nodegroups}, nil),
			allow([]string{"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}, []string{groups}, iampolicy.Condition{
				"StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/" + p.ClusterName: {"owned"}},
			}),
		)
	},
}
