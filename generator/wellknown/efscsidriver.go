package wellknown

// efs-csi-driver: kubernetes-sigs/aws-efs-csi-driver v3.4.1, docs/iam-policy-create.md: the AWS
// managed AmazonEFSCSIDriverPolicy (the EFS statements of docs/iam-policy-example.json), which
// creates access points only with the efs.csi.aws.com/cluster tag and deletes only those so
// tagged. The page also gives the controller AmazonS3FilesCSIDriverPolicy and
// AmazonS3FilesClientFullAccess for Amazon S3 Files file systems; those are not granted here
// (the second mounts every S3 file system as root): add them under policies.managed to use S3
// Files.
var efsCSIDriver = addon{
	build: func(p Params) Policy {
		return Policy{Managed: []string{"arn:" + p.Partition + ":iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"}}
	},
}
