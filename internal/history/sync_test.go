package history

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// TestSyncBoundary: Sync on a published snapshot returns the time through
// which the store describes it, committed at once: the events at or before
// it lead to the snapshot, none after it does; a snapshot published with
// the previous one's scan time (a relabel) still gets its own boundary.
func TestSyncBoundary(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		h := newHost()
		st, rec, stop := run(t, path, Options{})
		defer stop()
		rec.Record(h.snap())
		time.Sleep(3 * time.Second)
		h.start(100, 500, "sleep", "c1")
		b := h.snap()
		// Sync is asked before the recorder has the snapshot: it waits.
		got := make(chan time.Time, 1)
		go func() {
			tb, err := rec.Sync(ctx, b)
			if err != nil {
				t.Error(err)
			}
			got <- tb
		}()
		synctest.Wait()
		rec.Record(b)
		tb := <-got
		if !tb.Equal(b.Taken.Truncate(time.Microsecond)) {
			t.Errorf("boundary of b %v, want its scan time %v", tb, b.Taken)
		}
		// Committed at once, before the recorder's tick.
		page, err := st.Events(ctx, Query{Until: tb})
		if err != nil {
			t.Fatal(err)
		}
		if kinds := kindsOf(page.Events); kinds != "started born" {
			t.Errorf("events up to b: %s", kinds)
		}
		// A relabel: same scan time, a container gone.
		r := h.snap()
		r.Taken = b.Taken
		delete(r.Containers, "c1")
		rec.Record(r)
		tr, err := rec.Sync(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if !tr.After(tb) {
			t.Errorf("boundary of the relabel %v is not after b's %v", tr, tb)
		}
		after, err := st.Events(ctx, Query{Since: tb.Add(time.Microsecond), Until: tr})
		if err != nil {
			t.Fatal(err)
		}
		if kinds := kindsOf(after.Events); kinds != "stopped" {
			t.Errorf("events between b and the relabel: %s", kinds)
		}
		// A snapshot that changes nothing is described by the same rows.
		same := h.snap()
		same.Containers = r.Containers
		rec.Record(same)
		ts, err := rec.Sync(ctx, same)
		if err != nil {
			t.Fatal(err)
		}
		if !ts.Equal(tr) {
			t.Errorf("boundary of an unchanged snapshot %v, want %v", ts, tr)
		}
		// A snapshot never recorded: the caller's deadline.
		tctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		if _, err := rec.Sync(tctx, h.snap()); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Sync of a snapshot never recorded: %v", err)
		}
	})
}

// TestSyncDropped: a snapshot the full queue dropped fails Sync at once,
// and a stopped recorder answers every waiter.
func TestSyncDropped(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	synctest.Test(t, func(t *testing.T) {
		st, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		rec := NewRecorder(st, nil)
		h := newHost()
		var last *model.Snapshot
		for i := range QueueLen + 1 {
			h.start(100+i, model.NSID(500+i), "sleep", "")
			last = h.snap()
			rec.Record(last)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { rec.Run(ctx); close(done) }()
		if _, err := rec.Sync(context.Background(), last); !errors.Is(err, ErrNotRecorded) {
			t.Errorf("Sync of a dropped snapshot: %v", err)
		}
		never := h.snap()
		res := make(chan error, 1)
		go func() { _, err := rec.Sync(context.Background(), never); res <- err }()
		synctest.Wait()
		cancel()
		<-done
		if err := <-res; !errors.Is(err, ErrNotRecorded) {
			t.Errorf("Sync when the recorder stops: %v", err)
		}
		if _, err := rec.Sync(context.Background(), never); !errors.Is(err, ErrNotRecorded) {
			t.Errorf("Sync after the recorder stopped: %v", err)
		}
	})
}

func kindsOf(evs []Event) string {
	s := ""
	for _, e := range evs {
		if s != "" {
			s += " "
		}
		s += string(e.Kind)
	}
	return s
}
