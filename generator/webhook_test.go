package generator

import (
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
)

// podOf gives a Deployment item a pod template: its annotations and, per container, the env
// entries, each NAME or NAME=value (the init container "init" carries initEnv).
func podOf(it Item, ann map[string]string, env []string, initEnv ...string) Item {
	spec := diag.NewPath("spec", "template", "spec")
	vars := func(entries []string) []EnvVar {
		var out []EnvVar
		for _, e := range entries {
			name, value, _ := strings.Cut(e, "=")
			out = append(out, EnvVar{Name: name, Value: value})
		}
		return out
	}
	it.Pod = &PodTemplate{
		MetadataField: diag.NewPath("spec", "template", "metadata"),
		Annotations:   ann,
		Containers: []Container{
			{Name: "app", Field: spec.Child("containers").Index(0), Env: vars(env)},
			{Name: "init", Field: spec.Child("initContainers").Index(0), Env: vars(initEnv)},
		},
	}
	return it
}

// TestWebhookRules: what the pod identity webhook reads of a pod must let it give the pod the
// credentials its binding declares. A container env variable the webhook then does not inject is
// an error of the mode it belongs to (web identity for IRSA, container credentials for Pod
// Identity), in containers and init containers, unless the pod's skip-containers annotation
// lists the container; a pod token-expiration annotation that contradicts the binding, or that
// the webhook would not take as written, is an error. Each error names the workload's field.
func TestWebhookRules(t *testing.T) {
	mode := func(m v1alpha1.Mode, expiration int64) func(*v1alpha1.IRSABinding) {
		return func(b *v1alpha1.IRSABinding) {
			b.Spec.Mode = m
			b.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Name: "web", TokenExpiration: expiration}}
		}
	}
	pointed := deployment(0, "shop", "web", "", nil) // claimed by binding shop/web
	tests := []struct {
		name    string
		binding v1alpha1.IRSABinding
		items   []Item
		// errors are, in order, field and a substring of the message of each error.
		errors [][2]string
	}{
		{
			name:    "IRSA: web identity variables in a container and an init container",
			binding: binding("shop", "web", mode(v1alpha1.ModeIRSA, 0)),
			items:   []Item{podOf(pointed, nil, []string{"LOG_LEVEL", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI"}, "AWS_WEB_IDENTITY_TOKEN_FILE")},
			errors: [][2]string{
				{"spec.template.spec.containers[0].env[1].name", "container app sets AWS_ROLE_ARN, so the pod identity webhook injects neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE into it: running as service account shop/web of binding shop/web, it would get no web identity token file for role arn:aws:iam::123456789012:role/prod-eu-shop-web"},
				{"spec.template.spec.initContainers[0].env[0].name", "container init sets AWS_WEB_IDENTITY_TOKEN_FILE"},
			},
		},
		{
			name:    "Pod Identity: container credential variables; web identity ones are not the webhook's concern there",
			binding: binding("shop", "web", mode(v1alpha1.ModePodIdentity, 0)),
			items:   []Item{podOf(pointed, nil, []string{"AWS_ROLE_ARN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"})},
			errors: [][2]string{
				{"spec.template.spec.containers[0].env[1].name", "container app sets AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, so the pod identity webhook injects neither AWS_CONTAINER_CREDENTIALS_FULL_URI nor AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE into it"},
			},
		},
		{
			name:    "both: either set, as pods get IRSA until the association exists and Pod Identity after",
			binding: binding("shop", "web", mode(v1alpha1.ModeBoth, 0)),
			items:   []Item{podOf(pointed, nil, []string{"AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI"})},
			errors: [][2]string{
				{"spec.template.spec.containers[0].env[0].name", "sets AWS_ROLE_ARN"},
				{"spec.template.spec.containers[0].env[1].name", "sets AWS_CONTAINER_CREDENTIALS_FULL_URI"},
			},
		},
		{
			name:    "what the AWS SDKs read before the injected credentials: static keys in every mode",
			binding: binding("shop", "web", mode(v1alpha1.ModeIRSA, 0)),
			items:   []Item{podOf(pointed, nil, []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"})},
			errors: [][2]string{
				{"spec.template.spec.containers[0].env[1].name", "container app sets AWS_ACCESS_KEY_ID: the AWS SDKs take static access keys before the credentials the pod identity webhook injects, so running as service account shop/web of binding shop/web it would not use role arn:aws:iam::123456789012:role/prod-eu-shop-web"},
				{"spec.template.spec.containers[0].env[2].name", "container app sets AWS_SECRET_ACCESS_KEY"},
			},
		},
		{
			name:    "what the AWS SDKs read before Pod Identity: a web identity token file, the relative URI",
			binding: binding("shop", "web", mode(v1alpha1.ModePodIdentity, 0)),
			items:   []Item{podOf(pointed, nil, []string{"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_SESSION_TOKEN"})},
			errors: [][2]string{
				{"spec.template.spec.containers[0].env[1].name", "container app sets AWS_WEB_IDENTITY_TOKEN_FILE: the AWS SDKs take a web identity token file before the Pod Identity credentials the webhook injects"},
				{"spec.template.spec.containers[0].env[2].name", "container app sets AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, which the AWS SDKs read before the AWS_CONTAINER_CREDENTIALS_FULL_URI"},
			},
		},
		{
			name:    "a container the pod's skip-containers annotation lists is the webhook's to leave alone",
			binding: binding("shop", "web", mode(v1alpha1.ModeIRSA, 0)),
			items:   []Item{podOf(pointed, map[string]string{AnnotationSkipContainers: "sidecar,app"}, []string{"AWS_ROLE_ARN"}, "AWS_ROLE_ARN")},
			errors:  [][2]string{{"spec.template.spec.initContainers[0].env[0].name", "container init sets AWS_ROLE_ARN"}},
		},
		{
			name:    "a workload that already names the binding's service account is held too; one of another is not",
			binding: binding("shop", "web", func(b *v1alpha1.IRSABinding) { b.Spec.Workloads = nil }),
			items: []Item{
				podOf(deployment(0, "shop", "legacy", "web", nil), nil, []string{"AWS_ROLE_ARN"}),
				podOf(deployment(1, "shop", "other", "other", nil), nil, []string{"AWS_ROLE_ARN"}),
				podOf(deployment(2, "prod", "web", "web", nil), nil, []string{"AWS_ROLE_ARN"}),
			},
			errors: [][2]string{{"spec.template.spec.containers[0].env[0].name", "container app sets AWS_ROLE_ARN"}},
		},
		{
			name: "a regional endpoints variable other than the binding asks for",
			binding: binding("shop", "web", func(b *v1alpha1.IRSABinding) {
				b.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Name: "web", STSRegionalEndpoints: new(true)}}
			}),
			items: []Item{podOf(pointed, nil, []string{"AWS_STS_REGIONAL_ENDPOINTS=legacy"}, "AWS_STS_REGIONAL_ENDPOINTS=regional")},
			errors: [][2]string{{"spec.template.spec.containers[0].env[0].value",
				`container app sets AWS_STS_REGIONAL_ENDPOINTS: "legacy", which the pod identity webhook keeps, while service account shop/web of binding shop/web declares stsRegionalEndpoints: true`}},
		},
		{
			name:    "a regional endpoints variable where the binding does not ask",
			binding: binding("shop", "web"),
			items:   []Item{podOf(pointed, nil, []string{"AWS_STS_REGIONAL_ENDPOINTS=legacy"})},
		},
		{
			name:    "a pod token expiration that contradicts the binding's",
			binding: binding("shop", "web", mode(v1alpha1.ModeIRSA, 3600)),
			items:   []Item{podOf(pointed, map[string]string{AnnotationTokenExpiration: "7200"}, nil)},
			errors: [][2]string{{`spec.template.metadata.annotations["eks.amazonaws.com/token-expiration"]`,
				`the pod template's eks.amazonaws.com/token-expiration: "7200" contradicts the 3600 seconds service account shop/web of binding shop/web declares`}},
		},
		{
			name:    "a pod token expiration equal to the binding's",
			binding: binding("shop", "web", mode(v1alpha1.ModeIRSA, 3600)),
			items:   []Item{podOf(pointed, map[string]string{AnnotationTokenExpiration: "3600"}, nil)},
		},
		{
			// The webhook reads the annotation with strconv.ParseInt: "+3600" and "03600" are 3600.
			name:    "a pod token expiration written otherwise, equal to the binding's",
			binding: binding("shop", "web", mode(v1alpha1.ModeIRSA, 3600)),
			items: []Item{
				podOf(pointed, map[string]string{AnnotationTokenExpiration: "+3600"}, nil),
				podOf(deployment(1, "shop", "other", "web", nil), map[string]string{AnnotationTokenExpiration: "03600"}, nil),
			},
		},
		{
			name:    "a pod token expiration where the binding declares none",
			binding: binding("shop", "web", mode(v1alpha1.ModeIRSA, 0)),
			items:   []Item{podOf(pointed, map[string]string{AnnotationTokenExpiration: "1200"}, nil)},
		},
		{
			name:    "a pod token expiration the webhook raises",
			binding: binding("shop", "web", mode(v1alpha1.ModePodIdentity, 0)),
			items:   []Item{podOf(pointed, map[string]string{AnnotationTokenExpiration: "300"}, nil)},
			errors:  [][2]string{{`spec.template.metadata.annotations["eks.amazonaws.com/token-expiration"]`, `"300" is under the pod identity webhook's minimum: it raises it to 600`}},
		},
		{
			name:    "a pod token expiration the webhook ignores",
			binding: binding("shop", "web", mode(v1alpha1.ModeIRSA, 0)),
			items:   []Item{podOf(pointed, map[string]string{AnnotationTokenExpiration: "1h"}, nil)},
			errors:  [][2]string{{`spec.template.metadata.annotations["eks.amazonaws.com/token-expiration"]`, `"1h" is not a whole number of seconds: the pod identity webhook ignores it`}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []Finding
			for _, f := range Render(thisRun, nil, []v1alpha1.IRSABinding{tc.binding}, Existing{Items: tc.items}).Findings {
				if f.Severity == diag.Error {
					got = append(got, f)
				}
			}
			if len(got) != len(tc.errors) {
				t.Fatalf("%d errors, want %d: %+v", len(got), len(tc.errors), got)
			}
			for i, want := range tc.errors {
				if got[i].Item != 0 || got[i].Binding != -1 {
					t.Errorf("error %d is about binding %d, item %d; want the workload, item 0", i, got[i].Binding, got[i].Item)
				}
				if got[i].Field != want[0] || !strings.Contains(got[i].Message, want[1]) {
					t.Errorf("error %d: %s: %s\nwant %s: …%s…", i, got[i].Field, got[i].Message, want[0], want[1])
				}
			}
		})
	}
}

// TestWebhookRulesWithOtherProblems: a binding's own problems do not hide those of its
// workloads' pods: every problem in one run.
func TestWebhookRulesWithOtherProblems(t *testing.T) {
	b := binding("shop", "web", func(b *v1alpha1.IRSABinding) {
		b.Spec.Role.MaxSessionDuration = 100 // under IAM's minimum
		b.Spec.ServiceAccounts = []v1alpha1.ServiceAccount{{Name: "web", TokenExpiration: 3600}}
	})
	items := []Item{podOf(deployment(0, "shop", "web", "", nil), map[string]string{AnnotationTokenExpiration: "7200"}, []string{"AWS_ROLE_ARN"})}
	var onBinding, onWorkload []string
	for _, f := range Render(thisRun, nil, []v1alpha1.IRSABinding{b}, Existing{Items: items}).Findings {
		switch {
		case f.Severity != diag.Error:
		case f.Item == 0:
			onWorkload = append(onWorkload, f.Diagnostic.String())
		default:
			onBinding = append(onBinding, f.Diagnostic.String())
		}
	}
	if len(onBinding) == 0 {
		t.Fatalf("the binding's own problem is not reported; errors: %q", onWorkload)
	}
	want := []string{
		"spec.template.spec.containers[0].env[0].name: container app sets AWS_ROLE_ARN, so the pod identity webhook injects neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE into it: running as service account shop/web of binding shop/web, it would get no web identity token file (allowed:",
		`spec.template.metadata.annotations["eks.amazonaws.com/token-expiration"]: the pod template's eks.amazonaws.com/token-expiration: "7200" contradicts the 3600 seconds`,
	}
	if len(onWorkload) != len(want) {
		t.Fatalf("errors on the workload: %q, want %d", onWorkload, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(onWorkload[i], w) {
			t.Errorf("error %q\nwant %q…", onWorkload[i], w)
		}
	}
}
