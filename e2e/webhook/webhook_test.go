// Package webhook runs the EKS pod identity webhook's own mutation code
// (github.com/aws/amazon-eks-pod-identity-webhook, pkg/handler and pkg/cache) on what irsa-fn
// renders, to prove that the ServiceAccount annotations give pods the credentials they declare.
// It is a module of its own so that the webhook's Kubernetes dependencies stay out of irsa-fn's.
package webhook

import (
	"context"
	"encoding/json"
	"io"
	"math/rand"
	"testing"
	"time"

	"github.com/aws/amazon-eks-pod-identity-webhook/pkg/cache"
	"github.com/aws/amazon-eks-pod-identity-webhook/pkg/containercredentials"
	"github.com/aws/amazon-eks-pod-identity-webhook/pkg/handler"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/api/admission/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	corelisters "k8s.io/client-go/listers/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// The settings of the webhook as EKS runs it: the defaults of its flags (main.go of v0.6.17).
const (
	defaultAudience        = "sts.amazonaws.com"
	defaultTokenExpiration = int64(86400)
	// The webhook draws a default expiration of a Pod Identity token from this range (jitter).
	minJitteredExpiration = int64(79200)
	irsaVolume            = "aws-iam-token"
	irsaTokenPath         = "token"

	podIdentityAudience   = "pods.eks.amazonaws.com"
	podIdentityMountPath  = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount"
	podIdentityVolume     = "eks-pod-identity-token"
	podIdentityTokenPath  = "eks-pod-identity-token"
	podIdentityFullURI    = "http://169.254.170.23/v1/credentials"
	podIdentityLabel      = "eks.amazonaws.com/pod-identity"
	annotationPrefix      = "eks.amazonaws.com"
	skipContainersKey     = annotationPrefix + "/skip-containers"
	tokenExpirationKey    = annotationPrefix + "/token-expiration"
	roleARNKey            = annotationPrefix + "/role-arn"
	audienceKey           = annotationPrefix + "/audience"
	stsRegionalKey        = annotationPrefix + "/sts-regional-endpoints"
	bindingKey            = "irsa.dev/binding"
	cacheWait             = 30 * time.Second
	serviceAccountDefault = "default"
)

func init() {
	// The webhook logs each mutation through klog; the test says what matters.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
}

// webhook is the pod identity webhook's Modifier over its real service account cache, fed the
// ServiceAccounts of one render through an informer as in a cluster, and a container credentials
// config that lists the Pod Identity associations the cluster has.
type webhook struct {
	mod *handler.Modifier
}

// newWebhook starts the webhook's cache on the ServiceAccounts and waits until it holds them.
// associations are the namespace/service account pairs with a Pod Identity association.
func newWebhook(t *testing.T, sas []corev1.ServiceAccount, associations map[containercredentials.Identity]bool) *webhook {
	t.Helper()
	lw := &staticServiceAccounts{ListWatch: &toolscache.ListWatch{
		ListFunc: func(metav1.ListOptions) (kruntime.Object, error) {
			return &corev1.ServiceAccountList{ListMeta: metav1.ListMeta{ResourceVersion: "1"}, Items: sas}, nil
		},
		WatchFunc: func(metav1.ListOptions) (watch.Interface, error) { return watch.NewFake(), nil },
	}}
	informer := toolscache.NewSharedIndexInformer(lw, &corev1.ServiceAccount{}, 0, toolscache.Indexers{})
	c := cache.New(defaultAudience, annotationPrefix, false, defaultTokenExpiration, serviceAccountInformer{informer}, nil, cache.ComposeRoleArn{}, nil)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	// Not c.Start: it only waits for the informer's sync, and exits the process when stop
	// closes first; the loop below waits for the cache to hold every ServiceAccount instead.
	go informer.Run(stop)
	ctx, cancel := context.WithTimeout(context.Background(), cacheWait)
	defer cancel()
	for _, sa := range sas {
		for !c.Get(cache.Request{Namespace: sa.Namespace, Name: sa.Name}).FoundInCache {
			select {
			case <-ctx.Done():
				t.Fatalf("the webhook's cache did not take ServiceAccount %s/%s within %s", sa.Namespace, sa.Name, cacheWait)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	creds := &containercredentials.FakeConfig{
		Audience: podIdentityAudience, MountPath: podIdentityMountPath, VolumeName: podIdentityVolume,
		TokenPath: podIdentityTokenPath, FullUri: podIdentityFullURI, Identities: associations,
	}
	return &webhook{mod: handler.NewModifier(rand.New(rand.NewSource(1)),
		handler.WithServiceAccountCache(c), handler.WithContainerCredentialsConfig(creds))}
}

// mutate admits a pod as the API server asks the webhook to, applies the webhook's patch, and
// returns the pod as it would run, and whether the webhook patched it at all.
func (w *webhook) mutate(t *testing.T, pod corev1.Pod) (corev1.Pod, bool) {
	t.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	resp := w.mod.MutatePod(&v1beta1.AdmissionReview{Request: &v1beta1.AdmissionRequest{
		UID: "test", Namespace: pod.Namespace, Object: kruntime.RawExtension{Raw: raw},
	}})
	if !resp.Allowed {
		t.Fatalf("the webhook refused the pod: %+v", resp.Result)
	}
	if len(resp.Patch) == 0 {
		return pod, false
	}
	patch, err := jsonpatch.DecodePatch(resp.Patch)
	if err != nil {
		t.Fatalf("the webhook's patch does not decode: %v\n%s", err, resp.Patch)
	}
	patched, err := patch.Apply(raw)
	if err != nil {
		t.Fatalf("the webhook's patch does not apply: %v\n%s", err, resp.Patch)
	}
	var out corev1.Pod
	if err := json.Unmarshal(patched, &out); err != nil {
		t.Fatal(err)
	}
	return out, true
}

// staticServiceAccounts lists a fixed set of ServiceAccounts and never changes; it tells the
// reflector that it has no WatchList streams, as a real API server would serve.
type staticServiceAccounts struct{ *toolscache.ListWatch }

// IsWatchListSemanticsUnSupported keeps the reflector on list and watch.
func (staticServiceAccounts) IsWatchListSemanticsUnSupported() bool { return true }

// serviceAccountInformer is the ServiceAccount informer the webhook's cache takes.
type serviceAccountInformer struct {
	inf toolscache.SharedIndexInformer
}

// Informer returns the shared informer.
func (s serviceAccountInformer) Informer() toolscache.SharedIndexInformer { return s.inf }

// Lister lists from the informer's store.
func (s serviceAccountInformer) Lister() corelisters.ServiceAccountLister {
	return corelisters.NewServiceAccountLister(s.inf.GetIndexer())
}
