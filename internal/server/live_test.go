package server

import (
	"context"
	"encoding/json"
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

// liveServer serves a hub made of cfg through New behind the guard of its
// loopback address; the hub lays out with streamtest.FlatLayout and
// filters with streamtest.FakeFilter unless cfg names others. with
// changes the server's Config. Hub and server stop when the test ends.
func liveServer(t testing.TB, cfg stream.Config, with ...func(*Config)) (*stream.Hub, *httptest.Server) {
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
	srv := httptest.NewUnstartedServer(nil)
	scfg := Config{Stream: hub, Guard: Guard{Hosts: LoopbackHosts(srv.Listener.Addr())}}
	for _, f := range with {
		f(&scfg)
	}
	srv.Config.Handler = New(scfg)
	srv.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		srv.Close()
	})
	return hub, srv
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
	var s wire.Snapshot
	if err := json.Unmarshal(v.Message, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}
