package stream

import (
	"context"
	"errors"
	"sync"
	"testing"
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
