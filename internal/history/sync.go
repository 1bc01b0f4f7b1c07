package history

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// A stream client that replays history up to the picture it is shown, then
// goes on with live patches, must find every change up to that picture in
// the store, and none after it: Sync tells the time key through which the
// store describes a given published snapshot, once that is committed.

// recentLen bounds the snapshots whose keys the recorder remembers for
// Sync: more than its queue holds, so a snapshot published a moment ago
// is still known.
const recentLen = 2 * QueueLen

type recentSnap struct {
	s *model.Snapshot
	k int64
}

type syncReq struct {
	s    *model.Snapshot
	done chan syncResult
}

type syncResult struct {
	k   int64
	err error
}

// ErrNotRecorded says that Sync's snapshot never reached the recorder
// (its queue was full and dropped it), or that the recorder stopped.
var ErrNotRecorded = errors.New("history: snapshot not recorded")

// Sync waits until the changes up to published snapshot s (the one given
// to Record) are committed, and returns the time of the last change that
// describes it: the changes at or before that time lead to s, the later
// ones come after it. It commits at once rather than at the next tick. A
// snapshot the recorder dropped, or does not get before ctx ends, is an
// error (ErrNotRecorded or ctx's).
func (r *Recorder) Sync(ctx context.Context, s *model.Snapshot) (time.Time, error) {
	req := syncReq{s: s, done: make(chan syncResult, 1)}
	select {
	case r.syncs <- req:
	case <-ctx.Done():
		return time.Time{}, fmt.Errorf("history: wait for the recorder: %w", ctx.Err())
	case <-r.stopped:
		return time.Time{}, fmt.Errorf("%w: the recorder stopped", ErrNotRecorded)
	}
	select {
	case res := <-req.done:
		if res.err != nil {
			return time.Time{}, res.err
		}
		return fromKey(res.k), nil
	case <-ctx.Done():
		return time.Time{}, fmt.Errorf("history: wait for the recorder: %w", ctx.Err())
	}
}

// noteTaken remembers the key that describes s. Owned by Run.
func (r *Recorder) noteTaken(s *model.Snapshot, k int64) {
	if len(r.recent) == recentLen {
		r.recent = append(r.recent[:0], r.recent[1:]...)
	}
	r.recent = append(r.recent, recentSnap{s: s, k: k})
}

// serveSyncs answers the waiters whose snapshot was taken, committing
// first when their changes are still pending. Owned by Run.
func (r *Recorder) serveSyncs(ctx context.Context) {
	if len(r.waiting) == 0 {
		return
	}
	kept := r.waiting[:0]
	committed := false
	for _, w := range r.waiting {
		k, ok := r.keyOf(w.s)
		if !ok {
			if r.wasDropped(w.s) {
				w.done <- syncResult{err: fmt.Errorf("%w: the recorder's queue was full", ErrNotRecorded)}
				continue
			}
			kept = append(kept, w)
			continue
		}
		if k > r.committed && !committed {
			r.flushPending(ctx)
			committed = true
		}
		if k > r.committed {
			w.done <- syncResult{err: fmt.Errorf("history: commit failed: %w", r.lastError())}
			continue
		}
		w.done <- syncResult{k: k}
	}
	r.waiting = kept
}

// noteDropped remembers a snapshot the full queue dropped, so that a
// Sync on it fails at once. Called by Record.
func (r *Recorder) noteDropped(s *model.Snapshot) {
	r.droppedMu.Lock()
	defer r.droppedMu.Unlock()
	if len(r.dropped) == recentLen {
		r.dropped = append(r.dropped[:0], r.dropped[1:]...)
	}
	r.dropped = append(r.dropped, s)
}

func (r *Recorder) wasDropped(s *model.Snapshot) bool {
	r.droppedMu.Lock()
	defer r.droppedMu.Unlock()
	for _, d := range r.dropped {
		if d == s {
			return true
		}
	}
	return false
}

func (r *Recorder) keyOf(s *model.Snapshot) (int64, bool) {
	for i := len(r.recent) - 1; i >= 0; i-- {
		if r.recent[i].s == s {
			return r.recent[i].k, true
		}
	}
	return 0, false
}

func (r *Recorder) lastError() error {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if r.lastErr == nil {
		return errors.New("unknown error")
	}
	return r.lastErr
}

// failSyncs answers every waiter that the recorder stopped.
func (r *Recorder) failSyncs() {
	for _, w := range r.waiting {
		w.done <- syncResult{err: fmt.Errorf("%w: the recorder stopped", ErrNotRecorded)}
	}
	r.waiting = nil
}
