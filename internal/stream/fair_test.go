package stream

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// TestViewFairness: 64 clients with a filter each locked everyone out
// (review item 3). Now the default view is always served, a client holds
// at most MaxKeysPerClient views, a full hub makes room by closing views
// of the client that holds the most, and the errors say which limit hit.
func TestViewFairness(t *testing.T) {
	h, err := NewHub(Config{Layout: flatLayout, ParseFilter: fakeFilter, MaxKeys: 3, MaxKeysPerClient: 2})
	if err != nil {
		t.Fatal(err)
	}
	h.Publish(mkSnap(1, 3, 4))
	type conn struct {
		c     *client
		cause func() error
	}
	connect := func(remote string) conn {
		c, cause := hubClient(t, h, remote)
		return conn{c, cause}
	}
	a1, a2, a3 := connect("10.0.0.1"), connect("10.0.0.1"), connect("10.0.0.1")
	if err := a1.c.subscribe(&wire.Hello{Q: "type:net"}); err != nil {
		t.Fatal(err)
	}
	if err := a2.c.subscribe(&wire.Hello{Q: "type:uts"}); err != nil {
		t.Fatal(err)
	}
	err = a3.c.subscribe(&wire.Hello{Q: "type:user"})
	if err == nil || !strings.Contains(err.Error(), "this client") || !strings.Contains(err.Error(), "at most 2") {
		t.Errorf("third view of one client: %v, want the per-client limit named", err)
	}
	// The default view is always served, full hub or not.
	if err := a3.c.subscribe(&wire.Hello{}); err != nil {
		t.Errorf("default view refused: %v", err)
	}
	if _, err := h.Current(context.Background(), Request{Client: "10.0.0.9"}); err != nil {
		t.Errorf("default view over HTTP refused: %v", err)
	}
	// Another client fills the hub, a third makes room: the view closed is
	// one of the client holding the most, and its connection is told why.
	b := connect("10.0.0.2")
	if err := b.c.subscribe(&wire.Hello{View: "pid"}); err != nil {
		t.Fatal(err)
	}
	c := connect("10.0.0.3")
	if err := c.c.subscribe(&wire.Hello{Q: "type:user"}); err != nil {
		t.Fatalf("a client with no view is refused while another holds two: %v", err)
	}
	var ce *closeError
	evicted := 0
	for _, x := range []conn{a1, a2} {
		if errors.As(x.cause(), &ce) {
			evicted++
			if ce.code != websocket.StatusTryAgainLater || !strings.Contains(ce.reason, "room") {
				t.Errorf("evicted with %v", ce)
			}
		}
	}
	if evicted != 1 || b.cause() != nil {
		t.Errorf("%d of client A's views evicted (want 1), B: %v", evicted, b.cause())
	}
	// Now everyone holds one view: nobody more is evicted for a newcomer,
	// whose error names the global limit.
	d := connect("10.0.0.4")
	err = d.c.subscribe(&wire.Hello{Q: "type:pid"})
	if err == nil || !strings.Contains(err.Error(), "all clients") {
		t.Errorf("newcomer on a fairly shared hub: %v, want the global limit named", err)
	}
}

// TestCheapViewsFirst: a scan lays out the cheap views first, so the
// default view's clients get their patch while a costly filter is still
// being laid out (review item 1: every other client waited behind it).
func TestCheapViewsFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := make(chan struct{})
		layout := func(s *model.Snapshot, o layout.Options) *layout.Result {
			if o.Keep != nil {
				<-slow
			}
			return flatLayout(s, o)
		}
		h, err := NewHub(Config{Layout: layout, ParseFilter: fakeFilter})
		if err != nil {
			t.Fatal(err)
		}
		costly, _ := hubClient(t, h, "a")
		plain, _ := hubClient(t, h, "b")
		h.Publish(mkSnap(1, 3))
		go func() { time.Sleep(20 * time.Millisecond); slow <- struct{}{} }() // the filter's first layout is costly
		if err := costly.subscribe(&wire.Hello{Q: "type:net"}); err != nil {
			t.Fatal(err)
		}
		if err := plain.subscribe(&wire.Hello{}); err != nil {
			t.Fatal(err)
		}
		plain.take()
		<-plain.notify
		done := make(chan struct{})
		go func() { h.Publish(mkSnap(2, 3, 5)); close(done) }()
		select {
		case <-plain.notify: // the default view's patch, while the filter waits
		case <-time.After(10 * time.Second):
			go func() { slow <- struct{}{} }()
			t.Fatal("no patch for the default view while a costly filter is laid out")
		}
		select {
		case <-done:
			t.Fatal("the scan finished before the costly view was laid out")
		default:
		}
		if q := plain.take(); len(q) != 1 || !strings.Contains(string(q[0]), `"type":"patch"`) {
			t.Errorf("default view's queue %q", q)
		}
		slow <- struct{}{}
		<-done
	})
}
