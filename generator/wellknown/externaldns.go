package wellknown

// external-dns: the policy of kubernetes-sigs/external-dns v0.22.0, docs/tutorials/aws.md, with
// the hosted zones named instead of hostedzone/* as that page advises. Records are changed and
// listed, and zone tags read (for --aws-zone-tags), in those zones only; ListHostedZones has no
// resource. provider/aws/aws.go (zones, tagsForZone) reads the tags of the zones left after
// --zone-id-filter only, so run it with --zone-id-filter for the same zones.
var externalDNS = addon{
	required: []param{pHostedZones},
	build: func(p Params) Policy {
		zones := arns("arn:%s:route53:::hostedzone/%s", p, p.HostedZoneIDs)
		return single("external-dns",
			allow([]string{"route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResources"}, zones, nil),
			allow([]string{"route53:ListHostedZones"}, all(), nil),
		)
	},
}
