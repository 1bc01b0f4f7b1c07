package history

import (
	"context"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// TestLifetimeSeenAgain: a namespace ID met again in the lifetimes table.
// Within one boot an NSID is never reused, so a namespace that a snapshot
// missed (a scan cannot read what holds it for a moment) and the next one
// has again is the same namespace: its lifetime goes on from its birth.
// A store kept across a reboot meets NSIDs of the boot before, other
// namespaces (another type or inode): the new one's lifetime replaces the
// old, born now and alive. Neither may fail the commit (which loses the
// second of events with it).
func TestLifetimeSeenAgain(t *testing.T) {
	t.Run("missed by one snapshot", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), FileName)
		synctest.Test(t, func(t *testing.T) {
			h := newHost()
			st, rec, stop := run(t, path, Options{})
			defer stop()
			rec.Record(h.snap())
			time.Sleep(5 * time.Second)
			h.start(100, 500, "sleep", "")
			born := time.Now()
			rec.Record(h.snap())
			time.Sleep(5 * time.Second)
			missed := h.snap()
			delete(missed.Namespaces, 500)
			rec.Record(missed)
			time.Sleep(5 * time.Second)
			rec.Record(h.snap())
			time.Sleep(2 * time.Second) // committed within a second
			if s := rec.Stats(); s.Error != "" {
				t.Fatalf("recorder: %s", s.Error)
			}
			lt, err := st.Lifetime(context.Background(), 500)
			if err != nil || lt == nil {
				t.Fatalf("lifetime: %v, %v", lt, err)
			}
			if !lt.Born.Equal(born) || lt.Ended != nil || lt.PID != 100 {
				t.Errorf("lifetime %+v, want born at %v and alive", lt, born)
			}
		})
	})
	t.Run("an NSID of the boot before", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), FileName)
		synctest.Test(t, func(t *testing.T) {
			h := newHost()
			_, rec, stop := run(t, path, Options{})
			rec.Record(h.snap())
			time.Sleep(5 * time.Second)
			h.start(100, 500, "sleep", "")
			rec.Record(h.snap())
			time.Sleep(2 * time.Second)
			stop()
			// After the reboot, 500 is another net namespace.
			time.Sleep(time.Minute)
			h.stop(100)
			h.start(200, 500, "sh", "")
			h.ns[500].Inode += 7
			st, rec, stop := run(t, path, Options{})
			defer stop()
			born := time.Now()
			rec.Record(h.snap())
			time.Sleep(2 * time.Second)
			if s := rec.Stats(); s.Error != "" {
				t.Fatalf("recorder: %s", s.Error)
			}
			lt, err := st.Lifetime(context.Background(), 500)
			if err != nil || lt == nil {
				t.Fatalf("lifetime: %v, %v", lt, err)
			}
			if lt.Inode != h.ns[500].Inode || lt.Type != model.Net || lt.Ended != nil || lt.PID != 200 || lt.Comm != "sh" || lt.Before ||
				lt.Born.Before(born.Add(-time.Second)) {
				t.Errorf("lifetime %+v, want the new namespace's (inode %d), born at %v, alive", lt, h.ns[500].Inode, born)
			}
		})
	})
}
