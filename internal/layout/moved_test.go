package layout

import (
	"fmt"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// moved counts the nodes of before that are in after at another place or
// size, and the nodes of before missing from after.
func moved(before, after *Result) (moved, missing int, ids []string) {
	pos := make(map[string]Node, len(after.Nodes))
	for _, n := range after.Nodes {
		pos[n.ID] = n
	}
	for _, n := range before.Nodes {
		m, ok := pos[n.ID]
		switch {
		case !ok:
			missing++
		case m.X != n.X || m.Y != n.Y || m.W != n.W || m.H != n.H:
			moved++
			ids = append(ids, n.ID)
		}
	}
	return moved, missing, ids
}

// movedBreadth counts nodes of a left-right layout that moved along y.
func movedBreadth(before, after *Result) (moved int, ids []string) {
	pos := make(map[string]Node, len(after.Nodes))
	for _, n := range after.Nodes {
		pos[n.ID] = n
	}
	for _, n := range before.Nodes {
		if m, ok := pos[n.ID]; ok && m.Y != n.Y {
			moved++
			ids = append(ids, n.ID)
		}
	}
	return moved, ids
}

// TestAddContainerMovesFewNodes adds one container (a user namespace under
// the initial one plus the six namespaces it owns) to 6k-namespace forests
// and counts the existing boxes that move. The new user namespace has the
// highest ID, so it becomes the rightmost child of the root; with the left
// edge of the picture anchored at the margin, nothing left of it moves, and
// the root, centred over its children, moves by half the new subtree's
// width. Whatever lies right of the root's subtree (extra roots, the
// unowned node) moves too, which is why the forests here have none. So the
// least any centred tidy tree can do is 1, and this layout achieves it.
func TestAddContainerMovesFewNodes(t *testing.T) {
	for _, c := range []struct {
		o    Orientation
		fold int
	}{{TopDown, 0}, {TopDown, -1}, {LeftRight, 0}} {
		o := c.o
		for seed := uint64(1); seed <= 10; seed++ {
			f := randomForest(seed, 6000, false)
			before := Compute(f.s, Options{Orientation: o, FoldThreshold: c.fold})
			// A name like its neighbours'. A longer label than any at its
			// depth widens the layer in left-right orientation and shifts
			// every deeper layer (see TestLeftRightLongLabel).
			f.container(f.s.Root, true, fmt.Sprintf("c%d", len(f.s.Containers)))
			after := Compute(f.s, Options{Orientation: o, FoldThreshold: c.fold})
			if err := checkResult(after); err != nil {
				t.Fatal(err)
			}
			m, miss, ids := moved(before, after)
			if miss != 0 {
				t.Errorf("%s seed %d: %d nodes vanished", o, seed, miss)
			}
			if o == LeftRight {
				// Count moves along the breadth axis only; layer shifts
				// are the subject of TestLeftRightLongLabel.
				m, ids = movedBreadth(before, after)
			}
			if m > 1 || (m == 1 && ids[0] != NodeID(f.s.Root)) {
				t.Errorf("%s seed %d: %d of %d nodes moved: %v", o, seed, m, len(before.Nodes), ids[:min(len(ids), 10)])
			}
			t.Logf("%s fold %d seed %d: %d nodes, %d moved", o, c.fold, seed, len(before.Nodes), m)
		}
	}
}

// TestAddRootfulContainer adds a container without a user namespace: its six
// namespaces join the files of the initial user namespace, which are folded
// on a 6k forest, so only group counts change and nothing moves unless a
// count gains a digit.
func TestAddRootfulContainer(t *testing.T) {
	f := randomForest(3, 6000, false)
	before := Compute(f.s, Options{})
	f.container(f.s.Root, false, "web")
	after := Compute(f.s, Options{})
	m, miss, ids := moved(before, after)
	if miss != 0 || m > 0 {
		t.Errorf("%d moved (%v), %d vanished", m, ids, miss)
	}
}

// TestGroupCountGainsDigit: a folded group keeps room for five-digit
// counts, so a count that gains a digit (999 → 1,000 network namespaces)
// moves none of the siblings to its right, here 60 user namespaces.
func TestGroupCountGainsDigit(t *testing.T) {
	for _, n := range []int{99, 999, 9999} {
		s := &model.Snapshot{Root: 1, Namespaces: map[model.NSID]*model.Namespace{
			1: {ID: 1, Type: model.User, Procs: []int{1}},
		}}
		id := model.NSID(2)
		for range 60 {
			s.Namespaces[id] = &model.Namespace{ID: id, Type: model.User, Parent: 1, Owner: 1, Procs: []int{2}}
			id++
		}
		for range n {
			s.Namespaces[id] = &model.Namespace{ID: id, Type: model.Net, Owner: 1, Procs: []int{3}}
			id++
		}
		before := Compute(s, Options{})
		s.Namespaces[id] = &model.Namespace{ID: id, Type: model.Net, Owner: 1, Procs: []int{4}}
		after := Compute(s, Options{})
		if m, miss, ids := moved(before, after); m != 0 || miss != 0 {
			t.Errorf("%d → %d: %d moved (%v), %d vanished", n, n+1, m, ids[:min(len(ids), 5)], miss)
		}
	}
}

// TestLeftRightLongLabel: in left-right orientation a layer is as wide as
// its widest label, so a new, longer label moves deeper layers sideways
// (x) but nothing along the breadth axis (y) except the root.
func TestLeftRightLongLabel(t *testing.T) {
	f := randomForest(4, 6000, false)
	before := Compute(f.s, Options{Orientation: LeftRight})
	f.container(f.s.Root, true, "a-container-with-a-long-name")
	after := Compute(f.s, Options{Orientation: LeftRight})
	pos := map[string]Node{}
	for _, n := range after.Nodes {
		pos[n.ID] = n
	}
	xs := 0
	for _, n := range before.Nodes {
		m := pos[n.ID]
		if m.Y != n.Y && n.ID != NodeID(f.s.Root) {
			t.Errorf("%s moved along the breadth axis: %v → %v", n.ID, n.Y, m.Y)
		}
		if m.X != n.X {
			xs++
		}
	}
	t.Logf("%d of %d nodes shifted to deeper x", xs, len(before.Nodes))
	_ = model.Net
}

// TestAddNestedContainer measures the other case: a container added under a
// nested user namespace P grows P's block, which moves what follows P in
// its parent's rows (and, if P grows deeper, the rows below), and so on up
// through P's ancestors. Nodes before P in pre-order that are not its
// ancestors ("left of P") hold still, unless the growth makes an ancestor's
// children reflow: its children's area crossed a step of the row-limit
// ladder (see pack.go). The guard: in at most 2 of the 10 seeds do more
// than 64 nodes left of P move. The same changes are measured with the
// previous tidy tree, and both are logged for docs/benchmarks.md.
func TestAddNestedContainer(t *testing.T) {
	var total, left [2]int
	reflows, n := 0, 0
	for seed := uint64(1); seed <= 10; seed++ {
		for k, tidy := range []bool{false, true} {
			f := randomForest(seed, 6000, false)
			opt := Options{tidyTree: tidy}
			before := Compute(f.s, opt)
			owner := f.users[len(f.users)/2]
			f.container(owner, true, fmt.Sprintf("c%d", len(f.s.Containers)))
			after := Compute(f.s, opt)
			if !tidy {
				if err := checkResult(after); err != nil {
					t.Fatal(err)
				}
			}
			m, miss, ids := moved(before, after)
			if miss != 0 {
				t.Errorf("seed %d: %d vanished", seed, miss)
			}
			// Left of P: before P in pre-order and not an ancestor of P.
			idx := map[string]int{}
			for i, nd := range before.Nodes {
				idx[nd.ID] = i
			}
			anc := map[string]bool{}
			for id := NodeID(owner); id != ""; id = before.Nodes[idx[id]].Parent {
				anc[id] = true
			}
			p := idx[NodeID(owner)]
			leftOf, leftMoved := 0, 0
			for i := 0; i < p; i++ {
				if !anc[before.Nodes[i].ID] {
					leftOf++
				}
			}
			for _, id := range ids {
				if idx[id] < p && !anc[id] {
					leftMoved++
				}
			}
			if !tidy && leftMoved > 64 {
				reflows++
			}
			total[k] += m
			left[k] += leftMoved
			t.Logf("seed %d tidy %v: %d of %d moved; %d of the %d left of the change", seed, tidy, m, len(before.Nodes), leftMoved, leftOf)
		}
		n++
	}
	if reflows > 2 {
		t.Errorf("in %d of %d seeds more than 64 nodes left of the change moved", reflows, n)
	}
	for k, name := range []string{"pack", "tidy"} {
		t.Logf("%s: mean moved %.1f, mean moved left of the change %.1f", name, float64(total[k])/float64(n), float64(left[k])/float64(n))
	}
}

// TestAddContainerBatchedIDs: the kernel hands namespace IDs out to each
// CPU in batches, so a container made now on another CPU can have lower
// IDs than every container made before it. Siblings follow creation order
// (their leader's start time), not IDs: the new container still appends
// at the right and moves only the root, in every grouping.
func TestAddContainerBatchedIDs(t *testing.T) {
	// Without grouping, a rootful container's files join the root's runs
	// of each type and shift the runs after them however they are
	// ordered: not a case for this test.
	for _, c := range []struct {
		g      Grouping
		userns bool
	}{{GroupNone, true}, {GroupContainer, true}, {GroupContainer, false}, {GroupPod, true}} {
		g, userns := c.g, c.userns
		t.Run(fmt.Sprintf("%s/userns=%v", g, userns), func(t *testing.T) {
			f := newForest()
			started := func(ids []model.NSID) {
				f.proc(ids[0], "sleep")
				p := f.s.Processes[f.pid]
				p.Start = uint64(1000 + f.pid) // later than everything before
				for _, id := range ids {
					ns := f.s.Namespaces[id]
					ns.Leader, ns.Procs = p.PID, []int{p.PID}
				}
			}
			f.next = 100000 // this CPU's batch
			for i := range 50 {
				started(f.container(f.s.Root, userns, fmt.Sprintf("c%d", i)))
			}
			opt := Options{Group: g, FoldThreshold: -1}
			before := Compute(f.s, opt)
			f.next = 50000 // another CPU's batch: lower IDs, made later
			started(f.container(f.s.Root, userns, "late"))
			after := Compute(f.s, opt)
			m, miss, ids := moved(before, after)
			if miss != 0 {
				t.Errorf("%d nodes vanished", miss)
			}
			if m > 1 || (m == 1 && ids[0] != NodeID(f.s.Root)) {
				t.Errorf("%d of %d nodes moved: %v", m, len(before.Nodes), ids[:min(len(ids), 10)])
			}
		})
	}
}

// TestEndContainerMoves: a container with a user namespace of its own, in
// the middle of the initial user namespace's children, ends. Unfolded,
// what follows it in the rows moves up to fill its place, as what is right
// of it moved left in the tidy tree; the two are measured on the same
// forests and logged, and pack must not move more on the whole.
func TestEndContainerMoves(t *testing.T) {
	var total [2]int
	for seed := uint64(1); seed <= 10; seed++ {
		for k, tidy := range []bool{false, true} {
			f := randomForest(seed, 6000, false)
			opt := Options{FoldThreshold: -1, tidyTree: tidy}
			for i := range 40 {
				f.container(f.s.Root, true, fmt.Sprintf("c%d", i))
			}
			before := Compute(f.s, opt)
			// The 20th of the 40: its seven namespaces end.
			ends := f.users[len(f.users)-20]
			for id, ns := range f.s.Namespaces {
				if id == ends || ns.Owner == ends {
					delete(f.s.Namespaces, id)
				}
			}
			after := Compute(f.s, opt)
			if !tidy {
				if err := checkResult(after); err != nil {
					t.Fatal(err)
				}
			}
			m, _, _ := moved(before, after)
			total[k] += m
		}
	}
	t.Logf("a container ends: mean moved %.1f (pack), %.1f (tidy tree)", float64(total[0])/10, float64(total[1])/10)
	if total[0] > total[1] {
		t.Errorf("pack moved %d nodes in all, the tidy tree %d", total[0], total[1])
	}
}
