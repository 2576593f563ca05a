package wellknown

// velero (vmware-tanzu/velero-plugin-for-aws): EBS snapshots of volumes, and the backup objects
// in the given buckets; with KMS keys, the data keys for encrypted buckets.
var velero = addon{
	required: []param{pBuckets},
	optional: []param{pKMSKeys},
	build: func(p Params) Policy {
		statements := doc(
			allow([]string{
				"ec2:DescribeVolumes", "ec2:DescribeSnapshots", "ec2:CreateTags", "ec2:CreateVolume",
				"ec2:CreateSnapshot", "ec2:DeleteSnapshot",
			}, all(), nil),
			allow([]string{
				"s3:GetObject", "s3:DeleteObject", "s3:PutObject", "s3:PutObjectTagging",
				"s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
			}, arns("arn:%s:s3:::%s/*", p, p.BucketNames), nil),
			allow([]string{"s3:ListBucket"}, arns("arn:%s:s3:::%s", p, p.BucketNames), nil),
		).Statement
		if len(p.KMSKeyARNs) > 0 {
			statements = append(statements, kmsUse(p.KMSKeyARNs, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"))
		}
		return single("velero", statements...)
	},
}
