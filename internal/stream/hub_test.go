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

// TestStaleSnapshotDropped: a view keeps its encoded snapshot only while
// it is current; a patch drops it (at 60k nodes it is 16 MB), and the
// next client gets a fresh one of the new seq.
func TestStaleSnapshotDropped(t *testing.T) {
	h, _ := newTestHub(t, Config{})
	h.Publish(mkSnap(1, 3))
	sb, err := h.acquire(resolved{key: Key{View: layout.Owner, Group: layout.DefaultGrouping}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.release(sb, "")
	sb.mu.Lock()
	sb.catchUp()
	first := sb.snapshotMsg()
	sb.mu.Unlock()
	if sb.snapMsg == nil || !strings.Contains(string(first), `"ns:3"`) {
		t.Fatalf("no cached snapshot after encoding one: %.80s", first)
	}
	h.Publish(mkSnap(2, 3, 5))
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.snapMsg != nil {
		t.Error("the snapshot of the last seq is still kept after a patch")
	}
	if again := sb.snapshotMsg(); !strings.Contains(string(again), `"ns:5"`) {
		t.Errorf("the next snapshot lacks the new node: %.200s", again)
	}
}
