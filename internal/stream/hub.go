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
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	// MaxKeys bounds the distinct subscriptions (default 64).
	MaxKeys int
	// KeyIdle is how long a subscription without clients is kept up to
	// date before it is dropped (default 30 s): long enough for a reconnect
	// to get its missed patches, short enough that abandoned filters do not
	// cost a layout per scan for long.
	KeyIdle time.Duration
	// PingInterval is the keepalive period (default 20 s); a client that
	// does not answer a ping within WriteTimeout is disconnected.
	PingInterval time.Duration
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
	// Compression negotiates permessage-deflate with clients that offer it.
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
	setD := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	setD(&c.KeyIdle, 30*time.Second)
	setD(&c.PingInterval, 20*time.Second)
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
}

// resolved is a checked request.
type resolved struct {
	key    Key
	expand []string
	match  func(*model.Snapshot, *model.Namespace) bool
}

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
	for k, sb := range h.subs {
		if sb.users == 0 && now.Sub(sb.lastUsed) > h.cfg.KeyIdle {
			delete(h.subs, k)
			continue
		}
		subs = append(subs, sb)
	}
	h.mu.Unlock()
	for _, sb := range subs {
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
		return bad("view", r.View, fmt.Errorf("unknown view %q (want %q or %q)", r.View, layout.Owner, layout.PIDTree))
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
// paired with a release.
func (h *Hub) acquire(r resolved) (*sub, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	sb := h.subs[r.key]
	if sb == nil {
		if len(h.subs) >= h.cfg.MaxKeys && !h.evictIdleLocked() {
			return nil, fmt.Errorf("too many distinct views in use (at most %d); try again later", h.cfg.MaxKeys)
		}
		sb = h.newSubLocked(r)
		h.subs[r.key] = sb
	}
	sb.users++
	sb.lastUsed = time.Now()
	return sb, nil
}

func (h *Hub) release(sb *sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sb.users--
	sb.lastUsed = time.Now()
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
		clients: map[*client]struct{}{},
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
	lastUsed time.Time

	mu        sync.Mutex // guards everything below
	gen       uint64     // generation of snap; 0 before the first
	snap      *model.Snapshot
	result    *layout.Result
	nodes     []wire.Node
	infos     wire.InfoCache // the Infos of nodes, by namespace
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
	res := sb.h.cfg.Layout(s, opts)
	nodes := sb.infos.BuildNodes(s, res)
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
	msg, err := json.Marshal(sb.snapshot())
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
