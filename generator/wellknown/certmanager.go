package wellknown

import "github.com/irsa-dev/irsa-fn/iampolicy"

// cert-manager (ACME DNS01 with Route 53): the policy of cert-manager/website
// content/docs/configuration/acme/dns01/route53.md (the cert-manager v1.21 docs), with the
// hosted zones named as that page advises. cert-manager v1.21.1
// pkg/issuer/acme/dns/route53/route53.go finds the zone with ListHostedZonesByName, UPSERTs and
// DELETEs the TXT challenge record with ChangeResourceRecordSets and waits with GetChange.
//
// The page puts its route53:ChangeResourceRecordSetsRecordTypes condition on
// ListResourceRecordSets too, where the key does not exist; here it guards only
// ChangeResourceRecordSets. Changes are AWS-owned resources without an account.
var certManager = addon{
	required: []param{pHostedZones},
	build: func(p Params) Policy {
		zones := arns("arn:%s:route53:::hostedzone/%s", p, p.HostedZoneIDs)
		return single("cert-manager",
			allow([]string{"route53:GetChange"}, []string{"arn:" + p.Partition + ":route53:::change/*"}, nil),
			allow([]string{"route53:ChangeResourceRecordSets"}, zones, iampolicy.Condition{
				"ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": {"TXT"}},
			}),
			allow([]string{"route53:ListResourceRecordSets"}, zones, nil),
			allow([]string{"route53:ListHostedZonesByName"}, all(), nil),
		)
	},
}
