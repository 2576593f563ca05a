package iampolicy

// EKS Pod Identity's vocabulary in trust policies. EKS Pod Identity assumes a role as the service
// principal pods.eks.amazonaws.com, calling sts:AssumeRole with session tags (so the trust policy
// must also allow sts:TagSession). The tags name the pod's cluster, namespace, service account
// and the pod itself; a trust policy can condition on them as aws:RequestTag/<tag>. Source: the
// Amazon EKS User Guide, "Create IAM role with trust policy required by EKS Pod Identity" and
// "List of session tags added by EKS Pod Identity".
const (
	// PodIdentityPrincipal is the service principal EKS Pod Identity assumes roles as.
	PodIdentityPrincipal = "pods.eks.amazonaws.com"

	// The session tags EKS Pod Identity sets, unless an association disables them
	// (disableSessionTags), in which case a trust policy that conditions on them refuses the role.
	TagEKSClusterARN            = "eks-cluster-arn"
	TagEKSClusterName           = "eks-cluster-name"
	TagKubernetesNamespace      = "kubernetes-namespace"
	TagKubernetesServiceAccount = "kubernetes-service-account"
	TagKubernetesPodName        = "kubernetes-pod-name"
	TagKubernetesPodUID         = "kubernetes-pod-uid"
)

// PodIdentityActions are the actions a Pod Identity trust statement allows: EKS assumes the role
// with sts:AssumeRole and passes its session tags, which needs sts:TagSession.
func PodIdentityActions() Values { return Values{"sts:AssumeRole", "sts:TagSession"} }

// RequestTag is the condition key of a tag in the request: aws:RequestTag/<tag>.
func RequestTag(tag string) string { return "aws:RequestTag/" + tag }
