package wellknown

import (
	"fmt"

	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// aws-load-balancer-controller: kubernetes-sigs/aws-load-balancer-controller v3.5.0,
// docs/install/iam_policy.json (iam_policy_cn.json and iam_policy_us-gov.json are the same
// statements in their partitions). It reads what load balancers need; creates and changes
// security groups, load balancers, target groups, listeners and rules; and changes and deletes
// only those tagged elbv2.k8s.aws/cluster, the tag the controller puts on what it creates. Where
// the file's ARNs leave the account as *, the role's own account is named.
var awsLoadBalancerController = addon{
	build: func(p Params) Policy {
		ec2 := func(resource string) string {
			return fmt.Sprintf("arn:%s:ec2:*:%s:%s", p.Partition, p.AccountID, resource)
		}
		elb := func(resource string) string {
			return fmt.Sprintf("arn:%s:elasticloadbalancing:*:%s:%s", p.Partition, p.AccountID, resource)
		}
		const tag = "elbv2.k8s.aws/cluster"
		tagged := iampolicy.Condition{"Null": {"aws:ResourceTag/" + tag: {"false"}}}
		requestTagged := iampolicy.Condition{"Null": {"aws:RequestTag/" + tag: {"false"}}}
		keepsTag := iampolicy.Condition{"Null": {"aws:RequestTag/" + tag: {"true"}, "aws:ResourceTag/" + tag: {"false"}}}
		balancers := []string{elb("targetgroup/*/*"), elb("loadbalancer/net/*/*"), elb("loadbalancer/app/*/*")}
		return single("aws-load-balancer-controller",
			allow([]string{"iam:CreateServiceLinkedRole"}, all(), iampolicy.Condition{
				"StringEquals": {"iam:AWSServiceName": {"elasticloadbalancing.amazonaws.com"}},
			}),
			allow([]string{
				"ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones",
				"ec2:DescribeInternetGateways", "ec2:DescribeVpcs", "ec2:DescribeVpcPeeringConnections",
				"ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeInstances",
				"ec2:DescribeNetworkInterfaces", "ec2:DescribeTags", "ec2:GetCoipPoolUsage", "ec2:DescribeCoipPools",
				"ec2:GetSecurityGroupsForVpc", "ec2:DescribeIpamPools", "ec2:DescribeRouteTables",
				"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
				"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerCertificates",
				"elasticloadbalancing:DescribeSSLPolicies", "elasticloadbalancing:DescribeRules",
				"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
				"elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTags",
				"elasticloadbalancing:DescribeTrustStores", "elasticloadbalancing:DescribeListenerAttributes",
				"elasticloadbalancing:DescribeCapacityReservation",
			}, all(), nil),
			allow([]string{
				"cognito-idp:DescribeUserPoolClient", "acm:ListCertificates", "acm:DescribeCertificate",
				"iam:ListServerCertificates", "iam:GetServerCertificate",
				"waf-regional:GetWebACL", "waf-regional:GetWebACLForResource", "waf-regional:AssociateWebACL", "waf-regional:DisassociateWebACL",
				"wafv2:GetWebACL", "wafv2:GetWebACLForResource", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL",
				"shield:GetSubscriptionState", "shield:DescribeProtection", "shield:CreateProtection", "shield:DeleteProtection",
			}, all(), nil),
			allow([]string{"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:CreateSecurityGroup"}, all(), nil),
			allow([]string{"ec2:CreateTags"}, []string{ec2("security-group/*")}, iampolicy.Condition{
				"StringEquals": {"ec2:CreateAction": {"CreateSecurityGroup"}},
				"Null":         {"aws:RequestTag/" + tag: {"false"}},
			}),
			allow([]string{"ec2:CreateTags", "ec2:DeleteTags"}, []string{ec2("security-group/*")}, keepsTag),
			allow([]string{"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"}, all(), tagged),
			allow([]string{"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"}, all(), requestTagged),
			allow([]string{
				"elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener",
				"elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule",
			}, all(), nil),
			allow([]string{"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"}, balancers, keepsTag),
			allow([]string{"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"}, []string{
				elb("listener/net/*/*/*"), elb("listener/app/*/*/*"), elb("listener-rule/net/*/*/*"), elb("listener-rule/app/*/*/*"),
			}, nil),
			allow([]string{
				"elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetIpAddressType",
				"elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
				"elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyTargetGroup",
				"elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup",
				"elasticloadbalancing:ModifyListenerAttributes", "elasticloadbalancing:ModifyCapacityReservation",
				"elasticloadbalancing:ModifyIpPools",
			}, all(), tagged),
			allow([]string{"elasticloadbalancing:AddTags"}, balancers, iampolicy.Condition{
				"StringEquals": {"elasticloadbalancing:CreateAction": {"CreateTargetGroup", "CreateLoadBalancer"}},
				"Null":         {"aws:RequestTag/" + tag: {"false"}},
			}),
			allow([]string{"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"}, []string{elb("targetgroup/*/*")}, nil),
			allow([]string{
				"elasticloadbalancing:SetWebAcl", "elasticloadbalancing:ModifyListener",
				"elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates",
				"elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities",
			}, all(), nil),
		)
	},
}
