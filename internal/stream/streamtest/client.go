package streamtest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/wire"
)

// Client is a test client that keeps a wire.State like the browser.
type Client struct {
	t       testing.TB
	Conn    *websocket.Conn
	St      wire.State
	Snaps   int             // snapshots received
	Group   layout.Grouping // of the last snapshot
	Expand  []string        // of the last snapshot
	Removed []string        // of the last patch
	Ended   []string        // of the last patch
	Born    []string        // of the last patch
	Folded  []wire.FoldChange
	Q       string // the filter it asked for, when a test keeps it here
	Errors  []string
	Refused wire.Error // the last error message, whole
	Bytes   int
	Seq     atomic.Uint64 // st.Seq, for other goroutines
}

// Dial opens a websocket to url (ws://…/api/v1/stream); the connection
// is closed when the test ends.
func Dial(t testing.TB, url string, opts *websocket.DialOptions) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	conn.SetReadLimit(64 << 20)
	c := &Client{t: t, Conn: conn}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return c
}

// Hello sends a hello message.
func (c *Client) Hello(h wire.Hello) {
	c.t.Helper()
	h.Type = wire.TypeHello
	c.SendJSON(h)
}

// Subscribe sends a hello and reads the snapshot that answers it.
func (c *Client) Subscribe(h wire.Hello) {
	c.t.Helper()
	c.Hello(h)
	c.MustNext(wire.TypeSnapshot)
}

// SendJSON sends v as a text message.
func (c *Client) SendJSON(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// Next reads and applies one message, returning its type.
func (c *Client) Next(timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, data, err := c.Conn.Read(ctx)
	if err != nil {
		return "", err
	}
	c.Bytes += len(data)
	var head struct{ Type string }
	if err := json.Unmarshal(data, &head); err != nil {
		return "", fmt.Errorf("bad message %q: %w", data, err)
	}
	switch head.Type {
	case wire.TypeSnapshot:
		var s wire.Snapshot
		if err := json.Unmarshal(data, &s); err != nil {
			return "", err
		}
		c.St.Reset(&s)
		c.Snaps++
		c.Group, c.Expand = s.Group, s.Expand
	case wire.TypePatch:
		var p wire.Patch
		if err := json.Unmarshal(data, &p); err != nil {
			return "", err
		}
		if err := c.St.Apply(&p); err != nil {
			return "", err
		}
		c.Removed, c.Ended, c.Born, c.Folded = p.Remove, p.Ended, p.Born, p.Folded
	case wire.TypeError:
		var e wire.Error
		_ = json.Unmarshal(data, &e)
		c.Errors = append(c.Errors, e.Error)
		c.Refused = e
	default:
		return "", fmt.Errorf("unknown message %s", data)
	}
	c.Seq.Store(c.St.Seq)
	return head.Type, nil
}

// MustNext reads one message and fails the test unless it is of type want.
func (c *Client) MustNext(want string) {
	c.t.Helper()
	got, err := c.Next(60 * time.Second)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	if got != want {
		c.t.Fatalf("got a %s message, want %s", got, want)
	}
}

// WaitSeq reads until the client's state reaches seq.
func (c *Client) WaitSeq(seq uint64) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for c.St.Seq != seq {
		if time.Now().After(deadline) {
			c.t.Fatalf("state at seq %d, want %d", c.St.Seq, seq)
		}
		if _, err := c.Next(20 * time.Second); err != nil {
			c.t.Fatalf("read at seq %d (want %d): %v", c.St.Seq, seq, err)
		}
	}
}

// ReadUntil reads messages until cond holds for the client's state.
func (c *Client) ReadUntil(what any, timeout time.Duration, cond func(*wire.State) bool) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond(&c.St) {
		left := time.Until(deadline)
		if left <= 0 {
			c.t.Fatalf("%v: not within %s (state at seq %d, %d nodes)", what, timeout, c.St.Seq, len(c.St.Nodes))
		}
		if _, err := c.Next(left); err != nil {
			c.t.Fatalf("%v: %v (state: %v)", what, err, c.St.IDs())
		}
	}
}

// DecodeSnapshot decodes a snapshot message (a stream.View's Message).
func DecodeSnapshot(t testing.TB, msg []byte) *wire.Snapshot {
	t.Helper()
	var s wire.Snapshot
	if err := json.Unmarshal(msg, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// AssertState fails the test unless c's picture is want's.
func AssertState(t testing.TB, c *Client, want *wire.Snapshot) {
	t.Helper()
	if c.St.Seq != want.Seq {
		t.Fatalf("client at seq %d, hub at %d", c.St.Seq, want.Seq)
	}
	if ok, why := c.St.EqualNodes(want.Nodes); !ok {
		t.Fatalf("client state differs from a fresh snapshot: %s", why)
	}
	// A scan that changes nothing but the scan time sends no patch
	// (docs/protocol.md): the client's time may lag the hub's.
	if !c.St.Meta.SameContent(want.Meta) {
		t.Fatalf("client meta %+v, want %+v", c.St.Meta, want.Meta)
	}
}
