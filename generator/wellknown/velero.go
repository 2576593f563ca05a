package wellknown

import "github.com/irsa-dev/irsa-fn/iampolicy"

// velero: the policy of vmware-tanzu/velero-plugin-for-aws v1.13.2, README.md ("Set
// permissions for Velero"), with the given buckets for ${BUCKET}: EBS snapshots of volumes, and
// the backup objects in the buckets. ec2:CreateTags is allowed only as part of CreateVolume and
// CreateSnapshot, the only way velero-plugin-for-aws/volume_snapshotter.go tags (its
// TagSpecifications). With KMS keys for SSE-KMS buckets, what S3 asks of the caller for them:
// kms:GenerateDataKey to write and kms:Decrypt to read, on those keys only.
var velero = addon{
	required: []param{pBuckets},
	optional: []param{pKMSKeys},
	build: func(p Params) Policy {
		statements := []iampolicy.Statement{
			allow([]string{
				"ec2:DescribeVolumes", "ec2:DescribeSnapshots", "ec2:CreateVolume", "ec2:CreateSnapshot", "ec2:DeleteSnapshot",
			}, all(), nil),
			allow([]string{"ec2:CreateTags"}, all(), iampolicy.Condition{
				"StringEquals": {"ec2:CreateAction": {"CreateVolume", "CreateSnapshot"}},
			}),
			allow([]string{
				"s3:GetObject", "s3:DeleteObject", "s3:PutObject", "s3:PutObjectTagging",
				"s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
			}, arns("arn:%s:s3:::%s/*", p, p.BucketNames), nil),
			allow([]string{"s3:ListBucket"}, arns("arn:%s:s3:::%s", p, p.BucketNames), nil),
		}
		if len(p.KMSKeyARNs) > 0 {
			statements = append(statements, kmsUse(p.KMSKeyARNs, "kms:Decrypt", "kms:GenerateDataKey"))
		}
		return single("velero", statements...)
	},
}
