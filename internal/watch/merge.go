package watch

import (
	"context"
	"time"
)

// Merge adds outside change notices (a container engine named or removed a
// container) to the watcher's signals as Names signals, so that a relabel
// needs no process event and costs no scan. The returned channel closes when ctx ends or signals
// closes.
func Merge(ctx context.Context, signals <-chan Signal, extra <-chan struct{}) <-chan Signal {
	return mergeAs(ctx, signals, extra, Names)
}

// MergeScans adds outside notices that may move any process into a
// container (containerd learnt the cgroup of a new task: internal/ctrd)
// as signals for a full scan: process changes too many to name (Proc
// without PIDs). The returned channel closes when ctx ends or signals
// closes.
func MergeScans(ctx context.Context, signals <-chan Signal, extra <-chan struct{}) <-chan Signal {
	return mergeAs(ctx, signals, extra, Proc)
}

// mergeAs is Merge with the notices' signals made of reasons.
func mergeAs(ctx context.Context, signals <-chan Signal, extra <-chan struct{}, reasons Reason) <-chan Signal {
	out := make(chan Signal)
	go func() {
		defer close(out)
		for {
			var sig Signal
			select {
			case <-ctx.Done():
				return
			case s, ok := <-signals:
				if !ok {
					return
				}
				sig = s
			case <-extra:
				sig = Signal{Reasons: reasons, First: time.Now()}
			}
			select {
			case out <- sig:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
