package layout

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// propertyCases are the forests the property tests run on: random mixtures
// over a fixed seed set, one root with 60k children (files and dirs), chains
// 32 deep (the kernel's user-namespace nesting limit), a busy host.
func propertyCases(t *testing.T) []struct {
	name string
	f    *forest
	opts []Options
} {
	t.Helper()
	type pc = struct {
		name string
		f    *forest
		opts []Options
	}
	all := []Options{{}, {FoldThreshold: -1}, {FoldThreshold: 3}, {Group: GroupContainer}, {Group: GroupPod, FoldThreshold: 3}}
	var cs []pc
	for seed := uint64(1); seed <= 12; seed++ {
		n := 300 + int(seed)*250
		cs = append(cs, pc{fmt.Sprintf("random-%d-%d", seed, n), randomForest(seed, n, seed%2 == 0), all})
	}
	big := []Options{{FoldThreshold: -1}}
	if testing.Short() {
		return cs
	}
	cs = append(cs,
		pc{"star-60k-files", star(60_000, model.Net), append(big, Options{})},
		pc{"star-60k-dirs", star(60_000, model.User), big},
		pc{"chains-32", chains(40), all},
		pc{"containers-1000", containers(1000), all},
		pc{"random-20k", randomForest(99, 20_000, true), big},
	)
	return cs
}

// TestProperties: on every forest, orientation and folding, the layout
// keeps its invariants (see checkResult: no overlap, parents centred,
// pre-order, margins) and is deterministic.
func TestProperties(t *testing.T) {
	for _, c := range propertyCases(t) {
		t.Run(c.name, func(t *testing.T) {
			for _, o := range []Orientation{TopDown, LeftRight} {
				for _, opt := range c.opts {
					opt.Orientation = o
					r := Compute(c.f.s, opt)
					if err := checkResult(r); err != nil {
						t.Fatalf("%s fold %d group %q: %v", o, opt.FoldThreshold, opt.Group, err)
					}
					if len(r.Nodes) == 0 {
						t.Fatalf("%s fold %d: no nodes", o, opt.FoldThreshold)
					}
					// Map iteration order differs from run to run, so a
					// second run is a real determinism check.
					if r2 := Compute(c.f.s, opt); !reflect.DeepEqual(r, r2) {
						t.Fatalf("%s fold %d: two runs differ", o, opt.FoldThreshold)
					}
				}
			}
		})
	}
}

// TestPIDViewProperties runs the invariants on the PID view of forests
// with nested PID namespaces.
func TestPIDViewProperties(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		r := rand.New(rand.NewPCG(seed, 1))
		f := newForest()
		for range 2000 {
			p := f.pids[r.IntN(len(f.pids))]
			f.add(model.PID, p, f.s.Root)
			f.add(model.Net, 0, f.s.Root)
		}
		for _, o := range []Orientation{TopDown, LeftRight} {
			res := Compute(f.s, Options{View: PIDTree, Orientation: o})
			if err := checkResult(res); err != nil {
				t.Fatalf("seed %d %s: %v", seed, o, err)
			}
			if len(res.Nodes) != len(f.pids) {
				t.Fatalf("seed %d: %d nodes for %d PID namespaces", seed, len(res.Nodes), len(f.pids))
			}
			for _, n := range res.Nodes {
				if n.Kind != Dir || n.Type != model.PID {
					t.Fatalf("seed %d: %+v in the PID view", seed, n)
				}
			}
		}
	}
}

// subtree returns the IDs of the nodes in the subtree of id (pre-order
// makes it a contiguous run).
func subtree(r *Result, id string) map[string]bool {
	in := map[string]bool{}
	for _, n := range r.Nodes {
		if n.ID == id || (n.Parent != "" && in[n.Parent]) {
			in[n.ID] = true
		}
	}
	return in
}

// childOrder maps each parent to its children's IDs in order.
func childOrder(r *Result) map[string][]string {
	m := map[string][]string{}
	for _, n := range r.Nodes {
		m[n.Parent] = append(m[n.Parent], n.ID)
	}
	return m
}

// TestUnrelatedChangeKeepsOrderAndShape: growing or shrinking one subtree
// keeps the sibling order everywhere (for the nodes in both results) and
// leaves every other child subtree of the root with the same internal
// shape: the same positions relative to its own root.
func TestUnrelatedChangeKeepsOrderAndShape(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		r := rand.New(rand.NewPCG(seed, 2))
		f := randomForest(seed, 3000, false)
		before := Compute(f.s, Options{FoldThreshold: -1})

		// Pick a user namespace child of the root, change its subtree.
		var dirs []model.NSID
		for _, n := range before.Nodes {
			if n.Parent == NodeID(f.s.Root) && n.Kind == Dir {
				dirs = append(dirs, n.NS)
			}
		}
		target := dirs[r.IntN(len(dirs))]
		targetID := NodeID(target)
		inTarget := subtree(before, targetID)
		if seed%2 == 0 {
			for range 5 {
				f.container(target, seed%4 == 0, "grown")
			}
		} else {
			for id := range inTarget {
				var x model.NSID
				fmt.Sscanf(id, "ns:%d", &x)
				if ns := f.s.Namespaces[x]; ns != nil && x != target && ns.Type != model.User {
					delete(f.s.Namespaces, x)
				}
			}
		}
		after := Compute(f.s, Options{FoldThreshold: -1})
		if err := checkResult(after); err != nil {
			t.Fatal(err)
		}

		// Sibling order, for every parent.
		ab := childOrder(after)
		for p, kids := range childOrder(before) {
			present := map[string]bool{}
			for _, k := range ab[p] {
				present[k] = true
			}
			var was []string
			for _, k := range kids {
				if present[k] {
					was = append(was, k)
				}
			}
			var now []string
			bs := map[string]bool{}
			for _, k := range kids {
				bs[k] = true
			}
			for _, k := range ab[p] {
				if bs[k] {
					now = append(now, k)
				}
			}
			if !reflect.DeepEqual(was, now) {
				t.Fatalf("seed %d: children of %q reordered", seed, p)
			}
		}

		// Shape of the other subtrees of the root.
		pos, old := map[string]Node{}, map[string]Node{}
		for _, n := range after.Nodes {
			pos[n.ID] = n
		}
		for _, n := range before.Nodes {
			old[n.ID] = n
		}
		checked := 0
		for _, n := range before.Nodes {
			if n.Parent != NodeID(f.s.Root) || n.ID == targetID {
				continue
			}
			a := pos[n.ID]
			dx, dy := a.X-n.X, a.Y-n.Y
			for id := range subtree(before, n.ID) {
				b0, b1 := old[id], pos[id]
				if b1.X-b0.X != dx || b1.Y-b0.Y != dy {
					t.Fatalf("seed %d: %s in the subtree of %s changed shape", seed, id, n.ID)
				}
				checked++
			}
		}
		if checked == 0 {
			t.Fatalf("seed %d: no subtree checked", seed)
		}
	}
}

// TestCheckerCatchesFaults makes sure checkResult can fail: each fault
// planted in a valid layout must be reported.
func TestCheckerCatchesFaults(t *testing.T) {
	f := randomForest(5, 500, true)
	base := Compute(f.s, Options{})
	if err := checkResult(base); err != nil {
		t.Fatal(err)
	}
	clone := func() *Result {
		c := *base
		c.Nodes = append([]Node(nil), base.Nodes...)
		c.Edges = append([]Edge(nil), base.Edges...)
		return &c
	}
	// A node with children and a sibling to its right.
	var p int = -1
	for i, n := range base.Nodes {
		if i+1 < len(base.Nodes) && base.Nodes[i+1].Parent == n.ID && n.Parent != "" {
			p = i
			break
		}
	}
	if p < 0 {
		t.Fatal("no inner node")
	}
	faults := map[string]func(r *Result){
		"overlap":        func(r *Result) { r.Nodes[p+1].X = r.Nodes[p+2].X + 1 },
		"off centre":     func(r *Result) { r.Nodes[p].X += 0.5 },
		"negative":       func(r *Result) { r.Nodes[0].X = -1 },
		"outside box":    func(r *Result) { r.Width = 10 },
		"duplicate":      func(r *Result) { r.Nodes[1].ID = r.Nodes[0].ID },
		"not pre-order":  func(r *Result) { r.Nodes[p], r.Nodes[p+1] = r.Nodes[p+1], r.Nodes[p] },
		"missing edge":   func(r *Result) { r.Edges = r.Edges[1:] },
		"layer overlap":  func(r *Result) { r.Nodes[p+1].Y = r.Nodes[p].Y + 1 },
		"empty label":    func(r *Result) { r.Nodes[3].Label = "" },
		"wrong edge end": func(r *Result) { r.Edges[0].From = "nope" },
	}
	for name, fault := range faults {
		r := clone()
		fault(r)
		if err := checkResult(r); err == nil {
			t.Errorf("%s: not detected", name)
		}
	}
}
