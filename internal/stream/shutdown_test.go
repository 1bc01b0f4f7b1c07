package stream

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/wire"
)

// TestShutdownGoingAway: Shutdown closes every connection with status
// 1001 (going away) at once and returns as soon as they are gone; a client
// that does not answer the close holds it no longer than its context
// (nsweb serve gives it half of its 2 s budget). After it, the hub admits
// no connection. On synctest's clock, "at once" is exactly no time.
func TestShutdownGoingAway(t *testing.T) {
	for _, tc := range []struct {
		name   string
		silent bool // a second client reads nothing
		took   time.Duration
		err    error
	}{
		{"clients that answer", false, 0, nil},
		{"a client that does not answer", true, time.Second, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, srv := newBubbleHub(t, Config{})
				h.Publish(mkSnap(1, 3))
				c := dial(t, srv, nil)
				c.Subscribe(wire.Hello{})
				if tc.silent {
					dial(t, srv, nil).Hello(wire.Hello{})
				}
				synctest.Wait()
				open := h.Clients()
				read := make(chan error, 1)
				go func() { _, err := c.Next(time.Hour); read <- err }()
				start := time.Now()
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				err := h.Shutdown(ctx)
				if took := time.Since(start); !errors.Is(err, tc.err) || took != tc.took {
					t.Errorf("Shutdown returned %v after %v, want %v after %v", err, took, tc.err, tc.took)
				}
				if err := <-read; websocket.CloseStatus(err) != websocket.StatusGoingAway {
					t.Fatalf("on shutdown: %v, want close status 1001", err)
				}
				frames := srv.pipes.CloseFrames()
				if len(frames) != open {
					t.Errorf("%d close frames for %d clients", len(frames), open)
				}
				for _, f := range frames {
					if !f.Equal(start) {
						t.Errorf("close frame sent %v after Shutdown was called, want at once", f.Sub(start))
					}
				}
				if _, err := h.Admit(); !errors.Is(err, ErrClosed) {
					t.Errorf("after shutdown: %v, want ErrClosed", err)
				}
			})
		})
	}
}
