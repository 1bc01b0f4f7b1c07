package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/stream"
	"github.com/nsweb/nsweb/internal/stream/streamtest"
	"github.com/nsweb/nsweb/internal/wire"
)

// TestMaxClients: past MaxClients open websockets the handshake is refused
// with 503, Retry-After and a JSON error, and counted; a slot freed is
// taken again. On synctest's clock: no wait for the freed slot but the
// close itself.
func TestMaxClients(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, srv := bubbleServer(t, stream.Config{MaxClients: 2})
		h.Publish(streamtest.Snap(1, 3))
		a, b := dialSite(t, srv), dialSite(t, srv)
		a.Subscribe(wire.Hello{})
		b.Subscribe(wire.Hello{})
		_, resp, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v1/stream", &websocket.DialOptions{HTTPClient: srv.client})
		if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" {
			t.Fatalf("third client: err %v, resp %v; want 503 with Retry-After", err, resp)
		}
		var body map[string]string
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || !strings.Contains(body["error"], "too many live clients") {
			t.Errorf("refusal body %v (%v)", body, err)
		}
		if h.Stats().Refused != 1 {
			t.Errorf("refused counter %d", h.Stats().Refused)
		}
		// A freed slot can be used again.
		_ = a.Conn.Close(websocket.StatusNormalClosure, "")
		synctest.Wait()
		if h.Clients() != 1 {
			t.Fatalf("%d clients after one of two closed", h.Clients())
		}
		c := dialSite(t, srv)
		c.Subscribe(wire.Hello{})
	})
}

// TestShutdownGoingAway: on shutdown the websocket gets its close frame
// (1001, going away) and a new one is refused with 503 and a JSON error.
func TestShutdownGoingAway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, srv := bubbleServer(t, stream.Config{})
		h.Publish(streamtest.Snap(1, 3))
		c := dialSite(t, srv)
		c.Subscribe(wire.Hello{})
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			done <- h.Shutdown(ctx)
		}()
		_, err := c.Next(10 * time.Second)
		if websocket.CloseStatus(err) != websocket.StatusGoingAway {
			t.Fatalf("on shutdown: %v, want close status 1001", err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		resp, err := srv.client.Get(srv.URL + "/api/v1/stream")
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || body["error"] != "nsweb is shutting down" {
			t.Errorf("after shutdown: %d %v, want 503 saying nsweb is shutting down", resp.StatusCode, body)
		}
	})
}
