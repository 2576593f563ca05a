package cli

import (
	"testing"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/irsa-dev/irsa-fn/iamsync"
)

// TestAssociation reads the associations verify checks: ACK's and Crossplane's (both scopes),
// and nothing else.
func TestAssociation(t *testing.T) {
	want := iamsync.Association{Cluster: "prod-eu", Namespace: "finance", ServiceAccount: "billing", RoleARN: "arn:aws:iam::123456789012:role/BillingRole"}
	for _, tt := range []struct {
		name, doc string
		ok        bool
	}{
		{"ack", `{apiVersion: eks.services.k8s.aws/v1alpha1, kind: PodIdentityAssociation, metadata: {name: a}, spec: {clusterName: prod-eu, namespace: finance, serviceAccount: billing, roleARN: "arn:aws:iam::123456789012:role/BillingRole"}}`, true},
		{"crossplane", `{apiVersion: eks.aws.upbound.io/v1beta1, kind: PodIdentityAssociation, metadata: {name: a}, spec: {forProvider: {clusterName: prod-eu, namespace: finance, serviceAccount: billing, roleArn: "arn:aws:iam::123456789012:role/BillingRole"}}}`, true},
		{"crossplane namespaced", `{apiVersion: eks.aws.m.upbound.io/v1beta1, kind: PodIdentityAssociation, metadata: {name: a, namespace: x}, spec: {forProvider: {clusterName: prod-eu, namespace: finance, serviceAccount: billing, roleArn: "arn:aws:iam::123456789012:role/BillingRole"}}}`, true},
		{"a role reference, no ARN", `{apiVersion: eks.aws.upbound.io/v1beta1, kind: PodIdentityAssociation, metadata: {name: a}, spec: {forProvider: {clusterName: prod-eu, namespace: finance, serviceAccount: billing, roleArnRef: {name: r}}}}`, false},
		{"another group", `{apiVersion: example.com/v1, kind: PodIdentityAssociation, metadata: {name: a}, spec: {clusterName: prod-eu, namespace: finance, serviceAccount: billing, roleARN: x}}`, false},
		{"another kind", `{apiVersion: eks.services.k8s.aws/v1alpha1, kind: Cluster, metadata: {name: a}, spec: {name: prod-eu}}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n, err := kyaml.Parse(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := association(n)
			if ok != tt.ok || (ok && got != want) {
				t.Errorf("association: %+v, %v; want %+v, %v", got, ok, want, tt.ok)
			}
		})
	}
}
