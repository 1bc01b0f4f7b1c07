package layout

import (
	"fmt"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// maxPictureAspect is the bound every picture keeps, width over height and,
// except for lone deep chains, height over width.
const maxPictureAspect = 3.0

// userNamespaced is a host of n user-namespaced containers (rootless
// engines, user-namespaced pods): each a user namespace under the initial
// one owning six namespaces, with a process.
func userNamespaced(n int) *forest {
	f := newForest()
	for i := range n {
		ids := f.container(f.s.Root, true, fmt.Sprintf("rootless-%d", i))
		f.proc(ids[0], "sleep")
	}
	return f
}

// lone is a single chain of depth nested user namespaces, each owning a
// network namespace.
func lone(depth int) *forest {
	f := newForest()
	p := f.s.Root
	for range depth - 1 {
		p = f.add(model.User, p, p)
		f.add(model.Net, 0, p)
	}
	return f
}

// small is the initial namespaces plus n sibling user namespaces: 8+n
// namespaces, the views of 10 nodes and up.
func small(n int) *forest {
	f := newForest()
	for range n {
		f.add(model.User, f.s.Root, f.s.Root)
	}
	return f
}

// TestAspect: every view, from 10 nodes to 60k, in both orientations,
// folded or not, grouped or not, is at most 3 : 1 either way, except that a
// lone deep chain is as long as it is deep along the depth axis (tall
// top-down, wide left-right: nothing else can be). The same forests laid out
// with the previous tidy tree are logged for comparison.
func TestAspect(t *testing.T) {
	type tc struct {
		name  string
		f     func() *forest
		chain bool // a lone deep chain: may stand taller
		big   bool // laid out unfolded only, to keep the test quick
	}
	cases := []tc{
		{"small-2", func() *forest { return small(2) }, false, false},
		{"small-10", func() *forest { return small(10) }, false, false},
		{"small-100", func() *forest { return small(100) }, false, false},
		{"userns-2000", func() *forest { return userNamespaced(2000) }, false, false},
		{"lone-chain-32", func() *forest { return lone(32) }, true, false},
		{"chains-40", func() *forest { return chains(40) }, false, false},
		{"containers-1000", func() *forest { return containers(1000) }, false, false},
	}
	for seed := uint64(1); seed <= 8; seed++ {
		n := 10 + int(seed*seed*seed)*40
		cases = append(cases, tc{fmt.Sprintf("random-%d", n), func() *forest { return randomForest(seed, n, seed%2 == 0) }, false, false})
	}
	if !testing.Short() {
		cases = append(cases,
			tc{"userns-8000", func() *forest { return userNamespaced(8000) }, false, true},
			tc{"star-60k-files", func() *forest { return star(60_000, model.Net) }, false, true},
			tc{"star-60k-dirs", func() *forest { return star(60_000, model.User) }, false, true},
			tc{"random-60k", func() *forest { return randomForest(2, 60_000, true) }, false, true},
		)
	}
	opts := []Options{{}, {FoldThreshold: -1}, {Group: GroupContainer}, {Group: GroupPod, FoldThreshold: -1}}
	for _, c := range cases {
		f := c.f()
		for _, o := range []Orientation{TopDown, LeftRight} {
			for k, opt := range opts {
				// Big forests: unfolded only, and left-right for one of
				// them (each check of 60k nodes is costly under -race).
				if c.big && (k != 1 || (o == LeftRight && c.name != "star-60k-dirs")) {
					continue
				}
				opt.Orientation = o
				r := Compute(f.s, opt)
				if err := checkResult(r); err != nil {
					t.Fatalf("%s %s %+v: %v", c.name, o, opt, err)
				}
				// A lone chain is long along the depth axis: tall
				// top-down, wide left-right.
				wide, tall := r.Width/r.Height, r.Height/r.Width
				if c.chain && o == TopDown {
					tall = 0
				}
				if c.chain && o == LeftRight {
					wide = 0
				}
				if wide > maxPictureAspect || tall > maxPictureAspect {
					t.Errorf("%s %s fold %d group %q: %d nodes, %.0f × %.0f", c.name, o, opt.FoldThreshold, opt.Group, len(r.Nodes), r.Width, r.Height)
				}
				if c.big {
					t.Logf("%s %s: %d nodes, %.0f × %.0f", c.name, o, len(r.Nodes), r.Width, r.Height)
					continue
				}
				opt.tidyTree = true
				old := Compute(f.s, opt)
				t.Logf("%s %s fold %d group %q: %d nodes, %.0f × %.0f (tidy tree: %.0f × %.0f)", c.name, o, opt.FoldThreshold, opt.Group, len(r.Nodes), r.Width, r.Height, old.Width, old.Height)
			}
		}
	}
}
