package layout

// tidy is the arena on which the tidy-tree algorithm runs: Walker's
// algorithm in the linear-time form of Buchheim, Jünger and Leipert
// ("Improving Walker's Algorithm to Run in Linear Time", 2002).
//
// Nodes are numbered in breadth-first order with node 0 as a virtual root
// that holds the real roots as its children. Breadth-first numbering makes
// the children of every node a contiguous index range [first, first+n), so
// siblings, left siblings and sibling numbers are index arithmetic instead of
// pointers or maps, and reverse index order is a valid post-order (every
// child has a larger index than its parent). Both walks are therefore plain
// loops: no recursion, so a chain thousands deep cannot exhaust the stack,
// and no pass costs nodes × depth.
//
// Positions here are the centre of a node along the breadth axis (x when the
// tree grows top-down, y when it grows left-right). ext holds each node's
// extent along that axis.
type tidy struct {
	par   []int32 // parent index, -1 for the virtual root
	first []int32 // index of the first child (meaningful only when nkids > 0)
	nkids []int32 // number of children
	ext   []float64

	prelim []float64
	mod    []float64
	shift  []float64
	change []float64
	thread []int32
	anc    []int32

	// pos is the final centre of each node on the breadth axis.
	pos []float64

	siblingGap float64 // space between boxes of one parent
	cousinGap  float64 // space between boxes of different parents
}

// grow prepares the per-node scratch arrays for n nodes, reusing capacity.
func (t *tidy) grow(n int) {
	t.prelim = make([]float64, n)
	t.mod = make([]float64, n)
	t.shift = make([]float64, n)
	t.change = make([]float64, n)
	t.thread = make([]int32, n)
	t.anc = make([]int32, n)
	t.pos = make([]float64, n)
	for i := range t.thread {
		t.thread[i] = -1
		t.anc[i] = int32(i)
	}
}

// distance is the required centre-to-centre distance of two neighbours on
// one layer: half of each extent plus the gap. Boxes of different parents
// get a wider gap so that families read as families.
func (t *tidy) distance(a, b int32) float64 {
	g := t.cousinGap
	if t.par[a] == t.par[b] {
		g = t.siblingGap
	}
	return (t.ext[a]+t.ext[b])/2 + g
}

func (t *tidy) nextLeft(v int32) int32 {
	if t.nkids[v] > 0 {
		return t.first[v]
	}
	return t.thread[v]
}

func (t *tidy) nextRight(v int32) int32 {
	if n := t.nkids[v]; n > 0 {
		return t.first[v] + n - 1
	}
	return t.thread[v]
}

// run computes pos for every node.
func (t *tidy) run() {
	n := int32(len(t.par))
	t.grow(int(n))
	if n == 0 {
		return
	}
	// First walk, children before parents. When node v is reached all its
	// children have been laid out internally and prelim[c] holds the
	// midpoint of c's own children (0 for a leaf); v now places its
	// children against each other, left to right.
	for v := n - 1; v >= 0; v-- {
		k := t.nkids[v]
		if k == 0 {
			t.prelim[v] = 0
			continue
		}
		f := t.first[v]
		def := f // default ancestor
		for w := f; w < f+k; w++ {
			mid := t.prelim[w]
			if w == f {
				t.prelim[w] = mid
				t.mod[w] = 0
			} else {
				t.prelim[w] = t.prelim[w-1] + t.distance(w-1, w)
				t.mod[w] = t.prelim[w] - mid
				def = t.apportion(w, def)
			}
		}
		t.executeShifts(v)
		t.prelim[v] = (t.prelim[f] + t.prelim[f+k-1]) / 2
	}
	// Second walk, parents before children: a node's position is its
	// preliminary position plus the modifiers of all its ancestors.
	// acc reuses the shift array, which the first walk no longer needs.
	acc := t.shift
	acc[0] = t.mod[0]
	t.pos[0] = t.prelim[0]
	for v := int32(1); v < n; v++ {
		p := t.par[v]
		t.pos[v] = t.prelim[v] + acc[p]
		acc[v] = acc[p] + t.mod[v]
	}
}

// apportion pushes the subtree of v (which has a left sibling) right until
// its left contour clears the right contour of all subtrees left of it,
// following threads along contours, and spreads the shift over the smaller
// subtrees in between. It returns the new default ancestor.
func (t *tidy) apportion(v, def int32) int32 {
	w := v - 1 // left sibling
	vip, vop := v, v
	vim := w
	vom := t.first[t.par[v]]
	sip, sop := t.mod[vip], t.mod[vop]
	sim, som := t.mod[vim], t.mod[vom]
	for {
		nr := t.nextRight(vim)
		nl := t.nextLeft(vip)
		if nr < 0 || nl < 0 {
			break
		}
		vim, vip = nr, nl
		vom = t.nextLeft(vom)
		vop = t.nextRight(vop)
		t.anc[vop] = v
		sh := (t.prelim[vim] + sim) - (t.prelim[vip] + sip) + t.distance(vim, vip)
		if sh > 0 {
			t.moveSubtree(t.ancestor(vim, v, def), v, sh)
			sip += sh
			sop += sh
		}
		sim += t.mod[vim]
		sip += t.mod[vip]
		som += t.mod[vom]
		sop += t.mod[vop]
	}
	if nr := t.nextRight(vim); nr >= 0 && t.nextRight(vop) < 0 {
		t.thread[vop] = nr
		t.mod[vop] += sim - sop
	}
	if nl := t.nextLeft(vip); nl >= 0 && t.nextLeft(vom) < 0 {
		t.thread[vom] = nl
		t.mod[vom] += sip - som
		def = v
	}
	return def
}

// ancestor returns the sibling of v whose subtree holds vim, as recorded
// in anc, or the default ancestor when the record is stale.
func (t *tidy) ancestor(vim, v, def int32) int32 {
	a := t.anc[vim]
	if t.par[a] == t.par[v] {
		return a
	}
	return def
}

// moveSubtree shifts the subtree of wp right by sh and records how the
// siblings between wm and wp share the shift (applied in executeShifts).
func (t *tidy) moveSubtree(wm, wp int32, sh float64) {
	subtrees := float64(wp - wm) // sibling numbers are index differences
	t.change[wp] -= sh / subtrees
	t.shift[wp] += sh
	t.change[wm] += sh / subtrees
	t.prelim[wp] += sh
	t.mod[wp] += sh
}

// executeShifts applies, in one right-to-left sweep, the shares of shifts
// that moveSubtree recorded for the children of v.
func (t *tidy) executeShifts(v int32) {
	var sh, ch float64
	f := t.first[v]
	for w := f + t.nkids[v] - 1; w >= f; w-- {
		t.prelim[w] += sh
		t.mod[w] += sh
		ch += t.change[w]
		sh += t.shift[w] + ch
	}
}
