package stream

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/wire"
)

// A client that subscribes before the first scan gets its snapshot as soon
// as the first scan is published.
func TestHelloBeforeFirstScan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, srv := newBubbleHub(t, Config{})
		c := dial(t, srv, nil)
		c.Hello(wire.Hello{})
		synctest.Wait() // the hub has the hello, and nothing to send
		if h.Subscriptions() != 1 {
			t.Fatalf("%d subscriptions, want the hello's", h.Subscriptions())
		}
		h.Publish(mkSnap(1, 3))
		c.MustNext(wire.TypeSnapshot)
		assertState(t, c, current(t, h, Request{}))
	})
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
	c.Subscribe(wire.Hello{})
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

// TestCorrectedHelloAfterRefusal: a connection whose first hello is
// refused (a link with a bad filter) is not closed for want of a valid
// hello when the client follows up with a corrected one; it gets the
// snapshot and then patches like any other.
func TestCorrectedHelloAfterRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, srv := newBubbleHub(t, Config{})
		h.Publish(mkSnap(1, 3))
		c := dial(t, srv, nil)
		start := time.Now()
		c.Hello(wire.Hello{Q: "foo:bar"})
		c.MustNext(wire.TypeError)
		if c.Refused.Field != "q" || c.Refused.Value != "foo:bar" {
			t.Fatalf("refusal %+v, want field q, value foo:bar", c.Refused)
		}
		c.Subscribe(wire.Hello{})
		time.Sleep(time.Until(start.Add(h.cfg.HelloTimeout)) + time.Nanosecond) // past the hello timeout
		synctest.Wait()
		if f := srv.pipes.CloseFrames(); len(f) != 0 {
			t.Fatalf("closed at %v", f)
		}
		h.Publish(mkSnap(2, 3, 5))
		c.MustNext(wire.TypePatch)
		assertState(t, c, current(t, h, Request{}))
	})
}

func TestOversizedMessageClosesOnlyThatClient(t *testing.T) {
	h, srv := newTestHub(t, Config{ReadLimit: 4096})
	h.Publish(mkSnap(1, 3))
	good, bad := dial(t, srv, nil), dial(t, srv, nil)
	good.Subscribe(wire.Hello{})
	bad.Subscribe(wire.Hello{})
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

// TestHelloTimeout: a client that sends no hello is closed with status 1008
// exactly HelloTimeout (30 s) after it connected, on synctest's clock.
func TestHelloTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, srv := newBubbleHub(t, Config{})
		c := dial(t, srv, nil)
		start := time.Now()
		_, err := c.Next(time.Hour)
		if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
			t.Fatalf("silent client: %v, want close status 1008", err)
		}
		if d := time.Since(start); d != h.cfg.HelloTimeout || d != 30*time.Second {
			t.Errorf("closed %v after connecting, want HelloTimeout (%v, docs/protocol.md: 30 s)", d, h.cfg.HelloTimeout)
		}
	})
}
