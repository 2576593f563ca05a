package fn

import "github.com/irsa-dev/irsa-fn/api/v1alpha1"

// matchesSelector reports whether labels satisfy a label selector, with Kubernetes' semantics.
func matchesSelector(s *v1alpha1.LabelSelector, labels map[string]string) bool {
	for k, v := range s.MatchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	for _, e := range s.MatchExpressions {
		got, ok := labels[e.Key]
		switch e.Operator {
		case "In":
			if !ok || !containsString(e.Values, got) {
				return false
			}
		case "NotIn":
			if ok && containsString(e.Values, got) {
				return false
			}
		case "Exists":
			if !ok {
				return false
			}
		case "DoesNotExist":
			if ok {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
