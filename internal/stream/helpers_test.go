package stream

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/stream/streamtest"
	"github.com/nsweb/nsweb/internal/wire"
)

// The shared fixtures, under the names these tests have always used.
var (
	flatLayout  = streamtest.FlatLayout
	fakeFilter  = streamtest.FakeFilter
	mkSnap      = streamtest.Snap
	assertState = streamtest.AssertState
	rootfulHost = streamtest.RootfulHost
)

type wsClient = streamtest.Client

// serveStream is the websocket endpoint as internal/server mounts it,
// without the refusals it answers in JSON: the hub's tests speak the
// protocol, the server's test what HTTP says around it.
func serveStream(h *Hub) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		leave, err := h.Admit()
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		defer leave()
		conn, err := websocket.Accept(w, r, h.AcceptOptions())
		if err != nil {
			return
		}
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		h.Serve(conn, r.RemoteAddr, host)
	}
}

// testServer is where a test hub's stream is served.
type testServer struct {
	URL    string
	client *http.Client      // to reach URL; nil: the default client
	pipes  *streamtest.Pipes // in memory (newBubbleHub); nil: TCP
}

// testHub makes a hub of cfg, with the flat layout and the fake filter
// unless cfg names others.
func testHub(t testing.TB, cfg Config) *Hub {
	t.Helper()
	if cfg.Layout == nil {
		cfg.Layout = flatLayout
	}
	if cfg.ParseFilter == nil {
		cfg.ParseFilter = fakeFilter
	}
	h, err := NewHub(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// hubClient is a client of h without a connection: what it is sent
// stays in its queue (take). cause tells why it was told to close, nil
// while it was not.
func hubClient(t testing.TB, h *Hub, remote string) (c *client, cause func() error) {
	ctx, cancel := context.WithCancelCause(context.Background())
	t.Cleanup(func() { cancel(nil) })
	c = &client{h: h, cancel: cancel, notify: make(chan struct{}, 1), log: h.log, remote: remote}
	return c, func() error { return context.Cause(ctx) }
}

// shutdown shuts h down, within 10 s.
func shutdown(t testing.TB, h *Hub) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// newTestHub serves a test hub's stream on a loopback TCP port.
func newTestHub(t testing.TB, cfg Config) (*Hub, *testServer) {
	t.Helper()
	h := testHub(t, cfg)
	srv := httptest.NewServer(serveStream(h))
	t.Cleanup(func() {
		shutdown(t, h)
		srv.Close()
	})
	return h, &testServer{URL: srv.URL}
}

// newBubbleHub serves a test hub's stream on an in-memory network
// (streamtest.Pipes): inside a synctest bubble, the hub's pings and
// timeouts, the server and its clients all run on the bubble's clock.
func newBubbleHub(t testing.TB, cfg Config) (*Hub, *testServer) {
	t.Helper()
	h := testHub(t, cfg)
	url, client, pipes := streamtest.Serve(t, serveStream(h))
	t.Cleanup(func() { shutdown(t, h) }) // before the server's: cleanups run last first
	return h, &testServer{URL: url, client: client, pipes: pipes}
}

// dial opens srv's stream; opts nil means srv's defaults.
func dial(t testing.TB, srv *testServer, opts *websocket.DialOptions) *wsClient {
	t.Helper()
	if opts == nil && srv.client != nil {
		opts = &websocket.DialOptions{HTTPClient: srv.client}
	}
	return streamtest.Dial(t, "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v1/stream", opts)
}

// current returns the hub's state for the default subscription.
func current(t testing.TB, h *Hub, r Request) *wire.Snapshot {
	t.Helper()
	v, err := h.Current(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return streamtest.DecodeSnapshot(t, v.Message)
}
