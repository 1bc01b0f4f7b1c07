package stream

import (
	"slices"
	"testing"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// netHost is mkSnap with the net namespaces 3, 5, … (n of them) and the
// extra namespaces more; the processes of the namespaces in wanted are
// called "wanted", the others "p<gen>".
func netHost(gen, n int, more []model.NSID, wanted ...model.NSID) *model.Snapshot {
	ids := slices.Clone(more)
	for i := range n {
		ids = append(ids, model.NSID(3+2*i))
	}
	s := mkSnap(gen, ids...)
	for _, id := range wanted {
		s.Processes[int(id)].Comm = "wanted"
	}
	return s
}

// without returns s less the namespaces gone (as if they were deleted).
func without(s *model.Snapshot, gone ...model.NSID) *model.Snapshot {
	for _, id := range gone {
		delete(s.Namespaces, id)
	}
	return s
}

// TestPatchSaysWhatWasBorn: a patch's born lists the added nodes whose
// namespace is new on the host, never those that only entered the view
// (a group unfolded, a namespace started to match the filter), and folded
// counts what started or ended inside a folded group, where no node comes
// or goes: the reviewer's host of 57 network namespaces, 7 of them deleted,
// is a group that unfolds into 50 survivors, none of them new, and 7 that
// ended in it.
func TestPatchSaysWhatWasBorn(t *testing.T) {
	const fold = layout.DefaultFoldThreshold
	grp := layout.GroupID("ns:1", model.Net)
	last := model.NSID(3 + 2*(fold+6)) // the 57th net namespace
	steps := []struct {
		name   string
		snap   *model.Snapshot
		q      string // the subscription: "" or a filter
		born   []string
		ended  []string
		folded []wire.FoldChange
	}{
		{name: "7 of 57 deleted: the group unfolds",
			snap:   netHost(2, fold, nil),
			folded: []wire.FoldChange{{ID: grp, Ended: 7}}},
		{name: "one more: it folds again",
			snap:   netHost(3, fold+1, nil),
			folded: []wire.FoldChange{{ID: grp, Born: 1}}},
		{name: "one started, one ended inside the group",
			snap:   without(netHost(4, fold+2, nil), 5),
			folded: []wire.FoldChange{{ID: grp, Born: 1, Ended: 1}}},
		{name: "a namespace beside the group",
			snap: without(netHost(5, fold+2, []model.NSID{1000}), 5),
			born: []string{"ns:1000"}},
		{name: "it ends",
			snap:  without(netHost(6, fold+2, nil), 5),
			ended: []string{"ns:1000"}},
		{name: "filtered: one starts to match, one is new",
			q:    "cmd:wanted",
			snap: without(netHost(7, fold+2, []model.NSID{1002}, 7, 1002), 5),
			born: []string{"ns:1002"}},
	}
	h, srv := newTestHub(t, Config{Layout: layout.Compute, ParseFilter: ParseFilter})
	h.Publish(netHost(1, fold+7, nil))
	all, filtered := dial(t, srv, nil), dial(t, srv, nil)
	filtered.Q = "cmd:wanted"
	all.Hello(wire.Hello{})
	filtered.Hello(wire.Hello{Q: filtered.Q})
	all.MustNext(wire.TypeSnapshot)
	filtered.MustNext(wire.TypeSnapshot)
	if n := all.St.Nodes[grp]; n.Count != fold+7 {
		t.Fatalf("group %+v, want %d net namespaces folded", n, fold+7)
	}
	if _, ok := all.St.Nodes[layout.NodeID(last)]; ok {
		t.Fatal("the 57th net namespace has a node of its own")
	}
	sorted := func(ids []string) []string { return slices.Sorted(slices.Values(ids)) }
	for _, st := range steps {
		h.Publish(st.snap)
		c, other := all, filtered
		if st.q != "" {
			c, other = filtered, all
		}
		c.MustNext(wire.TypePatch)
		other.WaitSeq(current(t, h, Request{Q: other.Q}).Seq) // its own patches, not looked at here
		if st.q == "" && st.name == "7 of 57 deleted: the group unfolds" {
			if _, ok := c.St.Nodes[grp]; ok || len(c.St.Nodes) != fold+1 {
				t.Fatalf("%s: %d nodes, group still there: %v", st.name, len(c.St.Nodes), ok)
			}
		}
		if st.q != "" {
			if _, ok := c.St.Nodes["ns:7"]; !ok {
				t.Fatalf("%s: ns:7 did not enter the view", st.name)
			}
		}
		if got := sorted(c.Born); !slices.Equal(got, sorted(st.born)) {
			t.Errorf("%s: born %v, want %v", st.name, c.Born, st.born)
		}
		if got := sorted(c.Ended); !slices.Equal(got, sorted(st.ended)) {
			t.Errorf("%s: ended %v, want %v", st.name, c.Ended, st.ended)
		}
		if !slices.Equal(c.Folded, st.folded) {
			t.Errorf("%s: folded %+v, want %+v", st.name, c.Folded, st.folded)
		}
	}
}
