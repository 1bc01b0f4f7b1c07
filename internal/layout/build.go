// Compute and its working memory: the entry of the package and the
// builder that carries one layout from snapshot to Result.

package layout

import "github.com/nsweb/nsweb/internal/model"

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
	if (view == Owner || view == Network) && (opt.Group == GroupContainer || opt.Group == GroupPod) {
		b.group = opt.Group
	}
	b.initial = Initial(s)
	b.collect()
	b.creationOrder()
	b.linkParents()
	b.breakCycles()
	show := opt.Keep
	if view == Network {
		// The user namespaces stay only as the frame of the network
		// namespaces they own: ancestors of a kept namespace.
		show = netOnly(opt.Keep)
	}
	b.filter(show)
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

	treeState
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

// netOnly keeps the network namespaces that keep (nil: all) keeps.
func netOnly(keep func(*model.Namespace) bool) func(*model.Namespace) bool {
	return func(ns *model.Namespace) bool {
		return ns.Type == model.Net && (keep == nil || keep(ns))
	}
}
