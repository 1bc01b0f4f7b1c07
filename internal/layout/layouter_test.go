package layout

import (
	"reflect"
	"testing"
)

// TestLayouterReuse: a Layouter that keeps its working memory across
// snapshots of different sizes and shapes gives exactly what a fresh
// Compute gives, so no state leaks from one call into the next.
func TestLayouterReuse(t *testing.T) {
	var l Layouter
	seq := []struct {
		f   *forest
		opt Options
	}{
		{randomForest(1, 5000, true), Options{}},
		{randomForest(2, 500, false), Options{FoldThreshold: -1}},
		{chains(3), Options{Orientation: LeftRight}},
		{randomForest(3, 20_000, true), Options{FoldThreshold: -1}},
		{star(300, "net"), Options{FoldThreshold: 10}},
		{randomForest(1, 5000, true), Options{View: PIDTree}},
		{randomForest(1, 5000, true), Options{}},
	}
	for i, c := range seq {
		got := l.Compute(c.f.s, c.opt)
		want := Compute(c.f.s, c.opt)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d: reused Layouter differs from Compute", i)
		}
	}
	for _, e := range l.sc.ents[:cap(l.sc.ents)] {
		if e.ns != nil {
			t.Fatal("Layouter keeps a reference to the last snapshot")
		}
	}
}
