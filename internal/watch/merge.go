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
				sig = Signal{Reasons: Names, First: time.Now()}
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
