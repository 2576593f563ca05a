package generator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// MaxRoleNameLength is IAM's limit on role names.
const MaxRoleNameLength = 64

var (
	roleNamePattern   = regexp.MustCompile(`^[\w+=,.@-]+$`)
	roleNameForbidden = regexp.MustCompile(`[^\w+=,.@-]`)
	regionPattern     = regexp.MustCompile(`^oidc\.eks\.([a-z]{2}(?:-gov)?-[a-z]+-\d+)\.amazonaws\.com(?:\.cn)?$`)
)

// Issuer is a parsed OIDC issuer URL.
type Issuer struct {
	// HostPath is the issuer without its https:// scheme: the form IAM uses in OIDC provider ARNs
	// and condition keys.
	HostPath string
	// Region is the AWS region of an EKS issuer, or "" for an issuer EKS does not host.
	Region string
	// Partition is the AWS partition the issuer's host names (an EKS issuer's region, an
	// amazonaws.com.cn host, a regional AWS endpoint such as an S3 bucket's), or "" when the host
	// says nothing; the cluster's region decides then.
	Partition string
}

// issuerScheme is the scheme of every OIDC issuer IAM trusts. It is matched in any case, as URL
// schemes are, and never copied: IAM's provider ARNs and condition keys leave it out.
const issuerScheme = "https://"

// ParseIssuer checks that issuer is written as the token's iss claim carries it, as IAM matches
// OIDC providers and condition keys byte for byte: the scheme https:// (in any case, as it is
// left out of them), then a lowercase host of DNS labels without port, user, query, fragment,
// trailing slash, spaces or wildcards. It returns the issuer's parts.
func ParseIssuer(issuer string) (Issuer, error) {
	if len(issuer) < len(issuerScheme) || !strings.EqualFold(issuer[:len(issuerScheme)], issuerScheme) {
		return Issuer{}, fmt.Errorf("issuer %q is not an https:// URL", issuer)
	}
	if strings.ContainsAny(issuer, " \t\r\n") {
		return Issuer{}, fmt.Errorf("issuer %q contains white space", issuer)
	}
	for _, r := range issuer {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return Issuer{}, fmt.Errorf("issuer %q contains the character %U, which no token's iss claim written by EKS or a URL-safe issuer has", issuer, r)
		}
	}
	u, err := url.Parse(issuer)
	switch {
	case err != nil:
		return Issuer{}, fmt.Errorf("issuer %q is not a URL: %v", issuer, err)
	case u.Host == "":
		return Issuer{}, fmt.Errorf("issuer %q has no host", issuer)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.HasSuffix(issuer, "?") || strings.HasSuffix(issuer, "#"):
		return Issuer{}, fmt.Errorf("issuer %q has a query, fragment or user part", issuer)
	case u.Port() != "" || strings.HasSuffix(u.Host, ":"):
		return Issuer{}, fmt.Errorf("issuer %q has a port; IAM OIDC providers take none", issuer)
	case strings.HasSuffix(issuer, "/"):
		return Issuer{}, fmt.Errorf("issuer %q ends with /; the token's iss claim has none", issuer)
	case !issuerHostPattern.MatchString(u.Host):
		return Issuer{}, fmt.Errorf("issuer host %q is not a lowercase DNS name (a-z 0-9 - in dot-separated labels, no wildcard): the token's iss claim is matched byte for byte", u.Host)
	}
	if err := checkIssuerPath(u.Host, u.EscapedPath()); err != nil {
		return Issuer{}, fmt.Errorf("issuer %q %v", issuer, err)
	}
	out := Issuer{HostPath: issuer[len(issuerScheme):]}
	out.Region, out.Partition = hostRegion(u.Host)
	if out.Region != "" && strings.HasSuffix(u.Host, ".cn") != (out.Partition == "aws-cn") {
		return Issuer{}, fmt.Errorf("issuer host %q names region %s, which EKS serves under amazonaws.com%s", u.Host, out.Region, map[bool]string{true: ".cn", false: ""}[out.Partition == "aws-cn"])
	}
	return out, nil
}

// issuerHostPattern is a lowercase DNS name of one or more labels.
var issuerHostPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

// awsRegionLabel is a host label that is an AWS region name, alone or after a service name
// with a dash (s3-us-gov-west-1).
var awsRegionLabel = regexp.MustCompile(`(?:^|-)((?:[a-z]{2}(?:-gov|-iso[a-z]?)?)-[a-z]+-\d+)$`)

var (
	// issuerPathPattern is a path of URL-unreserved characters in non-empty segments: IAM puts
	// it into condition keys, where *, :, ? and ${…} would be read as wildcards or variables.
	issuerPathPattern = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)*$`)
	// eksIssuerPath is the path of every EKS issuer: /id/ and the cluster's OIDC ID.
	eksIssuerPath = regexp.MustCompile(`^/id/[0-9A-Z]+$`)
)

// checkIssuerPath checks an issuer's path as the token's iss claim can carry it.
func checkIssuerPath(host, path string) error {
	switch {
	case strings.HasPrefix(host, "oidc.eks.") && !eksIssuerPath.MatchString(path):
		return fmt.Errorf("has the path %q; an EKS issuer's is /id/ and the cluster's OIDC ID (upper-case letters and digits)", path)
	case !issuerPathPattern.MatchString(path):
		return fmt.Errorf("has the path %q: only letters, digits and . _ ~ - in segments between single slashes", path)
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("has the path %q, with a %q segment", path, seg)
		}
	}
	return nil
}

// hostRegion reads the partition an issuer host names, and the region of an EKS issuer: an EKS
// host oidc.eks.<region>.amazonaws.com[.cn]; any other host under amazonaws.com.cn is aws-cn;
// any other host under amazonaws.com whose last label is a region (an S3 bucket's regional
// endpoint) is in that region's partition. Other hosts name no partition.
func hostRegion(host string) (eksRegion, partition string) {
	if m := regionPattern.FindStringSubmatch(host); m != nil {
		return m[1], Partition(m[1])
	}
	if strings.HasSuffix(host, ".amazonaws.com.cn") {
		return "", "aws-cn"
	}
	if rest, ok := strings.CutSuffix(host, ".amazonaws.com"); ok {
		// The region is the label just before amazonaws.com (bucket.s3.REGION, s3.dualstack.REGION,
		// bucket.s3-REGION); a bucket name that looks like a region says nothing.
		label := rest[strings.LastIndexByte(rest, '.')+1:]
		if m := awsRegionLabel.FindStringSubmatch(label); m != nil && (m[0] == label || label == "s3-"+m[1]) {
			return "", Partition(m[1])
		}
	}
	return "", ""
}

// Partition returns the AWS partition of a region: aws-cn for cn-*, aws-us-gov for us-gov-*,
// and aws otherwise (also for an unknown region).
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// DefaultRoleName derives a role name from the cluster, namespace and service account:
// <cluster>-<namespace>-<service account>, without the cluster part when it is empty. Characters
// IAM does not allow become '-'; a name over 64 characters is cut and ends in '-' and the first
// eight hex digits of the SHA-256 of the whole name, so it stays stable and distinct.
func DefaultRoleName(cluster, namespace, serviceAccount string) string {
	parts := []string{namespace, serviceAccount}
	if cluster != "" {
		parts = append([]string{cluster}, parts...)
	}
	name := roleNameForbidden.ReplaceAllString(strings.Join(parts, "-"), "-")
	if len(name) <= MaxRoleNameLength {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	suffix := "-" + hex.EncodeToString(sum[:])[:8]
	return name[:MaxRoleNameLength-len(suffix)] + suffix
}

// RoleARN is the ARN of a role: arn:<partition>:iam::<account>:role<path><name>.
func RoleARN(partition, account, path, name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role%s%s", partition, account, path, name)
}

// OIDCProviderARN is the ARN of the IAM OIDC provider of an issuer in an account.
func OIDCProviderARN(partition, account string, is Issuer) string {
	return fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", partition, account, is.HostPath)
}

// ParseRoleARN splits a role ARN into partition, account, path and name.
func ParseRoleARN(arn string) (partition, account, path, name string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[3] != "" || !strings.HasPrefix(parts[5], "role/") {
		return "", "", "", "", fmt.Errorf("%q is not a role ARN arn:<partition>:iam::<account>:role/<path><name>", arn)
	}
	resource := strings.TrimPrefix(parts[5], "role")
	i := strings.LastIndex(resource, "/")
	return parts[1], parts[4], resource[:i+1], resource[i+1:], nil
}

// KubernetesName turns an IAM name into a Kubernetes object name (a DNS-1123 subdomain):
// lower case, characters other than letters, digits, '-' and '.' become '-', and each
// dot-separated label starts and ends with a letter or digit ("Big+=,.@_-Role" is big.role, not
// big---.---role, which the API server refuses); "" when nothing is left.
func KubernetesName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	var labels []string
	for _, l := range strings.Split(b.String(), ".") {
		if l = strings.Trim(l, "-"); l != "" {
			labels = append(labels, l)
		}
	}
	return strings.Join(labels, ".")
}
