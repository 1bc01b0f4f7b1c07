package stream

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

func TestSequenceAndPatches(t *testing.T) {
	h, srv := newTestHub(t, Config{})
	h.Publish(mkSnap(1, 3, 4))
	c := dial(t, srv, nil)
	c.Hello(wire.Hello{})
	c.MustNext(wire.TypeSnapshot)
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

// A client that subscribes before the first scan gets its snapshot as soon
// as the first scan is published.
func TestHelloBeforeFirstScan(t *testing.T) {
	h, srv := newTestHub(t, Config{})
	c := dial(t, srv, nil)
	c.Hello(wire.Hello{})
	time.Sleep(20 * time.Millisecond)
	h.Publish(mkSnap(1, 3))
	c.MustNext(wire.TypeSnapshot)
	assertState(t, c, current(t, h, Request{}))
}

func TestReconnectSince(t *testing.T) {
	h, srv := newTestHub(t, Config{Ring: 3})
	h.Publish(mkSnap(1, 3))
	c := dial(t, srv, nil)
	c.Hello(wire.Hello{View: "owner"})
	c.MustNext(wire.TypeSnapshot)
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
	c4.Hello(wire.Hello{Since: last.Seq})
	c4.MustNext(wire.TypeSnapshot)
	assertState(t, c4, current(t, h, Request{}))

	// A since from another subscription (the pid view) or from the future:
	// a fresh snapshot.
	for _, since := range []uint64{c3.St.Seq, c3.St.Seq + 100} {
		c5 := dial(t, srv, nil)
		c5.Hello(wire.Hello{Since: since, View: "pid"})
		c5.MustNext(wire.TypeSnapshot)
	}
}

// The ring is bounded in bytes too: patches past RingBytes are dropped and
// a reconnect from before them gets a snapshot.
func TestRingBytes(t *testing.T) {
	h, srv := newTestHub(t, Config{RingBytes: 1})
	h.Publish(mkSnap(1, 3))
	c := dial(t, srv, nil)
	c.Hello(wire.Hello{})
	c.MustNext(wire.TypeSnapshot)
	h.Publish(mkSnap(2, 3, 5))
	c.MustNext(wire.TypePatch)
	h.Publish(mkSnap(3, 3, 5, 7))
	c2 := dial(t, srv, nil)
	c2.Hello(wire.Hello{Since: c.St.Seq})
	c2.MustNext(wire.TypeSnapshot)
	assertState(t, c2, current(t, h, Request{}))
}

func TestViewSwitchOnOneConnection(t *testing.T) {
	h, srv := newTestHub(t, Config{})
	h.Publish(mkSnap(1, 3, 4, 5))
	c := dial(t, srv, nil)
	c.Hello(wire.Hello{})
	c.MustNext(wire.TypeSnapshot)
	c.Hello(wire.Hello{Q: "type:net"})
	c.MustNext(wire.TypeSnapshot)
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

// TestBadHello: every malformed or refused hello is answered with an error
// and the connection stays usable; a refusal about one field of the hello
// names the field and the value sent, so a client can take that field back
// (a page opened from a link with a bad filter asks again without it).
func TestBadHello(t *testing.T) {
	h, srv := newTestHub(t, Config{})
	h.Publish(mkSnap(1, 3))
	c := dial(t, srv, nil)
	long := strings.Repeat("g", layout.MaxGroupIDLen+1)
	bad := []struct {
		msg          string
		want         string
		field, value string
	}{
		{`{"type":"hello"`, "invalid message", "", ""},
		{`{"type":"subscribe"}`, `unknown message type "subscribe"`, "", ""},
		{`{"type":"hello","view":"tree"}`, `unknown view "tree"`, "view", "tree"},
		{`{"type":"hello","group":"box"}`, `unknown group "box"`, "group", "box"},
		{`{"type":"hello","q":" foo "}`, `filter: unknown key`, "q", " foo "},
		{`{"type":"hello","since":-1}`, "invalid message: since: must be a non-negative integer", "", ""},
		{`{"type":"hello","expand":["grp:ns:1:net",""]}`, "expand: invalid group", "expand", ""},
		{`{"type":"hello","expand":["` + long + `"]}`, "expand: invalid group", "expand", long},
		{`{"type":"hello","reveal":"` + long + `"}`, "reveal: invalid node ID", "reveal", long},
	}
	ctx := context.Background()
	for _, b := range bad {
		if err := c.Conn.Write(ctx, websocket.MessageText, []byte(b.msg)); err != nil {
			t.Fatal(err)
		}
		c.MustNext(wire.TypeError)
		if got := c.Refused; !strings.Contains(got.Error, b.want) || got.Field != b.field || got.Value != b.value {
			t.Errorf("%.60s: error %q field %q value %.20q; want it to contain %q, field %q value %.20q",
				b.msg, got.Error, got.Field, got.Value, b.want, b.field, b.value)
		}
	}
	if err := c.Conn.Write(ctx, websocket.MessageBinary, []byte("x")); err != nil {
		t.Fatal(err)
	}
	c.MustNext(wire.TypeError)
	// The connection stays usable.
	c.Hello(wire.Hello{})
	c.MustNext(wire.TypeSnapshot)
}

// TestDecodeHelloErrors: a malformed hello is answered in the protocol's
// terms (fields and JSON kinds), never with Go type names.
func TestDecodeHelloErrors(t *testing.T) {
	tests := []struct {
		msg  string
		want string
	}{
		{`{"type":"hello","since":-1}`, "invalid message: since: must be a non-negative integer"},
		{`{"type":"hello","since":1.5}`, "since: must be a non-negative integer"},
		{`{"type":"hello","since":"3"}`, "since: must be a non-negative integer"},
		{`{"type":"hello","since":18446744073709551616}`, "since: must be a non-negative integer"},
		{`{"type":"hello","expand":"grp:ns:1:net"}`, "expand: must be a list of group IDs"},
		{`{"type":"hello","expand":[1]}`, "expand: must be a list of group IDs"},
		{`{"type":"hello","view":3}`, "view: must be a string, not a number"},
		{`{"type":"hello","q":["a"]}`, "q: must be a string, not an array"},
		{`{"type":true}`, "type: must be a string, not a bool"},
		{`[]`, `invalid message: an array, want a JSON object such as {"type":"hello"}`},
		{`{"type":"hello"`, "invalid message: not JSON: unexpected end of JSON input (at byte 15)"},
		{`{"a":1} x`, "invalid message: not JSON: invalid character 'x' after top-level value (at byte 9)"},
	}
	for _, tc := range tests {
		t.Run(tc.msg, func(t *testing.T) {
			h, err := decodeHello([]byte(tc.msg))
			if err == nil {
				t.Fatalf("accepted: %+v", h)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
			for _, internal := range []string{"Go struct", "Go value", "uint64", "[]string", "wire.", "Hello."} {
				if strings.Contains(err.Error(), internal) {
					t.Errorf("error %q shows Go internals (%q)", err, internal)
				}
			}
		})
	}
	if h, err := decodeHello([]byte(`{"type":"hello","since":7,"expand":["a"]}`)); err != nil || h.Since != 7 || len(h.Expand) != 1 {
		t.Errorf("valid hello: %+v, %v", h, err)
	}
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

// TestCorrectedHelloAfterRefusal: a connection whose first hello is
// refused (a link with a bad filter) is not closed for want of a valid
// hello when the client follows up with a corrected one; it gets the
// snapshot and then patches like any other.
func TestCorrectedHelloAfterRefusal(t *testing.T) {
	h, srv := newTestHub(t, Config{HelloTimeout: 300 * time.Millisecond})
	h.Publish(mkSnap(1, 3))
	c := dial(t, srv, nil)
	c.Hello(wire.Hello{Q: "foo:bar"})
	c.MustNext(wire.TypeError)
	if c.Refused.Field != "q" || c.Refused.Value != "foo:bar" {
		t.Fatalf("refusal %+v, want field q, value foo:bar", c.Refused)
	}
	c.Hello(wire.Hello{})
	c.MustNext(wire.TypeSnapshot)
	time.Sleep(500 * time.Millisecond) // past the hello timeout
	h.Publish(mkSnap(2, 3, 5))
	c.MustNext(wire.TypePatch)
	assertState(t, c, current(t, h, Request{}))
}

func TestOversizedMessageClosesOnlyThatClient(t *testing.T) {
	h, srv := newTestHub(t, Config{ReadLimit: 4096})
	h.Publish(mkSnap(1, 3))
	good, bad := dial(t, srv, nil), dial(t, srv, nil)
	good.Hello(wire.Hello{})
	good.MustNext(wire.TypeSnapshot)
	bad.Hello(wire.Hello{})
	bad.MustNext(wire.TypeSnapshot)
	if err := bad.Conn.Write(context.Background(), websocket.MessageText, []byte(strings.Repeat("x", 5000))); err != nil {
		t.Fatal(err)
	}
	_, err := bad.Next(10 * time.Second)
	if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("oversized message: %v, want close status 1009", err)
	}
	h.Publish(mkSnap(2, 3, 5))
	good.MustNext(wire.TypePatch)
	assertState(t, good, current(t, h, Request{}))
}

func TestHelloTimeout(t *testing.T) {
	_, srv := newTestHub(t, Config{HelloTimeout: 50 * time.Millisecond})
	c := dial(t, srv, nil)
	_, err := c.Next(10 * time.Second)
	if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("silent client: %v, want close status 1008", err)
	}
}

// A hub-level check with no network in between: a client whose writer is
// stuck gets its backlog replaced by one snapshot, and what it then holds
// brings it to the right state.
func TestSlowClientQueueReplacedBySnapshot(t *testing.T) {
	h, err := NewHub(Config{Layout: flatLayout, QueueLen: 3})
	if err != nil {
		t.Fatal(err)
	}
	h.Publish(mkSnap(1, 3))
	_, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	slow := &client{h: h, cancel: cancel, notify: make(chan struct{}, 1), log: h.log}
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
	slow.Hello(wire.Hello{})
	slow.MustNext(wire.TypeSnapshot)
	fast := make([]*wsClient, 5)
	for i := range fast {
		fast[i] = dial(t, srv, nil)
		fast[i].Hello(wire.Hello{})
		fast[i].MustNext(wire.TypeSnapshot)
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

func TestHundredClientsConverge(t *testing.T) {
	h, srv := newTestHub(t, Config{MaxClients: 200})
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
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.Next(30 * time.Second); err != nil {
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
	wants := map[string]*wire.Snapshot{"": current(t, h, Request{}), "type:net": current(t, h, Request{Q: "type:net"})}
	deadline := time.Now().Add(60 * time.Second)
	// Wait until every client reached its subscription's final seq.
	for time.Now().Before(deadline) {
		behind := 0
		for i, c := range clients {
			want := wants[map[bool]string{false: "", true: "type:net"}[i%2 == 1]]
			if c.Seq.Load() != want.Seq {
				behind++
			}
		}
		if behind == 0 {
			break
		}
		select {
		case err := <-errs:
			t.Fatal(err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	close(stop)
	for _, c := range clients {
		_ = c.Conn.Close(websocket.StatusNormalClosure, "")
	}
	wg.Wait()
	for i, c := range clients {
		want := wants[map[bool]string{false: "", true: "type:net"}[i%2 == 1]]
		assertState(t, c, want)
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
	h, err := NewHub(Config{Layout: flatLayout, ParseFilter: fakeFilter, MaxKeys: 1})
	if err != nil {
		t.Fatal(err)
	}
	h.Publish(mkSnap(1, 3))
	_, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	// The default view is always served and counts for no limit.
	a := &client{h: h, cancel: cancel, notify: make(chan struct{}, 1), log: h.log, remote: "a"}
	if err := a.subscribe(&wire.Hello{View: "pid", Group: "none"}); err != nil {
		t.Fatal(err)
	}
	b := &client{h: h, cancel: cancel, notify: make(chan struct{}, 1), log: h.log, remote: "b"}
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

// A subscription nobody uses is kept current for KeyIdle (for reconnects),
// then dropped, so abandoned filters stop costing a layout per scan.
func TestIdleSubscriptionDropped(t *testing.T) {
	h, err := NewHub(Config{Layout: flatLayout, ParseFilter: fakeFilter, KeyIdle: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h.Publish(mkSnap(1, 3))
	_, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	c := &client{h: h, cancel: cancel, notify: make(chan struct{}, 1), log: h.log}
	if err := c.subscribe(&wire.Hello{Q: "type:net"}); err != nil {
		t.Fatal(err)
	}
	h.Publish(mkSnap(2, 3, 5))
	c.unsubscribe()
	h.Publish(mkSnap(3, 3, 5, 7)) // idle, but not for long: still kept
	if n := h.Subscriptions(); n != 1 {
		t.Fatalf("%d subscriptions right after the last client left, want 1", n)
	}
	time.Sleep(60 * time.Millisecond)
	h.Publish(mkSnap(4, 3))
	if n := h.Subscriptions(); n != 0 {
		t.Fatalf("%d subscriptions after KeyIdle, want 0", n)
	}
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
		a.Hello(wire.Hello{Group: c.group})
		a.MustNext(wire.TypeSnapshot)
		if a.Group != c.wantGroup || hasCtr(a) != c.wantCtr {
			t.Errorf("group %q: snapshot group %q, container node %v; want %q, %v", c.group, a.Group, hasCtr(a), c.wantGroup, c.wantCtr)
		}
		assertState(t, a, current(t, h, Request{Group: c.group}))
	}
	b.Hello(wire.Hello{Group: "container"})
	b.MustNext(wire.TypeSnapshot)
	if n := h.Subscriptions(); n != 3 {
		t.Errorf("%d subscriptions for groups container (twice, once by default), none and pod; want 3", n)
	}
	a.Hello(wire.Hello{Group: "box"})
	a.MustNext(wire.TypeError)
	if got := a.Errors[len(a.Errors)-1]; !strings.Contains(got, `unknown group "box" (want "none", "container" or "pod")`) {
		t.Errorf("error %q", got)
	}
}
