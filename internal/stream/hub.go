// Package stream keeps every browser's picture of the host current. A Hub
// holds, for each distinct subscription (view, filter, expanded groups), one
// laid-out state and a ring of recent patches; each new snapshot is laid out
// and diffed once per subscription and the same bytes are fanned out to all
// its clients over websockets. Clients get their own bounded queue: one that
// cannot keep up is sent a fresh snapshot instead of a backlog and never
// slows the others. A Runner feeds the hub from the watcher's signals, and
// the package serves the snapshot and namespace-detail JSON endpoints from
// the same state. The message formats are in docs/protocol.md.
package stream

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
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
	// Inspect reads what a namespace holds, for the "inside" of
	// /api/v1/ns/{ref} (internal/inspect); r carries the query's options.
	// Nil leaves "inside" out.
	Inspect func(ctx context.Context, s *model.Snapshot, id model.NSID, r *http.Request) any
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
	// (browsers do), without context takeover (see Hub.Stream).
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

// Key identifies a subscription: clients with equal keys see the same
// picture and share its computation.
type Key struct {
	View   layout.View
	Group  layout.Grouping
	Q      string // canonical filter
	Expand string // sorted group IDs joined by "\n"
}

// Request is a subscription as a client asks for it.
type Request struct {
	View   string
	Group  string // "" means layout.DefaultGrouping
	Q      string
	Expand []string
	// Reveal names a node whose hiding groups (layout.Hiding) are added
	// to Expand.
	Reveal string
	// Client names who asks (the remote address without its port), for
	// the per-client limit of views; "" is one anonymous client.
	Client string
}

// resolved is a checked request.
type resolved struct {
	key    Key
	expand []string
	match  func(*model.Snapshot, *model.Namespace) bool
	client string
}

// isDefault reports whether k is the view a page opens with: owner view,
// default grouping, no filter, no group opened. It is always served.
func (k Key) isDefault() bool {
	return k.View == layout.Owner && k.Group == layout.DefaultGrouping && k.Q == "" && k.Expand == ""
}

// LimitError is a request refused because views are at their limit: not
// the request's fault, and not a missing snapshot. HTTP handlers answer
// it with 503 and its message.
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return e.Msg }

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

// resolve checks a request and computes its key. Its errors are
// *BadRequestError, naming the field refused.
func (h *Hub) resolve(r Request) (resolved, error) {
	var res resolved
	bad := func(field, value string, err error) (resolved, error) {
		return res, &BadRequestError{Field: field, Value: value, Err: err}
	}
	v := layout.View(r.View)
	if v == "" {
		v = layout.Owner
	}
	if !v.Valid() {
		return bad("view", r.View, fmt.Errorf("unknown view %q (want %q, %q or %q)", r.View, layout.Owner, layout.PIDTree, layout.Network))
	}
	g, err := layout.ParseGrouping(r.Group)
	if err != nil {
		return bad("group", r.Group, fmt.Errorf("unknown group %q (want %q, %q or %q)", r.Group, layout.GroupNone, layout.GroupContainer, layout.GroupPod))
	}
	var canon string
	if q := strings.TrimSpace(r.Q); q != "" {
		match, c, err := h.cfg.ParseFilter(q)
		if err != nil {
			return bad("q", r.Q, err)
		}
		res.match, canon = match, c
	}
	if len(r.Expand) > layout.MaxExpand {
		return bad("expand", "", fmt.Errorf("expand: %d groups, at most %d", len(r.Expand), layout.MaxExpand))
	}
	exp := make([]string, 0, len(r.Expand))
	for _, g := range r.Expand {
		if !validGroupID(g) {
			return bad("expand", g, fmt.Errorf("expand: invalid group ID %q", truncate(g, 64)))
		}
		exp = append(exp, g)
	}
	if r.Reveal != "" {
		if !validGroupID(r.Reveal) {
			return bad("reveal", r.Reveal, fmt.Errorf("reveal: invalid node ID %q", truncate(r.Reveal, 64)))
		}
		exp = append(exp, h.hiding(v, g, res.match, canon, exp, r.Reveal)...)
		if len(exp) > layout.MaxExpand {
			exp = exp[:len(r.Expand)] // revealing would open too many: show what was asked
		}
	}
	slices.Sort(exp)
	exp = slices.Compact(exp)
	res.expand = exp
	res.key = Key{View: v, Group: g, Q: canon, Expand: strings.Join(exp, "\n")}
	res.client = r.Client
	return res, nil
}

// validGroupID reports whether id may name a group in expand (or a node
// to reveal): not empty, at most layout.MaxGroupIDLen bytes, no newline
// (the key joins IDs with newlines).
func validGroupID(id string) bool {
	return id != "" && len(id) <= layout.MaxGroupIDLen && !strings.Contains(id, "\n")
}

// hiding returns the folded groups that hide node id in the latest
// snapshot's picture of view v, grouping g, filter match and the groups
// expand opens (see layout.Hiding); nil before the first scan or when no
// group hides it. It costs a layout of the whole view with folding off, so
// only a hello that asks for it pays it, once per connection, and
// connections that reveal in the same picture of the same snapshot share
// it (a page reloaded by many people, a link opened twice).
func (h *Hub) hiding(v layout.View, g layout.Grouping, match func(*model.Snapshot, *model.Namespace) bool, canon string, expand []string, id string) []string {
	s := h.Latest()
	if s == nil {
		return nil
	}
	opts := h.cfg.Base
	opts.View, opts.Group = v, g
	if match != nil {
		opts.Keep = func(ns *model.Namespace) bool { return match(s, ns) }
	}
	key := unfoldedKey{snap: s, view: v, group: g, q: canon}
	h.unfoldedMu.Lock()
	defer h.unfoldedMu.Unlock()
	var res *layout.Result
	if u := h.unfolded.Load(); u != nil && u.key == key {
		res = u.res
	} else {
		full := opts
		full.FoldThreshold = -1
		res = h.cfg.Layout(s, full)
		h.unfolded.Store(&unfolded{key: key, res: res})
	}
	opts.Expanded = make(map[string]bool, len(expand))
	for _, e := range expand {
		opts.Expanded[e] = true
	}
	return layout.Hiding(res, id, opts)
}

// unfolded is a layout made with folding off, for the picture key names.
type unfolded struct {
	key unfoldedKey
	res *layout.Result
}

// unfoldedKey names the picture an unfolded layout was made for.
type unfoldedKey struct {
	snap  *model.Snapshot
	view  layout.View
	group layout.Grouping
	q     string
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// acquire returns the subscription for r, creating it if needed, and counts
// one more user so that it is not dropped while in use. Every acquire is
// paired with a release(sb, r.client).
func (h *Hub) acquire(r resolved) (*sub, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	sb := h.subs[r.key]
	if sb == nil && !r.key.isDefault() {
		if err := h.admitLocked(r.client); err != nil {
			return nil, err
		}
	}
	if sb == nil {
		sb = h.newSubLocked(r)
		h.subs[r.key] = sb
	}
	sb.users++
	sb.by[r.client]++
	sb.lastUsed = time.Now()
	return sb, nil
}

func (h *Hub) release(sb *sub, client string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sb.users--
	if sb.by[client]--; sb.by[client] <= 0 {
		delete(sb.by, client)
	}
	sb.lastUsed = time.Now()
}

// admitLocked makes room for one more subscription of client, or says
// which limit stands in the way.
func (h *Hub) admitLocked(client string) error {
	views := map[string]int{} // views held, by client
	n := 0
	for _, sb := range h.subs {
		if sb.key.isDefault() {
			continue
		}
		n++
		for c := range sb.by {
			views[c]++
		}
	}
	if views[client] >= h.cfg.MaxKeysPerClient {
		return &LimitError{fmt.Sprintf("this client (%s) has %d views open, at most %d per client: close a tab or clear a filter", clientName(client), views[client], h.cfg.MaxKeysPerClient)}
	}
	if n < h.cfg.MaxKeys || h.evictIdleLocked() {
		return nil
	}
	// Every view is in use: take one from the client that holds the most,
	// its costliest, if that is fairer than refusing.
	top := ""
	for c, k := range views {
		if k > views[top] || (k == views[top] && c < top) {
			top = c
		}
	}
	if views[top] < views[client]+2 {
		return &LimitError{fmt.Sprintf("too many distinct views in use by all clients (at most %d, shared fairly); try again later", h.cfg.MaxKeys)}
	}
	var victim *sub
	for _, sb := range h.subs {
		if sb.key.isDefault() || sb.by[top] == 0 {
			continue
		}
		if victim == nil || sb.cost.Load() > victim.cost.Load() {
			victim = sb
		}
	}
	delete(h.subs, victim.key)
	victim.evict()
	return nil
}

// clientName shows a client in messages.
func clientName(c string) string {
	if c == "" {
		return "local"
	}
	return c
}

// evict closes the connections of a subscription dropped to make room.
// Called with h.mu held; the clients' handlers unsubscribe on their own.
func (sb *sub) evict() {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	for c := range sb.clients {
		c.cancel(&closeError{websocket.StatusTryAgainLater, "this view was closed to make room for other clients' views (too many in use); reload to try again"})
	}
}

// evictIdleLocked drops the least recently used subscription without users.
func (h *Hub) evictIdleLocked() bool {
	var victim *sub
	for _, sb := range h.subs {
		if sb.users == 0 && (victim == nil || sb.lastUsed.Before(victim.lastUsed)) {
			victim = sb
		}
	}
	if victim == nil {
		return false
	}
	delete(h.subs, victim.key)
	return true
}

// newSubLocked creates a subscription whose sequence numbers cannot be
// mistaken for those of any other subscription, before or after a restart:
// they start at the creation time in milliseconds times 1024, and a
// subscription produces far fewer than 1024 patches per millisecond (the
// watcher coalesces events over tens of milliseconds). The values stay
// below 2^53, so JavaScript numbers hold them exactly.
func (h *Hub) newSubLocked(r resolved) *sub {
	base := uint64(time.Now().UnixMilli()) << 10
	if base <= h.lastBase {
		base = h.lastBase + 1<<10
	}
	h.lastBase = base
	opts := h.cfg.Base
	opts.View = r.key.View
	opts.Group = r.key.Group
	if len(r.expand) > 0 {
		opts.Expanded = make(map[string]bool, len(r.expand))
		for _, g := range r.expand {
			opts.Expanded[g] = true
		}
	}
	return &sub{
		h: h, key: r.key, expand: r.expand, opts: opts, match: r.match, seq: base,
		clients: map[*client]struct{}{}, by: map[string]int{},
	}
}

// sub is one subscription: the state every client with its key shares.
type sub struct {
	h      *Hub
	key    Key
	expand []string
	opts   layout.Options
	match  func(*model.Snapshot, *model.Namespace) bool // nil: no filter

	// Guarded by h.mu.
	users    int
	by       map[string]int // users by client
	lastUsed time.Time

	cost atomic.Int64 // nanoseconds the last layout took

	mu        sync.Mutex // guards everything below
	gen       uint64     // generation of snap; 0 before the first
	snap      *model.Snapshot
	result    *layout.Result
	nodes     []wire.Node
	meta      wire.Meta
	seq       uint64
	ring      []ringEntry // oldest first, at most Config.Ring
	ringBytes int         // encoded size of ring
	snapMsg   []byte      // encoded snapshot of seq snapSeq
	snapSeq   uint64
	clients   map[*client]struct{}
}

type ringEntry struct {
	seq uint64
	msg []byte
}

// catchUp brings a subscription that was created or idle between
// publications to the latest snapshot. Called with sb.mu held.
func (sb *sub) catchUp() {
	sb.h.mu.Lock()
	s, gen := sb.h.latest, sb.h.gen
	sb.h.mu.Unlock()
	sb.advance(s, gen)
}

// advance lays out snapshot s (generation gen) and sends the difference to
// the clients. Older or equal generations are ignored, so racing callers
// never move the state backwards. Called with sb.mu held.
func (sb *sub) advance(s *model.Snapshot, gen uint64) {
	if s == nil || gen <= sb.gen {
		return
	}
	opts := sb.opts
	if sb.match != nil {
		opts.Keep = func(ns *model.Namespace) bool { return sb.match(s, ns) }
	}
	start := time.Now()
	res := sb.h.cfg.Layout(s, opts)
	sb.cost.Store(int64(time.Since(start)))
	nodes := wire.BuildNodes(s, res, opts.Keep)
	meta := wire.NewMeta(s, res)
	first := sb.gen == 0
	prev, before := sb.snap, sb.result
	sb.gen, sb.snap, sb.result = gen, s, res
	if first {
		sb.nodes, sb.meta = nodes, meta
		// Clients that subscribed before the first scan wait for this.
		for c := range sb.clients {
			c.reset(sb.snapshotMsg())
		}
		return
	}
	p := wire.Diff(sb.nodes, nodes)
	// What started or ended on the host, told apart from what only came
	// into or went out of the view, is known here and nowhere else: the
	// client sees IDs, not the host. A start and an end inside one folded
	// group change no node, and are still worth a patch.
	p.Folded = wire.Folded(prev, before, s, res)
	if p.Empty() && len(p.Folded) == 0 && meta.SameContent(sb.meta) {
		sb.nodes, sb.meta = nodes, meta
		return
	}
	sb.seq++
	// The cached snapshot is of the last seq: drop it now rather than keep
	// it (16 MB at 60k nodes) until a client next asks for one.
	sb.snapMsg = nil
	p.Seq, p.Meta = sb.seq, meta
	p.Born = wire.Born(prev, p.Add)
	p.Ended = wire.Ended(s, p.Remove)
	sb.nodes, sb.meta = nodes, meta
	msg, err := json.Marshal(&p)
	if err != nil {
		// Cannot happen for these types; if it did, clients must resync.
		sb.h.log.Error("stream: encode patch", "err", err)
		for c := range sb.clients {
			c.reset(sb.snapshotMsg())
		}
		return
	}
	sb.ring = append(sb.ring, ringEntry{seq: sb.seq, msg: msg})
	sb.ringBytes += len(msg)
	drop := 0
	for len(sb.ring)-drop > sb.h.cfg.Ring || (sb.ringBytes > sb.h.cfg.RingBytes && drop < len(sb.ring)) {
		sb.ringBytes -= len(sb.ring[drop].msg)
		drop++
	}
	if drop > 0 {
		sb.ring = slices.Delete(sb.ring, 0, drop)
	}
	for c := range sb.clients {
		c.send(msg, sb)
	}
}

// snapshotMsg returns the encoded snapshot of the current state, encoding
// it at most once per sequence number. Called with sb.mu held.
func (sb *sub) snapshotMsg() []byte {
	if sb.snapMsg != nil && sb.snapSeq == sb.seq {
		return sb.snapMsg
	}
	msg, err := wire.EncodeSnapshot(sb.snapshot())
	if err != nil {
		sb.h.log.Error("stream: encode snapshot", "err", err)
		msg = errorMsg("internal error: cannot encode the snapshot")
	}
	sb.snapMsg, sb.snapSeq = msg, sb.seq
	return msg
}

// snapshot returns the current state as a message. Called with sb.mu held.
func (sb *sub) snapshot() *wire.Snapshot {
	return &wire.Snapshot{
		Type: wire.TypeSnapshot, Seq: sb.seq, View: sb.key.View, Group: sb.key.Group, Q: sb.key.Q,
		Expand: append([]string{}, sb.expand...), Meta: sb.meta, Nodes: sb.nodes,
	}
}

// since returns the patches after seq n, or false if the ring no longer
// holds all of them (or n is not of this subscription). Called with sb.mu
// held.
func (sb *sub) since(n uint64) ([][]byte, bool) {
	if n == 0 || n > sb.seq {
		return nil, false
	}
	if n == sb.seq {
		return nil, true
	}
	if len(sb.ring) == 0 || sb.ring[0].seq > n+1 {
		return nil, false
	}
	i := int(n + 1 - sb.ring[0].seq)
	out := make([][]byte, 0, len(sb.ring)-i)
	for _, e := range sb.ring[i:] {
		out = append(out, e.msg)
	}
	return out, true
}

func errorMsg(text string) []byte {
	b, _ := json.Marshal(wire.Error{Type: wire.TypeError, Error: text})
	return b
}
