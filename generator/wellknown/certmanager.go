package wellknown

import "github.com/irsa-dev/irsa-fn/iampolicy"

// cert-manager (cert-manager.io, ACME DNS01 with Route 53): wait for changes, write only TXT
// records (the challenge) in the given zones, and find the zone by name.
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
