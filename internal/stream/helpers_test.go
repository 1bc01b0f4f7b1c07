package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// flatLayout is a stand-in for layout.Compute: every kept namespace in ID
// order on one row, so adding a namespace moves those after it.
func flatLayout(s *model.Snapshot, o layout.Options) *layout.Result {
	r := &layout.Result{View: o.View, Height: 20}
	for _, id := range s.SortedIDs() {
		ns := s.Namespaces[id]
		if o.Keep != nil && !o.Keep(ns) {
			continue
		}
		kind := layout.File
		if ns.Type == model.User {
			kind = layout.Dir
		}
		n := layout.Node{ID: fmt.Sprintf("ns:%d", id), Kind: kind, Type: ns.Type, NS: id,
			Label: fmt.Sprintf("%s %d", ns.Type, ns.Inode), X: float64(len(r.Nodes)) * 10, W: 8, H: 8}
		if ns.Owner != 0 && ns.Owner != id {
			n.Parent = fmt.Sprintf("ns:%d", ns.Owner)
		}
		r.Nodes = append(r.Nodes, n)
	}
	r.Width = float64(len(r.Nodes)) * 10
	return r
}

// fakeFilter accepts "" and "type:<t>".
func fakeFilter(q string) (func(*model.Snapshot, *model.Namespace) bool, string, error) {
	t, ok := strings.CutPrefix(q, "type:")
	if !ok || !model.NSType(t).Valid() {
		return nil, "", fmt.Errorf("filter: unknown key %q at 0", q)
	}
	return func(_ *model.Snapshot, ns *model.Namespace) bool { return ns.Type == model.NSType(t) }, "type:" + t, nil
}

// mkSnap builds a snapshot with the given namespaces; odd IDs are net
// namespaces, even ones uts, all owned by user namespace 1, each with one
// process whose PID is its ID and whose name carries gen.
func mkSnap(gen int, ids ...model.NSID) *model.Snapshot {
	s := &model.Snapshot{
		Taken: time.Unix(int64(gen), 0), Host: "test", Kernel: "6.18",
		Namespaces: map[model.NSID]*model.Namespace{1: {ID: 1, Type: model.User, Inode: 1}},
		Processes:  map[int]*model.Process{},
	}
	for _, id := range ids {
		t := model.UTS
		if id%2 == 1 {
			t = model.Net
		}
		s.Namespaces[id] = &model.Namespace{ID: id, Type: t, Inode: uint64(id % 7), Owner: 1, Procs: []int{int(id)}, Leader: int(id)}
		s.Processes[int(id)] = &model.Process{PID: int(id), Comm: fmt.Sprint("p", gen)}
		s.Namespaces[1].Procs = append(s.Namespaces[1].Procs, int(id))
	}
	return s
}

func newTestHub(t testing.TB, cfg Config) (*Hub, *httptest.Server) {
	t.Helper()
	if cfg.Layout == nil {
		cfg.Layout = flatLayout
	}
	if cfg.ParseFilter == nil {
		cfg.ParseFilter = fakeFilter
	}
	h, err := NewHub(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/stream", h.Stream)
	mux.HandleFunc("GET /api/v1/snapshot", h.Snapshot)
	mux.HandleFunc("GET /api/v1/ns/{id}", h.Namespace)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		srv.Close()
	})
	return h, srv
}

// wsClient is a test client that keeps a wire.State like the browser.
type wsClient struct {
	t       testing.TB
	conn    *websocket.Conn
	st      wire.State
	snaps   int             // snapshots received
	group   layout.Grouping // of the last snapshot
	expand  []string        // of the last snapshot
	removed []string        // of the last patch
	ended   []string        // of the last patch
	born    []string        // of the last patch
	folded  []wire.FoldChange
	q       string // the filter it asked for, when a test keeps it here
	errors  []string
	refused wire.Error // the last error message, whole
	bytes   int
	seq     atomic.Uint64 // st.Seq, for other goroutines
}

func dial(t testing.TB, srv *httptest.Server, opts *websocket.DialOptions) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/stream"
	conn, resp, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	conn.SetReadLimit(64 << 20)
	c := &wsClient{t: t, conn: conn}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return c
}

func (c *wsClient) hello(h wire.Hello) {
	c.t.Helper()
	h.Type = wire.TypeHello
	c.sendJSON(h)
}

func (c *wsClient) sendJSON(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// next reads and applies one message, returning its type.
func (c *wsClient) next(timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, data, err := c.conn.Read(ctx)
	if err != nil {
		return "", err
	}
	c.bytes += len(data)
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
		c.st.Reset(&s)
		c.snaps++
		c.group, c.expand = s.Group, s.Expand
	case wire.TypePatch:
		var p wire.Patch
		if err := json.Unmarshal(data, &p); err != nil {
			return "", err
		}
		if err := c.st.Apply(&p); err != nil {
			return "", err
		}
		c.removed, c.ended, c.born, c.folded = p.Remove, p.Ended, p.Born, p.Folded
	case wire.TypeError:
		var e wire.Error
		_ = json.Unmarshal(data, &e)
		c.errors = append(c.errors, e.Error)
		c.refused = e
	default:
		return "", fmt.Errorf("unknown message %s", data)
	}
	c.seq.Store(c.st.Seq)
	return head.Type, nil
}

func (c *wsClient) mustNext(want string) {
	c.t.Helper()
	got, err := c.next(60 * time.Second)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	if got != want {
		c.t.Fatalf("got a %s message, want %s", got, want)
	}
}

// waitSeq reads until the client's state reaches seq.
func (c *wsClient) waitSeq(seq uint64) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for c.st.Seq != seq {
		if time.Now().After(deadline) {
			c.t.Fatalf("state at seq %d, want %d", c.st.Seq, seq)
		}
		if _, err := c.next(20 * time.Second); err != nil {
			c.t.Fatalf("read at seq %d (want %d): %v", c.st.Seq, seq, err)
		}
	}
}

// current returns the hub's state for the default subscription.
func current(t testing.TB, h *Hub, r Request) *wire.Snapshot {
	t.Helper()
	v, err := h.Current(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	var s wire.Snapshot
	if err := json.Unmarshal(v.Message, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func assertState(t testing.TB, c *wsClient, want *wire.Snapshot) {
	t.Helper()
	if c.st.Seq != want.Seq {
		t.Fatalf("client at seq %d, hub at %d", c.st.Seq, want.Seq)
	}
	if ok, why := c.st.EqualNodes(want.Nodes); !ok {
		t.Fatalf("client state differs from a fresh snapshot: %s", why)
	}
	// A scan that changes nothing but the scan time sends no patch
	// (docs/protocol.md): the client's time may lag the hub's.
	if !c.st.Meta.SameContent(want.Meta) {
		t.Fatalf("client meta %+v, want %+v", c.st.Meta, want.Meta)
	}
}
