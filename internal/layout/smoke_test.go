package layout

import "testing"

func TestSmoke(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		f := randomForest(seed, 2000, true)
		for _, o := range []Orientation{TopDown, LeftRight} {
			for _, fold := range []int{-1, 0, 3} {
				r := Compute(f.s, Options{Orientation: o, FoldThreshold: fold})
				if err := checkResult(r); err != nil {
					t.Fatalf("seed %d %s fold %d: %v", seed, o, fold, err)
				}
			}
		}
	}
	r := Compute(chains(3).s, Options{})
	if err := checkResult(r); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d nodes %vx%v; first %+v", len(r.Nodes), r.Width, r.Height, r.Nodes[:3])
}
