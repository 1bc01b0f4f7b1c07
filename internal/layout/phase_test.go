package layout

import (
	"testing"
)

// BenchmarkPhases times the builder's phases one by one on a 60k forest,
// to show where a layout spends its time.
func BenchmarkPhases(b *testing.B) {
	f := randomForest(2, 60_000, true)
	mk := func() *builder {
		bb := &builder{sc: &scratch{}, snap: f.s, view: Owner, fold: -1, td: true}
		return bb
	}
	b.Run("collect", func(b *testing.B) {
		for b.Loop() {
			mk().collect()
		}
	})
	b.Run("link", func(b *testing.B) {
		bb := mk()
		bb.collect()
		for b.Loop() {
			bb.linkParents()
		}
	})
	b.Run("sortChildren", func(b *testing.B) {
		bb := mk()
		bb.collect()
		bb.linkParents()
		bb.breakCycles()
		bb.filter(nil)
		for b.Loop() {
			bb.sortChildren()
		}
	})
	b.Run("buildTree", func(b *testing.B) {
		bb := mk()
		bb.collect()
		bb.linkParents()
		bb.breakCycles()
		bb.filter(nil)
		bb.sortChildren()
		for b.Loop() {
			bb.maxDeep = 0
			bb.buildTree()
		}
	})
	b.Run("tidy", func(b *testing.B) {
		bb := mk()
		bb.collect()
		bb.linkParents()
		bb.breakCycles()
		bb.filter(nil)
		bb.sortChildren()
		bb.buildTree()
		for i := range bb.info {
			bb.t.n[i].ext = bb.info[i].width
		}
		for b.Loop() {
			for i := range bb.t.n {
				x := &bb.t.n[i]
				*x = tnode{par: x.par, first: x.first, nkids: x.nkids, ext: x.ext}
			}
			bb.t.run()
		}
	})
	b.Run("place", func(b *testing.B) {
		bb := mk()
		bb.collect()
		bb.linkParents()
		bb.breakCycles()
		bb.filter(nil)
		bb.sortChildren()
		bb.buildTree()
		for b.Loop() {
			for i := range bb.t.n {
				x := &bb.t.n[i]
				*x = tnode{par: x.par, first: x.first, nkids: x.nkids, ext: x.ext}
			}
			bb.place(TopDown, &Result{})
		}
	})
}
