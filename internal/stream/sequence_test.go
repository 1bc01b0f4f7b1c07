package stream

import (
	"slices"
	"testing"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/wire"
)

func TestSequenceAndPatches(t *testing.T) {
	h, srv := newTestHub(t, Config{})
	h.Publish(mkSnap(1, 3, 4))
	c := dial(t, srv, nil)
	c.Subscribe(wire.Hello{})
	base := c.St.Seq
	if len(c.St.Nodes) != 3 {
		t.Fatalf("snapshot has %d nodes, want 3", len(c.St.Nodes))
	}
	h.Publish(mkSnap(1, 3, 4)) // nothing changed but the time: no patch
	h.Publish(mkSnap(2, 3, 4, 5))
	c.MustNext(wire.TypePatch)
	if c.St.Seq != base+1 {
		t.Fatalf("first patch seq %d, want %d (an unchanged scan must not use a number)", c.St.Seq, base+1)
	}
	h.Publish(mkSnap(3, 4, 5)) // ns 3 gone: remove + moves
	c.MustNext(wire.TypePatch)
	if c.St.Seq != base+2 {
		t.Fatalf("seq %d, want %d", c.St.Seq, base+2)
	}
	assertState(t, c, current(t, h, Request{}))
	if _, ok := c.St.Nodes["ns:3"]; ok {
		t.Error("removed namespace still in client state")
	}
}

func TestReconnectSince(t *testing.T) {
	h, srv := newTestHub(t, Config{Ring: 3})
	h.Publish(mkSnap(1, 3))
	c := dial(t, srv, nil)
	c.Subscribe(wire.Hello{View: "owner"})
	h.Publish(mkSnap(2, 3, 5))
	c.MustNext(wire.TypePatch)
	last := c.St
	_ = c.Conn.Close(websocket.StatusNormalClosure, "")

	h.Publish(mkSnap(3, 3, 5, 7))
	h.Publish(mkSnap(4, 3, 5, 7, 9))

	// Reconnect with since: the two missed patches, no snapshot.
	c2 := dial(t, srv, nil)
	c2.St = last
	c2.Hello(wire.Hello{Since: last.Seq, View: "owner"})
	c2.MustNext(wire.TypePatch)
	c2.MustNext(wire.TypePatch)
	assertState(t, c2, current(t, h, Request{}))
	if c2.Snaps != 0 {
		t.Errorf("got %d snapshots, want only patches", c2.Snaps)
	}

	// Up to date: nothing is sent until the next change.
	c3 := dial(t, srv, nil)
	c3.St = c2.St
	c3.Hello(wire.Hello{Since: c2.St.Seq})
	h.Publish(mkSnap(5, 3, 5, 7, 9, 11))
	c3.MustNext(wire.TypePatch)
	assertState(t, c3, current(t, h, Request{}))

	// Too old for the ring of 3 (it holds last+3 … last+5): a fresh snapshot.
	h.Publish(mkSnap(6, 3, 5, 7, 9, 11, 13))
	c4 := dial(t, srv, nil)
	c4.Subscribe(wire.Hello{Since: last.Seq})
	assertState(t, c4, current(t, h, Request{}))

	// A since from another subscription (the pid view) or from the future:
	// a fresh snapshot.
	for _, since := range []uint64{c3.St.Seq, c3.St.Seq + 100} {
		c5 := dial(t, srv, nil)
		c5.Subscribe(wire.Hello{Since: since, View: "pid"})
	}
}

// The ring is bounded in bytes too: patches past RingBytes are dropped and
// a reconnect from before them gets a snapshot.
func TestRingBytes(t *testing.T) {
	h, srv := newTestHub(t, Config{RingBytes: 1})
	h.Publish(mkSnap(1, 3))
	c := dial(t, srv, nil)
	c.Subscribe(wire.Hello{})
	h.Publish(mkSnap(2, 3, 5))
	c.MustNext(wire.TypePatch)
	h.Publish(mkSnap(3, 3, 5, 7))
	c2 := dial(t, srv, nil)
	c2.Subscribe(wire.Hello{Since: c.St.Seq})
	assertState(t, c2, current(t, h, Request{}))
}

// TestPatchSaysWhatEnded: a patch's ended lists the removed nodes whose
// namespace is gone from the host, not those that only left the view: with
// a filter, the owner of the namespaces that died leaves the view but lives.
func TestPatchSaysWhatEnded(t *testing.T) {
	h, srv := newTestHub(t, Config{Layout: layout.Compute})
	h.Publish(mkSnap(1, 3, 4, 5))
	all, nets := dial(t, srv, nil), dial(t, srv, nil)
	all.Hello(wire.Hello{})
	nets.Hello(wire.Hello{Q: "type:net"})
	all.MustNext(wire.TypeSnapshot)
	nets.MustNext(wire.TypeSnapshot)
	if _, ok := nets.St.Nodes["ns:1"]; !ok {
		t.Fatal("the filtered view lacks the owner of its matches")
	}
	h.Publish(mkSnap(2, 4)) // the net namespaces 3 and 5 end
	all.MustNext(wire.TypePatch)
	nets.MustNext(wire.TypePatch)
	sorted := func(ids []string) []string { return slices.Sorted(slices.Values(ids)) }
	if got := sorted(all.Ended); !slices.Equal(got, []string{"ns:3", "ns:5"}) || !slices.Equal(sorted(all.Removed), got) {
		t.Errorf("unfiltered: removed %v, ended %v; want both ns:3 and ns:5", all.Removed, all.Ended)
	}
	if got := sorted(nets.Removed); !slices.Equal(got, []string{"ns:1", "ns:3", "ns:5"}) {
		t.Errorf("filtered: removed %v, want ns:1, ns:3 and ns:5", got)
	}
	if got := sorted(nets.Ended); !slices.Equal(got, []string{"ns:3", "ns:5"}) {
		t.Errorf("filtered: ended %v, want ns:3 and ns:5 (ns:1 lives, it only left the view)", got)
	}
}
