package fn

import (
	"strings"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/irsa-dev/irsa-fn/generator"
)

// Annotations kpt and kustomize use to place objects in files.
const (
	legacyPathAnnotation  = "config.kubernetes.io/path"
	legacyIndexAnnotation = "config.kubernetes.io/index"
)

// workloadGroups are the API groups of each workload kind irsa-fn patches.
var workloadGroups = map[string][]string{
	"Deployment":  {"apps", "extensions"},
	"StatefulSet": {"apps"},
	"DaemonSet":   {"apps", "extensions"},
	"ReplicaSet":  {"apps", "extensions"},
	"Job":         {"batch"},
	"CronJob":     {"batch"},
	"Pod":         {""},
	"Rollout":     {"argoproj.io"},
}

// podSpecPath is where each workload kind keeps the pod spec.
func podSpecPath(kind string) []string {
	switch kind {
	case "Pod":
		return []string{"spec"}
	case "CronJob":
		return []string{"spec", "jobTemplate", "spec", "template", "spec"}
	}
	return []string{"spec", "template", "spec"}
}

func groupOf(apiVersion string) string {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return group
}

// workloadKind returns the kind of o if it is a workload irsa-fn patches.
func workloadKind(o *kfn.KubeObject) (string, bool) {
	groups, ok := workloadGroups[o.GetKind()]
	if !ok {
		return "", false
	}
	g := groupOf(o.GetAPIVersion())
	for _, want := range groups {
		if g == want {
			return o.GetKind(), true
		}
	}
	return "", false
}

// nsName is a namespace and a name.
type nsName struct{ namespace, name string }

// workloadKey is a workload's kind, namespace and name.
type workloadKey struct {
	kind string
	nsName
}

// objectKey identifies an object the way kustomize and kpt do: group, kind, namespace, name.
type objectKey struct{ group, kind, namespace, name string }

// index is built once per render, so that finding a binding's objects costs no scan of all items.
type index struct {
	workloads       map[workloadKey]int
	workloadsByNS   map[string][]int
	serviceAccounts map[nsName]int
	// generated are the items an earlier render made; this render replaces them.
	generated map[int]bool
	// ids are every item that stays, for collisions with objects this render adds.
	ids map[objectKey]int
	// labels caches workloads' labels: selectors read them again and again.
	labels map[int]map[string]string
}

// isGenerated reports whether an earlier render made o: for a binding, or for the IRSAConfig.
func isGenerated(o *kfn.KubeObject) bool {
	return o.GetLabel(generator.LabelManagedBy) == generator.ManagedByValue &&
		(o.GetAnnotation(generator.AnnotationBinding) != "" || o.GetAnnotation(generator.AnnotationConfig) != "")
}

func buildIndex(items kfn.KubeObjects) *index {
	ix := &index{
		workloads:       map[workloadKey]int{},
		workloadsByNS:   map[string][]int{},
		serviceAccounts: map[nsName]int{},
		generated:       map[int]bool{},
		ids:             map[objectKey]int{},
		labels:          map[int]map[string]string{},
	}
	for i, o := range items {
		if isIRSAKind(o) {
			continue
		}
		if isGenerated(o) {
			ix.generated[i] = true
			continue
		}
		ns, name := o.GetNamespace(), o.GetName()
		ix.ids[objectKey{groupOf(o.GetAPIVersion()), o.GetKind(), ns, name}] = i
		if o.IsLocalConfig() {
			continue // Kptfiles and other local config are never deployed, so never patched
		}
		if kind, ok := workloadKind(o); ok {
			ix.workloads[workloadKey{kind, nsName{ns, name}}] = i
			ix.workloadsByNS[ns] = append(ix.workloadsByNS[ns], i)
		}
		if o.GetKind() == "ServiceAccount" && groupOf(o.GetAPIVersion()) == "" {
			ix.serviceAccounts[nsName{ns, name}] = i
		}
	}
	return ix
}

// workload finds a named workload; an item without a namespace stands for any namespace, as it
// lands in the namespace it is applied to.
func (ix *index) workload(kind, namespace, name string) (int, bool) {
	if i, ok := ix.workloads[workloadKey{kind, nsName{namespace, name}}]; ok {
		return i, true
	}
	i, ok := ix.workloads[workloadKey{kind, nsName{"", name}}]
	return i, ok
}

// serviceAccount finds a ServiceAccount item, with the same namespace rule as workload.
func (ix *index) serviceAccount(namespace, name string) (int, bool) {
	if i, ok := ix.serviceAccounts[nsName{namespace, name}]; ok {
		return i, true
	}
	i, ok := ix.serviceAccounts[nsName{"", name}]
	return i, ok
}

// workloadsIn lists the workload items of a namespace, and those without a namespace.
func (ix *index) workloadsIn(namespace string) []int {
	if namespace == "" {
		return ix.workloadsByNS[""]
	}
	return append(append([]int(nil), ix.workloadsByNS[namespace]...), ix.workloadsByNS[""]...)
}

// labelsOf returns a workload item's labels, read once.
func (ix *index) labelsOf(items kfn.KubeObjects, i int) map[string]string {
	l, ok := ix.labels[i]
	if !ok {
		l = items[i].GetLabels()
		ix.labels[i] = l
	}
	return l
}
