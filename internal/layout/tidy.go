package layout

import "math"

// tidy is the arena on which the tidy-tree algorithm runs: Walker's
// algorithm in the linear-time form of Buchheim, Jünger and Leipert
// ("Improving Walker's Algorithm to Run in Linear Time", 2002).
//
// Nodes are numbered in breadth-first order with node 0 as a virtual root
// that holds the real roots as its children. Breadth-first numbering makes
// the children of every node a contiguous index range [first, first+n), so
// siblings, left siblings and sibling numbers are index arithmetic instead of
// pointers or maps, and in reverse index order every node comes after its
// children (a child has a larger index than its parent), which is all the
// first walk needs of a post-order. Both walks are therefore plain loops: no recursion, so a chain thousands deep cannot exhaust the stack,
// and no pass costs nodes × depth.
//
// Positions here are the centre of a node along the breadth axis (x when the
// tree grows top-down, y when it grows left-right). ext holds each node's
// extent along that axis.
type tidy struct {
	// n holds every node's fields together: the walks touch several fields
	// of one node at a time, so one record per node costs one cache miss
	// where separate arrays would cost several.
	n []tnode

	siblingGap float64 // space between boxes of one parent
	cousinGap  float64 // space between boxes of different parents
}

// tnode is one node of the tidy arena.
type tnode struct {
	// prelim is the preliminary position; after run, the final centre.
	prelim float64
	// mod is the modifier passed to descendants; after run, the sum of the
	// modifiers of the node and its ancestors.
	mod, shift, change float64
	ext                float64 // extent along the breadth axis
	par                int32   // parent index, -1 for the virtual root
	first              int32   // first child (meaningful only when nkids > 0)
	nkids              int32
	// thread is the contour thread; after run, the node's position in
	// depth-first pre-order (-1 for the virtual root).
	thread int32
	anc    int32
	size   int32 // nodes in the subtree
}

// distance is the required centre-to-centre distance of two neighbours on
// one layer: half of each extent plus the gap. Boxes of different parents
// get a wider gap so that families read as families.
func (t *tidy) distance(a, b *tnode) float64 {
	g := t.cousinGap
	if a.par == b.par {
		g = t.siblingGap
	}
	return (a.ext+b.ext)/2 + g
}

func (t *tidy) nextLeft(v int32) int32 {
	if x := &t.n[v]; x.nkids > 0 {
		return x.first
	} else {
		return x.thread
	}
}

func (t *tidy) nextRight(v int32) int32 {
	if x := &t.n[v]; x.nkids > 0 {
		return x.first + x.nkids - 1
	} else {
		return x.thread
	}
}

// run computes the final centre of every node into prelim and its
// pre-order position into thread, and returns the lowest and highest
// breadth coordinate any real node (not the virtual root) covers. The
// caller has set par, first, nkids and ext; the other fields must be zero.
func (t *tidy) run() (lo, hi float64) {
	ns := t.n
	n := int32(len(ns))
	if n == 0 {
		return 0, 0
	}
	for i := range ns {
		ns[i].thread = -1
		ns[i].anc = int32(i)
		ns[i].size = 1
	}
	// First walk, children before parents. When node v is reached all its
	// children have been laid out internally and prelim[c] holds the
	// midpoint of c's own children (0 for a leaf); v now places its
	// children against each other, left to right.
	for v := n - 1; v >= 0; v-- {
		k := ns[v].nkids
		if v > 0 {
			ns[ns[v].par].size += ns[v].size // children come first
		}
		if k == 0 {
			ns[v].prelim = 0
			continue
		}
		f := ns[v].first
		def := f // default ancestor
		for w := f; w < f+k; w++ {
			x := &ns[w]
			mid := x.prelim
			if w == f {
				x.mod = 0
			} else {
				x.prelim = ns[w-1].prelim + t.distance(&ns[w-1], x)
				x.mod = x.prelim - mid
				def = t.apportion(w, def)
			}
		}
		t.executeShifts(v)
		ns[v].prelim = (ns[f].prelim + ns[f+k-1].prelim) / 2
	}
	// Second walk, parents before children: a node's position is its
	// preliminary position plus the modifiers of all its ancestors; mod
	// becomes that sum for the node's own children. On the way, each
	// node gives its children their pre-order positions: the first child
	// follows the node, each further one the subtree of the one before.
	ns[0].thread = -1
	lo, hi = math.Inf(1), math.Inf(-1)
	for v := int32(0); v < n; v++ {
		x := &ns[v]
		if v > 0 {
			acc := ns[x.par].mod
			x.prelim += acc
			x.mod += acc
			lo = min(lo, x.prelim-x.ext/2)
			hi = max(hi, x.prelim+x.ext/2)
		}
		next := x.thread + 1
		for c := x.first; c < x.first+x.nkids; c++ {
			ns[c].thread = next
			next += ns[c].size
		}
	}
	if n == 1 {
		lo, hi = 0, 0
	}
	return lo, hi
}

// apportion pushes the subtree of v (which has a left sibling) right until
// its left contour clears the right contour of all subtrees left of it,
// following threads along contours, and spreads the shift over the smaller
// subtrees in between. It returns the new default ancestor.
func (t *tidy) apportion(v, def int32) int32 {
	ns := t.n
	vip, vop := v, v
	vim := v - 1 // left sibling
	vom := ns[ns[v].par].first
	sip, sop := ns[vip].mod, ns[vop].mod
	sim, som := ns[vim].mod, ns[vom].mod
	for {
		nr := t.nextRight(vim)
		nl := t.nextLeft(vip)
		if nr < 0 || nl < 0 {
			break
		}
		vim, vip = nr, nl
		vom = t.nextLeft(vom)
		vop = t.nextRight(vop)
		ns[vop].anc = v
		sh := (ns[vim].prelim + sim) - (ns[vip].prelim + sip) + t.distance(&ns[vim], &ns[vip])
		if sh > 0 {
			t.moveSubtree(t.ancestor(vim, v, def), v, sh)
			sip += sh
			sop += sh
		}
		sim += ns[vim].mod
		sip += ns[vip].mod
		som += ns[vom].mod
		sop += ns[vop].mod
	}
	if nr := t.nextRight(vim); nr >= 0 && t.nextRight(vop) < 0 {
		ns[vop].thread = nr
		ns[vop].mod += sim - sop
	}
	if nl := t.nextLeft(vip); nl >= 0 && t.nextLeft(vom) < 0 {
		ns[vom].thread = nl
		ns[vom].mod += sip - som
		def = v
	}
	return def
}

// ancestor returns the sibling of v whose subtree holds vim, as recorded
// in anc, or the default ancestor when the record is stale.
func (t *tidy) ancestor(vim, v, def int32) int32 {
	a := t.n[vim].anc
	if t.n[a].par == t.n[v].par {
		return a
	}
	return def
}

// moveSubtree shifts the subtree of wp right by sh and records how the
// siblings between wm and wp share the shift (applied in executeShifts).
func (t *tidy) moveSubtree(wm, wp int32, sh float64) {
	subtrees := float64(wp - wm) // sibling numbers are index differences
	p, m := &t.n[wp], &t.n[wm]
	p.change -= sh / subtrees
	p.shift += sh
	m.change += sh / subtrees
	p.prelim += sh
	p.mod += sh
}

// executeShifts applies, in one right-to-left sweep, the shares of shifts
// that moveSubtree recorded for the children of v.
func (t *tidy) executeShifts(v int32) {
	var sh, ch float64
	f := t.n[v].first
	for w := f + t.n[v].nkids - 1; w >= f; w-- {
		x := &t.n[w]
		x.prelim += sh
		x.mod += sh
		ch += x.change
		sh += x.shift + ch
	}
}

// placeTidy places the arena as the tidy tree did before pack (kept so that
// benchmarks and tests can compare the two on the same forests; see
// Options.tidyTree): every child one layer below its parent, all children
// of a node side by side. It returns what pack returns.
func (b *builder) placeTidy() (pb []pblock, breadth, depth float64) {
	b.t.siblingGap, b.t.cousinGap = siblingGap, cousinGap
	lo, hi := b.t.run()
	layerSize := b.layerWidth
	if b.td {
		layerSize = make([]float64, b.maxDeep+1)
		for d := range layerSize {
			layerSize[d] = NodeHeight
		}
	} else {
		for d := range layerSize {
			layerSize[d] = math.Ceil(layerSize[d]/layerStep) * layerStep
		}
	}
	layerOff := make([]float64, b.maxDeep+1)
	off := 0.0
	for d := 1; d <= int(b.maxDeep); d++ {
		layerOff[d] = off
		off += layerSize[d] + layerGap
	}
	pb = reuse(&b.sc.pb, len(b.t.n))
	for v := 1; v < len(b.t.n); v++ {
		x := &b.t.n[v]
		pb[v].rx = x.prelim - lo - x.ext/2
		pb[v].ry = layerOff[b.info[v].depth]
	}
	return pb, hi - lo, off - layerGap
}
