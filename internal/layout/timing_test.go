package layout

import (
	"slices"
	"syscall"
	"testing"
	"time"
)

// BenchmarkTiming alternates a fresh Compute and a reused Layouter on the
// same snapshot, one of each per iteration, so that drifting machine load
// hits both alike, and reports the median wall-clock and process CPU time
// of each (ns/op is the two together). CPU time separates the layout's own
// cost (plus the garbage collector's, which may run on the other core)
// from the time the process waits for a CPU on a shared machine. Speed
// targets are judged from its figures in docs/benchmarks.md, not asserted.
//
//	go test -run '^$' -bench Timing -benchtime 41x ./internal/layout/
func BenchmarkTiming(b *testing.B) {
	cpu := func() time.Duration {
		var r syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
			b.Fatalf("getrusage: %v", err)
		}
		return time.Duration(r.Utime.Nano() + r.Stime.Nano())
	}
	median := func(s []time.Duration) float64 {
		slices.Sort(s)
		return float64(s[len(s)/2]) / float64(time.Millisecond)
	}
	for _, c := range []struct {
		name string
		f    func() *forest
		opt  Options
	}{
		{"10k", func() *forest { return randomForest(1, 10_000, true) }, Options{FoldThreshold: -1}},
		{"60k", func() *forest { return randomForest(2, 60_000, true) }, Options{FoldThreshold: -1}},
	} {
		b.Run(c.name, func(b *testing.B) {
			f := c.f()
			var l Layouter
			var wf, cf, wl, cl []time.Duration
			for b.Loop() {
				c0, t0 := cpu(), time.Now()
				Compute(f.s, c.opt)
				wf, cf = append(wf, time.Since(t0)), append(cf, cpu()-c0)
				c0, t0 = cpu(), time.Now()
				l.Compute(f.s, c.opt)
				wl, cl = append(wl, time.Since(t0)), append(cl, cpu()-c0)
			}
			b.ReportMetric(median(wf), "compute-wall-ms")
			b.ReportMetric(median(cf), "compute-cpu-ms")
			b.ReportMetric(median(wl), "layouter-wall-ms")
			b.ReportMetric(median(cl), "layouter-cpu-ms")
		})
	}
}
