package netinfo

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// hostNsid is the netnsid nsweb's (the test's) network namespace gives the
// named one.
func hostNsid(t *testing.T, name string) int32 {
	t.Helper()
	h, err := netns.GetFromName(name)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	id, err := netlink.GetNetNsIdByFd(int(h))
	if err != nil || id < 0 {
		t.Fatalf("netnsid of %s: %d, %v", name, id, err)
	}
	return int32(id)
}

// waitFor polls cond for up to 20 s: the kernel delivers notices at once,
// the bound is for a loaded machine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s", what)
		}
	}
}

func hasEdge(w *Wiring, a, b string) bool {
	return slices.ContainsFunc(w.Edges, func(e Edge) bool {
		return e.A.Iface == a && e.B.Iface == b || e.A.Iface == b && e.B.Iface == a
	})
}

// TestListenMarksChanges: with the cache's timer at an hour, a veth pair
// and an address added in namespaces that have a netnsid in the test's
// namespace show in the next read once Listen heard of them; a reader
// that does not listen still serves the old state (so only the notices
// can have refreshed it). Ending the context ends Listen.
func TestListenMarksChanges(t *testing.T) {
	tp := plant(t, "insidee2e")
	a, b := tp.names["a"], tp.names["b"]
	ip(t, "netns", "set", a, "auto")
	ip(t, "netns", "set", b, "auto")
	na, nb := hostNsid(t, a), hostNsid(t, b)

	deaf := NewReader()
	deaf.MaxAge = time.Hour
	r := NewReader()
	r.MaxAge = time.Hour
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Listen(ctx) }()
	waitFor(t, "Listen starts", r.listening.Load)

	for _, rd := range []*Reader{r, deaf} {
		w, err := rd.Wiring(ctx, tp.snap)
		if err != nil {
			t.Fatal(err)
		}
		if !hasEdge(w, "va", "vb") || hasEdge(w, "ev0", "ev1") {
			t.Fatalf("before: edges %+v", w.Edges)
		}
		if e := rd.entries[tp.ids["a"]]; rd == r && e.nsid != na {
			t.Fatalf("namespace a read with netnsid %d, want %d", e.nsid, na)
		}
	}
	ip(t, "-n", a, "link", "add", "ev0", "type", "veth", "peer", "name", "ev1", "netns", b)
	ip(t, "-n", a, "addr", "add", "10.77.9.1/24", "dev", "va")
	waitFor(t, "notices from a and b", func() bool { return r.marks.pending(na) && r.marks.pending(nb) })

	w, err := r.Wiring(ctx, tp.snap)
	if err != nil {
		t.Fatal(err)
	}
	if !hasEdge(w, "ev0", "ev1") {
		t.Errorf("after the notices: no ev0 ↔ ev1 edge in %+v", w.Edges)
	}
	n, err := r.Namespace(ctx, tp.snap, tp.ids["a"])
	if err != nil {
		t.Fatal(err)
	}
	if va := n.Iface(ifindex(n, "va")); va == nil || !slices.ContainsFunc(va.Addrs, func(x Addr) bool { return x.IP == "10.77.9.1" }) {
		t.Errorf("va after the notices: %+v", va)
	}
	if w, err := deaf.Wiring(ctx, tp.snap); err != nil || hasEdge(w, "ev0", "ev1") {
		t.Errorf("a reader that does not listen refreshed before its hour: %v %+v", err, w)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Listen: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Listen did not return after its context ended")
	}
	if r.listening.Load() {
		t.Error("still listening")
	}
}

// ifindex is the index of the interface named name in n, 0 if none.
func ifindex(n *NetNS, name string) int {
	for _, f := range n.Ifaces {
		if f.Name == name {
			return f.Index
		}
	}
	return 0
}

// BenchmarkNoticeToFresh: an address added in a namespace with a netnsid
// in the test's, until the cache has it: the notice reaches Listen, the
// next Wiring reads that namespace again (the others stay cached).
func BenchmarkNoticeToFresh(b *testing.B) {
	tp := plant(b, "insidee2e-bench")
	a := tp.names["a"]
	ip(b, "netns", "set", a, "auto")
	h, err := netns.GetFromName(a)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	nh, err := netlink.NewHandleAt(h)
	if err != nil {
		b.Fatal(err)
	}
	defer nh.Close()
	va, err := nh.LinkByName("va")
	if err != nil {
		b.Fatal(err)
	}
	r := NewReader()
	r.MaxAge = time.Hour
	go func() { _ = r.Listen(b.Context()) }()
	for !r.listening.Load() {
		time.Sleep(time.Millisecond)
	}
	if _, err := r.Wiring(b.Context(), tp.snap); err != nil {
		b.Fatal(err)
	}
	addr, _ := netlink.ParseAddr("10.77.8.1/24")
	add := true
	for b.Loop() {
		op := nh.AddrAdd
		if !add {
			op = nh.AddrDel
		}
		if err := op(va, addr); err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Wiring(b.Context(), tp.snap); err != nil {
				b.Fatal(err)
			}
			if has := slices.ContainsFunc(r.entries[tp.ids["a"]].n.Ifaces[ifaceAt(r.entries[tp.ids["a"]].n, "va")].Addrs, func(x Addr) bool { return x.IP == "10.77.8.1" }); has == add {
				break
			}
		}
		add = !add
	}
}

// ifaceAt is the position of the interface named name in n.Ifaces.
func ifaceAt(n *NetNS, name string) int {
	for i, f := range n.Ifaces {
		if f.Name == name {
			return i
		}
	}
	return 0
}
