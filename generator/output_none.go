package generator

import (
	"github.com/irsa-dev/irsa-fn/api/v1alpha1"
	"github.com/irsa-dev/irsa-fn/diag"
)

// noneOutput renders no IAM objects: the role is created some other way, and irsa-fn only
// annotates the service accounts and patches the workloads.
type noneOutput struct{}

func (noneOutput) Name() v1alpha1.Output { return v1alpha1.OutputNone }

func (noneOutput) Traits() OutputTraits {
	return OutputTraits{Summary: "no IAM objects, only the service accounts and workloads", Alone: true}
}

// CheckConfig checks nothing: none has no settings.
func (noneOutput) CheckConfig(*v1alpha1.IRSAConfig, diag.Path, *diag.List) {}

func (noneOutput) Render(Model) []Object { return nil }

// RenderConfig renders nothing.
func (noneOutput) RenderConfig(*v1alpha1.IRSAConfig, []v1alpha1.OIDCProvider) ConfigObjects {
	return ConfigObjects{}
}

// Read reads nothing: none renders no object.
func (noneOutput) Read(ObjectView) (Rendered, bool) { return Rendered{}, false }
