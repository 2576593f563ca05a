package wellknown

// external-dns (kubernetes-sigs/external-dns, AWS tutorial): change and list records in the
// managed hosted zones; list zones and their tags to find them. Run it with --zone-id-filter for
// the same zones.
var externalDNS = addon{
	required: []param{pHostedZones},
	build: func(p Params) Policy {
		zones := arns("arn:%s:route53:::hostedzone/%s", p, p.HostedZoneIDs)
		return single("external-dns",
			allow([]string{"route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"}, zones, nil),
			allow([]string{"route53:ListHostedZones", "route53:ListTagsForResources"}, all(), nil),
		)
	},
}
