package wellknown

import "github.com/irsa-dev/irsa-fn/iampolicy"

// cluster-autoscaler (kubernetes/autoscaler, AWS cloud provider): describe groups, instance types
// and launch templates; change the size only of the Auto Scaling groups tagged for this cluster
// (k8s.io/cluster-autoscaler/<cluster>: owned, the auto-discovery tag).
var clusterAutoscaler = addon{
	needsCluster: true,
	build: func(p Params) Policy {
		return single("cluster-autoscaler",
			allow([]string{
				"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
				"autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
				"autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
				"ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements",
				"eks:DescribeNodegroup",
			}, all(), nil),
			allow([]string{"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}, all(), iampolicy.Condition{
				"StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/" + p.ClusterName: {"owned"}},
			}),
		)
	},
}
