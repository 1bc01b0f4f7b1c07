package stream

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// TestUnansweredPingCloses: a client that never answers pings gets the
// close frame the protocol promises (status 1008) exactly PongTimeout
// (30 s) after the first ping (PingInterval, 20 s, after it connected),
// and its writer keeps writing meanwhile instead of waiting on the pong
// (review item 8: the writer was blocked for WriteTimeout and the
// connection dropped without a close frame). It runs on the fake clock of
// a synctest bubble with the default timings.
func TestUnansweredPingCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, srv := newBubbleHub(t, Config{WriteTimeout: time.Hour})
		h.Publish(mkSnap(1, 3))
		c := dial(t, srv, nil)
		c.Hello(wire.Hello{})
		start := time.Now()
		pinged := start.Add(h.cfg.PingInterval)
		closeAt := pinged.Add(h.cfg.PongTimeout)
		if h.cfg.PingInterval != 20*time.Second || h.cfg.PongTimeout != 30*time.Second {
			t.Fatalf("defaults: ping every %v, pong within %v; docs/protocol.md says 20 s and 30 s", h.cfg.PingInterval, h.cfg.PongTimeout)
		}
		// The client reads nothing, so it answers no ping. Patches
		// published while the ping waits must still be written: the
		// server's writer is not the one waiting.
		time.Sleep(time.Until(pinged))
		synctest.Wait()
		written := h.Stats().Messages
		patches := uint64(0)
		for gen := 2; time.Until(closeAt) > time.Second; gen++ {
			// Each scan differs (namespace 4 comes and goes), so each
			// makes a patch to write.
			h.Publish(mkSnap(gen, 3, model.NSID(4+gen%2)))
			patches++
			time.Sleep(time.Second)
		}
		synctest.Wait()
		if got := h.Stats().Messages - written; got != patches {
			t.Errorf("%d of %d patches written while the ping waited: the writer was blocked", got, patches)
		}
		time.Sleep(time.Until(closeAt) - time.Nanosecond)
		synctest.Wait()
		if f := srv.pipes.CloseFrames(); len(f) != 0 || h.Clients() != 1 {
			t.Fatalf("close frames at %v, %d clients, before the pong timeout ran out at %v", f, h.Clients(), closeAt)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if f := srv.pipes.CloseFrames(); len(f) != 1 || !f[0].Equal(closeAt) {
			t.Fatalf("close frames at %v, want one at %v after connecting", f, closeAt.Sub(start))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			_, _, err := c.Conn.Read(ctx)
			if err == nil {
				continue // what was written before the close
			}
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || !strings.Contains(ce.Reason, "ping") {
				t.Fatalf("connection ended by %v, want a close frame 1008 naming the ping", err)
			}
			return
		}
	})
}
