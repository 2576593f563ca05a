package generator

import (
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/irsa-dev/irsa-fn/diag"
)

// What the EKS pod identity webhook (github.com/aws/amazon-eks-pod-identity-webhook, v0.6.17)
// reads of a pod beyond its ServiceAccount's annotations. Its pkg/handler Modifier.addEnvToContainer
// injects a container's credential variables only when the container's env sets none of them:
// AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE for IRSA (web identity), and
// AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE for EKS Pod
// Identity (container credentials). Modifier.parsePodAnnotations ranks the pod's token-expiration
// annotation above the ServiceAccount's, and skips the containers its skip-containers
// annotation lists.
var (
	// WebIdentityEnv are the IRSA variables: one set in a container stops the webhook from
	// injecting both.
	WebIdentityEnv = []string{"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"}
	// ContainerCredentialsEnv are the Pod Identity variables: one set in a container stops the
	// webhook from injecting both.
	ContainerCredentialsEnv = []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"}
)

// Variables the AWS SDKs' default credential chains read before the credentials the webhook
// injects: static keys before everything, the web identity token file before container
// credentials, and the ECS relative URI before the full one.
var (
	staticKeyEnv          = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
	webIdentityTokenEnv   = "AWS_WEB_IDENTITY_TOKEN_FILE"
	relativeCredentialEnv = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
)

// stsRegionalEndpointsEnv is what the webhook sets to "regional" when the ServiceAccount's
// sts-regional-endpoints annotation is true, unless the container sets it.
const stsRegionalEndpointsEnv = "AWS_STS_REGIONAL_ENDPOINTS"

// A token volume the pod identity webhook projects, and where it mounts it in each container it
// injects into. The webhook adds neither the volume when the pod has a volume of that name, nor
// a container's mount when the container mounts a volume of that name: it keeps them as they
// are, while the variables it injects point at its own mount path.
type tokenVolume struct {
	// Name of the volume, MountPath where the webhook mounts it (its flags' defaults, as EKS
	// runs it), Token the variable naming the token file.
	Name, MountPath, Token string
}

var (
	webIdentityVolume         = tokenVolume{Name: "aws-iam-token", MountPath: "/var/run/secrets/eks.amazonaws.com/serviceaccount", Token: "AWS_WEB_IDENTITY_TOKEN_FILE"}
	containerCredentialVolume = tokenVolume{Name: "eks-pod-identity-token", MountPath: "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount", Token: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"}
)

// AnnotationSkipContainers on a pod lists, comma separated, the containers the pod identity
// webhook leaves alone.
const AnnotationSkipContainers = "eks.amazonaws.com/skip-containers"

// Container is one container (or init container) of a workload's pod spec, as the pod identity
// webhook sees it.
type Container struct {
	// Name of the container.
	Name string
	// Field is the path of its entry in the workload, such as spec.template.spec.containers[0].
	Field diag.Path
	// Env are its env entries, in order.
	Env []EnvVar
	// Mounts are its volumeMounts, in order.
	Mounts []VolumeMount
}

// VolumeMount is one volumeMount of a container: the volume's name and where it is mounted.
type VolumeMount struct {
	Name, MountPath, SubPath string
}

// Volume is one volume of a pod template: its name and the path of its entry in the workload,
// such as spec.template.spec.volumes[0].
type Volume struct {
	Name  string
	Field diag.Path
}

// EnvVar is one env entry of a container: its name, and its value when it gives one (not for
// valueFrom).
type EnvVar struct {
	Name, Value string
}

// PodTemplate is what the pod identity webhook reads of a workload's pods.
type PodTemplate struct {
	// MetadataField is the path of the pod template's metadata in the workload, such as
	// spec.template.metadata (metadata for a Pod).
	MetadataField diag.Path
	// Annotations of the pod template.
	Annotations map[string]string
	// Containers are its containers, then its init containers.
	Containers []Container
	// Volumes are its volumes, in order.
	Volumes []Volume
}

// skipped are the containers the webhook leaves alone, read as the webhook reads its
// skip-containers annotation: one CSV record; one that does not parse skips none.
func (t PodTemplate) skipped() map[string]bool {
	out := map[string]bool{}
	v, ok := t.Annotations[AnnotationSkipContainers]
	if !ok {
		return out
	}
	names, err := csv.NewReader(strings.NewReader(v)).Read()
	if err != nil {
		return out
	}
	for _, n := range names {
		out[n] = true
	}
	return out
}

// checkPods holds every workload that runs as a service account of a binding this run renders,
// whether irsa-fn points it there or it names it already, to what the pod identity webhook
// needs to give its pods the credentials the binding declares: no container may set a variable
// the webhook then does not inject (the web identity ones where the binding uses IRSA, the
// container credential ones where it uses Pod Identity), and the pod template's token-expiration
// annotation, which the webhook ranks above the ServiceAccount's, must agree with the binding;
// nor may a container set what the AWS SDKs' credential chains read before the injected
// credentials (static keys; a web identity token file or the relative container credentials URI
// in Pod Identity). Values from envFrom are not known here and not checked.
// Each problem is reported on the workload's field, also for a binding with other problems.
func (p *planner) checkPods() {
	type declared struct{ bi, sa int }
	owners := map[nsName]declared{}
	for bi := range p.bindings {
		if !p.out.Bindings[bi].Rendered {
			continue
		}
		for i, sa := range p.result(bi).ServiceAccounts {
			if _, dup := owners[nsName{sa.Namespace, sa.Name}]; !dup {
				owners[nsName{sa.Namespace, sa.Name}] = declared{bi, i}
			}
		}
	}
	for i, it := range p.items {
		if it.Kind != WorkloadItem || it.Pod == nil {
			continue
		}
		key, ok := p.claimedAs[i]
		if !ok {
			name := it.ServiceAccountName
			if !it.HasServiceAccountName {
				name = "default" // what the ServiceAccount admission plugin sets before the webhook runs
			}
			key = nsName{it.Namespace, name}
		}
		if d, ok := owners[key]; ok {
			res := p.result(d.bi)
			p.checkPod(it, res, res.ServiceAccounts[d.sa])
		}
	}
}

// checkPod checks one workload's pod template against the service account its pods run as.
func (p *planner) checkPod(it Item, res *Result, sa ServiceAccount) {
	who := fmt.Sprintf("service account %s/%s of binding %s", sa.Namespace, sa.Name, res.Binding)
	forRole, ofRole, theRole := "", "", "the binding's role" // the role is unknown while the binding has problems of its own
	if res.RoleARN != "" {
		forRole, ofRole, theRole = " for role "+res.RoleARN, " of role "+res.RoleARN, "role "+res.RoleARN
	}
	regional := sa.STSRegionalEndpoints != nil && *sa.STSRegionalEndpoints
	skipped := it.Pod.skipped()
	for _, c := range it.Pod.Containers {
		if skipped[c.Name] {
			continue // the webhook gives it nothing; its annotation says so
		}
		for j, e := range c.Env {
			env, field := e.Name, c.Field.Child("env").Index(j).Child("name")
			switch {
			case res.IRSA && env == stsRegionalEndpointsEnv && regional && e.Value != "regional":
				p.itemFieldError(it.ID, c.Field.Child("env").Index(j).Child("value"),
					"remove it: the webhook sets AWS_STS_REGIONAL_ENDPOINTS=regional from the ServiceAccount; or set it to regional",
					"container %s sets %s: %q, which the pod identity webhook keeps, while %s declares stsRegionalEndpoints: true (%s=regional)",
					c.Name, env, e.Value, who, env)
			case res.IRSA && slices.Contains(WebIdentityEnv, env):
				p.itemFieldError(it.ID, field,
					fmt.Sprintf("remove %s: the webhook sets AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE from the ServiceAccount; or list the container in the pod template's %s annotation to give it no credentials", env, AnnotationSkipContainers),
					"container %s sets %s, so the pod identity webhook injects neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE into it: running as %s, it would get no web identity token file%s",
					c.Name, env, who, forRole)
			case slices.Contains(staticKeyEnv, env):
				p.itemFieldError(it.ID, field,
					fmt.Sprintf("remove %s: the role's credentials come from the ServiceAccount; or list the container in the pod template's %s annotation", env, AnnotationSkipContainers),
					"container %s sets %s: the AWS SDKs take static access keys before the credentials the pod identity webhook injects, so running as %s it would not use %s",
					c.Name, env, who, theRole)
			case !res.IRSA && res.PodIdentity && env == webIdentityTokenEnv:
				p.itemFieldError(it.ID, field,
					fmt.Sprintf("remove %s: the binding's mode podIdentity gives the pod container credentials", env),
					"container %s sets %s: the AWS SDKs take a web identity token file before the Pod Identity credentials the webhook injects (the Go SDK fails without AWS_ROLE_ARN), so running as %s it would not use %s",
					c.Name, env, who, theRole)
			case res.PodIdentity && env == relativeCredentialEnv:
				p.itemFieldError(it.ID, field,
					fmt.Sprintf("remove %s: the webhook sets AWS_CONTAINER_CREDENTIALS_FULL_URI for the Pod Identity association", env),
					"container %s sets %s, which the AWS SDKs read before the AWS_CONTAINER_CREDENTIALS_FULL_URI the pod identity webhook injects: running as %s, it would not get the Pod Identity credentials%s",
					c.Name, env, who, ofRole)
			case res.PodIdentity && slices.Contains(ContainerCredentialsEnv, env):
				p.itemFieldError(it.ID, field,
					fmt.Sprintf("remove %s: the webhook sets AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE for a Pod Identity association; or list the container in the pod template's %s annotation to give it no credentials", env, AnnotationSkipContainers),
					"container %s sets %s, so the pod identity webhook injects neither AWS_CONTAINER_CREDENTIALS_FULL_URI nor AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE into it: running as %s, it would not get the Pod Identity credentials%s",
					c.Name, env, who, ofRole)
			}
		}
	}
	var volumes []tokenVolume
	if res.IRSA {
		volumes = append(volumes, webIdentityVolume)
	}
	if res.PodIdentity {
		volumes = append(volumes, containerCredentialVolume)
	}
	for _, tv := range volumes {
		p.checkTokenVolume(it, tv, skipped, who)
	}
	v, has := it.Pod.Annotations[AnnotationTokenExpiration]
	if !has {
		return
	}
	field := it.Pod.MetadataField.Child("annotations").Key(AnnotationTokenExpiration)
	allowed := fmt.Sprintf("remove the annotation from the pod template (the ServiceAccount's applies), or give it the binding's value; a binding sets it with serviceAccounts[].tokenExpiration, at least %d", MinTokenExpiration)
	// The binding's expiration is the ServiceAccount's annotation, which only IRSA writes.
	declared := res.IRSA && sa.TokenExpiration != 0
	want := strconv.FormatInt(sa.TokenExpiration, 10)
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil:
		p.itemFieldError(it.ID, field, allowed,
			"the pod template's %s: %q is not a whole number of seconds: the pod identity webhook ignores it, so the annotation does not say what pods running as %s get", AnnotationTokenExpiration, v, who)
	case declared && n != sa.TokenExpiration: // as the webhook reads it: "+3600" is 3600
		p.itemFieldError(it.ID, field, allowed,
			"the pod template's %s: %q contradicts the %s seconds %s declares: the pod identity webhook takes the pod's annotation over the ServiceAccount's", AnnotationTokenExpiration, v, want, who)
	case n < MinTokenExpiration:
		p.itemFieldError(it.ID, field, allowed,
			"the pod template's %s: %q is under the pod identity webhook's minimum: it raises it to %d for pods running as %s", AnnotationTokenExpiration, v, MinTokenExpiration, who)
	}
}

// checkTokenVolume reports a pod template volume named as the webhook's token volume, which
// the webhook keeps instead of projecting the token the binding declares, and a container's
// mount of that name elsewhere than the webhook's mount path, which it keeps while pointing the
// container's token variable at its own path.
func (p *planner) checkTokenVolume(it Item, tv tokenVolume, skipped map[string]bool, who string) {
	for _, vol := range it.Pod.Volumes {
		if vol.Name == tv.Name {
			p.itemFieldError(it.ID, vol.Field.Child("name"),
				fmt.Sprintf("remove the volume %s (and mounts of it at other paths): the webhook adds it", tv.Name),
				"the pod template has a volume %s, which the pod identity webhook keeps instead of projecting its own: pods running as %s would read this volume as their token, not the token (audience, expiration) the webhook projects for them",
				tv.Name, who)
		}
	}
	for _, c := range it.Pod.Containers {
		if skipped[c.Name] {
			continue
		}
		for j, m := range c.Mounts {
			if m.Name == tv.Name && (m.MountPath != tv.MountPath || m.SubPath != "") {
				where := m.MountPath
				if m.SubPath != "" {
					where += " (subPath " + m.SubPath + ")"
				}
				p.itemFieldError(it.ID, c.Field.Child("volumeMounts").Index(j).Child("mountPath"),
					fmt.Sprintf("remove the mount: the webhook mounts %s at %s", tv.Name, tv.MountPath),
					"container %s mounts %s at %s, which the pod identity webhook keeps while it points %s at %s: running as %s, it would find no token there",
					c.Name, tv.Name, where, tv.Token, tv.MountPath, who)
			}
		}
	}
}

func (p *planner) itemFieldError(id int, field diag.Path, allowed, format string, args ...any) {
	p.out.Findings = append(p.out.Findings, Finding{Binding: -1, Item: id, Diagnostic: diag.Diagnostic{Severity: diag.Error, Field: field.String(), Message: fmt.Sprintf(format, args...), Allowed: allowed}})
}
