package watch

import (
	"context"
	"testing"
	"time"
)

func TestMerge(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan Signal)
	extra := make(chan struct{}, 1)
	out := Merge(ctx, sigs, extra)
	go func() { sigs <- Signal{Reasons: Proc, PIDs: []int{7}} }()
	if s := <-out; s.Reasons != Proc || len(s.PIDs) != 1 {
		t.Errorf("watcher signal changed on the way: %+v", s)
	}
	extra <- struct{}{}
	select {
	case s := <-out:
		if s.Reasons != Names || s.PIDs != nil {
			t.Errorf("an engine change must ask for a relabel: %+v", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no signal for the engine change")
	}
	close(sigs)
	select {
	case _, ok := <-out:
		if ok {
			t.Error("got a signal after the watcher closed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("merged channel did not close with the watcher")
	}
}

// TestMergeScans: a notice that any process may have joined a container
// asks for a full scan (Proc, no PID hint), not a relabel.
func TestMergeScans(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan Signal)
	extra := make(chan struct{}, 1)
	out := MergeScans(ctx, sigs, extra)
	extra <- struct{}{}
	select {
	case s := <-out:
		if s.Reasons != Proc || s.PIDs != nil || s.MntNS != nil {
			t.Errorf("a new task cgroup must ask for a full scan: %+v", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no signal for the notice")
	}
	cancel()
	select {
	case _, ok := <-out:
		if ok {
			t.Error("got a signal after the context ended")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("merged channel did not close with the context")
	}
}
