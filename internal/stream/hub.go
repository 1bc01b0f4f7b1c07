// Package stream keeps every browser's picture of the host current. A Hub
// holds, for each distinct subscription (view, filter, expanded groups), one
// laid-out state and a ring of recent patches; each new snapshot is laid out
// and diffed once per subscription and the same bytes are fanned out to all
// its clients over websockets. Clients get their own bounded queue: one that
// cannot keep up is sent a fresh snapshot instead of a backlog and never
// slows the others. A Runner feeds the hub from the watcher's signals, and
// the hub answers the snapshot, namespace and group questions of the JSON
// endpoints from the same state. It speaks no HTTP: internal/server
// accepts the websockets and serves the endpoints, and maps the hub's
// typed errors to status codes. The message formats are in
// docs/protocol.md.
package stream

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

// ScanFunc reads the host once (collect.Scan).
type ScanFunc func(ctx context.Context) (*model.Snapshot, error)

// LayoutFunc lays a snapshot out (layout.Compute).
type LayoutFunc func(*model.Snapshot, layout.Options) *layout.Result

// ParseFilterFunc parses a non-empty filter expression into a predicate and
// its canonical text; two expressions with the same canonical text share
// one subscription. The predicate sees the snapshot being laid out, so a
// filter may look at processes and containers (filter.Query.Match fits).
type ParseFilterFunc func(q string) (match func(*model.Snapshot, *model.Namespace) bool, canonical string, err error)

// Config tunes a Hub. Layout is required; zero values give the defaults.
type Config struct {
	Layout LayoutFunc
	// ParseFilter parses q; nil means ParseFilter (internal/filter).
	ParseFilter ParseFilterFunc
	// Base holds the layout options every subscription shares
	// (orientation, fold threshold); View, Expanded and Keep are set per
	// subscription.
	Base layout.Options
	// Ring is the number of recent patches kept per subscription for
	// reconnecting clients (default 256).
	Ring int
	// RingBytes bounds the encoded size of those patches per subscription
	// (default 16 MiB), so that a churn of large patches cannot hold much
	// memory; a client whose patches were dropped gets a snapshot.
	RingBytes int
	// QueueLen bounds the messages waiting for one client (default 64);
	// past it the client's queue is replaced by a fresh snapshot.
	QueueLen int
	// MaxClients bounds the open websocket connections (default 256).
	MaxClients int
	// MaxKeys bounds the distinct subscriptions (default 64), the default
	// view aside: it is always served. When they are all in use, a new one
	// takes the place of an idle one, else of the costliest view of the
	// client that holds the most (if it holds at least two more than the
	// one asking), whose connections are closed with status 1013.
	MaxKeys int
	// MaxKeysPerClient bounds the subscriptions one client (remote
	// address) holds at once (default MaxKeys/4).
	MaxKeysPerClient int
	// KeyIdle is how long a subscription without clients is kept up to
	// date before it is dropped (default 30 s): long enough for a reconnect
	// to get its missed patches, short enough that abandoned filters do not
	// cost a layout per scan for long.
	KeyIdle time.Duration
	// PingInterval is the keepalive period (default 20 s).
	PingInterval time.Duration
	// PongTimeout is how long a client may take to answer a ping (default
	// 30 s, as docs/protocol.md promises): one that does not is closed
	// with status 1008. The ping waits on its own, never in the way of the
	// connection's writes (a busy client reads a backlog before the ping).
	PongTimeout time.Duration
	// WriteTimeout bounds one write or ping (default 30 s): a client that
	// takes longer is disconnected. It never delays other clients, each
	// has its own writer.
	WriteTimeout time.Duration
	// HelloTimeout is how long a new connection may take to send a valid
	// hello (default 30 s).
	HelloTimeout time.Duration
	// ReadLimit bounds a client message in bytes (default 4096); a larger
	// one closes that connection with status 1009.
	ReadLimit int64
	// Compression negotiates permessage-deflate with clients that offer it
	// (browsers do), without context takeover (see Hub.AcceptOptions).
	Compression bool
	// Logger receives connection and scan events; nil means slog.Default().
	Logger *slog.Logger
}

func (c *Config) defaults() {
	set := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	set(&c.Ring, 256)
	set(&c.RingBytes, 16<<20)
	set(&c.QueueLen, 64)
	set(&c.MaxClients, 256)
	set(&c.MaxKeys, 64)
	set(&c.MaxKeysPerClient, max(1, c.MaxKeys/4))
	setD := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	setD(&c.KeyIdle, 30*time.Second)
	setD(&c.PingInterval, 20*time.Second)
	setD(&c.PongTimeout, 30*time.Second)
	setD(&c.WriteTimeout, 30*time.Second)
	setD(&c.HelloTimeout, 30*time.Second)
	if c.ReadLimit <= 0 {
		c.ReadLimit = 4096
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.ParseFilter == nil {
		c.ParseFilter = ParseFilter
	}
}

// ErrClosed is returned once the hub has been shut down.
var ErrClosed = errors.New("stream: hub is shut down")

// Hub is the live state behind the stream and the JSON endpoints.
type Hub struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context // canceled by Shutdown: ends every connection
	cancel context.CancelFunc
	conns  sync.WaitGroup

	publishMu sync.Mutex // serialises Publish
	stats     counters

	// unfolded keeps the last layout hiding made with folding off, for
	// reveals of other connections in the same picture; Publish drops it
	// with the snapshot it was made of. unfoldedMu makes reveals wait for
	// each other rather than run in parallel.
	unfoldedMu sync.Mutex
	unfolded   atomic.Pointer[unfolded]

	history hubHistory // replay.go

	mu       sync.Mutex
	latest   *model.Snapshot
	gen      uint64 // number of snapshots published
	ready    chan struct{}
	subs     map[Key]*sub
	lastBase uint64
	clients  int
	closed   bool
}

// NewHub makes a hub. It has no state until the first Publish.
func NewHub(cfg Config) (*Hub, error) {
	if cfg.Layout == nil {
		return nil, errors.New("stream: Config.Layout is required")
	}
	cfg.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{
		cfg: cfg, log: cfg.Logger, ctx: ctx, cancel: cancel,
		ready: make(chan struct{}), subs: map[Key]*sub{},
	}, nil
}

// Latest returns the most recently published snapshot, nil before the
// first. Snapshots are immutable, so callers may keep and share it.
func (h *Hub) Latest() *model.Snapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.latest
}

// Publish makes s the current state: every subscription lays it out, diffs
// it against its previous state and sends the patch, if any, to its clients.
// It returns when every client's queue has the patch, not when clients
// received it.
func (h *Hub) Publish(s *model.Snapshot) {
	h.publishMu.Lock()
	defer h.publishMu.Unlock()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.latest = s
	h.unfolded.Store(nil) // made of an older snapshot: no reveal asks for it again
	h.gen++
	gen := h.gen
	if gen == 1 {
		close(h.ready)
	}
	now := time.Now()
	subs := make([]*sub, 0, len(h.subs))
	idle := map[*sub]bool{}
	for k, sb := range h.subs {
		if sb.users == 0 && now.Sub(sb.lastUsed) > h.cfg.KeyIdle {
			delete(h.subs, k)
			continue
		}
		idle[sb] = sb.users == 0
		subs = append(subs, sb)
	}
	h.mu.Unlock()
	// Views in use before idle ones (kept current for a reconnect), the
	// cheapest first, so that costly or abandoned filters do not delay
	// anyone's patch; a shutdown stops the round.
	slices.SortFunc(subs, func(a, b *sub) int {
		if idle[a] != idle[b] {
			if idle[a] {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.cost.Load(), b.cost.Load())
	})
	for _, sb := range subs {
		if h.ctx.Err() != nil {
			return
		}
		sb.mu.Lock()
		sb.advance(s, gen)
		sb.mu.Unlock()
	}
}

// Subscriptions returns the number of live subscriptions, for tests and
// metrics.
func (h *Hub) Subscriptions() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Clients returns the number of open websocket connections.
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.clients
}
