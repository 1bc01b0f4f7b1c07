package stream

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/wire"
)

// countingConn counts the bytes a client reads off the socket: what the
// network carries, compressed or not.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestStreamCompressed: a client that offers permessage-deflate gets the
// snapshot compressed (a fraction of its JSON on the wire) and the same
// message as a client that does not, which gets it plain.
func TestStreamCompressed(t *testing.T) {
	// Nothing folds, so that the snapshot is big enough to be worth
	// compressing (the 300 user namespaces would fold into one group).
	h, srv := newTestHub(t, Config{Layout: layout.Compute, Compression: true, ParseFilter: ParseFilter, Base: layout.Options{FoldThreshold: -1}})
	h.Publish(synthHost(300))
	read := func(mode websocket.CompressionMode) (msg []byte, onWire int64) {
		var n atomic.Int64
		tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{c, &n}, nil
		}}
		t.Cleanup(tr.CloseIdleConnections)
		c := dial(t, srv, &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}, CompressionMode: mode})
		before := n.Load()
		c.Hello(wire.Hello{})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, data, err := c.Conn.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return data, n.Load() - before
	}
	zipped, zippedWire := read(websocket.CompressionNoContextTakeover)
	plain, plainWire := read(websocket.CompressionDisabled)
	var s wire.Snapshot
	if err := json.Unmarshal(zipped, &s); err != nil || s.Type != wire.TypeSnapshot || len(s.Nodes) < 2000 {
		t.Fatalf("compressed stream: %d nodes, %v", len(s.Nodes), err)
	}
	if string(zipped) != string(plain) {
		t.Error("the two clients got different snapshots")
	}
	if plainWire < int64(len(plain)) {
		t.Errorf("plain: %d bytes on the wire for a %d-byte message", plainWire, len(plain))
	}
	if zippedWire*4 > int64(len(zipped)) {
		t.Errorf("deflate: %d bytes on the wire for a %d-byte message, want under a quarter", zippedWire, len(zipped))
	}
	t.Logf("snapshot of %d nodes: %d bytes of JSON, %d on the wire compressed (%.1f B/node)", len(s.Nodes), len(zipped), zippedWire, float64(zippedWire)/float64(len(s.Nodes)))
}
