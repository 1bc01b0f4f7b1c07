package stream

import (
	"iter"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// TestFoldedContainersServed: the server folds the containers of a busy
// user namespace in the default view and opens the group when a request
// names its ID in expand, over HTTP and over the stream; a container more
// is one update of the folded group.
func TestFoldedContainersServed(t *testing.T) {
	h, srv := newTestHub(t, Config{Layout: layout.Compute})
	const n = layout.DefaultFoldThreshold + 10
	h.Publish(rootfulHost(1, n))
	grp := layout.ContainersGroupID("ns:1")
	count := func(nodes iter.Seq[wire.Node]) (group, ctrs int) {
		for nd := range nodes {
			switch {
			case nd.ID == grp:
				group = nd.Count
			case nd.Kind == layout.Container:
				ctrs++
			}
		}
		return group, ctrs
	}
	folded, open := dial(t, srv, nil), dial(t, srv, nil)
	folded.Hello(wire.Hello{})
	open.Hello(wire.Hello{Expand: []string{grp}})
	folded.MustNext(wire.TypeSnapshot)
	open.MustNext(wire.TypeSnapshot)
	if g, k := count(maps.Values(open.St.Nodes)); g != 0 || k != n {
		t.Fatalf("expanded over the stream: group of %d, %d container nodes", g, k)
	}
	h.Publish(rootfulHost(2, n+1))
	folded.MustNext(wire.TypePatch)
	open.MustNext(wire.TypePatch)
	if g, k := count(maps.Values(folded.St.Nodes)); g != n+1 || k != 0 {
		t.Errorf("folded after a start: group of %d, %d container nodes; want %d and 0", g, k, n+1)
	}
	if g, k := count(maps.Values(open.St.Nodes)); g != 0 || k != n+1 {
		t.Errorf("expanded after a start: group of %d, %d container nodes; want 0 and %d", g, k, n+1)
	}
}

// TestRevealOpensFoldedGroup: a hello that names a node inside a folded
// group in reveal gets a snapshot with that group added to expand, so a
// link to a namespace among a thousand folded containers opens on it; a
// node no group hides, or that is not in the view, adds nothing.
func TestRevealOpensFoldedGroup(t *testing.T) {
	h, srv := newTestHub(t, Config{Layout: layout.Compute})
	const n = layout.DefaultFoldThreshold + 10
	h.Publish(rootfulHost(1, n))
	grp := layout.ContainersGroupID("ns:1")
	target := layout.NodeID(100 + n/2) // a container's net namespace
	cases := []struct {
		hello  wire.Hello
		expand []string
		shown  bool
	}{
		{wire.Hello{Reveal: target}, []string{grp}, true},
		{wire.Hello{Reveal: target, Expand: []string{"grp:ns:1:net"}}, []string{grp, "grp:ns:1:net"}, true},
		{wire.Hello{Reveal: target, Group: "none"}, []string{"grp:ns:1:net"}, true},
		{wire.Hello{Reveal: "ns:1"}, []string{}, false},                // shown already
		{wire.Hello{Reveal: target, Q: "type:uts"}, []string{}, false}, // filtered out
		{wire.Hello{Reveal: layout.NodeID(99999)}, []string{}, false},  // not on the host
	}
	for _, c := range cases {
		cl := dial(t, srv, nil)
		cl.Hello(c.hello)
		cl.MustNext(wire.TypeSnapshot)
		if !slices.Equal(cl.Expand, c.expand) {
			t.Errorf("%+v: snapshot expand %v, want %v", c.hello, cl.Expand, c.expand)
		}
		want := current(t, h, Request{Group: c.hello.Group, Q: c.hello.Q, Expand: c.expand})
		if ok, why := cl.St.EqualNodes(want.Nodes); !ok {
			t.Errorf("%+v: not the picture of expand %v: %s", c.hello, c.expand, why)
		}
		if _, ok := cl.St.Nodes[target]; ok != c.shown {
			t.Errorf("%+v: %s shown %v, want %v", c.hello, target, ok, c.shown)
		}
	}
}

// TestRevealCost: a reveal costs a layout with folding off, so a
// connection gets one, and connections revealing in the same picture of
// the same snapshot share it; a new snapshot is laid out again.
func TestRevealCost(t *testing.T) {
	var unfolded atomic.Int32
	count := func(s *model.Snapshot, o layout.Options) *layout.Result {
		if o.FoldThreshold < 0 {
			unfolded.Add(1)
		}
		return layout.Compute(s, o)
	}
	h, srv := newTestHub(t, Config{Layout: count})
	const n = layout.DefaultFoldThreshold + 10
	h.Publish(rootfulHost(1, n))
	grp := layout.ContainersGroupID("ns:1")
	target := layout.NodeID(100 + n/2)
	steps := []struct {
		name     string
		fresh    bool // a new connection
		publish  bool // a new snapshot first
		hello    wire.Hello
		expand   []string
		unfolded int32 // layouts with folding off so far
	}{
		{"first reveal", true, false, wire.Hello{Reveal: target}, []string{grp}, 1},
		{"the same connection again: ignored", false, false, wire.Hello{Reveal: target}, []string{}, 1},
		{"an invalid reveal is still refused", false, false, wire.Hello{Reveal: strings.Repeat("x", layout.MaxGroupIDLen+1)}, nil, 1},
		{"another connection, same picture: shared", true, false, wire.Hello{Reveal: target}, []string{grp}, 1},
		{"another picture", true, false, wire.Hello{Reveal: target, Q: "type:net"}, []string{grp}, 2},
		{"a new snapshot", true, true, wire.Hello{Reveal: target}, []string{grp}, 3},
	}
	var cl *wsClient
	for i, st := range steps {
		if st.publish {
			h.Publish(rootfulHost(2+i, n))
		}
		if st.fresh {
			cl = dial(t, srv, nil)
		}
		cl.Hello(st.hello)
		if st.expand == nil {
			cl.MustNext(wire.TypeError)
			if cl.Refused.Field != "reveal" {
				t.Errorf("%s: refusal %+v, want field reveal", st.name, cl.Refused)
			}
		} else {
			cl.MustNext(wire.TypeSnapshot)
			if !slices.Equal(cl.Expand, st.expand) {
				t.Errorf("%s: expand %v, want %v", st.name, cl.Expand, st.expand)
			}
		}
		if got := unfolded.Load(); got != st.unfolded {
			t.Errorf("%s: %d unfolded layouts, want %d", st.name, got, st.unfolded)
		}
	}
}

// TestRevealBeforeFirstScan: a page opened by a link while nsweb starts
// sends its reveal before there is a scan to find the node in; it is
// answered once the first scan is in, with the hiding groups open.
func TestRevealBeforeFirstScan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, srv := newBubbleHub(t, Config{Layout: layout.Compute})
		const n = layout.DefaultFoldThreshold + 10
		c := dial(t, srv, nil)
		c.Hello(wire.Hello{Reveal: layout.NodeID(100 + n/2)})
		synctest.Wait() // the hello is in before the scan
		h.Publish(rootfulHost(1, n))
		c.MustNext(wire.TypeSnapshot)
		if want := []string{layout.ContainersGroupID("ns:1")}; !slices.Equal(c.Expand, want) {
			t.Errorf("expand %v, want %v", c.Expand, want)
		}
	})
}
