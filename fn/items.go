package fn

import (
	"strings"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/generator"
)

// Annotations kpt and kustomize use to place objects in files.
const (
	legacyPathAnnotation  = "config.kubernetes.io/path"
	legacyIndexAnnotation = "config.kubernetes.io/index"
	// originAnnotation is where kustomize records the file an object came from, when the
	// kustomization asks for it (buildMetadata: [originAnnotations]).
	originAnnotation = "config.kubernetes.io/origin"
	// kustomizeIDAnnotation is kustomize's resource id, which it sets on every item it hands a
	// function.
	kustomizeIDAnnotation = "kustomize.config.k8s.io/id"
	// runnerIDAnnotation is the id the function runner (kpt's, and kustomize's) gives each
	// item it hands a function, to match the items it gets back.
	runnerIDAnnotation = "config.k8s.io/id"
	// packagePathAnnotation is the folder of the kpt package an item was read from: a
	// subpackage's items reach the parent's functions with their path relative to it.
	packagePathAnnotation = "internal.config.kubernetes.io/package-path"
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

// isWorkload reports whether o is a workload irsa-fn patches.
func isWorkload(o *kfn.KubeObject) bool {
	_, ok := WorkloadPodSpec(o.GetAPIVersion(), o.GetKind())
	return ok
}

// WorkloadPodSpec returns where an object of the API version and kind keeps its pod spec, and
// whether it is a workload irsa-fn patches (Deployment, CronJob, Rollout…).
func WorkloadPodSpec(apiVersion, kind string) ([]string, bool) {
	g := groupOf(apiVersion)
	for _, want := range workloadGroups[kind] {
		if g == want {
			return podSpecPath(kind), true
		}
	}
	return nil, false
}

// isGenerated reports whether a render made o: for a binding, or for the IRSAConfig.
func isGenerated(o *kfn.KubeObject) bool {
	return o.GetLabel(generator.LabelManagedBy) == generator.ManagedByValue &&
		(o.GetAnnotation(generator.AnnotationBinding) != "" || o.GetAnnotation(generator.AnnotationConfig) != "")
}

// existing describes the items of the ResourceList as plain data for generator.Render: every
// item but the irsa.dev sources, with what Render needs of ServiceAccounts, workloads and the
// role objects irsa-fn made.
// root is the render's root package (packageRoot).
func existing(items kfn.KubeObjects, root string) generator.Existing {
	var out generator.Existing
	for i, o := range items {
		if isIRSAKind(o) {
			continue
		}
		it := generator.Item{
			ID: i, APIVersion: o.GetAPIVersion(), ObjectKind: o.GetKind(), Namespace: o.GetNamespace(), Name: o.GetName(),
			File: shownFile(o, root), Index: shownIndex(o, i), Annotations: o.GetAnnotations(), Generated: isGenerated(o),
		}
		switch {
		case it.Generated:
			if it.ObjectKind == "ServiceAccount" {
				it.Kind = generator.ServiceAccountItem
			}
			r := generator.ReadObject(view(o))
			it.RoleName, it.RoleAccount, it.PolicyName, it.PolicyAccount = r.RoleName, r.RoleAccount, r.PolicyName, r.PolicyAccount
		case o.IsLocalConfig():
			// Kptfiles and other local config are never deployed, so never patched.
		case isWorkload(o):
			it.Kind = generator.WorkloadItem
			it.Labels = o.GetLabels()
			path := podSpecPath(it.ObjectKind)
			it.ServiceAccountName, it.HasServiceAccountName, _ = o.NestedString(append(path, "serviceAccountName")...)
			it.Problem, it.ProblemAllowed = patchProblem(o, it.Describe())
			if it.Problem == "" {
				it.Pod = podTemplate(o)
			}
		case it.ObjectKind == "ServiceAccount" && groupOf(it.APIVersion) == "":
			it.Kind = generator.ServiceAccountItem
		}
		out.Items = append(out.Items, it)
	}
	return out
}

// podTemplate reads what the pod identity webhook reads of a workload's pods: the pod
// template's annotations, its volumes' names, and the env entries and volume mounts of its
// containers and init containers. A part that
// is not of the Kubernetes shape (kubectl-validate's concern) reads as absent.
func podTemplate(o *kfn.KubeObject) *generator.PodTemplate {
	spec := podSpecPath(o.GetKind())
	meta := append(append([]string(nil), spec[:len(spec)-1]...), "metadata")
	t := &generator.PodTemplate{MetadataField: diag.NewPath(meta...)}
	t.Annotations, _, _ = o.NestedStringMap(append(meta, "annotations")...)
	for _, list := range []string{"containers", "initContainers"} {
		containers, _, err := o.NestedSlice(append(append([]string(nil), spec...), list)...)
		if err != nil {
			continue
		}
		for i, c := range containers {
			container := generator.Container{Name: c.GetString("name"), Field: diag.NewPath(spec...).Child(list).Index(i)}
			env, _, err := c.NestedSlice("env")
			if err != nil {
				env = nil
			}
			for _, e := range env {
				container.Env = append(container.Env, generator.EnvVar{Name: e.GetString("name"), Value: e.GetString("value")})
			}
			mounts, _, err := c.NestedSlice("volumeMounts")
			if err != nil {
				mounts = nil
			}
			for _, m := range mounts {
				container.Mounts = append(container.Mounts, generator.VolumeMount{Name: m.GetString("name"), MountPath: m.GetString("mountPath"), SubPath: m.GetString("subPath")})
			}
			t.Containers = append(t.Containers, container)
		}
	}
	volumes, _, err := o.NestedSlice(append(append([]string(nil), spec...), "volumes")...)
	if err != nil {
		volumes = nil
	}
	for i, v := range volumes {
		t.Volumes = append(t.Volumes, generator.Volume{Name: v.GetString("name"), Field: diag.NewPath(spec...).Child("volumes").Index(i)})
	}
	return t
}

// view is what the outputs read of an object an earlier render made.
func view(o *kfn.KubeObject) generator.ObjectView {
	return generator.ObjectView{
		APIVersion: o.GetAPIVersion(), Kind: o.GetKind(), Annotations: o.GetAnnotations(),
		String: func(path ...string) string {
			v, _, _ := o.NestedString(path...)
			return v
		},
	}
}

// patchProblem says why a workload cannot be patched, and what can be; empty when it can.
func patchProblem(o *kfn.KubeObject, describe string) (string, string) {
	if field, ok := podSpecProblem(o); !ok {
		return describe + " has no pod spec to patch: " + field + " is not an object",
			"a workload whose " + strings.Join(podSpecPath(o.GetKind()), ".") + " is an object (a pod template)"
	}
	if o.GetKind() == "Rollout" {
		if _, found, _ := o.NestedSubObject("spec", "workloadRef"); found {
			return describe + " takes its pod template from spec.workloadRef; bind that Deployment instead",
				"the Deployment the Rollout references in spec.workloadRef"
		}
	}
	return "", ""
}

// podSpecProblem reports whether a workload's pod spec can be patched: every level of its path
// is an object or absent (then it is created). It names the first level that is something else:
// null, a list or a value.
func podSpecProblem(o *kfn.KubeObject) (string, bool) {
	path := podSpecPath(o.GetKind())
	for i := range path {
		_, found, err := o.NestedSubObject(path[:i+1]...)
		if err != nil {
			return strings.Join(path[:i+1], "."), false
		}
		if !found {
			return "", true
		}
	}
	return "", true
}
