package metrics

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/stream"
	"github.com/nsweb/nsweb/internal/watch"
)

// sources are the watcher's reasons as metric labels.
var sources = []struct {
	reason watch.Reason
	label  string
}{
	{watch.Proc, "proc_connector"},
	{watch.Mount, "mountinfo"},
	{watch.Rescan, "safety_rescan"},
	{watch.Overflow, "overflow"},
	{watch.Names, "engine"},
}

// observer remembers why the runner works, so that a full scan knows
// whether the safety rescan alone asked for it. The tap adds each signal's
// reasons before handing it on; every scan the runner makes (full, partial
// or relabel; not the runner's follow-ups, which name no PID) takes what
// was added so far. A full scan that takes exactly Rescan served a signal
// no event came with. When a burst of signals interleaves, a scan may take
// nothing or the reasons of two signals: such a scan is not counted. The count can
// therefore miss a find, and a runner that counts by itself is exact (see
// SafetyRescanFinds).
type observer struct {
	latest  func() *model.Snapshot
	reasons atomic.Uint32 // watch.Reason bits not yet taken by a scan
}

// take returns the reasons added since the last scan took them.
func (o *observer) take() watch.Reason { return watch.Reason(o.reasons.Swap(0)) }

// add records a signal's reasons for the scan that serves it.
func (o *observer) add(r watch.Reason) {
	for {
		old := o.reasons.Load()
		if o.reasons.CompareAndSwap(old, old|uint32(r)) {
			return
		}
	}
}

// Tap counts the signals on their way to the runner and passes them on
// unchanged; the returned channel closes when in closes or ctx ends. Like
// watch.Merge, it holds at most one signal while the runner is busy.
func (m *Metrics) Tap(ctx context.Context, in <-chan watch.Signal) <-chan watch.Signal {
	out := make(chan watch.Signal)
	go func() {
		defer close(out)
		for {
			var sig watch.Signal
			select {
			case <-ctx.Done():
				return
			case s, ok := <-in:
				if !ok {
					return
				}
				sig = s
			}
			m.ObserveSignal(sig)
			m.obs.add(sig.Reasons)
			select {
			case out <- sig:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// ObserveSignal counts one signal under each source it coalesces.
func (m *Metrics) ObserveSignal(sig watch.Signal) {
	for _, s := range sources {
		if sig.Reasons&s.reason != 0 {
			m.signals.WithLabelValues(s.label).Inc()
		}
	}
	if sig.Events > 0 {
		m.events.Add(float64(sig.Events))
	}
}

// ObserveScan records one scan's duration, or its failure.
func (m *Metrics) ObserveScan(kind string, d time.Duration, err error) {
	if err != nil {
		m.errors.WithLabelValues(kind).Inc()
		return
	}
	m.scans.WithLabelValues(kind).Observe(d.Seconds())
}

// Scan times the runner's full scans. A full scan that the safety rescan
// alone asked for (no event came with it) and that finds namespaces the
// previous snapshot lacked, or lacks some it had, counts them as changes
// no event announced.
func (m *Metrics) Scan(scan stream.ScanFunc) stream.ScanFunc {
	return func(ctx context.Context) (*model.Snapshot, error) {
		why := m.obs.take()
		var prev *model.Snapshot
		if m.obs.latest != nil {
			prev = m.obs.latest()
		}
		start := time.Now()
		s, err := scan(ctx)
		m.ObserveScan(KindFull, time.Since(start), err)
		if err == nil && prev != nil && why == watch.Rescan {
			if n := Changed(prev, s); n > 0 {
				m.found.Add(float64(n))
			}
		}
		return s, err
	}
}

// Rescan times the runner's partial rescans.
func (m *Metrics) Rescan(rescan stream.RescanFunc) stream.RescanFunc {
	return func(ctx context.Context, prev *model.Snapshot, pids []int) (*model.Snapshot, error) {
		// The runner's own follow-ups (zombies not yet reaped) name no
		// PID and serve no signal: they leave its reasons to its scan.
		if len(pids) > 0 {
			m.obs.take()
		}
		start := time.Now()
		s, err := rescan(ctx, prev, pids)
		m.ObserveScan(KindPartial, time.Since(start), err)
		return s, err
	}
}

// Relabel passes the runner's relabelling on; it only marks the signal it
// serves as taken.
func (m *Metrics) Relabel(relabel func(prev *model.Snapshot) *model.Snapshot) func(prev *model.Snapshot) *model.Snapshot {
	return func(prev *model.Snapshot) *model.Snapshot {
		m.obs.take()
		return relabel(prev)
	}
}

// Changed counts the namespaces that are in one snapshot and not the other:
// those that appeared plus those that ended.
func Changed(prev, next *model.Snapshot) int {
	if prev == nil || next == nil {
		return 0
	}
	n := 0
	for id := range next.Namespaces {
		if _, ok := prev.Namespaces[id]; !ok {
			n++
		}
	}
	for id := range prev.Namespaces {
		if _, ok := next.Namespaces[id]; !ok {
			n++
		}
	}
	return n
}
