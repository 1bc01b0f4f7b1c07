// A subscription: one picture laid out per scan, its patches, ring of
// recent messages and cached snapshot, shared by every client of its key.

package stream

import (
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

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
