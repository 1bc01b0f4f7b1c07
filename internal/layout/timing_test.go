package layout

import (
	"os"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestTiming prints, when NSWEB_LAYOUT_TIMING is set, the median wall-clock
// and process CPU time per layout, with a fresh Compute and with a reused
// Layouter, alternating the two so that drifting machine load hits both
// alike. It asserts nothing (speed targets live in BenchmarkCompute); CPU
// time separates the layout's own cost (plus the garbage collector's, which
// may run on the other core) from the time the process waits for a CPU on a
// shared machine.
func TestTiming(t *testing.T) {
	if os.Getenv("NSWEB_LAYOUT_TIMING") == "" {
		t.Skip("set NSWEB_LAYOUT_TIMING=1")
	}
	cpu := func() time.Duration {
		var r syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &r)
		return time.Duration(r.Utime.Nano() + r.Stime.Nano())
	}
	for _, c := range []struct {
		name string
		f    func() *forest
		opt  Options
	}{
		{"10k", func() *forest { return randomForest(1, 10_000, true) }, Options{FoldThreshold: -1}},
		{"60k", func() *forest { return randomForest(2, 60_000, true) }, Options{FoldThreshold: -1}},
	} {
		f := c.f()
		var l Layouter
		var wf, cf, wl, cl []time.Duration
		for range 41 {
			c0, t0 := cpu(), time.Now()
			Compute(f.s, c.opt)
			wf, cf = append(wf, time.Since(t0)), append(cf, cpu()-c0)
			c0, t0 = cpu(), time.Now()
			l.Compute(f.s, c.opt)
			wl, cl = append(wl, time.Since(t0)), append(cl, cpu()-c0)
		}
		for _, s := range [][]time.Duration{wf, cf, wl, cl} {
			slices.Sort(s)
		}
		t.Logf("%s: Compute median wall %v CPU %v; Layouter median wall %v CPU %v", c.name, wf[20], cf[20], wl[20], cl[20])
	}
}
