package stream

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// A hub-level check with no network in between: a client whose writer is
// stuck gets its backlog replaced by one snapshot, and what it then holds
// brings it to the right state.
func TestSlowClientQueueReplacedBySnapshot(t *testing.T) {
	h := testHub(t, Config{QueueLen: 3})
	h.Publish(mkSnap(1, 3))
	slow, _ := hubClient(t, h, "")
	if err := slow.subscribe(&wire.Hello{}); err != nil {
		t.Fatal(err)
	}
	ids := []model.NSID{3}
	for i := range 20 {
		ids = append(ids, model.NSID(5+2*i))
		h.Publish(mkSnap(i+2, ids...))
		if n := len(slow.queue); n > 3 {
			t.Fatalf("queue grew to %d past its bound 3", n)
		}
	}
	if h.Stats().Resyncs == 0 {
		t.Fatal("no resync counted")
	}
	var st wire.State
	for _, msg := range slow.take() {
		var head struct{ Type string }
		_ = json.Unmarshal(msg, &head)
		switch head.Type {
		case wire.TypeSnapshot:
			var s wire.Snapshot
			_ = json.Unmarshal(msg, &s)
			st.Reset(&s)
		case wire.TypePatch:
			var p wire.Patch
			_ = json.Unmarshal(msg, &p)
			if err := st.Apply(&p); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := current(t, h, Request{})
	if ok, why := st.EqualNodes(want.Nodes); !ok || st.Seq != want.Seq {
		t.Fatalf("slow client at seq %d (want %d): %s", st.Seq, want.Seq, why)
	}
	slow.unsubscribe()
}

// smallBuffers makes a server whose sockets have tiny kernel buffers, so a
// client that stops reading fills them after a few messages.
func smallBufferListener(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return bufListener{ln}
}

type bufListener struct{ net.Listener }

func (l bufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// TestSlowClientDoesNotDelayOthers: one client stops reading while the host
// churns. The others receive every patch in order meanwhile; the stalled
// one, once it reads again, ends in the right state (through a fresh
// snapshot instead of its backlog).
func TestSlowClientDoesNotDelayOthers(t *testing.T) {
	// Labels name the leading process, as the real layout's do, so that a
	// scan that renames every process updates every node.
	named := func(s *model.Snapshot, o layout.Options) *layout.Result {
		r := flatLayout(s, o)
		for i, n := range r.Nodes {
			if ns := s.Namespaces[n.NS]; ns != nil && s.Processes[ns.Leader] != nil {
				r.Nodes[i].Label += " · " + s.Processes[ns.Leader].Comm
			}
		}
		return r
	}
	h, err := NewHub(Config{Layout: named, QueueLen: 4, WriteTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(serveStream(h))
	ts.Listener = smallBufferListener(t)
	ts.Start()
	t.Cleanup(func() { _ = h.Shutdown(context.Background()); ts.Close() })
	srv := &testServer{URL: ts.URL}

	var slowConn *net.TCPConn
	smallRead := &websocket.DialOptions{HTTPClient: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(4096)
				slowConn = tc
			}
			return c, err
		}}}}
	h.Publish(mkSnap(1, 3))
	slow := dial(t, srv, smallRead)
	slow.Subscribe(wire.Hello{})
	fast := make([]*wsClient, 5)
	for i := range fast {
		fast[i] = dial(t, srv, nil)
		fast[i].Subscribe(wire.Hello{})
	}
	// Churn: each scan changes every process name, so each patch updates
	// every node, and the slow client's buffers fill within a few patches.
	ids := []model.NSID{}
	for i := range 200 {
		ids = append(ids, model.NSID(3+i))
	}
	for gen := 2; gen < 40; gen++ {
		h.Publish(mkSnap(gen, ids[:20+gen]...))
		for _, c := range fast {
			c.MustNext(wire.TypePatch) // each fast client keeps up, patch by patch
		}
	}
	want := current(t, h, Request{})
	for _, c := range fast {
		assertState(t, c, want)
		if c.Snaps != 1 {
			t.Errorf("fast client got %d snapshots, want only the first", c.Snaps)
		}
	}
	if h.Stats().Resyncs == 0 {
		t.Fatal("the stalled client never overflowed its queue: the test did not stall it")
	}
	// Reading again; a normal buffer keeps tiny TCP windows from making
	// this test slow.
	_ = slowConn.SetReadBuffer(1 << 20)
	t0 := time.Now()
	slow.WaitSeq(want.Seq)
	t.Logf("stalled client caught up in %v after %d bytes, %d snapshots", time.Since(t0), slow.Bytes, slow.Snaps)
	assertState(t, slow, want)
	if slow.Snaps < 2 {
		t.Errorf("stalled client got %d snapshots, want a fresh one after its stall", slow.Snaps)
	}
}

// TestHundredClientsConverge: a hundred clients of two views, reading
// while the host churns, all end in their view's state. In a synctest
// bubble, "all caught up" is when every goroutine waits (synctest.Wait),
// not a poll against a deadline.
func TestHundredClientsConverge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, srv := newBubbleHub(t, Config{MaxClients: 200})
		h.Publish(mkSnap(1, 3))
		clients := make([]*wsClient, 100)
		for i := range clients {
			clients[i] = dial(t, srv, nil)
			q := ""
			if i%2 == 1 {
				q = "type:net"
			}
			clients[i].Hello(wire.Hello{Q: q})
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(clients))
		stop := make(chan struct{})
		for _, c := range clients {
			wg.Go(func() {
				for {
					if _, err := c.Next(time.Hour); err != nil {
						select {
						case <-stop:
						default:
							errs <- err
						}
						return
					}
				}
			})
		}
		r := rand.New(rand.NewPCG(7, 7))
		for gen := 2; gen < 40; gen++ {
			var ids []model.NSID
			for id := model.NSID(2); id < 80; id++ {
				if r.IntN(2) == 0 {
					ids = append(ids, id)
				}
			}
			h.Publish(mkSnap(gen, ids...))
		}
		// Every client has read all it was sent and waits for more.
		synctest.Wait()
		close(stop)
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
		wants := map[string]*wire.Snapshot{"": current(t, h, Request{}), "type:net": current(t, h, Request{Q: "type:net"})}
		for i, c := range clients {
			assertState(t, c, wants[map[bool]string{false: "", true: "type:net"}[i%2 == 1]])
		}
		for _, c := range clients {
			_ = c.Conn.Close(websocket.StatusNormalClosure, "")
		}
		wg.Wait()
	})
}
