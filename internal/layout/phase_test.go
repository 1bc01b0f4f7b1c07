package layout

import (
	"testing"
)

func BenchmarkPhases(b *testing.B) {
	f := randomForest(2, 60_000, true)
	mk := func() *builder {
		bb := &builder{snap: f.s, view: Owner, fold: -1}
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
		bb.t.ext = make([]float64, len(bb.info))
		for i := range bb.info {
			bb.t.ext[i] = bb.info[i].width
		}
		for b.Loop() {
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
			bb.place(TopDown, &Result{})
		}
	})
}
