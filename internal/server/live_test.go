package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/stream"
	"github.com/nsweb/nsweb/internal/stream/streamtest"
	"github.com/nsweb/nsweb/internal/wire"
)

// liveHub makes a hub of cfg that lays out with streamtest.FlatLayout and
// filters with streamtest.FakeFilter unless cfg names others, and is shut
// down when the test ends.
func liveHub(t testing.TB, cfg stream.Config) *stream.Hub {
	t.Helper()
	if cfg.Layout == nil {
		cfg.Layout = streamtest.FlatLayout
	}
	if cfg.ParseFilter == nil {
		cfg.ParseFilter = streamtest.FakeFilter
	}
	hub, err := stream.NewHub(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return hub
}

// liveServer serves a liveHub of cfg through New behind the guard of its
// loopback address; with changes the server's Config.
func liveServer(t testing.TB, cfg stream.Config, with ...func(*Config)) (*stream.Hub, *httptest.Server) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close) // after the hub's shutdown: cleanups run last first
	hub := liveHub(t, cfg)
	scfg := Config{Stream: hub, Guard: Guard{Hosts: LoopbackHosts(srv.Listener.Addr())}}
	for _, f := range with {
		f(&scfg)
	}
	srv.Config.Handler = New(scfg)
	srv.Start()
	return hub, srv
}

// site is a server on an in-memory network (streamtest.Serve), and how to
// reach it.
type site struct {
	URL    string
	client *http.Client
}

// bubbleServer is liveServer on an in-memory network: inside a synctest
// bubble the hub's and the server's timers run on the bubble's clock.
func bubbleServer(t testing.TB, cfg stream.Config) (*stream.Hub, *site) {
	t.Helper()
	hub := liveHub(t, cfg)
	url, client, _ := streamtest.Serve(t, New(Config{Stream: hub, Guard: Guard{Hosts: LoopbackHosts(streamtest.Addr)}}))
	return hub, &site{URL: url, client: client}
}

// dialSite opens the stream of s.
func dialSite(t testing.TB, s *site) *streamtest.Client {
	t.Helper()
	return streamtest.Dial(t, "ws"+strings.TrimPrefix(s.URL, "http")+"/api/v1/stream", &websocket.DialOptions{HTTPClient: s.client})
}

// get answers GET url: status, headers and body.
func get(t testing.TB, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// streamURL is the websocket address of srv's stream.
func streamURL(srv *httptest.Server) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/stream"
}

// dial opens srv's stream.
func dial(t testing.TB, srv *httptest.Server, opts *websocket.DialOptions) *streamtest.Client {
	t.Helper()
	return streamtest.Dial(t, streamURL(srv), opts)
}

// current is the hub's snapshot message of the subscription r.
func current(t testing.TB, hub *stream.Hub, r stream.Request) *wire.Snapshot {
	t.Helper()
	v, err := hub.Current(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return streamtest.DecodeSnapshot(t, v.Message)
}
