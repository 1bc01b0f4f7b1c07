package layout

import (
	"cmp"
	"math"
	stdbits "math/bits"
	"slices"
	"strconv"

	"github.com/nsweb/nsweb/internal/model"
)

// Compute lays out one view of a snapshot. It is pure and deterministic: the
// same snapshot and options always give the same Result, whatever order the
// snapshot's maps iterate in.
//
// Owner view: the roots are the user namespaces whose parent is not in the
// snapshot (normally s.Root, placed first). A user namespace is a Dir node;
// its children are the user namespaces whose Parent it is (Dirs) and every
// other namespace it owns (Files). Namespaces whose owner is 0 or not a user
// namespace of the snapshot go under a synthetic root Dir with ID UnownedID,
// after all other roots, so nothing is dropped. A cycle of parents (which
// only malformed input can have) is cut at its lowest namespace ID, which
// becomes a root.
//
// PID view: the PID namespaces as Dir nodes under their Parent; other types
// are not shown.
//
// Sibling order is Files by type (model.Types order: pid, net, mnt, uts, ipc,
// cgroup, time, then unknown types by name), then Dirs; within a type by
// namespace ID. Namespace IDs grow with creation, so a new container's
// namespaces append at the right end of their run and a new user namespace
// appends at the very right of its parent: the placement that moves the
// fewest existing boxes in a tidy tree (see docs/benchmarks.md).
//
// More than FoldThreshold sibling Files of one type fold into one Group node
// with ID GroupID(parent, type), unless Expanded names it. Keep filters
// namespaces before folding; the ancestors of a kept namespace are shown.
//
// A nil or empty snapshot gives a Result without nodes. Invalid view or
// orientation values fall back to Owner and TopDown (see Options.Check).
func Compute(s *model.Snapshot, opt Options) *Result {
	view := opt.View
	if !view.Valid() {
		view = Owner
	}
	orient := opt.Orientation
	if orient != LeftRight {
		orient = TopDown
	}
	res := &Result{View: view, Orientation: orient, Nodes: []Node{}, Edges: []Edge{}}
	if s == nil || len(s.Namespaces) == 0 {
		res.Width, res.Height = 2*Margin, 2*Margin
		return res
	}
	fold := opt.FoldThreshold
	if fold == 0 {
		fold = DefaultFoldThreshold
	}
	b := builder{snap: s, view: view, fold: fold, expanded: opt.Expanded}
	b.collect()
	b.linkParents()
	b.breakCycles()
	b.filter(opt.Keep)
	b.sortChildren()
	b.buildTree()
	b.place(orient, res)
	return res
}

// Check reports, as an error a request handler can return, whether the
// options name a view and orientation the layout knows. Compute itself
// falls back to defaults instead of failing.
func (o Options) Check() error {
	if o.View != "" && !o.View.Valid() {
		return &OptionError{Field: "view", Value: string(o.View)}
	}
	if o.Orientation != "" && o.Orientation != TopDown && o.Orientation != LeftRight {
		return &OptionError{Field: "orientation", Value: string(o.Orientation)}
	}
	return nil
}

// OptionError says which option had a value the layout does not know.
type OptionError struct {
	Field, Value string
}

func (e *OptionError) Error() string {
	return "layout: unknown " + e.Field + " " + strconv.Quote(e.Value)
}

// Parent markers in builder.par besides namespace indices.
const (
	parRoot    = -1 // a root of the forest
	parUnowned = -2 // a file whose owner is unknown
)

// entry is one namespace of the view, in namespace-ID order.
type entry struct {
	id model.NSID
	ns *model.Namespace
}

// builder turns a snapshot into the tidy arena. Namespaces are referred to
// by their index in ents (ascending namespace ID), never through maps in
// the loops that run once per node.
type builder struct {
	snap     *model.Snapshot
	view     View
	fold     int
	expanded map[string]bool

	ents  []entry
	isDir []bool
	par   []int32 // parent namespace index, parRoot or parUnowned
	key   []uint8 // sibling sort key: file type rank, dirs last
	vis   []bool  // shown (kept or an ancestor of a kept one)
	unown bool    // some shown namespace lacks an owner

	// children of each parent slot, sorted; slot 0 = unowned, 1 = roots,
	// 2+i = namespace i.
	kidStart []int32
	kids     []int32

	// The tidy arena and, per arena node, what it shows.
	t       tidy
	info    []nodeInfo
	text    string // all node IDs and labels
	maxDeep int32
}

// nodeInfo is what an arena node shows, kept together so that writing the
// result touches one record per node.
type nodeInfo struct {
	src            int32 // namespace index; srcVirtual, srcUnowned or srcGroup
	depth          int32 // 0 for the virtual root
	idLo, labelLo  int32 // ID is text[idLo:labelLo], label text[labelLo:labelHi]
	labelHi, count int32
	width          float64
	typ            model.NSType
}

// dirKey is the sort key of Dirs among siblings: after every file type.
const dirKey = 255

func (b *builder) collect() {
	// No dereference here: map order is random, so touching the
	// namespaces now would miss the cache on every one. After sorting,
	// they are visited in ID order, which is close to allocation order.
	ents := make([]entry, 0, len(b.snap.Namespaces))
	for id, ns := range b.snap.Namespaces {
		if ns != nil {
			ents = append(ents, entry{id, ns})
		}
	}
	ents = sortEntries(ents)
	if b.view == PIDTree {
		k := 0
		for _, e := range ents {
			if e.ns.Type == model.PID {
				ents[k] = e
				k++
			}
		}
		ents = ents[:k]
	}
	b.ents = ents
}

// overflowKey is the sort key shared by unknown types beyond the first 246
// (only absurd input has so many); runs under it also compare type names.
const overflowKey = dirKey - 1

// linkParents finds every namespace's parent node and its sort key in one
// pass over the namespaces and one over their references.
func (b *builder) linkParents() {
	n := len(b.ents)
	b.isDir = make([]bool, n)
	b.par = make([]int32, n)
	b.key = make([]uint8, n)
	refs := make([]model.NSID, n) // the parent (Dirs) or owner (Files) to look up
	dirType := model.User
	if b.view == PIDTree {
		dirType = model.PID
	}
	var unknown []model.NSType
	for i, e := range b.ents {
		ns := e.ns
		if ns.Type == dirType {
			b.isDir[i] = true
			b.key[i] = dirKey
			p := ns.Parent
			if p == 0 && b.view == Owner {
				p = ns.Owner
			}
			if p == e.id {
				p = 0
			}
			refs[i] = p
			continue
		}
		refs[i] = ns.Owner
		if r := ns.Type.Rank(); r < len(model.Types) {
			b.key[i] = uint8(r)
		} else {
			unknown = append(unknown, ns.Type)
		}
	}
	if len(unknown) > 0 {
		// Unknown types sort after the known ones, by name, so that each
		// forms one run.
		slices.Sort(unknown)
		unknown = slices.Compact(unknown)
		for i, e := range b.ents {
			if !b.isDir[i] && e.ns.Type.Rank() >= len(model.Types) {
				k, _ := slices.BinarySearch(unknown, e.ns.Type)
				b.key[i] = uint8(min(len(model.Types)+k, overflowKey))
			}
		}
	}
	look := b.dirIndex()
	for i := range b.ents {
		if j := look(refs[i]); j >= 0 {
			b.par[i] = j
		} else if b.isDir[i] {
			b.par[i] = parRoot
		} else {
			b.par[i] = parUnowned
		}
	}
}

// dirIndex returns a lookup from namespace ID to the index of the Dir with
// that ID, or -1. IDs are usually dense (a creation counter), so a table
// over the ID range is used when it is at most four times the namespace
// count; a map otherwise.
func (b *builder) dirIndex() func(model.NSID) int32 {
	n := len(b.ents)
	if n == 0 {
		return func(model.NSID) int32 { return -1 }
	}
	lo, hi := b.ents[0].id, b.ents[n-1].id
	if hi-lo < model.NSID(4*n+64) {
		table := make([]int32, hi-lo+1)
		for i := range table {
			table[i] = -1
		}
		for i, e := range b.ents {
			if b.isDir[i] {
				table[e.id-lo] = int32(i)
			}
		}
		return func(id model.NSID) int32 {
			if id < lo || id > hi {
				return -1
			}
			return table[id-lo]
		}
	}
	dirs := make(map[model.NSID]int32)
	for i, e := range b.ents {
		if b.isDir[i] {
			dirs[e.id] = int32(i)
		}
	}
	return func(id model.NSID) int32 {
		if j, ok := dirs[id]; ok {
			return j
		}
		return -1
	}
}

// breakCycles makes sure every Dir reaches a root by following parents: a
// cycle (malformed input) is cut at its lowest namespace ID. Each Dir is
// visited a constant number of times.
func (b *builder) breakCycles() {
	const (
		fresh = iota
		onPath
		done
	)
	state := make([]uint8, len(b.ents))
	var path []int32
	for i := range b.ents {
		if !b.isDir[i] || state[i] != fresh {
			continue
		}
		path = path[:0]
		j := int32(i)
		for j >= 0 && state[j] == fresh {
			state[j] = onPath
			path = append(path, j)
			j = b.par[j]
		}
		if j >= 0 && state[j] == onPath {
			// path from j's position to the end is a cycle.
			k := slices.Index(path, j)
			cut := slices.Min(path[k:])
			b.par[cut] = parRoot
		}
		for _, p := range path {
			state[p] = done
		}
	}
}

// filter marks the namespaces to show: the kept ones and their ancestors.
func (b *builder) filter(keep func(*model.Namespace) bool) {
	n := len(b.ents)
	b.vis = make([]bool, n)
	if keep == nil {
		for i := range b.vis {
			b.vis[i] = true
			if b.par[i] == parUnowned {
				b.unown = true
			}
		}
		return
	}
	for i, e := range b.ents {
		if !keep(e.ns) {
			continue
		}
		// Climb until a node already shown: each node is marked once.
		for j := int32(i); j >= 0 && !b.vis[j]; j = b.par[j] {
			b.vis[j] = true
			if b.par[j] == parUnowned {
				b.unown = true
			}
		}
	}
}

// sortChildren groups the shown namespaces by parent, each group in sibling
// order (key, then namespace ID), with two stable counting sorts.
func (b *builder) sortChildren() {
	n := len(b.ents)
	// Pass 1: by key, stable over ID order.
	var cnt [dirKey + 2]int32
	shown := 0
	for i := range n {
		if b.vis[i] {
			cnt[int(b.key[i])+1]++
			shown++
		}
	}
	for k := 1; k < len(cnt); k++ {
		cnt[k] += cnt[k-1]
	}
	byKey := make([]int32, shown)
	for i := range n {
		if b.vis[i] {
			k := b.key[i]
			byKey[cnt[k]] = int32(i)
			cnt[k]++
		}
	}
	// Pass 2: by parent slot, stable over key order.
	start := make([]int32, n+3)
	for _, i := range byKey {
		start[b.par[i]+2+1]++
	}
	for s := 1; s < len(start); s++ {
		start[s] += start[s-1]
	}
	kids := make([]int32, shown)
	fill := make([]int32, n+2)
	copy(fill, start)
	for _, i := range byKey {
		s := b.par[i] + 2
		kids[fill[s]] = i
		fill[s]++
	}
	b.kidStart = start
	b.kids = kids
	// The initial user (or PID) namespace leads the roots.
	roots := kids[start[1]:start[2]]
	if len(roots) > 1 {
		for k, i := range roots {
			if b.ents[i].id == b.snap.Root {
				copy(roots[1:k+1], roots[:k])
				roots[0] = i
				break
			}
		}
	}
}

// Arena source markers besides namespace indices.
const (
	srcVirtual = -1
	srcUnowned = -2
	srcGroup   = -3
)

// buildTree creates the tidy arena in breadth-first order, folding long runs
// of files into groups. Node IDs and labels are written into one byte
// buffer and become substrings of one string at the end: two allocations
// instead of two per node. Namespace labels are written after the tree is
// known, only for namespaces that became nodes, and in ID order, where
// memory is read sequentially and the namer's memory works best.
func (b *builder) buildTree() {
	est := len(b.kids) + 2
	b.info = make([]nodeInfo, 0, est)
	b.t.par = make([]int32, 0, est)
	b.t.first = make([]int32, 0, est)
	b.t.nkids = make([]int32, 0, est)
	var text []byte
	nodeOf := make([]int32, len(b.ents)) // arena node of each namespace, 0 if none

	add := func(in nodeInfo, par int32) int32 {
		if par >= 0 {
			in.depth = b.info[par].depth + 1
			b.maxDeep = max(b.maxDeep, in.depth)
		}
		b.info = append(b.info, in)
		b.t.par = append(b.t.par, par)
		b.t.first = append(b.t.first, 0)
		b.t.nkids = append(b.t.nkids, 0)
		return int32(len(b.info) - 1)
	}
	// addText adds a node whose ID starts at idLo and whose label runs from
	// labelLo to the end of text.
	addText := func(src, par int32, idLo, labelLo int, t model.NSType, count int) {
		add(nodeInfo{src: src, idLo: int32(idLo), labelLo: int32(labelLo), labelHi: int32(len(text)),
			count: int32(count), width: nodeWidth(text[labelLo:]), typ: t}, par)
	}
	addNS := func(i, par int32) {
		nodeOf[i] = add(nodeInfo{src: i}, par)
	}

	add(nodeInfo{src: srcVirtual}, -1)
	for v := int32(0); v < int32(len(b.info)); v++ {
		var slot int32
		switch s := b.info[v].src; {
		case s == srcVirtual:
			slot = 1
		case s == srcUnowned:
			slot = 0
		case s == srcGroup:
			continue
		default:
			if !b.isDir[s] {
				continue
			}
			slot = s + 2
		}
		kids := b.kids[b.kidStart[slot]:b.kidStart[slot+1]]
		first := int32(len(b.info))
		for k := 0; k < len(kids); {
			i := kids[k]
			if b.isDir[i] {
				addNS(i, v)
				k++
				continue
			}
			// A run of files of one type: one sort key, except that the
			// overflow key may hold several unknown types.
			key := b.key[i]
			end := k + 1
			if key == overflowKey {
				t := b.ents[i].ns.Type
				for end < len(kids) && b.key[kids[end]] == key && b.ents[kids[end]].ns.Type == t {
					end++
				}
			} else {
				for end < len(kids) && b.key[kids[end]] == key {
					end++
				}
			}
			if run := end - k; b.fold > 0 && run > b.fold {
				t := b.ents[i].ns.Type
				idLo := len(text)
				text = append(text, "grp:"...)
				if slot == 0 {
					text = append(text, UnownedID...)
				} else {
					text = append(text, "ns:"...)
					text = strconv.AppendUint(text, uint64(b.ents[slot-2].id), 10)
				}
				text = append(text, ':')
				text = append(text, t...)
				if !b.expanded[string(text[idLo:])] {
					labelLo := len(text)
					text = appendGroupLabel(text, run, t)
					addText(srcGroup, v, idLo, labelLo, t, run)
					k = end
					continue
				}
				text = text[:idLo]
			}
			for ; k < end; k++ {
				addNS(kids[k], v)
			}
		}
		if v == 0 && b.unown {
			idLo := len(text)
			text = append(text, UnownedID...)
			labelLo := len(text)
			text = append(text, "unknown owner"...)
			addText(srcUnowned, 0, idLo, labelLo, model.User, 0)
		}
		b.t.first[v] = first
		b.t.nkids[v] = int32(len(b.info)) - first
	}

	// Namespace IDs and labels, in ID order.
	text = slices.Grow(text, (len(b.info)-1)*40)
	nm := namer{s: b.snap}
	for i, e := range b.ents {
		v := nodeOf[i]
		if v == 0 {
			continue
		}
		in := &b.info[v]
		in.idLo = int32(len(text))
		text = append(text, "ns:"...)
		text = strconv.AppendUint(text, uint64(e.id), 10)
		in.labelLo = int32(len(text))
		text = appendLabel(text, e.ns, nm.name(e.ns))
		in.labelHi = int32(len(text))
		in.width = nodeWidth(text[in.labelLo:])
		in.typ = e.ns.Type
	}
	b.text = string(text)
}

// place runs the tidy tree, assigns layers and writes the result in
// depth-first pre-order.
func (b *builder) place(orient Orientation, res *Result) {
	n := len(b.info)
	td := orient == TopDown
	// Breadth extents: widths when top-down, heights when left-right.
	b.t.ext = make([]float64, n)
	for i := range b.t.ext {
		if td {
			b.t.ext[i] = b.info[i].width
		} else {
			b.t.ext[i] = NodeHeight
		}
	}
	b.t.siblingGap, b.t.cousinGap = siblingGap, cousinGap
	b.t.run()

	// Layer offsets along the depth axis: each depth is as deep as its
	// largest box. Depth 0 is the virtual root, not drawn.
	layerSize := make([]float64, b.maxDeep+1)
	for i := 1; i < n; i++ {
		sz := NodeHeight
		if !td {
			sz = b.info[i].width
		}
		if d := b.info[i].depth; sz > layerSize[d] {
			layerSize[d] = sz
		}
	}
	if !td {
		// Round layer widths up to a step, so that most new labels fit
		// the layer they join instead of shifting every deeper layer.
		for d := range layerSize {
			layerSize[d] = math.Ceil(layerSize[d]/layerStep) * layerStep
		}
	}
	layerOff := make([]float64, b.maxDeep+1)
	off := Margin
	for d := 1; d <= int(b.maxDeep); d++ {
		layerOff[d] = off
		off += layerSize[d] + layerGap
	}
	depthEnd := off - layerGap + Margin

	// Normalise the breadth axis so the leftmost (topmost) box sits at the
	// margin.
	lo, hi := 0.0, 0.0
	for i := 1; i < n; i++ {
		a := b.t.pos[i] - b.t.ext[i]/2
		z := b.t.pos[i] + b.t.ext[i]/2
		if i == 1 || a < lo {
			lo = a
		}
		if i == 1 || z > hi {
			hi = z
		}
	}
	shift := Margin - lo
	breadthEnd := hi + shift + Margin
	if n == 1 {
		depthEnd, breadthEnd = 2*Margin, 2*Margin
	}
	if td {
		res.Width, res.Height = breadthEnd, depthEnd
	} else {
		res.Width, res.Height = depthEnd, breadthEnd
	}

	// Pre-order positions from subtree sizes, both in index order: a
	// node's first child follows it, each further child follows the
	// subtree of the one before. The virtual root takes position -1.
	size := b.t.anc // scratch the tidy walk no longer needs
	for i := range size {
		size[i] = 1
	}
	for v := n - 1; v > 0; v-- {
		size[b.t.par[v]] += size[v]
	}
	pre := b.t.thread // scratch too
	pre[0] = -1
	for v := 0; v < n; v++ {
		f, k := b.t.first[v], b.t.nkids[v]
		next := pre[v] + 1
		for c := f; c < f+k; c++ {
			pre[c] = next
			next += size[c]
		}
	}

	// Nodes are written at their pre-order position while the arena is
	// read in index order; edges come in breadth-first order.
	res.Nodes = make([]Node, n-1)
	res.Edges = make([]Edge, 0, n-1)
	for v := 1; v < n; v++ {
		in := &b.info[v]
		nd := &res.Nodes[pre[v]]
		nd.ID = b.text[in.idLo:in.labelLo]
		nd.Label = b.text[in.labelLo:in.labelHi]
		nd.W, nd.H = in.width, NodeHeight
		nd.Type = in.typ
		switch s := in.src; {
		case s == srcUnowned:
			nd.Kind = Dir
		case s == srcGroup:
			nd.Kind = Group
			nd.Count = int(in.count)
		default:
			nd.NS = b.ents[s].id
			nd.Kind = File
			if b.isDir[s] {
				nd.Kind = Dir
			}
		}
		centre := b.t.pos[v] + shift
		d := layerOff[in.depth]
		if td {
			nd.X, nd.Y = centre-nd.W/2, d
		} else {
			nd.X, nd.Y = d, centre-nd.H/2
		}
		if p := b.t.par[v]; p > 0 {
			pin := &b.info[p]
			nd.Parent = b.text[pin.idLo:pin.labelLo]
			res.Edges = append(res.Edges, Edge{From: nd.Parent, To: nd.ID})
		}
	}
}

// NodeID is the ID of the node that shows namespace id: "ns:<decimal ID>".
// It is built on the never-reused namespace ID, not the inode, so a client
// can keep state per node across snapshots.
func NodeID(id model.NSID) string {
	return "ns:" + strconv.FormatUint(uint64(id), 10)
}

// GroupID is the ID of the group node that folds the files of type t under
// the node with ID parent, e.g. "grp:ns:5:net". It depends only on parent and
// type, so a client can name a group in Options.Expanded before and after
// its count changes.
func GroupID(parent string, t model.NSType) string {
	return "grp:" + parent + ":" + string(t)
}

// UnownedID is the ID of the synthetic root Dir that holds the namespaces
// whose owning user namespace is unknown.
const UnownedID = "unowned"

// sortEntries sorts by namespace ID with a least-significant-digit radix
// sort over the bits in which the IDs differ: a few linear passes instead
// of n log n comparisons, which dominated the layout of 60k namespaces.
// IDs are unique (they are map keys), so stability is not at stake.
func sortEntries(ents []entry) []entry {
	if len(ents) < 256 {
		slices.SortFunc(ents, func(x, y entry) int { return cmp.Compare(x.id, y.id) })
		return ents
	}
	lo, hi := ents[0].id, ents[0].id
	for _, e := range ents {
		lo = min(lo, e.id)
		hi = max(hi, e.id)
	}
	const digit = 11
	const buckets = 1 << digit
	bits := stdbits.Len64(uint64(hi - lo))
	src, dst := ents, make([]entry, len(ents))
	var cnt [buckets]int
	for sh := 0; sh < bits; sh += digit {
		clear(cnt[:])
		for _, e := range src {
			cnt[(uint64(e.id-lo)>>sh)&(buckets-1)]++
		}
		pos := 0
		for d := range cnt {
			c := cnt[d]
			cnt[d] = pos
			pos += c
		}
		for _, e := range src {
			d := (uint64(e.id-lo) >> sh) & (buckets - 1)
			dst[cnt[d]] = e
			cnt[d]++
		}
		src, dst = dst, src
	}
	return src
}
