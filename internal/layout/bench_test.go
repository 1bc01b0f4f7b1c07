package layout

import (
	"fmt"
	"testing"
)

// BenchmarkCompute measures whole layouts, snapshot to Result. The headline
// cases (10k, 60k) disable folding so that every namespace is a placed box.
func BenchmarkCompute(b *testing.B) {
	// Forests are built inside each sub-benchmark, so that only one is
	// alive at a time, as in the server: the garbage collector's marking
	// work grows with the live heap.
	cases := []struct {
		name string
		f    func() *forest
		opt  Options
	}{
		{"10k", func() *forest { return randomForest(1, 10_000, true) }, Options{FoldThreshold: -1}},
		{"60k", func() *forest { return randomForest(2, 60_000, true) }, Options{FoldThreshold: -1}},
		{"60k-left-right", func() *forest { return randomForest(2, 60_000, true) }, Options{FoldThreshold: -1, Orientation: LeftRight}},
		{"star-60k", func() *forest { return star(60_000, "net") }, Options{FoldThreshold: -1}},
		{"star-60k-folded", func() *forest { return star(60_000, "net") }, Options{}},
		{"chains-60k", func() *forest { return chains(652) }, Options{}},
		{"containers-1000", func() *forest { return containers(1000) }, Options{}},
		{"containers-1000-unfolded", func() *forest { return containers(1000) }, Options{FoldThreshold: -1}},
		{"60k-grouped", func() *forest { return randomForest(2, 60_000, true) }, Options{FoldThreshold: -1, Group: GroupContainer}},
		{"containers-1000-grouped", func() *forest { return containers(1000) }, Options{Group: GroupContainer}},
		{"containers-1000-pods", func() *forest { return containers(1000) }, Options{Group: GroupPod}},
	}
	cases = append(cases,
		struct {
			name string
			f    func() *forest
			opt  Options
		}{"userns-2000", func() *forest { return userNamespaced(2000) }, Options{FoldThreshold: -1, Group: GroupContainer}},
		struct {
			name string
			f    func() *forest
			opt  Options
		}{"userns-8000", func() *forest { return userNamespaced(8000) }, Options{FoldThreshold: -1, Group: GroupContainer}})
	// Each forest laid out by pack and, for comparison in the same run,
	// by the previous tidy tree; the picture's aspect (width over height)
	// is reported with it.
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			f := c.f()
			for _, tidy := range []bool{false, true} {
				name := "pack"
				if tidy {
					name = "tidy"
				}
				b.Run(name, func(b *testing.B) {
					opt := c.opt
					opt.tidyTree = tidy
					var r *Result
					b.ReportAllocs()
					for b.Loop() {
						r = Compute(f.s, opt)
					}
					b.ReportMetric(float64(len(r.Nodes)), "nodes")
					b.ReportMetric(r.Width/r.Height, "aspect")
				})
			}
		})
	}
	// The same with a Layouter that keeps its working memory.
	for _, c := range cases[:2] {
		b.Run(c.name+"-reused", func(b *testing.B) {
			f := c.f()
			var l Layouter
			b.ReportAllocs()
			for b.Loop() {
				l.Compute(f.s, c.opt)
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

// BenchmarkPlace measures the placement alone, pack against the previous
// tidy tree, on the same arena: everything else Compute does is the same
// for both. Each iteration restores the arena (the tidy walks need it
// fresh), in both.
func BenchmarkPlace(b *testing.B) {
	cases := []struct {
		name string
		f    func() *forest
		opt  Options
	}{
		{"60k", func() *forest { return randomForest(2, 60_000, true) }, Options{FoldThreshold: -1}},
		{"star-60k", func() *forest { return star(60_000, "net") }, Options{FoldThreshold: -1}},
		{"userns-8000", func() *forest { return userNamespaced(8000) }, Options{FoldThreshold: -1, Group: GroupContainer}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			f := c.f()
			bd := builder{sc: &scratch{}, snap: f.s, view: Owner, fold: -1, td: true, group: c.opt.Group}
			bd.initial = Initial(f.s)
			bd.collect()
			bd.creationOrder()
			bd.linkParents()
			bd.breakCycles()
			bd.filter(nil)
			bd.sortChildren()
			bd.buildTree()
			fresh := append([]tnode(nil), bd.t.n...)
			for _, tidy := range []bool{false, true} {
				name := "pack"
				if tidy {
					name = "tidy"
				}
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						copy(bd.t.n, fresh)
						if tidy {
							bd.placeTidy()
						} else {
							bd.pack()
							bd.preorder()
						}
					}
				})
			}
		})
	}
}
