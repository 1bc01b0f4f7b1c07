package layout

import "math"

// Block packing: the placement that keeps the picture's shape bounded.
//
// A tidy tree (tidy.go) puts all children of a node side by side, so a
// wide, shallow forest — a host with 2,000 user-namespaced processes — is
// drawn as a line hundreds of thousands of pixels long. Here every subtree
// is a rectangular block, laid out children first:
//
//   - A node whose children fit in one row without making its block wider
//     than maxAspect : 1 (top-down; taller for left-right), or narrower than
//     minWrap (except a root), is drawn as in a tidy tree: the children
//     side by side, the node centred over the first and the last of them.
//   - Otherwise the children wrap into rows no longer than a limit L (columns
//     in a left-right tree), in sibling order, and the node sits at the top
//     left of its block with the rows indented under it, like a directory
//     listing: the connector runs down a trunk at the node's left and turns
//     into each row through the gap above it, so it crosses no box.
//
// L is chosen so that the block comes out about aspectTarget : 1, and it is
// taken from a ladder of lengths √2 apart, from the total area of the
// children: it changes only when that area doubles or halves, so a
// container that starts or ends appends to or leaves the last row and the
// rows before it hold still. Only when the rows come out beyond maxAspect
// (children of very different sizes) is L stepped along the ladder until
// they do not. Each block is bounded, so the whole picture is: at most
// maxAspect : 1 either way, except where the forest forbids it (a lone
// chain of nested user namespaces is as tall as it is deep).
//
// A block's layout depends only on its own subtree, and a block's origin
// only on the blocks before it in its parent's rows: growth inside a
// subtree moves what follows it, never what precedes it. The cost is linear
// in the nodes, times the few ladder steps a node with children of very
// different sizes needs.

const (
	// aspectTarget is the shape, width over height, that wrapped rows aim
	// at: about a screen's.
	aspectTarget = 1.2
	// maxAspect bounds every block, width over height and height over
	// width, wherever wrapping can: the picture stays below 3 : 1 with
	// room to spare.
	maxAspect = 2.5
	// minWrap is the breadth below which the children of a node that is
	// not a root stay in one row whatever their shape: a container's few
	// namespaces read best side by side, and its parent's rows bound the
	// picture anyway.
	minWrap = 640.0
	// ladderBase is the shortest row limit; the others are √2 apart.
	ladderBase = 64.0
	// indentTD is how far wrapped rows sit right of their parent's left
	// edge in a top-down tree, leaving a lane for the trunk at trunkInset.
	indentTD = 24.0
	// indentLR is how far wrapped columns sit below their parent's top in
	// a left-right tree: below the parent's own row, where the trunk runs.
	indentLR = NodeHeight + siblingGap
	// TrunkInset is where the trunk to wrapped rows leaves a top-down
	// parent: this far right of its left edge (at most its middle). Drawers
	// use it with LayerGap: a child more than LayerGap below its parent's
	// bottom is in a wrapped row, reached from the trunk; every connector
	// turns LayerGap/2 above (left of) its child.
	TrunkInset = 12.0
	// LayerGap is the gap between a node and its children, and between
	// wrapped rows.
	LayerGap = layerGap
)

// pblock is one subtree's block: first its size and its node's offset, then
// its place.
type pblock struct {
	bb, bd float64 // the block's breadth and depth
	ob     float64 // the node's box along the breadth axis, from the block's start
	// The block's origin: relative to the parent's block until the second
	// pass makes it absolute.
	rx, ry float64
}

// extents returns node v's box along the breadth and depth axes; 0, 0 for
// the virtual root.
func (b *builder) extents(v int32) (breadth, depth float64) {
	if v == 0 {
		return 0, 0
	}
	if b.td {
		return b.t.n[v].ext, NodeHeight
	}
	return NodeHeight, b.info[v].width
}

// pack places every node of the arena: pb[v].rx + pb[v].ob and pb[v].ry are
// the breadth and depth of the start of v's box, from the picture's origin
// (inside the margin). It returns the size of the whole forest's block.
func (b *builder) pack() (pb []pblock, breadth, depth float64) {
	ns := b.t.n
	n := int32(len(ns))
	pb = reuse(&b.sc.pb, int(n))
	if n == 0 {
		return pb, 0, 0
	}
	target := aspectTarget // breadth over depth
	if !b.td {
		target = 1 / aspectTarget
	}
	for v := n - 1; v >= 0; v-- {
		x := &ns[v]
		ext, dext := b.extents(v)
		p := &pb[v]
		if x.nkids == 0 {
			p.bb, p.bd = ext, dext
			continue
		}
		top, indent := dext+layerGap, indentTD
		if !b.td {
			indent = indentLR
		}
		if v == 0 {
			top, indent = 0, 0
		}
		kids := pb[x.first : x.first+x.nkids]
		leaf := ns[x.first : x.first+x.nkids]
		gap := func(i int) float64 {
			if leaf[i-1].nkids == 0 && leaf[i].nkids == 0 {
				return siblingGap
			}
			return cousinGap
		}
		// One row, the node centred over its first and last child.
		pos, deep, area := 0.0, 0.0, 0.0
		for i := range kids {
			if i > 0 {
				pos += gap(i)
			}
			kids[i].rx, kids[i].ry = pos, top
			pos += kids[i].bb
			deep = max(deep, kids[i].bd)
			area += (kids[i].bb + siblingGap) * (kids[i].bd + layerGap)
		}
		last := len(kids) - 1
		centre := (kids[0].ob + leaf[0].ext/2 + kids[last].rx + kids[last].ob + leaf[last].ext/2) / 2
		shift := max(0, ext/2-centre)
		bb, bd := max(pos+shift, centre+shift+ext/2), top+deep
		if bb <= maxAspect*bd || len(kids) == 1 || (bb <= minWrap && v > 0 && x.par > 0) {
			for i := range kids {
				kids[i].rx += shift
			}
			p.ob = centre + shift - ext/2
			p.bb, p.bd = bb, bd
			continue
		}
		// Rows. Start from the ladder step whose rows would make the
		// target shape and step while the rows come out beyond the
		// bounds.
		j := max(0, int(math.Ceil(2*math.Log2(math.Sqrt(target*area)/ladderBase))))
		rows := func(limit float64) (bb, bd float64, n int) {
			pos, row, deep, n := 0.0, top, 0.0, 1
			widest := 0.0
			for i := range kids {
				g := 0.0
				if i > 0 {
					g = gap(i)
				}
				if i > 0 && pos+g+kids[i].bb > limit {
					widest = max(widest, pos)
					row += deep + layerGap
					pos, deep, g = 0, 0, 0
					n++
				}
				kids[i].rx, kids[i].ry = indent+pos+g, row
				pos += g + kids[i].bb
				deep = max(deep, kids[i].bd)
			}
			widest = max(widest, pos)
			return max(ext, indent+widest), row + deep, n
		}
		bb, bd, nrows := rows(ladder(j))
		switch {
		case bb > maxAspect*bd:
			for j > 0 && bb > maxAspect*bd && nrows < len(kids) {
				j--
				bb, bd, nrows = rows(ladder(j))
			}
		case bd > maxAspect*bb:
			for bd > maxAspect*bb && nrows > 1 {
				j++
				bb, bd, nrows = rows(ladder(j))
			}
		}
		p.ob, p.bb, p.bd = 0, bb, bd
	}
	// Second pass, parents first (breadth-first order): absolute origins.
	for v := int32(1); v < n; v++ {
		par := &pb[ns[v].par]
		pb[v].rx += par.rx
		pb[v].ry += par.ry
	}
	return pb, pb[0].bb, pb[0].bd
}

// ladder is the j-th row limit: ladderBase·√2^j.
func ladder(j int) float64 {
	l := ladderBase * math.Exp2(float64(j/2))
	if j%2 == 1 {
		l *= math.Sqrt2
	}
	return l
}

// preorder numbers the arena's nodes in depth-first pre-order into thread
// (-1 for the virtual root), as the tidy tree's second walk does.
func (b *builder) preorder() {
	ns := b.t.n
	for i := range ns {
		ns[i].size = 1
	}
	for v := len(ns) - 1; v > 0; v-- {
		ns[ns[v].par].size += ns[v].size
	}
	ns[0].thread = -1
	for v := range ns {
		x := &ns[v]
		next := x.thread + 1
		for c := x.first; c < x.first+x.nkids; c++ {
			ns[c].thread = next
			next += ns[c].size
		}
	}
}

// setWidth records the width of node v: in its info, as its breadth extent
// (the height when the tree grows left-right) and in its layer's width.
func (b *builder) setWidth(v int32, w float64) {
	b.info[v].width = w
	if b.td {
		b.t.n[v].ext = w
		return
	}
	b.t.n[v].ext = NodeHeight
	d := int(b.info[v].depth)
	if d >= len(b.layerWidth) {
		b.layerWidth = append(b.layerWidth, make([]float64, d+1-len(b.layerWidth))...)
	}
	b.layerWidth[d] = max(b.layerWidth[d], w)
}

// place runs the placement (pack, or the tidy tree when the options ask
// for the previous layout), and writes the result in depth-first
// pre-order.
func (b *builder) place(orient Orientation, res *Result) {
	tn := b.t.n
	n := len(tn)
	td := orient == TopDown
	var pb []pblock
	var breadth, depth float64
	if b.tidyTree {
		pb, breadth, depth = b.placeTidy()
	} else {
		pb, breadth, depth = b.pack()
	}
	// Every real box's tidy pre-order position, which pack does not
	// compute: the first child follows its parent, each further one the
	// subtree of the one before.
	if !b.tidyTree {
		b.preorder()
	}
	breadthEnd, depthEnd := breadth+2*Margin, depth+2*Margin
	if n == 1 {
		depthEnd, breadthEnd = 2*Margin, 2*Margin
	}
	if td {
		res.Width, res.Height = breadthEnd, depthEnd
	} else {
		res.Width, res.Height = depthEnd, breadthEnd
	}

	// Nodes are written at their pre-order position while the arena is
	// read in index order; edges come in breadth-first order. The roots
	// are nodes 1..roots and have no edge, so node v > roots has edge
	// v-1-roots.
	roots := int(tn[0].nkids)
	res.Nodes = make([]Node, n-1)
	res.Edges = make([]Edge, n-1-roots)
	for v := 1; v < n; v++ {
		in := &b.info[v]
		x := &tn[v]
		nd := &res.Nodes[x.thread]
		txt := b.texts[in.text]
		nd.ID = txt[in.idLo:in.labelLo]
		nd.Label = txt[in.labelLo:in.labelHi]
		nd.W, nd.H = in.width, NodeHeight
		nd.Type = b.typeName(in.typ)
		switch s := in.src; {
		case s == srcUnowned:
			nd.Kind = Dir
		case s == srcGroup:
			nd.Kind = Group
			nd.Count = int(in.count)
		case s == srcFolded:
			nd.Kind = Group
			nd.Type = ""
			nd.Count = int(in.count)
		case s <= srcBucket:
			nd.Type = ""
			nd.Kind = Container
			if b.buckets[srcBucket-s].pod {
				nd.Kind = Pod
			}
		default:
			nd.NS = in.ns
			nd.Kind = File
			if in.dir {
				nd.Kind = Dir
			}
		}
		bo, do := pb[v].rx+pb[v].ob+Margin, pb[v].ry+Margin
		if td {
			nd.X, nd.Y = bo, do
		} else {
			nd.X, nd.Y = do, bo
		}
		if p := x.par; p > 0 {
			pin := &b.info[p]
			nd.Parent = b.texts[pin.text][pin.idLo:pin.labelLo]
			res.Edges[v-1-roots] = Edge{From: nd.Parent, To: nd.ID}
		}
	}
}
