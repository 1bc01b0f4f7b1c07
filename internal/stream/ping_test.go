package stream

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// TestUnansweredPingCloses: a client that never answers pings gets the
// close frame the protocol promises (status 1008, after PongTimeout), and
// its writer keeps writing meanwhile instead of waiting on the pong
// (review item 8: the writer was blocked for WriteTimeout and the
// connection dropped without a close frame).
func TestUnansweredPingCloses(t *testing.T) {
	h, srv := newTestHub(t, Config{PingInterval: 20 * time.Millisecond, PongTimeout: 200 * time.Millisecond, WriteTimeout: time.Hour})
	h.Publish(mkSnap(1, 3))
	c := dial(t, srv, nil)
	c.hello(wire.Hello{})
	// The client reads nothing, so it answers no ping. Patches published
	// while the ping waits must still be written: the server's writer is
	// not the one waiting.
	for gen := 2; h.Clients() > 0; gen++ {
		// Each scan differs (namespace 4 comes and goes), so each makes
		// a patch to write.
		h.Publish(mkSnap(gen, 3, model.NSID(4+gen%2)))
		time.Sleep(5 * time.Millisecond)
		if gen > 4000 {
			t.Fatal("the client that answers no ping is still connected after 20 s")
		}
	}
	if msgs := h.Stats().Messages; msgs < 3 {
		t.Errorf("%d messages written while the ping waited: the writer was blocked", msgs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.conn.Read(ctx)
		if err == nil {
			continue // what was written before the close
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || !strings.Contains(ce.Reason, "ping") {
			t.Fatalf("connection ended by %v, want a close frame 1008 naming the ping", err)
		}
		return
	}
}
