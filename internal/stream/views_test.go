package stream

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

func TestViewSwitchOnOneConnection(t *testing.T) {
	h, srv := newTestHub(t, Config{})
	h.Publish(mkSnap(1, 3, 4, 5))
	c := dial(t, srv, nil)
	c.Subscribe(wire.Hello{})
	c.Subscribe(wire.Hello{Q: "type:net"})
	want := current(t, h, Request{Q: "type:net"})
	assertState(t, c, want)
	if len(c.St.Nodes) != 2 || want.Q != "type:net" {
		t.Errorf("filtered view has %d nodes, q %q", len(c.St.Nodes), want.Q)
	}
	h.Publish(mkSnap(2, 3, 4, 5, 6, 7))
	c.MustNext(wire.TypePatch)
	assertState(t, c, current(t, h, Request{Q: "type:net"}))
	if h.Subscriptions() != 2 {
		t.Errorf("%d subscriptions, want 2", h.Subscriptions())
	}
}

// The default parser is internal/filter: equivalent spellings share one
// subscription, errors are reported, an empty query keeps everything.
func TestDefaultFilterParser(t *testing.T) {
	h, err := NewHub(Config{Layout: flatLayout})
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.resolve(Request{Q: "type:net"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.resolve(Request{Q: "  type:net "})
	if err != nil || a.key != b.key || a.match == nil {
		t.Errorf("keys %+v and %+v (%v) differ", a.key, b.key, err)
	}
	if _, err := h.resolve(Request{Q: "nosuchkey:1"}); err == nil {
		t.Error("unknown filter key accepted")
	}
	if r, err := h.resolve(Request{}); err != nil || r.match != nil || r.key.Q != "" {
		t.Errorf("empty query: %+v, %v", r, err)
	}
	h.Publish(mkSnap(1, 3, 4, 5))
	v, err := h.Current(context.Background(), Request{Q: "type:uts"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Result.Nodes) != 1 || v.Result.Nodes[0].NS != 4 {
		t.Errorf("type:uts shows %+v", v.Result.Nodes)
	}
	if _, err := NewHub(Config{}); err == nil {
		t.Error("hub without layout created")
	}
}

func TestMaxKeys(t *testing.T) {
	h := testHub(t, Config{MaxKeys: 1})
	h.Publish(mkSnap(1, 3))
	// The default view is always served and counts for no limit.
	a, _ := hubClient(t, h, "a")
	if err := a.subscribe(&wire.Hello{View: "pid", Group: "none"}); err != nil {
		t.Fatal(err)
	}
	b, _ := hubClient(t, h, "b")
	if err := b.subscribe(&wire.Hello{}); err != nil {
		t.Fatalf("default view: %v", err)
	}
	if err := b.subscribe(&wire.Hello{View: "pid"}); err == nil || !strings.Contains(err.Error(), "too many distinct views") {
		t.Fatalf("second key: %v", err)
	}
	a.unsubscribe() // now idle: evicted for the next key
	if err := b.subscribe(&wire.Hello{View: "pid"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Current(context.Background(), Request{View: "nope"}); !errors.As(err, new(*BadRequestError)) {
		t.Errorf("bad view: %v", err)
	}
}

// A subscription nobody uses is kept current for KeyIdle (30 s, for
// reconnects), then dropped, so abandoned filters stop costing a layout
// per scan. On synctest's clock: kept at exactly KeyIdle, dropped past it.
func TestIdleSubscriptionDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := testHub(t, Config{})
		h.Publish(mkSnap(1, 3))
		c, _ := hubClient(t, h, "")
		if err := c.subscribe(&wire.Hello{Q: "type:net"}); err != nil {
			t.Fatal(err)
		}
		h.Publish(mkSnap(2, 3, 5))
		c.unsubscribe()
		left := time.Now()
		h.Publish(mkSnap(3, 3, 5, 7)) // idle, but not for long: still kept
		if n := h.Subscriptions(); n != 1 {
			t.Fatalf("%d subscriptions right after the last client left, want 1", n)
		}
		time.Sleep(h.cfg.KeyIdle)
		h.Publish(mkSnap(4, 3, 5))
		if n := h.Subscriptions(); n != 1 {
			t.Fatalf("%d subscriptions %v after the last client left, want 1 (KeyIdle %v)", n, time.Since(left), h.cfg.KeyIdle)
		}
		time.Sleep(time.Nanosecond)
		h.Publish(mkSnap(5, 3))
		if n := h.Subscriptions(); n != 0 {
			t.Fatalf("%d subscriptions past KeyIdle, want 0", n)
		}
	})
}

// TestGroupSwitch: the group travels in the hello and the snapshot query,
// defaults to container, is part of the subscription key (each distinct
// view, group and filter is computed once and shared), and a bad value is
// refused with a message naming the choices.
func TestGroupSwitch(t *testing.T) {
	h, srv := newTestHub(t, Config{Layout: layout.Compute})
	s := mkSnap(1, 3, 4, 5)
	s.Containers = map[string]*model.Container{"c1": {ID: "c1", Runtime: "docker", Name: "web-1"}}
	s.Namespaces[3].Containers = []string{"c1"}
	s.Namespaces[4].Containers = []string{"c1"}
	h.Publish(s)
	ctr := layout.ContainerID("ns:1", "c1")
	hasCtr := func(c *wsClient) bool { _, ok := c.St.Nodes[ctr]; return ok }

	a, b := dial(t, srv, nil), dial(t, srv, nil)
	cases := []struct {
		group     string
		wantGroup layout.Grouping
		wantCtr   bool
	}{
		{"", layout.GroupContainer, true},
		{"none", layout.GroupNone, false},
		{"pod", layout.GroupPod, true},
		{"container", layout.GroupContainer, true},
	}
	for _, c := range cases {
		a.Subscribe(wire.Hello{Group: c.group})
		if a.Group != c.wantGroup || hasCtr(a) != c.wantCtr {
			t.Errorf("group %q: snapshot group %q, container node %v; want %q, %v", c.group, a.Group, hasCtr(a), c.wantGroup, c.wantCtr)
		}
		assertState(t, a, current(t, h, Request{Group: c.group}))
	}
	b.Subscribe(wire.Hello{Group: "container"})
	if n := h.Subscriptions(); n != 3 {
		t.Errorf("%d subscriptions for groups container (twice, once by default), none and pod; want 3", n)
	}
	a.Hello(wire.Hello{Group: "box"})
	a.MustNext(wire.TypeError)
	if got := a.Errors[len(a.Errors)-1]; !strings.Contains(got, `unknown group "box" (want "none", "container" or "pod")`) {
		t.Errorf("error %q", got)
	}
}
