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
		{name: "too long", expand: []string{strings.Repeat("g", maxGroupLen+1)}, wantErr: true},
		{name: "too many", expand: make([]string, maxExpand+1), wantErr: true},
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
