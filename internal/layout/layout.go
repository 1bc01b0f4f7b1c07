package layout

import (
	"cmp"
	"math"
	stdbits "math/bits"
	"slices"
	"unsafe"

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
// namespace of the snapshot go under a synthetic root Dir with ID UnownedID
// (Type user, NS 0, label "unknown owner"), after all other roots, so
// nothing is dropped. A cycle of parents (which
// only malformed input can have) is cut at its lowest namespace ID, which
// becomes a root.
//
// PID view: the PID namespaces as Dir nodes under their Parent; other types
// are not shown.
//
// Sibling order is Files by type (model.Types order: pid, net, mnt, uts, ipc,
// cgroup, time, then unknown types by name), then Dirs; within a type in
// creation order: by the start time of the namespace's leader process, then
// by namespace ID (namespaces without processes last). So a new container's
// namespaces append at the right end of their run and a new user namespace
// appends at the very right of its parent: the placement that moves the
// fewest existing boxes in a tidy tree (see docs/benchmarks.md). Namespace
// IDs alone would not do: the kernel hands them out to each CPU in batches
// of thousands, so they do not grow with creation across CPUs.
//
// Grouping (Options.Group, owner view only): a File that exactly one
// container uses goes under that container's Container node (ID
// ContainerID(dir, container ID), labelled with the container's name or
// short ID) in the Dir that owns it; with GroupPod, Container nodes of one
// pod, and Files that only the containers of that pod share, go under a Pod
// node (ID PodID). Files that containers of different pods share stay in
// the Dir. A Dir's children are then its remaining Files, then its Dirs and
// Container or Pod nodes in creation order (a bucket's earliest
// namespace), so that a new container appends at the right end either way.
//
// More than FoldThreshold sibling Files of one type fold into one Group node
// with ID GroupID(parent, type), unless Expanded names it. So do more than
// FoldThreshold sibling Container nodes (ID ContainersGroupID(parent), label
// "+1,000 containers", no Type) and, apart from them, more than
// FoldThreshold sibling Pod nodes (PodsGroupID): a host with a thousand
// containers shows one node, not a thousand pills. Such a group sits after
// the parent's Files and before its Dirs and remaining buckets, whatever
// the creation order of the buckets inside, so containers that come and go
// inside it change its count and move nothing. Keep filters namespaces
// before folding; the ancestors of a kept namespace are shown.
//
// Geometry: boxes are NodeHeight high and as wide as their label needs
// (CharWidth per rune plus NodePadding on each side, at least MinNodeWidth).
// Top-down, depth runs along y and every layer is as high as a box;
// left-right, depth runs along x and a layer is as wide as its widest box,
// rounded up to 56 px. The picture has a Margin on every side; the
// leftmost (topmost) box touches it, so that a new subtree at the right end
// of the root's children moves no existing box but the root. Equal inputs
// give bit-identical output: the same floating-point operations run in the
// same order.
//
// A nil or empty snapshot gives a Result without nodes. Invalid view or
// orientation values fall back to Owner and TopDown (see Options.Check).
func Compute(s *model.Snapshot, opt Options) *Result {
	return compute(&scratch{}, s, opt, false)
}

// Layouter computes layouts like Compute but keeps its working memory
// (about 200 bytes per namespace) from one call to the next, so that a
// server laying out every new snapshot allocates little besides the
// Result. The Result never shares memory with the Layouter. A Layouter is
// not safe for concurrent use; the zero value is ready.
type Layouter struct {
	sc scratch
}

// scratch is the reusable working memory of a layout.
type scratch struct {
	ents, ents2       []entry
	isDir, vis        []bool
	key               []uint32
	state             []uint8
	par, table, byKey []int32
	born              []uint64
	rank, byBorn      []int32
	start, kids, fill []int32
	nodeOf, nextFile  []int32
	refs              []model.NSID
	dirs              map[model.NSID]int32
	info              []nodeInfo
	tn                []tnode
	pb                []pblock
}

// reuse returns (*buf)[:n] zeroed, growing *buf when it is too small.
func reuse[T any](buf *[]T, n int) []T {
	if c := cap(*buf); c < n {
		if c > 0 {
			c = n + n/8 // regrowing: leave room for the next snapshot
		}
		*buf = make([]T, n, max(n, c))
		return *buf // already zero
	}
	s := (*buf)[:n]
	clear(s)
	return s
}

// room returns (*buf)[:0] with room for n elements, for appending.
func room[T any](buf *[]T, n int) []T {
	if c := cap(*buf); c < n {
		if c > 0 {
			c = n + n/8
		}
		*buf = make([]T, 0, max(n, c))
	}
	return (*buf)[:0]
}

// Compute lays out one view of a snapshot; see the package function
// Compute.
func (l *Layouter) Compute(s *model.Snapshot, opt Options) *Result {
	return compute(&l.sc, s, opt, true)
}

// compute is Compute with working memory sc, which it keeps for the next
// call if keep is set.
func compute(sc *scratch, s *model.Snapshot, opt Options, keep bool) *Result {
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
	b := builder{sc: sc, snap: s, view: view, fold: fold, expanded: opt.Expanded, td: orient == TopDown, tidyTree: opt.tidyTree}
	if view == Owner && (opt.Group == GroupContainer || opt.Group == GroupPod) {
		b.group = opt.Group
	}
	b.initial = Initial(s)
	b.collect()
	b.creationOrder()
	b.linkParents()
	b.breakCycles()
	b.filter(opt.Keep)
	b.sortChildren()
	b.buildTree()
	b.place(orient, res)
	res.Folds = b.folds
	res.pinned = b.pinnedIDs
	if keep {
		// Keep the info and arena buffers (grown by append) and drop
		// the references to this snapshot, which must not outlive the
		// call.
		sc.info, sc.tn = b.info[:0], b.t.n[:0]
		clear(sc.ents[:cap(sc.ents)])
		clear(sc.ents2[:cap(sc.ents2)])
	}
	return res
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
	sc       *scratch
	snap     *model.Snapshot
	view     View
	fold     int
	expanded map[string]bool
	group    Grouping     // GroupContainer, GroupPod, or "" for none
	tidyTree bool         // place with the previous tidy tree (Options.tidyTree)
	initial  []model.NSID // the host's initial namespaces (Initial)
	// pinnedIDs are the node IDs of the pinned namespaces shown.
	pinnedIDs map[string]bool

	// buckets are the Container and Pod nodes; bucketAt finds them by
	// parent slot and container ID or pod.
	buckets  []bucket
	bucketAt map[bucketKey]int32
	nextFile []int32 // the next file in its bucket's list

	ents []entry
	// rank is each namespace's place in creation order and byBorn the
	// namespaces in that order: siblings sort by it, so that what is
	// created last is drawn last (rightmost) and moves nobody.
	rank   []int32
	byBorn []int32
	isDir  []bool
	par    []int32  // parent namespace index, parRoot or parUnowned
	key    []uint32 // sibling sort key: file type rank, dirs last
	vis    []bool   // shown (kept or an ancestor of a kept one)
	unown  bool     // some shown namespace lacks an owner
	// unknown lists the namespace types model does not know, sorted.
	unknown []model.NSType

	// children of each parent slot, sorted; slot 0 = unowned, 1 = roots,
	// 2+i = namespace i.
	kidStart []int32
	kids     []int32

	// The tidy arena and, per arena node, what it shows.
	td         bool      // top-down: breadth extents are widths
	layerWidth []float64 // widest box per depth
	t          tidy
	info       []nodeInfo
	// texts hold all node IDs and labels: texts[0] those of groups and
	// the unowned node, texts[1] those of namespaces.
	texts   [2]string
	maxDeep int32
	// folds is what each group node hides (Result.Folds), foldAt the
	// arena node of each; their IDs are filled in once texts[0] is.
	folds  []Fold
	foldAt []int32
}

// nodeInfo is what an arena node shows, kept together so that writing the
// result touches one record per node.
type nodeInfo struct {
	src            int32 // namespace index, bucket (srcBucket-k) or another src marker
	depth          int32 // 0 for the virtual root
	idLo, labelLo  int32 // ID is text[idLo:labelLo], label text[labelLo:labelHi]
	labelHi, count int32
	width          float64
	text           uint8  // index into builder.texts
	dir            bool   // a Dir namespace
	typ            uint32 // namespace type, see builder.typeCode
	ns             model.NSID
	// No pointers: the garbage collector need not scan this array.
}

// creationOrder ranks the namespaces by when they came to be, as far as
// the snapshot tells: by the start time of their leader (the earliest
// member process), then by namespace ID. The ID alone is no creation
// order: the kernel hands IDs out to each CPU in batches, so a namespace
// made on one CPU can get a lower ID than one made a moment earlier on
// another, and would land left of it, moving every box to its right.
// Namespaces no process is in (held by a bind mount or a descriptor only)
// come after those with processes, by ID.
func (b *builder) creationOrder() {
	n := len(b.ents)
	// One sortable word per namespace with a leader: its start time above
	// its index (ents are in ID order, so the index breaks ties by ID).
	// Those without one keep ID order after them, unsorted.
	const idxBits = 26 // 64M namespaces
	const maxBorn = 1<<(64-idxBits) - 1
	keys := reuse(&b.sc.born, n)
	b.byBorn = reuse(&b.sc.byBorn, n)
	b.rank = reuse(&b.sc.rank, n)
	led, rest := 0, n
	sorted := true
	for i, e := range b.ents {
		var p *model.Process
		if pid := e.ns.Leader; pid != 0 {
			p = b.snap.Processes[pid]
		}
		if p == nil {
			rest--
			b.byBorn[rest] = int32(i) // reversed below
			continue
		}
		keys[led] = min(p.Start, maxBorn)<<idxBits | uint64(i)
		if led > 0 && keys[led] < keys[led-1] {
			sorted = false
		}
		led++
	}
	if !sorted {
		slices.Sort(keys[:led])
	}
	for r, k := range keys[:led] {
		b.byBorn[r] = int32(k & (1<<idxBits - 1))
	}
	slices.Reverse(b.byBorn[led:])
	for r, i := range b.byBorn {
		b.rank[i] = int32(r)
	}
}

// dirKey is the sort key of Dirs among siblings: after every file type,
// known (their rank) and unknown (len(model.Types) plus their index in
// b.unknown). It is set once the unknown types are known.
func (b *builder) dirKey() uint32 {
	return uint32(len(model.Types) + len(b.unknown))
}

// collect lists the snapshot's namespaces of the view in ID order.
func (b *builder) collect() {
	// No dereference here: map order is random, so touching the
	// namespaces now would miss the cache on every one. After sorting,
	// they are visited in ID order, which is close to allocation order.
	ents := room(&b.sc.ents, len(b.snap.Namespaces))
	for id, ns := range b.snap.Namespaces {
		if ns != nil {
			ents = append(ents, entry{id, ns})
		}
	}
	ents, b.sc.ents2 = sortEntries(ents, b.sc.ents2)
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
	b.sc.ents = ents
}

// typeCode numbers a namespace type for nodeInfo: the index in
// model.Types, or len(model.Types) plus the index in b.unknown.
func (b *builder) typeCode(t model.NSType) uint32 {
	if r := rank(t); r < len(model.Types) {
		return uint32(r)
	}
	k, _ := slices.BinarySearch(b.unknown, t)
	return uint32(len(model.Types) + k)
}

// rank is model.NSType.Rank as a switch, for the loops that run per node.
func rank(t model.NSType) int {
	switch t {
	case model.User:
		return 0
	case model.PID:
		return 1
	case model.Net:
		return 2
	case model.Mnt:
		return 3
	case model.UTS:
		return 4
	case model.IPC:
		return 5
	case model.Cgroup:
		return 6
	case model.Time:
		return 7
	}
	return len(model.Types)
}

// typeName is the type a typeCode stands for.
func (b *builder) typeName(c uint32) model.NSType {
	if int(c) < len(model.Types) {
		return model.Types[c]
	}
	return b.unknown[int(c)-len(model.Types)]
}

// linkParents finds every namespace's parent node and its sort key in one
// pass over the namespaces and one over their references.
func (b *builder) linkParents() {
	n := len(b.ents)
	b.isDir = reuse(&b.sc.isDir, n)
	b.par = reuse(&b.sc.par, n)
	b.key = reuse(&b.sc.key, n)
	refs := reuse(&b.sc.refs, n) // the parent (Dirs) or owner (Files) to look up
	dirType := model.User
	if b.view == PIDTree {
		dirType = model.PID
	}
	var unknown []model.NSType
	for i, e := range b.ents {
		ns := e.ns
		if ns.Type == dirType {
			b.isDir[i] = true
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
		if r := rank(ns.Type); r < len(model.Types) {
			b.key[i] = uint32(r)
		} else {
			unknown = append(unknown, ns.Type)
		}
	}
	if len(unknown) > 0 {
		// Unknown types sort after the known ones, by name, so that each
		// forms one run.
		slices.Sort(unknown)
		unknown = slices.Compact(unknown)
		b.unknown = unknown
		for i, e := range b.ents {
			if !b.isDir[i] && rank(e.ns.Type) >= len(model.Types) {
				k, _ := slices.BinarySearch(unknown, e.ns.Type)
				b.key[i] = uint32(len(model.Types) + k)
			}
		}
	}
	look := b.dirIndex()
	dk := b.dirKey()
	for i := range b.ents {
		switch j := look(refs[i]); {
		case b.isDir[i]:
			b.key[i] = dk
			b.par[i] = max(j, parRoot)
		case j >= 0:
			b.par[i] = j
		default:
			b.par[i] = parUnowned
		}
	}
}

// dirIndex returns a lookup from namespace ID to the index of the Dir with
// that ID, or -1 (always for 0, which means "none" in Parent and Owner). IDs are usually dense (a creation counter), so a table
// over the ID range is used when it is at most four times the namespace
// count; a map otherwise.
func (b *builder) dirIndex() func(model.NSID) int32 {
	n := len(b.ents)
	if n == 0 {
		return func(model.NSID) int32 { return -1 }
	}
	lo, hi := b.ents[0].id, b.ents[n-1].id
	if hi-lo < model.NSID(4*n+64) {
		table := reuse(&b.sc.table, int(hi-lo+1))
		for i := range table {
			table[i] = -1
		}
		for i, e := range b.ents {
			if b.isDir[i] {
				table[e.id-lo] = int32(i)
			}
		}
		return func(id model.NSID) int32 {
			if id < lo || id > hi || id == 0 {
				return -1
			}
			return table[id-lo]
		}
	}
	if b.sc.dirs == nil {
		b.sc.dirs = make(map[model.NSID]int32)
	}
	dirs := b.sc.dirs
	clear(dirs)
	for i, e := range b.ents {
		if b.isDir[i] {
			dirs[e.id] = int32(i)
		}
	}
	return func(id model.NSID) int32 {
		if j, ok := dirs[id]; ok && id != 0 {
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
	state := reuse(&b.sc.state, len(b.ents))
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
	b.vis = reuse(&b.sc.vis, n)
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
// order (key, then creation order), with two stable counting sorts.
func (b *builder) sortChildren() {
	n := len(b.ents)
	// Pass 1: by key, stable over creation order.
	cnt := make([]int32, b.dirKey()+2)
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
	byKey := reuse(&b.sc.byKey, shown)
	for _, i := range b.byBorn {
		if b.vis[i] {
			k := b.key[i]
			byKey[cnt[k]] = int32(i)
			cnt[k]++
		}
	}
	// Pass 2: by parent slot, stable over key order.
	start := reuse(&b.sc.start, n+3)
	for _, i := range byKey {
		start[b.par[i]+2+1]++
	}
	for s := 1; s < len(start); s++ {
		start[s] += start[s-1]
	}
	kids := reuse(&b.sc.kids, shown)
	fill := reuse(&b.sc.fill, n+2)
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

// Arena source markers besides namespace indices. Sources at or below
// srcBucket are buckets: srcBucket-k is b.buckets[k].
const (
	srcVirtual = -1
	srcUnowned = -2
	srcGroup   = -3 // folded files
	srcFolded  = -4 // folded buckets
	srcBucket  = -5
)

// bucket is a Container or Pod node: the files (namespace indices, in
// sibling order) it holds and, for a pod, its Container buckets. The files
// are a list linked through builder.nextFile, first to last, so that
// filling thousands of buckets allocates nothing per bucket.
type bucket struct {
	pod         bool
	slot        int32  // the parent slot of the Dir it is in
	ref         string // container ID, or "<pod namespace>/<pod name>"
	up          int32  // the Pod bucket holding this Container bucket, or -1
	minRank     int32  // earliest creation rank inside: the sibling order
	first, last int32  // files: namespace indices, -1 for none
	kids        []int32
}

// bucketKey finds a bucket: the parent slot (as in builder.kids) it sits
// in, whether it is a pod, and the container ID or pod.
type bucketKey struct {
	slot int32
	pod  bool
	ref  string
}

// groupOf says where grouping puts file ns: under the Container bucket of
// ctr (and, if pod is set, that inside the Pod bucket of pod), under the
// Pod bucket of pod alone (ctr empty: a namespace only the containers of
// one pod share), or nowhere (both empty).
func (b *builder) groupOf(ns *model.Namespace) (ctr, pod string) {
	switch {
	case len(ns.Containers) == 1:
		ctr = ns.Containers[0]
		if b.group == GroupPod {
			pod = podOf(b.snap.Containers[ctr])
		}
		return ctr, pod
	case len(ns.Containers) > 1 && b.group == GroupPod:
		pod = podOf(b.snap.Containers[ns.Containers[0]])
		if pod == "" {
			return "", ""
		}
		for _, id := range ns.Containers[1:] {
			if podOf(b.snap.Containers[id]) != pod {
				return "", ""
			}
		}
		return "", pod
	}
	return "", ""
}

// split takes the files that grouping gathers out of kids, the sorted
// children of parent slot slot, into buckets. It returns the children left
// (kids compacted in place: each slot is split once) and the buckets,
// in creation order (their earliest namespace's rank), which buildTree
// interleaves with the Dirs by the same key: a new container's namespaces
// (or its new user namespace) come last, so its node appends at the right
// end of its Dir, where it moves the fewest boxes.
func (b *builder) split(slot int32, kids []int32) (rest, bks []int32) {
	if b.bucketAt == nil {
		b.bucketAt = make(map[bucketKey]int32, len(b.snap.Containers))
		b.buckets = make([]bucket, 0, len(b.snap.Containers))
		b.nextFile = reuse(&b.sc.nextFile, len(b.ents))
	}
	get := func(pod bool, ref string) (int32, bool) {
		key := bucketKey{slot, pod, ref}
		if k, ok := b.bucketAt[key]; ok {
			return k, false
		}
		k := int32(len(b.buckets))
		b.buckets = append(b.buckets, bucket{pod: pod, slot: slot, ref: ref, up: -1, minRank: math.MaxInt32, first: -1, last: -1})
		b.bucketAt[key] = k
		return k, true
	}
	n := 0
	for _, i := range kids {
		if b.isDir[i] {
			kids[n] = i
			n++
			continue
		}
		r := b.rank[i]
		ctr, pod := b.groupOf(b.ents[i].ns)
		if ctr == "" && pod == "" {
			kids[n] = i
			n++
			continue
		}
		var k int32
		if pod != "" {
			p, fresh := get(true, pod)
			if fresh {
				bks = append(bks, p)
			}
			k = p
			if ctr != "" {
				c, fresh := get(false, ctr)
				if fresh {
					b.buckets[c].up = p
					b.buckets[p].kids = append(b.buckets[p].kids, c)
				}
				k = c
			}
		} else {
			c, fresh := get(false, ctr)
			if fresh {
				bks = append(bks, c)
			}
			k = c
		}
		if bk := &b.buckets[k]; bk.first < 0 {
			bk.first, bk.last = i, i
		} else {
			b.nextFile[bk.last], bk.last = i, i
		}
		for ; k >= 0; k = b.buckets[k].up {
			b.buckets[k].minRank = min(b.buckets[k].minRank, r)
		}
	}
	byMin := func(x, y int32) int {
		return cmp.Compare(b.buckets[x].minRank, b.buckets[y].minRank)
	}
	slices.SortFunc(bks, byMin)
	for _, k := range bks {
		slices.SortFunc(b.buckets[k].kids, byMin)
	}
	return kids[:n], bks
}

// foldBuckets takes the Container buckets out of bks when there are more
// than b.fold of them and open(false), which says whether the user expanded
// their group, is false; apart from them the Pod buckets likewise
// (open(true)). It returns the buckets left, in order (bks compacted in
// place: each list is folded once), and the refs of the Container and Pod
// buckets it took (for Fold.Refs; their number is the group's count).
func (b *builder) foldBuckets(bks []int32, open func(pod bool) bool) (rest []int32, folded [2][]string) {
	var n [2]int
	for _, k := range bks {
		n[podIndex(b.buckets[k].pod)]++
	}
	some := false
	for p := range n {
		if n[p] > b.fold && !open(p == 1) {
			folded[p] = make([]string, 0, n[p])
			some = true
		}
	}
	if !some {
		return bks, folded
	}
	m := 0
	for _, k := range bks {
		if p := podIndex(b.buckets[k].pod); folded[p] != nil {
			folded[p] = append(folded[p], b.buckets[k].ref)
			continue
		}
		bks[m] = k
		m++
	}
	return bks[:m], folded
}

// podIndex is 1 for a pod and 0 for a container: the index into the
// counts of foldBuckets.
func podIndex(pod bool) int {
	if pod {
		return 1
	}
	return 0
}

// bucketsWhat is the last part of the ID of the group that folds Pod
// (pod) or Container buckets.
func bucketsWhat(pod bool) string {
	if pod {
		return foldedPods
	}
	return foldedContainers
}

// podOf is the Pod reference of container c: "<namespace>/<name>", or ""
// when c is unknown or in no pod.
func podOf(c *model.Container) string {
	if c == nil || c.Pod == "" {
		return ""
	}
	return c.PodNamespace + "/" + c.Pod
}

// buildTree creates the tidy arena in breadth-first order, folding long runs
// of files into groups. Node IDs and labels are written into two byte
// buffers (groups, namespaces) that become strings the nodes take
// substrings of: a few allocations instead of two per node. Namespace labels are written after the tree is
// known, only for namespaces that became nodes, and in ID order, where
// memory is read sequentially and the namer's memory works best.
func (b *builder) buildTree() {
	est := len(b.kids) + 2
	if b.group != "" {
		est += len(b.kids) / 4 // room for Container nodes
	}
	b.info = room(&b.sc.info, est)
	b.t.n = room(&b.sc.tn, est)
	var text []byte
	nodeOf := reuse(&b.sc.nodeOf, len(b.ents)) // arena node of each namespace, 0 if none

	add := func(in nodeInfo, par int32) int32 {
		if par >= 0 {
			in.depth = b.info[par].depth + 1
			b.maxDeep = max(b.maxDeep, in.depth)
		}
		b.info = append(b.info, in)
		b.t.n = append(b.t.n, tnode{par: par})
		return int32(len(b.info) - 1)
	}
	// addText adds a node whose ID starts at idLo and whose label runs from
	// labelLo to the end of text.
	addText := func(src, par int32, idLo, labelLo int, t model.NSType, count int) {
		v := add(nodeInfo{src: src, idLo: int32(idLo), labelLo: int32(labelLo), labelHi: int32(len(text)),
			count: int32(count), typ: b.typeCode(t)}, par)
		w := nodeWidth(text[labelLo:])
		if src == srcGroup || src == srcFolded {
			// A group is as wide as its label would be at groupCountRunes
			// digits, so that its count changing (every container start
			// changes some) never moves its siblings.
			w = max(w, widthFor(runeCount(text[labelLo:])-countRunes(count)+groupCountRunes))
		}
		if src == srcFolded {
			// Drawn as a stack of the pills (pods) it folds.
			w += pillExtra
		}
		b.setWidth(v, w)
	}
	addNS := func(i, par int32) {
		nodeOf[i] = add(nodeInfo{src: i}, par)
	}
	// parentID appends the node ID of parent slot slot: the ID that the
	// IDs of folded groups and buckets in it start from.
	parentID := func(text []byte, slot int32) []byte {
		if slot == 0 {
			return append(text, UnownedID...)
		}
		text = append(text, "ns:"...)
		return appendUint(text, uint64(b.ents[slot-2].id))
	}
	// groupID appends the ID of the group that folds what, files of a
	// type or "ctr" / "pod" (see GroupID, ContainersGroupID), under arena
	// node v, whose parent slot is slot (-1 for a bucket).
	groupID := func(text []byte, v, slot int32, what string) []byte {
		text = append(text, "grp:"...)
		if slot >= 0 {
			text = parentID(text, slot)
		} else {
			// A bucket's ID is in text already.
			in := &b.info[v]
			text = append(text, text[in.idLo:in.labelLo]...)
		}
		text = append(text, ':')
		return append(text, what...)
	}
	// addBucket adds the node of bucket k under par.
	addBucket := func(k, par int32) {
		bk := &b.buckets[k]
		idLo := len(text)
		if bk.pod {
			text = append(text, "pod:"...)
		} else {
			text = append(text, "ctr:"...)
		}
		text = parentID(text, bk.slot)
		text = append(text, ':')
		text = append(text, bk.ref...)
		labelLo := len(text)
		if bk.pod {
			text = appendClean(text, bk.ref, 2*maxNameRunes)
		} else if c := b.snap.Containers[bk.ref]; c != nil {
			text = appendClean(text, c.DisplayName(), maxNameRunes)
		} else {
			text = appendClean(text, (&model.Container{ID: bk.ref}).DisplayName(), maxNameRunes)
		}
		if labelLo == len(text) {
			text = append(text, '?')
		}
		addText(srcBucket-k, par, idLo, labelLo, model.User, 0)
		// Container nodes are drawn as pills: their round ends take
		// NodeHeight/2 where other boxes pad by NodePadding.
		b.setWidth(int32(len(b.info)-1), b.info[len(b.info)-1].width+pillExtra)
	}

	// addFolds adds the groups of folded buckets under node v (parent
	// slot slot), the containers nfold[0] and the pods nfold[1], and the
	// group of folded Dirs dirNS. They go after the files and before the
	// Dirs and the other buckets, where the creation order of what they
	// hold cannot move them.
	addFolds := func(v, slot int32, nfold [2][]string, dirNS []model.NSID) {
		if len(dirNS) > 0 {
			idLo := len(text)
			text = groupID(text, v, slot, foldedDirs)
			labelLo := len(text)
			t := model.User
			if b.view == PIDTree {
				t = model.PID
			}
			text = appendGroupLabel(text, len(dirNS), t)
			addText(srcGroup, v, idLo, labelLo, t, len(dirNS))
			b.folds = append(b.folds, Fold{What: Dir, NS: dirNS})
			b.foldAt = append(b.foldAt, int32(len(b.info)-1))
		}
		for p, refs := range nfold {
			if len(refs) == 0 {
				continue
			}
			idLo := len(text)
			text = groupID(text, v, slot, bucketsWhat(p == 1))
			labelLo := len(text)
			text = appendBucketsLabel(text, len(refs), p == 1)
			addText(srcFolded, v, idLo, labelLo, model.User, len(refs)) // typed "" in place
			what := Container
			if p == 1 {
				what = Pod
			}
			b.folds = append(b.folds, Fold{What: what, Refs: refs})
			b.foldAt = append(b.foldAt, int32(len(b.info)-1))
		}
	}

	add(nodeInfo{src: srcVirtual}, -1)
	var files []int32 // the files of the bucket at hand
	for v := int32(0); v < int32(len(b.info)); v++ {
		var slot int32
		var kids, bks []int32
		switch s := b.info[v].src; {
		case s == srcVirtual:
			slot = 1
		case s == srcUnowned:
			slot = 0
		case s == srcGroup || s == srcFolded:
			continue
		case s <= srcBucket:
			bk := &b.buckets[srcBucket-s]
			files = files[:0]
			for i := bk.first; i >= 0; i = b.nextFile[i] {
				files = append(files, i)
				if i == bk.last {
					break
				}
			}
			slot, kids, bks = -1, files, bk.kids
		default:
			if !b.isDir[s] {
				continue
			}
			slot = s + 2
		}
		if slot >= 0 {
			kids = b.kids[b.kidStart[slot]:b.kidStart[slot+1]]
			if b.group != "" && slot != 1 {
				kids, bks = b.split(slot, kids)
			}
		}
		// More than b.fold Container buckets, and apart from them more
		// than b.fold Pod buckets, fold into one group each.
		var nfold [2][]string // buckets folded: containers, pods
		if b.fold > 0 && len(bks) > b.fold {
			bks, nfold = b.foldBuckets(bks, func(pod bool) bool {
				idLo := len(text)
				text = groupID(text, v, slot, bucketsWhat(pod))
				open := b.expanded[string(text[idLo:])]
				text = text[:idLo]
				return open
			})
		}
		// More than b.fold sibling Dirs fold into one group too, all
		// but the pinned ones.
		var dirNS []model.NSID
		if b.fold > 0 && v > 0 { // roots never fold
			dirNS = b.foldDirs(kids, func() bool {
				idLo := len(text)
				text = groupID(text, v, slot, foldedDirs)
				open := b.expanded[string(text[idLo:])]
				text = text[:idLo]
				return open
			})
		}
		folds := nfold[0] != nil || nfold[1] != nil || dirNS != nil // groups of them still to add
		first := int32(len(b.info))
		nb := 0 // buckets added
		for k := 0; k < len(kids); {
			i := kids[k]
			if b.isDir[i] {
				if folds {
					addFolds(v, slot, nfold, dirNS)
					folds = false
				}
				if dirNS != nil && !b.pinned(i) {
					k++
					continue
				}
				// Dirs and buckets interleave by creation order.
				for ; nb < len(bks) && b.buckets[bks[nb]].minRank < b.rank[i]; nb++ {
					addBucket(bks[nb], v)
				}
				addNS(i, v)
				k++
				continue
			}
			// A run of files of one type: one sort key.
			key := b.key[i]
			end := k + 1
			for end < len(kids) && b.key[kids[end]] == key {
				end++
			}
			if run := end - k; b.fold > 0 && run > b.fold {
				t := b.ents[i].ns.Type
				idLo := len(text)
				text = groupID(text, v, slot, string(t))
				if !b.expanded[string(text[idLo:])] {
					// The pinned ones stay out, before the group.
					id := string(text[idLo:])
					text = text[:idLo]
					ns := make([]model.NSID, 0, run)
					for _, i := range kids[k:end] {
						if b.pinned(i) {
							addNS(i, v)
						} else {
							ns = append(ns, b.ents[i].id)
						}
					}
					idLo = len(text)
					text = append(text, id...)
					labelLo := len(text)
					text = appendGroupLabel(text, len(ns), t)
					if len(ns) == 0 {
						text = text[:idLo]
						k = end
						continue
					}
					addText(srcGroup, v, idLo, labelLo, t, len(ns))
					b.folds = append(b.folds, Fold{What: File, NS: ns})
					b.foldAt = append(b.foldAt, int32(len(b.info)-1))
					k = end
					continue
				}
				text = text[:idLo]
			}
			for ; k < end; k++ {
				addNS(kids[k], v)
			}
		}
		if folds {
			addFolds(v, slot, nfold, dirNS)
		}
		for ; nb < len(bks); nb++ {
			addBucket(bks[nb], v)
		}
		if v == 0 && b.unown {
			idLo := len(text)
			text = append(text, UnownedID...)
			labelLo := len(text)
			text = append(text, "unknown owner"...)
			addText(srcUnowned, 0, idLo, labelLo, model.User, 0)
		}
		b.t.n[v].first = first
		b.t.n[v].nkids = int32(len(b.info)) - first
	}

	if len(text) > 0 {
		// text is never written again: share its bytes instead of
		// copying them (what strings.Builder does).
		b.texts[0] = unsafe.String(&text[0], len(text))
	}
	for j, v := range b.foldAt {
		in := &b.info[v]
		b.folds[j].ID = b.texts[0][in.idLo:in.labelLo]
	}

	// Namespace IDs and labels, in ID order.
	var pinned []int32 // arena nodes of pinned namespaces
	text = make([]byte, 0, len(b.info)*40)
	nm := namer{s: b.snap}
	for i, e := range b.ents {
		v := nodeOf[i]
		if v == 0 {
			continue
		}
		in := &b.info[v]
		in.text = 1
		in.idLo = int32(len(text))
		text = append(text, "ns:"...)
		text = appendUint(text, uint64(e.id))
		in.labelLo = int32(len(text))
		var runes int
		// Inside a Container node the container's name would repeat on
		// every box: name the namespace by its process instead.
		inBucket := b.group != "" && b.info[b.t.n[v].par].src <= srcBucket
		name := ""
		switch {
		case b.isInitial(e.id):
			name = "host"
		case len(e.ns.Containers) > 1 && !inBucket:
			// Drawn inside a Pod node, which names the pod.
			name = sharedName(b.snap, e.ns.Containers)
		default:
			name = nm.name(e.ns, inBucket)
		}
		text, runes = appendLabel(text, e.ns, name)
		in.labelHi = int32(len(text))
		b.setWidth(v, widthFor(runes))
		in.typ = b.typeCode(e.ns.Type)
		in.ns, in.dir = e.id, b.isDir[i]
		if b.pinned(int32(i)) {
			pinned = append(pinned, int32(v))
		}
	}
	if len(text) > 0 {
		b.texts[1] = unsafe.String(&text[0], len(text))
	}
	b.pinnedIDs = make(map[string]bool, len(pinned))
	for _, v := range pinned {
		in := &b.info[v]
		b.pinnedIDs[b.texts[1][in.idLo:in.labelLo]] = true
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

// sortEntries sorts by namespace ID with a least-significant-digit radix
// sort over the bits in which the IDs differ: a few linear passes instead
// of n log n comparisons, which dominated the layout of 60k namespaces.
// IDs are unique (they are map keys), so stability is not at stake.
// buf is scratch of any capacity; both slices are returned, sorted first.
func sortEntries(ents, buf []entry) (sorted, spare []entry) {
	if len(ents) < 256 {
		slices.SortFunc(ents, func(x, y entry) int { return cmp.Compare(x.id, y.id) })
		return ents, buf
	}
	lo, hi := ents[0].id, ents[0].id
	for _, e := range ents {
		lo = min(lo, e.id)
		hi = max(hi, e.id)
	}
	const digit = 11
	const buckets = 1 << digit
	bits := stdbits.Len64(uint64(hi - lo))
	if cap(buf) < len(ents) {
		buf = make([]entry, len(ents))
	}
	src, dst := ents, buf[:len(ents)]
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
	return src, dst
}
