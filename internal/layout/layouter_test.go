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

// TestWorkersMatchSerial: the two-worker path for large views gives the
// same result as one worker.
func TestWorkersMatchSerial(t *testing.T) {
	f := randomForest(11, parallelMin+5000, true)
	serial := Layouter{sc: scratch{serial: true}}
	for _, o := range []Orientation{TopDown, LeftRight} {
		opt := Options{FoldThreshold: -1, Orientation: o}
		a := Compute(f.s, opt)
		if len(a.Nodes) < parallelMin {
			t.Fatalf("only %d nodes: the parallel path is not taken", len(a.Nodes))
		}
		if b := serial.Compute(f.s, opt); !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: parallel and serial layouts differ", o)
		}
	}
}
