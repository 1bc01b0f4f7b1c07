package layout

import (
	"testing"
)

// BenchmarkPhases times the builder's phases one by one on a 60k forest,
// to show where a layout spends its time.
func BenchmarkPhases(b *testing.B) {
	f := randomForest(2, 60_000, true)
	mk := func() *builder {
		return &builder{sc: &scratch{}, snap: f.s, view: Owner, fold: -1, td: true}
	}
	b.Run("collect", func(b *testing.B) {
		for b.Loop() {
			mk().collect()
		}
	})
	// The phases in the order a layout runs them; a benchmark of one runs
	// those before it once, then it in the loop.
	setup := []func(*builder){
		func(bb *builder) { bb.collect() },
		func(bb *builder) { bb.linkParents() },
		func(bb *builder) { bb.breakCycles() },
		func(bb *builder) { bb.filter(nil) },
		func(bb *builder) { bb.sortChildren() },
		func(bb *builder) { bb.buildTree() },
	}
	// resetTree undoes what tidying wrote, keeping the tree's shape.
	resetTree := func(bb *builder) {
		for i := range bb.t.n {
			x := &bb.t.n[i]
			*x = tnode{par: x.par, first: x.first, nkids: x.nkids, ext: x.ext}
		}
	}
	for _, ph := range []struct {
		name  string
		after int               // how many setup phases run first
		prep  func(bb *builder) // more to do once before the loop, or nil
		loop  func(bb *builder)
	}{
		{"link", 1, nil, func(bb *builder) { bb.linkParents() }},
		{"sortChildren", 4, nil, func(bb *builder) { bb.sortChildren() }},
		{"buildTree", 5, nil, func(bb *builder) { bb.maxDeep = 0; bb.buildTree() }},
		{"tidy", 6, func(bb *builder) {
			for i := range bb.info {
				bb.t.n[i].ext = bb.info[i].width
			}
		}, func(bb *builder) { resetTree(bb); bb.t.run() }},
		{"place", 6, nil, func(bb *builder) { resetTree(bb); bb.place(TopDown, &Result{}) }},
	} {
		b.Run(ph.name, func(b *testing.B) {
			bb := mk()
			for _, step := range setup[:ph.after] {
				step(bb)
			}
			if ph.prep != nil {
				ph.prep(bb)
			}
			for b.Loop() {
				ph.loop(bb)
			}
		})
	}
}
