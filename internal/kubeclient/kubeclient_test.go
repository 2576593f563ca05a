package kubeclient

import (
	"net/http"
	"strings"
	"testing"
)

func TestPath(t *testing.T) {
	c := New("https://127.0.0.1:6443/", "t", http.DefaultClient)
	c.resources["iam.services.k8s.aws/v1alpha1/Role"] = resource{plural: "roles", namespaced: true}
	tests := []struct {
		apiVersion, kind, namespace, name string
		want, err                         string
	}{
		{apiVersion: "v1", kind: "Namespace", name: "ack-system", want: "/api/v1/namespaces/ack-system"},
		{apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", want: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"},
		{apiVersion: "iam.services.k8s.aws/v1alpha1", kind: "Role", namespace: "ack-system", name: "a b", want: "/apis/iam.services.k8s.aws/v1alpha1/namespaces/ack-system/roles/a%20b"},
		{apiVersion: "iam.services.k8s.aws/v1alpha1", kind: "Role", name: "x", err: "namespaced but has no namespace"},
		{apiVersion: "iam.services.k8s.aws/v1alpha1", kind: "Policy", namespace: "n", name: "x", err: "apply its CRD through ApplyCRD first"},
	}
	for _, tt := range tests {
		got, err := c.path(tt.apiVersion, tt.kind, tt.namespace, tt.name)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s %s: error %v, want one saying %q", tt.kind, tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s %s: %q, %v; want %q", tt.kind, tt.name, got, err, tt.want)
		}
	}
}

func TestCondition(t *testing.T) {
	o := Object{"status": map[string]any{"conditions": []any{
		map[string]any{"type": "ACK.ReferencesResolved", "status": "Unknown", "message": "Reference resolution failed"},
		map[string]any{"type": "ACK.ResourceSynced", "status": "True"},
	}}}
	if s, m := Condition(o, "ACK.ReferencesResolved"); s != "Unknown" || m != "Reference resolution failed" {
		t.Errorf("ReferencesResolved: %q %q", s, m)
	}
	if s, _ := Condition(o, "ACK.ResourceSynced"); s != "True" {
		t.Errorf("ResourceSynced: %q", s)
	}
	if s, m := Condition(o, "Ready"); s != "" || m != "" {
		t.Errorf("an absent condition: %q %q", s, m)
	}
	if s, _ := Condition(Object{}, "Ready"); s != "" {
		t.Errorf("no status: %q", s)
	}
}

func TestKey(t *testing.T) {
	if got := Key(Object{"kind": "Role", "metadata": map[string]any{"name": "r", "namespace": "n"}}); got != "Role n/r" {
		t.Errorf("namespaced: %q", got)
	}
	if got := Key(Object{"kind": "Namespace", "metadata": map[string]any{"name": "n"}}); got != "Namespace n" {
		t.Errorf("cluster-scoped: %q", got)
	}
}
