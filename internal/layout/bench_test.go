package layout

import (
	"fmt"
	"testing"
)

// BenchmarkCompute measures whole layouts, snapshot to Result. The headline
// cases (10k, 60k) disable folding so that every namespace is a placed box.
func BenchmarkCompute(b *testing.B) {
	cases := []struct {
		name string
		f    *forest
		opt  Options
	}{
		{"10k", randomForest(1, 10_000, true), Options{FoldThreshold: -1}},
		{"60k", randomForest(2, 60_000, true), Options{FoldThreshold: -1}},
		{"star-60k", star(60_000, "net"), Options{FoldThreshold: -1}},
		{"star-60k-folded", star(60_000, "net"), Options{}},
		{"chains-60k", chains(60_000 / 120), Options{}},
		{"containers-1000", containers(1000), Options{}},
		{"containers-1000-unfolded", containers(1000), Options{FoldThreshold: -1}},
		{"60k-left-right", randomForest(2, 60_000, true), Options{FoldThreshold: -1, Orientation: LeftRight}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := Compute(c.f.s, c.opt)
			b.ReportMetric(float64(len(r.Nodes)), "nodes")
			b.ReportAllocs()
			for b.Loop() {
				Compute(c.f.s, c.opt)
			}
		})
	}
}

// containers is a realistic busy host: n containers, a third of them with a
// user namespace of their own, each with a leading process.
func containers(n int) *forest {
	f := newForest()
	for i := range n {
		ids := f.container(f.s.Root, i%3 == 0, fmt.Sprintf("app-%d", i))
		f.proc(ids[0], "entrypoint")
	}
	return f
}
