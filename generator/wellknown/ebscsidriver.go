package wellknown

import "github.com/irsa-dev/irsa-fn/iampolicy"

// ebs-csi-driver: kubernetes-sigs/aws-ebs-csi-driver v1.64.0, docs/install.md. The AWS managed
// AmazonEBSCSIDriverPolicyV2 (docs/AmazonEBSCSIDriverPolicyV2.json; IAM has it at
// policy/AmazonEBSCSIDriverPolicyV2, without the service-role/ path the page gives), which
// manages only volumes and snapshots tagged ebs.csi.aws.com/cluster: true (or, for migrated
// in-tree volumes, kubernetes.io/created-for/pvc/name); statically provisioned volumes need that
// tag. With KMS keys for encrypted volumes, the page's "Encrypted EBS Volumes via KMS"
// statement on those keys only, its CreateGrant further limited to grants EC2 makes for itself.
var ebsCSIDriver = addon{
	optional: []param{pKMSKeys},
	build: func(p Params) Policy {
		out := Policy{Managed: []string{"arn:" + p.Partition + ":iam::aws:policy/AmazonEBSCSIDriverPolicyV2"}}
		if len(p.KMSKeyARNs) > 0 {
			out.Inline = []Named{{Name: "ebs-csi-driver-kms", Document: doc(
				allow([]string{"kms:CreateGrant"}, p.KMSKeyARNs, iampolicy.Condition{
					"Bool": {"kms:GrantIsForAWSResource": {"true"}},
				}),
				kmsUse(p.KMSKeyARNs, "kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext"),
			)}}
		}
		return out
	},
}
