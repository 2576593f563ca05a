package wellknown

import "github.com/irsa-dev/irsa-fn/iampolicy"

// ebs-csi-driver (kubernetes-sigs/aws-ebs-csi-driver): the AWS managed AmazonEBSCSIDriverPolicy;
// with KMS keys for encrypted volumes, the grant and data key permissions the EKS user guide
// lists for them, on those keys only.
var ebsCSIDriver = addon{
	optional: []param{pKMSKeys},
	build: func(p Params) Policy {
		out := Policy{Managed: []string{"arn:" + p.Partition + ":iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"}}
		if len(p.KMSKeyARNs) > 0 {
			out.Inline = []Named{{Name: "ebs-csi-driver-kms", Document: doc(
				allow([]string{"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"}, p.KMSKeyARNs, iampolicy.Condition{
					"Bool": {"kms:GrantIsForAWSResource": {"true"}},
				}),
				kmsUse(p.KMSKeyARNs, "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"),
			)}}
		}
		return out
	},
}
