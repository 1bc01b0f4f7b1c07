package layout

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

const eps = 1e-6

// checkResult verifies the invariants every layout must hold and returns
// the first violation: unique IDs, depth-first pre-order, edges matching
// parents, coordinates inside the bounding box and the margin, no two boxes
// overlapping (and neighbours at least siblingGap apart), every parent
// centred over its first and last child, siblings in increasing breadth,
// children one layer below their parent.
func checkResult(r *Result) error {
	idx := make(map[string]int, len(r.Nodes))
	for i, n := range r.Nodes {
		if _, dup := idx[n.ID]; dup {
			return fmt.Errorf("duplicate node ID %q", n.ID)
		}
		idx[n.ID] = i
		if n.Label == "" || n.W <= 0 || n.H <= 0 {
			return fmt.Errorf("node %q: empty label or size %vx%v", n.ID, n.W, n.H)
		}
		if n.X < Margin-eps || n.Y < Margin-eps || n.X+n.W > r.Width-Margin+eps || n.Y+n.H > r.Height-Margin+eps {
			return fmt.Errorf("node %q at (%v,%v) %vx%v outside %vx%v less margin", n.ID, n.X, n.Y, n.W, n.H, r.Width, r.Height)
		}
	}
	// Pre-order: a node's parent is on the path from the root to the
	// previous node.
	var path []string
	nonRoot := 0
	for _, n := range r.Nodes {
		if n.Parent == "" {
			path = append(path[:0], n.ID)
			continue
		}
		nonRoot++
		for len(path) > 0 && path[len(path)-1] != n.Parent {
			path = path[:len(path)-1]
		}
		if len(path) == 0 {
			return fmt.Errorf("node %q: parent %q not on the pre-order path", n.ID, n.Parent)
		}
		path = append(path, n.ID)
	}
	if len(r.Edges) != nonRoot {
		return fmt.Errorf("%d edges for %d non-root nodes", len(r.Edges), nonRoot)
	}
	for _, e := range r.Edges {
		to, ok := idx[e.To]
		if !ok || r.Nodes[to].Parent != e.From {
			return fmt.Errorf("edge %s→%s does not match a parent", e.From, e.To)
		}
	}

	td := r.Orientation != LeftRight
	breadth := func(n *Node) (lo, hi float64) {
		if td {
			return n.X, n.X + n.W
		}
		return n.Y, n.Y + n.H
	}
	deep := func(n *Node) (lo, hi float64) {
		if td {
			return n.Y, n.Y + n.H
		}
		return n.X, n.X + n.W
	}

	// Layers: nodes sharing a depth coordinate. Layers must not overlap
	// each other along the depth axis; inside a layer, boxes are checked
	// in breadth order, so the whole check is O(n log n).
	layers := map[float64][]int{}
	for i := range r.Nodes {
		d, _ := deep(&r.Nodes[i])
		layers[d] = append(layers[d], i)
	}
	starts := make([]float64, 0, len(layers))
	for d := range layers {
		starts = append(starts, d)
	}
	slices.Sort(starts)
	for li, d := range starts {
		ls := layers[d]
		end := d
		for _, i := range ls {
			_, hi := deep(&r.Nodes[i])
			end = max(end, hi)
		}
		if li+1 < len(starts) && end > starts[li+1]-eps {
			return fmt.Errorf("layer at %v reaches %v, into layer at %v", d, end, starts[li+1])
		}
		slices.SortFunc(ls, func(a, b int) int {
			x, _ := breadth(&r.Nodes[a])
			y, _ := breadth(&r.Nodes[b])
			return cmp.Compare(x, y)
		})
		for k := 1; k < len(ls); k++ {
			_, prevHi := breadth(&r.Nodes[ls[k-1]])
			lo, _ := breadth(&r.Nodes[ls[k]])
			if prevHi+siblingGap > lo+eps {
				return fmt.Errorf("nodes %q and %q overlap or touch (%v + gap > %v)", r.Nodes[ls[k-1]].ID, r.Nodes[ls[k]].ID, prevHi, lo)
			}
		}
	}

	// Centring and sibling order.
	kids := make(map[string][]int, len(r.Nodes))
	for i, n := range r.Nodes {
		if n.Parent != "" {
			kids[n.Parent] = append(kids[n.Parent], i)
		}
	}
	centre := func(n *Node) float64 {
		lo, hi := breadth(n)
		return (lo + hi) / 2
	}
	for p, ks := range kids {
		pn := &r.Nodes[idx[p]]
		want := (centre(&r.Nodes[ks[0]]) + centre(&r.Nodes[ks[len(ks)-1]])) / 2
		if got := centre(pn); math.Abs(got-want) > eps {
			return fmt.Errorf("parent %q centre %v, children midpoint %v", p, got, want)
		}
		_, pDeep := deep(pn)
		for k, c := range ks {
			cn := &r.Nodes[c]
			if d, _ := deep(cn); d <= pDeep {
				return fmt.Errorf("child %q not below parent %q", cn.ID, p)
			}
			if k > 0 && centre(&r.Nodes[ks[k-1]]) >= centre(cn) {
				return fmt.Errorf("children of %q out of order at %q", p, cn.ID)
			}
		}
	}
	return nil
}
