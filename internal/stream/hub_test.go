package stream

import (
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/layout"
)

// TestResolveExpandLongestGroup: every group the layout can make can be
// opened, even the folded containers of a pod with the longest names
// Kubernetes allows.
func TestResolveExpandLongestGroup(t *testing.T) {
	h, _ := newTestHub(t, Config{Layout: layout.Compute})
	pod := layout.PodID("ns:18446744073709551615", strings.Repeat("n", 63)+"/"+strings.Repeat("p", 253))
	tests := []struct {
		name    string
		expand  []string
		wantErr bool
	}{
		{name: "pod containers", expand: []string{layout.ContainersGroupID(pod)}},
		{name: "pods", expand: []string{layout.PodsGroupID("ns:18446744073709551615")}},
		{name: "empty", expand: []string{""}, wantErr: true},
		{name: "newline", expand: []string{"grp:a\nb"}, wantErr: true},
		{name: "too long", expand: []string{strings.Repeat("g", layout.MaxGroupIDLen+1)}, wantErr: true},
		{name: "too many", expand: make([]string, layout.MaxExpand+1), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.resolve(Request{Expand: tt.expand})
			if (err != nil) != tt.wantErr {
				t.Errorf("resolve: %v, want error %v", err, tt.wantErr)
			}
		})
	}
}
