package iampolicy

import "github.com/irsa-dev/irsa-fn/iamref"

// referenceGaps are ARN forms that IAM matches and AWS documents for a resource type, but that
// IAM's service reference does not list for it. Without them a working policy would be refused.
var referenceGaps = []struct {
	service, resourceType, template, source string
}{
	// Objects through a Multi-Region Access Point: no region, the alias as the access point name.
	{"s3", "object", "arn:${Partition}:s3::${Account}:accesspoint/${AccessPointAlias}/object/${ObjectName}",
		"Amazon S3 User Guide, Multi-Region Access Point permissions"},
	// WebSocket API routes: stage and route key, with no method.
	{"execute-api", "execute-api-general", "arn:${Partition}:execute-api:${Region}:${Account}:${ApiId}/${Stage}/${RouteKey}",
		"API Gateway Developer Guide, IAM authorization for WebSocket APIs"},
	// The root resource of a REST API: an empty resource path after the method.
	{"execute-api", "execute-api-general", "arn:${Partition}:execute-api:${Region}:${Account}:${ApiId}/${Stage}/${Method}/",
		"API Gateway Developer Guide, resource ARN formats for execute-api"},
}

// gapTemplates returns the templates referenceGaps adds to an action acting on resource type rt.
func gapTemplates(a iamref.Action, rt iamref.ActionResource) []string {
	var out []string
	for _, g := range referenceGaps {
		if g.resourceType == rt.Name && g.service == a.Service().Prefix() {
			out = append(out, g.template)
		}
	}
	return out
}
