package stream

import (
	"errors"
	"fmt"
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
	// groups returns n distinct group IDs, each valid on its own, so that
	// a list of them is refused for its length and nothing else.
	groups := func(n int) []string {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = layout.PodsGroupID(fmt.Sprintf("ns:%d", i+1))
		}
		return ids
	}
	tests := []struct {
		name    string
		expand  []string
		wantErr bool
		// tooMany: the error must be the refusal of the list as a whole
		// (Field "expand", no Value), not of one ID in it.
		tooMany bool
	}{
		{name: "pod containers", expand: []string{layout.ContainersGroupID(pod)}},
		{name: "pods", expand: []string{layout.PodsGroupID("ns:18446744073709551615")}},
		{name: "empty", expand: []string{""}, wantErr: true},
		{name: "newline", expand: []string{"grp:a\nb"}, wantErr: true},
		{name: "too long", expand: []string{strings.Repeat("g", layout.MaxGroupIDLen+1)}, wantErr: true},
		{name: "as many as allowed", expand: groups(layout.MaxExpand)},
		{name: "too many", expand: groups(layout.MaxExpand + 1), wantErr: true, tooMany: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := h.resolve(Request{Expand: tt.expand})
			if (err != nil) != tt.wantErr {
				t.Fatalf("resolve: %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				if len(res.expand) != len(tt.expand) {
					t.Errorf("resolve opens %d groups, want %d", len(res.expand), len(tt.expand))
				}
				return
			}
			var bre *BadRequestError
			if !errors.As(err, &bre) || bre.Field != "expand" {
				t.Fatalf("resolve: %v (%T), want a BadRequestError for expand", err, err)
			}
			if tt.tooMany && (bre.Value != "" || !strings.Contains(bre.Error(), fmt.Sprintf("%d groups, at most %d", len(tt.expand), layout.MaxExpand))) {
				t.Errorf("resolve: %q (value %q), want the count refused", bre.Error(), bre.Value)
			}
		})
	}
}
