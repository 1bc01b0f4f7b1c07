package layout

import (
	"os"
	"slices"
	"testing"
	"time"
)

// TestABWorkers compares, alternating to cancel drift in machine load, the
// wall time of one and two workers (set NSWEB_LAYOUT_TIMING).
func TestABWorkers(t *testing.T) {
	if os.Getenv("NSWEB_LAYOUT_TIMING") == "" {
		t.Skip("set NSWEB_LAYOUT_TIMING=1")
	}
	for _, n := range []int{10_000, 60_000} {
		f := randomForest(1, n, true)
		opt := Options{FoldThreshold: -1}
		var a, b []time.Duration
		for range 31 {
			t0 := time.Now()
			compute(&scratch{serial: true}, f.s, opt, false)
			a = append(a, time.Since(t0))
			t0 = time.Now()
			compute(&scratch{forceParallel: true}, f.s, opt, false)
			b = append(b, time.Since(t0))
		}
		slices.Sort(a)
		slices.Sort(b)
		t.Logf("%d: one worker median %v, two workers median %v", n, a[15], b[15])
	}
}
