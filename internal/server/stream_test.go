package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/stream"
	"github.com/nsweb/nsweb/internal/stream/streamtest"
	"github.com/nsweb/nsweb/internal/wire"
)

func TestMaxClients(t *testing.T) {
	h, srv := liveServer(t, stream.Config{MaxClients: 2})
	h.Publish(streamtest.Snap(1, 3))
	a, b := dial(t, srv, nil), dial(t, srv, nil)
	a.Hello(wire.Hello{})
	a.MustNext(wire.TypeSnapshot)
	b.Hello(wire.Hello{})
	b.MustNext(wire.TypeSnapshot)
	_, resp, err := websocket.Dial(context.Background(), streamURL(srv), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("third client: err %v, resp %v; want 503", err, resp)
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
	deadline := time.Now().Add(10 * time.Second)
	for h.Clients() > 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	c := dial(t, srv, nil)
	c.Hello(wire.Hello{})
	c.MustNext(wire.TypeSnapshot)
}

func TestShutdownGoingAway(t *testing.T) {
	h, srv := liveServer(t, stream.Config{})
	h.Publish(streamtest.Snap(1, 3))
	c := dial(t, srv, nil)
	c.Hello(wire.Hello{})
	c.MustNext(wire.TypeSnapshot)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
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
	resp, err := http.Get(srv.URL + "/api/v1/stream")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("after shutdown: %d, want 503", resp.StatusCode)
	}
}
