package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// Recorder writes the snapshots it is given into a Store from a goroutine
// of its own: Record never blocks the caller (the live path). Snapshots
// that find its bounded queue full are dropped and counted; the next one
// is diffed against the last recorded, so nothing is lost but the states
// in between.
type Recorder struct {
	st  *Store
	log *slog.Logger
	q   chan *model.Snapshot

	drops, recorded, events atomic.Int64
	errMu                   sync.Mutex
	lastErr                 error
	droppedMu               sync.Mutex
	dropped                 []*model.Snapshot // the last ones Record dropped

	syncs   chan syncReq  // Sync's requests to Run
	stopped chan struct{} // closed when Run returns

	// Owned by Run.
	prev      *model.Snapshot
	lastKey   int64
	pending   []pendingRow
	lastRet   time.Time
	needCP    bool
	cpPending *model.Snapshot
	committed int64        // key through which the store is committed
	recent    []recentSnap // the last snapshots taken and their keys
	waiting   []syncReq
}

type pendingRow struct {
	k    int64
	c    *change
	snap *model.Snapshot
	// first marks the first snapshot recorded into an empty store: the
	// checkpoint holds it, and its namespaces were there before.
	first bool
}

// QueueLen bounds the snapshots waiting to be recorded.
const QueueLen = 64

// FlushEvery is the longest a recorded change waits for its commit: what
// a kill -9 can lose.
const FlushEvery = time.Second

// NewRecorder makes a recorder into st; start it with Run.
func NewRecorder(st *Store, log *slog.Logger) *Recorder {
	if log == nil {
		log = slog.Default()
	}
	return &Recorder{st: st, log: log, q: make(chan *model.Snapshot, QueueLen),
		syncs: make(chan syncReq), stopped: make(chan struct{})}
}

// Record queues s to be recorded, or drops it if the queue is full.
func (r *Recorder) Record(s *model.Snapshot) {
	if s == nil {
		return
	}
	select {
	case r.q <- s:
	default:
		r.drops.Add(1)
		r.noteDropped(s)
	}
}

// RecorderStats are counters for the health check and tests.
type RecorderStats struct {
	Recorded int64  `json:"recorded"` // snapshots that changed something, written
	Events   int64  `json:"events"`
	Dropped  int64  `json:"dropped"` // snapshots the full queue dropped
	Error    string `json:"error,omitempty"`
}

// Stats returns the counters.
func (r *Recorder) Stats() RecorderStats {
	st := RecorderStats{Recorded: r.recorded.Load(), Events: r.events.Load(), Dropped: r.drops.Load()}
	r.errMu.Lock()
	if r.lastErr != nil {
		st.Error = r.lastErr.Error()
	}
	r.errMu.Unlock()
	return st
}

func (r *Recorder) fail(err error) {
	r.errMu.Lock()
	r.lastErr = err
	r.errMu.Unlock()
	r.log.Error("history", "err", err)
}

// Run records until ctx ends, then commits what is pending. The first
// snapshot is compared with the last state the store holds (what ended or
// started while nsweb was not running) and checkpointed.
func (r *Recorder) Run(ctx context.Context) {
	if err := r.start(ctx); err != nil {
		r.fail(err)
	}
	defer close(r.stopped)
	defer r.failSyncs()
	tick := time.NewTicker(FlushEvery)
	defer tick.Stop()
	for {
		select {
		case s := <-r.q:
			r.take(s)
			r.serveSyncs(context.WithoutCancel(ctx))
		case w := <-r.syncs:
			r.waiting = append(r.waiting, w)
			r.serveSyncs(context.WithoutCancel(ctx))
		case <-tick.C:
			r.flush(context.WithoutCancel(ctx))
		case <-ctx.Done():
			for {
				select {
				case s := <-r.q:
					r.take(s)
					continue
				default:
				}
				break
			}
			r.flush(context.WithoutCancel(ctx))
			return
		}
	}
}

// start loads the last recorded state as the base of the first diff.
func (r *Recorder) start(ctx context.Context) error {
	r.needCP = true
	last, err := r.st.lastKey(ctx)
	if err != nil {
		return err
	}
	r.lastKey, r.committed = last, last
	if last == 0 {
		return nil
	}
	s, err := r.st.At(ctx, fromKey(last))
	if err != nil {
		return fmt.Errorf("history: rebuild the last recorded state: %w", err)
	}
	r.prev = s
	return nil
}

func (r *Recorder) take(s *model.Snapshot) {
	if s == r.prev {
		r.noteTaken(s, r.lastKey)
		return
	}
	first := r.prev == nil
	c := &change{} // the first: everything was there before; the checkpoint holds it
	if !first {
		c = diff(r.prev, s)
	}
	r.prev = s
	if c.empty() && !r.needCP {
		r.noteTaken(s, r.lastKey) // the rows so far describe it
		return
	}
	k := key(s.Taken)
	if k <= r.lastKey {
		k = r.lastKey + 1
	}
	r.lastKey = k
	r.noteTaken(s, k)
	r.pending = append(r.pending, pendingRow{k: k, c: c, snap: s, first: first})
	if r.needCP {
		r.cpPending, r.needCP = s, false
	}
}

// flushPending commits the pending rows, if any.
func (r *Recorder) flushPending(ctx context.Context) {
	if len(r.pending) > 0 {
		if err := r.commit(ctx); err != nil {
			r.fail(err)
		}
	}
}

// flush commits the pending rows (and a checkpoint, when due) in one
// transaction, then applies retention at most once a minute.
func (r *Recorder) flush(ctx context.Context) {
	r.flushPending(ctx)
	now := r.st.opt.Now()
	if now.Sub(r.lastRet) >= time.Minute {
		r.lastRet = now
		if err := r.st.Retain(ctx); err != nil {
			r.fail(err)
		}
	}
}

func (r *Recorder) commit(ctx context.Context) error {
	if len(r.pending) == 0 {
		return nil
	}
	st := r.st
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // after Commit, a no-op
	var bytes int64
	nev := 0
	for _, p := range r.pending {
		if p.snap == r.cpPending {
			if err := st.writeCheckpoint(ctx, tx, p.k, p.snap, p.first); err != nil {
				return err
			}
		}
		if p.c.empty() {
			continue
		}
		data, err := encode(p.c, true)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO changes (t, events, data) VALUES (?, ?, ?)", p.k, len(p.c.Ev), data); err != nil {
			return fmt.Errorf("history: write: %w", err)
		}
		bytes += int64(len(data))
		nev += len(p.c.Ev)
		if err := writeLifetimes(ctx, tx, p.k, p.c); err != nil {
			return err
		}
	}
	st.mu.Lock()
	st.since += bytes
	due := st.lastCP == 0 || st.since > st.cpBytes || fromKey(r.lastKey).Sub(fromKey(st.lastCP)) >= st.opt.CheckpointEvery ||
		st.since > st.opt.MaxBytes/8
	st.mu.Unlock()
	last := r.pending[len(r.pending)-1]
	if due && last.snap != r.cpPending {
		if err := st.writeCheckpoint(ctx, tx, last.k, last.snap, false); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: commit: %w", err)
	}
	r.committed = r.lastKey
	r.recorded.Add(int64(len(r.pending)))
	r.events.Add(int64(nev))
	r.pending, r.cpPending = r.pending[:0], nil
	return nil
}

// writeCheckpoint stores the whole of s at k. When s is the first
// snapshot recorded into an empty store, the lifetimes table learns its
// namespaces as there before recording began.
func (st *Store) writeCheckpoint(ctx context.Context, tx *sql.Tx, k int64, s *model.Snapshot, first bool) error {
	data, err := encodeCheckpoint(newCheckpoint(s))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO checkpoints (t, data) VALUES (?, ?)", k, data); err != nil {
		return fmt.Errorf("history: write checkpoint: %w", err)
	}
	if first {
		var open int64
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM lifetimes WHERE ended IS NULL").Scan(&open); err != nil {
			return fmt.Errorf("history: read lifetimes: %w", err)
		}
		if open == 0 {
			for _, ns := range s.Namespaces {
				if err := insertLifetime(ctx, tx, k, true, s, ns); err != nil {
					return err
				}
			}
		}
	}
	st.mu.Lock()
	st.lastCP, st.cpBytes, st.since = k, int64(len(data)), 0
	st.mu.Unlock()
	return nil
}

// upsertLifetime records a namespace born (or there before recording
// began) at a time key. Its NSID may have a row already, in two cases:
//   - The same namespace (same type and inode), which a snapshot missed
//     while it lived (a scan could not read what held it for a moment):
//     an NSID is never reused within a boot, so it did not end, and its
//     lifetime goes on from its birth.
//   - Another namespace, of a boot before (a store kept across a reboot,
//     NSIDs count again from the start): the new one replaces it.
//
// In an UPDATE, every right-hand side reads the row as it was.
const upsertLifetime = `INSERT INTO lifetimes (ns, type, inode, born, before, pid, comm, ctr) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(ns) DO UPDATE SET
	born = CASE WHEN type = excluded.type AND inode = excluded.inode THEN born ELSE excluded.born END,
	before = CASE WHEN type = excluded.type AND inode = excluded.inode THEN before ELSE excluded.before END,
	pid = CASE WHEN type = excluded.type AND inode = excluded.inode THEN pid ELSE excluded.pid END,
	comm = CASE WHEN type = excluded.type AND inode = excluded.inode THEN comm ELSE excluded.comm END,
	ctr = CASE WHEN type = excluded.type AND inode = excluded.inode THEN ctr ELSE excluded.ctr END,
	type = excluded.type, inode = excluded.inode, ended = NULL`

func insertLifetime(ctx context.Context, tx *sql.Tx, k int64, before bool, s *model.Snapshot, ns *model.Namespace) error {
	var comm, ctr sql.NullString
	if p := s.Processes[ns.Leader]; p != nil && ns.Leader != 0 {
		comm = sql.NullString{String: p.Comm, Valid: true}
	}
	if len(ns.Containers) > 0 {
		name := ns.Containers[0]
		if c := s.Containers[name]; c != nil {
			name = c.DisplayName()
		}
		ctr = sql.NullString{String: name, Valid: true}
	}
	_, err := tx.ExecContext(ctx, upsertLifetime, int64(ns.ID), string(ns.Type), int64(ns.Inode), k, before, ns.Leader, comm, ctr)
	if err != nil {
		return fmt.Errorf("history: write lifetime: %w", err)
	}
	return nil
}

func writeLifetimes(ctx context.Context, tx *sql.Tx, k int64, c *change) error {
	for _, e := range c.Ev {
		var err error
		switch e.Kind {
		case Born:
			_, err = tx.ExecContext(ctx, upsertLifetime, int64(e.NS), string(e.Type), int64(e.Inode), k, false,
				e.PID, nullable(e.Comm), nullable(firstNonEmpty(e.Name, e.Container)))
		case Ended:
			// Only the namespace that ended: under its NSID, the row may
			// be another's already (see upsertLifetime).
			_, err = tx.ExecContext(ctx, "UPDATE lifetimes SET ended = ? WHERE ns = ? AND type = ? AND inode = ? AND ended IS NULL",
				k, int64(e.NS), string(e.Type), int64(e.Inode))
		}
		if err != nil {
			return fmt.Errorf("history: write lifetime: %w", err)
		}
	}
	return nil
}

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// lastKey is the newest time key the store holds, 0 when empty.
func (st *Store) lastKey(ctx context.Context) (int64, error) {
	var a, b sql.NullInt64
	err := st.db.QueryRowContext(ctx, "SELECT (SELECT max(t) FROM changes), (SELECT max(t) FROM checkpoints)").Scan(&a, &b)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("history: read: %w", err)
	}
	return max(a.Int64, b.Int64), nil
}
