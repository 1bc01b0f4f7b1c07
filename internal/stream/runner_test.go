package stream

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/watch"
)

func TestRunner(t *testing.T) {
	h, err := NewHub(Config{Layout: flatLayout})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var calls []string
	gen := 0
	scan := func(ctx context.Context) (*model.Snapshot, error) {
		mu.Lock()
		defer mu.Unlock()
		gen++
		calls = append(calls, "full")
		if gen == 3 {
			return nil, errors.New("scan broke")
		}
		return mkSnap(gen, model.NSID(gen+2)), nil
	}
	rescan := func(ctx context.Context, prev *model.Snapshot, pids []int) (*model.Snapshot, error) {
		mu.Lock()
		defer mu.Unlock()
		gen++
		calls = append(calls, "partial")
		if prev == nil || len(pids) == 0 {
			t.Errorf("rescan with prev %v, pids %v", prev, pids)
		}
		return mkSnap(gen, model.NSID(gen+2)), nil
	}
	relabel := func(prev *model.Snapshot) *model.Snapshot {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, "relabel")
		cp := *prev
		return &cp
	}
	sig := make(chan watch.Signal)
	r := &Runner{Scan: scan, Rescan: rescan, Relabel: relabel, Hub: h}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx, sig); close(done) }()
	sig <- watch.Signal{Reasons: watch.Proc, PIDs: []int{5}, First: time.Now()} // partial
	sig <- watch.Signal{Reasons: watch.Proc | watch.Mount, First: time.Now()}   // full, fails
	sig <- watch.Signal{Reasons: watch.Proc, First: time.Now()}                 // no PID hint: full
	sig <- watch.Signal{Reasons: watch.Proc, PIDs: []int{6}, First: time.Now()} // partial
	sig <- watch.Signal{Reasons: watch.Names, First: time.Now()}                // relabel
	sig <- watch.Signal{Reasons: watch.Names | watch.Proc, First: time.Now()}   // full
	cancel()
	<-done
	want := []string{"full", "partial", "full", "full", "partial", "relabel", "full"}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != len(want) {
		t.Fatalf("calls %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Fatalf("calls %v, want %v", calls, want)
		}
	}
	// The failed scan kept the previous state; the last one is published.
	if l := h.Latest(); l == nil || l.Namespaces[8] == nil {
		t.Errorf("latest snapshot is not the last scan's")
	}
}

// TestRunnerFollowsUpUnsettled: while the collector says its last scan
// saw zombies, the runner rescans by itself (no PID named) with a growing
// delay, and stops once it is settled. It runs in a synctest bubble, so
// the backoff is measured on the bubble's fake clock: exact, and as fast
// on a busy machine as on an idle one.
func TestRunnerFollowsUpUnsettled(t *testing.T) {
	tests := []struct {
		name      string
		unsettled int // scans after which Unsettled turns false
		want      int // rescans the runner does by itself
	}{
		{"settled at once", 0, 0},
		{"three zombie rounds", 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, err := NewHub(Config{Layout: flatLayout})
				if err != nil {
					t.Fatal(err)
				}
				var mu sync.Mutex
				scans, followUps := 0, 0
				var gaps []time.Duration
				last := time.Now()
				scan := func(ctx context.Context) (*model.Snapshot, error) {
					mu.Lock()
					defer mu.Unlock()
					scans++
					last = time.Now()
					return mkSnap(scans, model.NSID(scans+2)), nil
				}
				rescan := func(ctx context.Context, prev *model.Snapshot, pids []int) (*model.Snapshot, error) {
					mu.Lock()
					defer mu.Unlock()
					if pids == nil || len(pids) != 0 {
						t.Errorf("follow-up rescan with pids %v, want none (non-nil)", pids)
					}
					scans++
					followUps++
					gaps = append(gaps, time.Since(last))
					last = time.Now()
					return mkSnap(scans, model.NSID(scans+2)), nil
				}
				unsettled := func() bool {
					mu.Lock()
					defer mu.Unlock()
					return scans <= tt.unsettled
				}
				r := &Runner{Scan: scan, Rescan: rescan, Unsettled: unsettled, Hub: h}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { r.Run(ctx, nil); close(done) }()
				// The backoff sums to 50+100+200 ms for three rounds; wait
				// (on the fake clock) for them and as long again for a
				// follow-up too many.
				time.Sleep(2 * (minFollowUp + 2*minFollowUp + 4*minFollowUp))
				cancel()
				<-done
				mu.Lock()
				defer mu.Unlock()
				if followUps != tt.want {
					t.Fatalf("%d follow-up rescans, want %d", followUps, tt.want)
				}
				// Scans take no time on the fake clock, so each gap is the
				// backoff's delay exactly.
				for i, g := range gaps {
					if want := minFollowUp << i; g != want {
						t.Errorf("follow-up %d came %v after the scan before, want %v", i+1, g, want)
					}
				}
			})
		})
	}
}
