package wellknown

// efs-csi-driver (kubernetes-sigs/aws-efs-csi-driver): the AWS managed AmazonEFSCSIDriverPolicy,
// which already limits access point deletion to those the driver tagged.
var efsCSIDriver = addon{
	build: func(p Params) Policy {
		return Policy{Managed: []string{"arn:" + p.Partition + ":iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"}}
	},
}
