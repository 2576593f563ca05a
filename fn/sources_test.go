package fn

import "testing"

// TestLookalike: an item that is almost an irsa.dev kind is an error, since it would pass through
// unrendered; irsa-fn's own IAMRole and other projects' kinds pass.
func TestLookalike(t *testing.T) {
	tests := []struct {
		apiVersion, kind string
		want             string
	}{
		{"irsa.dev/v1alpha1", "IAMRole", ""},
		{"apps/v1", "Deployment", ""},
		{"example.com/v1", "ISOConfig", ""},
		{"irsa.dev/v1alpha1", "IRSABindng", "irsa.dev/v1alpha1 IRSABindng is not a kind irsa-fn knows, so it would pass through unrendered; did you mean IRSABinding?"},
		{"irsa.dev/v1", "IRSAConfig", "irsa.dev/v1 IRSAConfig is not a kind irsa-fn knows, so it would pass through unrendered"},
		{"irsa.io/v1alpha1", "IRSABinding", "irsa.io/v1alpha1 IRSABinding looks like an IRSABinding, but is not one, so it would pass through unrendered"},
		{"v1", "IrsaConfig", "v1 IrsaConfig looks like an IRSAConfig, but is not one, so it would pass through unrendered"},
	}
	for _, tt := range tests {
		d, found := lookalike(tt.apiVersion, tt.kind)
		if got := map[bool]string{true: d.Message}[found]; got != tt.want {
			t.Errorf("%s %s: got %q, want %q", tt.apiVersion, tt.kind, got, tt.want)
		}
	}
}
