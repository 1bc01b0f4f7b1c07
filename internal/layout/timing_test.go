package layout

import (
	"os"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestTiming prints median wall-clock and CPU time per Compute when
// NSWEB_LAYOUT_TIMING is set. It asserts nothing (speed targets live in
// BenchmarkCompute); it separates the layout's own cost from the time the
// process waits for a CPU on a shared machine.
func TestTiming(t *testing.T) {
	if os.Getenv("NSWEB_LAYOUT_TIMING") == "" {
		t.Skip("set NSWEB_LAYOUT_TIMING=1")
	}
	for _, c := range []struct {
		name string
		f    *forest
		opt  Options
	}{
		{"10k", randomForest(1, 10_000, true), Options{FoldThreshold: -1}},
		{"60k", randomForest(2, 60_000, true), Options{FoldThreshold: -1}},
	} {
		var walls, cpus, reused []time.Duration
		var l Layouter
		for range 41 {
			t1 := time.Now()
			l.Compute(c.f.s, c.opt)
			reused = append(reused, time.Since(t1))
			var r0, r1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
			t0 := time.Now()
			Compute(c.f.s, c.opt)
			walls = append(walls, time.Since(t0))
			syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
			cpu := time.Duration(r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano())
			cpus = append(cpus, cpu)
		}
		slices.Sort(walls)
		slices.Sort(cpus)
		slices.Sort(reused)
		t.Logf("%s: median wall %v, median process CPU %v (includes GC on the other core); with a Layouter, median wall %v",
			c.name, walls[20], cpus[20], reused[20])
	}
}
