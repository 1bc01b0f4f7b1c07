package layout

import (
	"fmt"
	"math"
)

const eps = 1e-6

// checkResult verifies the invariants every layout must hold and returns
// the first violation: unique IDs, depth-first pre-order, edges matching
// parents, coordinates inside the bounding box and the margin, no two boxes
// overlapping (boxes side by side at least siblingGap apart), children at
// least LayerGap below (right of) their parent, each parent either centred
// over its children in one row or at the top left of wrapped rows indented
// under it, siblings in reading order, and no connector (drawn as
// render and the browser draw it, see elbow) crossing a box.
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
	// Breadth and depth of a box: x and y top-down, y and x left-right.
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

	// No overlaps: boxes widened by half a sibling gap along the breadth
	// axis must not meet. A grid of cells finds the candidates.
	g := newGrid(r)
	for i := range r.Nodes {
		n := &r.Nodes[i]
		bl, bh := breadth(n)
		dl, dh := deep(n)
		var hit int
		if td {
			hit = g.any(bl-siblingGap/2+eps, dl+eps, bh+siblingGap/2-eps, dh-eps, i, -1)
		} else {
			hit = g.any(dl+eps, bl-siblingGap/2+eps, dh-eps, bh+siblingGap/2-eps, i, -1)
		}
		if hit >= 0 {
			// hit's widened box may not meet n's; check both ways.
			return fmt.Errorf("nodes %q and %q overlap or touch", n.ID, r.Nodes[hit].ID)
		}
	}

	// Children: placement, order, and their connectors.
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
		pi := idx[p]
		pn := &r.Nodes[pi]
		_, pDeep := deep(pn)
		pLo, _ := breadth(pn)
		d0, _ := deep(&r.Nodes[ks[0]])
		rows := 1
		for k, c := range ks {
			cn := &r.Nodes[c]
			d, _ := deep(cn)
			if d < pDeep+layerGap-eps {
				return fmt.Errorf("child %q not %v below parent %q", cn.ID, layerGap, p)
			}
			if k == 0 {
				continue
			}
			prev := &r.Nodes[ks[k-1]]
			pd, _ := deep(prev)
			lo, _ := breadth(cn)
			_, phi := breadth(prev)
			switch {
			case math.Abs(d-pd) < eps:
				if phi+siblingGap > lo+eps {
					return fmt.Errorf("children of %q out of order at %q", p, cn.ID)
				}
			case d > pd:
				rows++ // a new row, from the start
			default:
				return fmt.Errorf("children of %q out of reading order at %q", p, cn.ID)
			}
		}
		if rows == 1 {
			if math.Abs(d0-pDeep-layerGap) > eps {
				return fmt.Errorf("children of %q not one layer below it", p)
			}
			want := (centre(&r.Nodes[ks[0]]) + centre(&r.Nodes[ks[len(ks)-1]])) / 2
			if got := centre(pn); math.Abs(got-want) > eps {
				return fmt.Errorf("parent %q centre %v, children midpoint %v", p, got, want)
			}
		} else {
			indent := indentTD
			if !td {
				indent = indentLR
			}
			for _, c := range ks {
				if lo, _ := breadth(&r.Nodes[c]); lo < pLo+indent-eps {
					return fmt.Errorf("wrapped child %q of %q not indented", r.Nodes[c].ID, p)
				}
			}
		}
		// Connectors cross no box but their own ends. The segment
		// leaving the parent is the same for many children: check it
		// for the first and the last.
		for k, c := range ks {
			pts := elbow(pn, &r.Nodes[c], td)
			for s := 0; s+3 < len(pts); s += 2 {
				if s == 0 && k != 0 && k != len(ks)-1 {
					continue
				}
				if hit := g.segment(pts[s], pts[s+1], pts[s+2], pts[s+3], pi, c); hit >= 0 {
					return fmt.Errorf("edge %q→%q crosses %q", p, r.Nodes[c].ID, r.Nodes[hit].ID)
				}
			}
		}
	}
	return nil
}

// elbow is the connector from p to c as the drawers draw it (render's
// writeEdge, the browser's shapes.js): a flat list x0,y0,x1,y1,….
func elbow(p, c *Node, td bool) []float64 {
	if td {
		x0, y0, x1, y1 := p.X+p.W/2, p.Y+p.H, c.X+c.W/2, c.Y
		if y1-y0 > LayerGap+0.5 {
			x0 = p.X + min(p.W/2, TrunkInset)
		}
		by := y1 - LayerGap/2
		return []float64{x0, y0, x0, by, x1, by, x1, y1}
	}
	x0, y0, x1, y1 := p.X+p.W, p.Y+p.H/2, c.X, c.Y+c.H/2
	bx := x1 - LayerGap/2
	return []float64{x0, y0, bx, y0, bx, y1, x1, y1}
}

// grid finds boxes near a point, a rectangle or a segment.
type grid struct {
	r     *Result
	cells map[[2]int32][]int32
}

const gridCell = 256.0

func newGrid(r *Result) *grid {
	g := &grid{r: r, cells: make(map[[2]int32][]int32, len(r.Nodes))}
	for i, n := range r.Nodes {
		for cx := int32(n.X / gridCell); cx <= int32((n.X+n.W)/gridCell); cx++ {
			for cy := int32(n.Y / gridCell); cy <= int32((n.Y+n.H)/gridCell); cy++ {
				k := [2]int32{cx, cy}
				g.cells[k] = append(g.cells[k], int32(i))
			}
		}
	}
	return g
}

// any returns a box other than skip1 and skip2 that meets the rectangle
// (x0,y0)–(x1,y1), or -1.
func (g *grid) any(x0, y0, x1, y1 float64, skip1, skip2 int) int {
	for cx := int32(math.Floor(x0 / gridCell)); cx <= int32(math.Floor(x1/gridCell)); cx++ {
		for cy := int32(math.Floor(y0 / gridCell)); cy <= int32(math.Floor(y1/gridCell)); cy++ {
			for _, i := range g.cells[[2]int32{cx, cy}] {
				if int(i) == skip1 || int(i) == skip2 {
					continue
				}
				n := &g.r.Nodes[i]
				if n.X < x1 && x0 < n.X+n.W && n.Y < y1 && y0 < n.Y+n.H {
					return int(i)
				}
			}
		}
	}
	return -1
}

// segment returns a box other than skip1 and skip2 that an axis-parallel
// segment enters, or -1. Touching a box's edge is not entering it.
func (g *grid) segment(x0, y0, x1, y1 float64, skip1, skip2 int) int {
	if x0 > x1 {
		x0, x1 = x1, x0
	}
	if y0 > y1 {
		y0, y1 = y1, y0
	}
	return g.any(x0-eps/2, y0-eps/2, x1+eps/2, y1+eps/2, skip1, skip2)
}
