// The tidy arena: buildTree turns the ordered, bucketed namespaces into
// arena nodes with their IDs, labels and widths.

package layout

import (
	"unsafe"

	"github.com/nsweb/nsweb/internal/model"
)

// Arena source markers besides namespace indices. Sources at or below
// srcBucket are buckets: srcBucket-k is b.buckets[k].
const (
	srcVirtual = -1
	srcUnowned = -2
	srcGroup   = -3 // folded files
	srcFolded  = -4 // folded buckets
	srcBucket  = -5
)

// treeState is what buildTree keeps while it adds nodes: the text the
// IDs and labels of groups, buckets and the unowned node are written to
// (it becomes builder.texts[0]), and the arena node of each namespace.
// It is part of the builder, not a type holding a *builder, so that the
// builder stays on the stack of compute.
type treeState struct {
	text   []byte
	nodeOf []int32 // arena node of each namespace, 0 if none
}

// buildTree creates the tidy arena in breadth-first order, folding long runs
// of files into groups. Node IDs and labels are written into two byte
// buffers (groups, namespaces) that become strings the nodes take
// substrings of: a few allocations instead of two per node. Namespace
// labels are written after the tree is known, only for namespaces that
// became nodes, and in ID order, where memory is read sequentially and the
// namer's memory works best.
func (b *builder) buildTree() {
	est := len(b.kids) + 2
	if b.group != "" {
		est += len(b.kids) / 4 // room for Container nodes
	}
	b.info = room(&b.sc.info, est)
	b.t.n = room(&b.sc.tn, est)
	b.nodeOf = reuse(&b.sc.nodeOf, len(b.ents))
	b.add(nodeInfo{src: srcVirtual}, -1)
	// The files of the bucket at hand, gathered here: a slice local to
	// this function starts on the stack.
	var files []int32
	for v := int32(0); v < int32(len(b.info)); v++ {
		files = files[:0]
		if s := b.info[v].src; s <= srcBucket {
			bk := &b.buckets[srcBucket-s]
			for i := bk.first; i >= 0; i = b.nextFile[i] {
				files = append(files, i)
				if i == bk.last {
					break
				}
			}
		}
		b.addChildren(v, files)
	}
	if len(b.text) > 0 {
		// text is never written again: share its bytes instead of
		// copying them (what strings.Builder does).
		b.texts[0] = unsafe.String(&b.text[0], len(b.text))
	}
	for j, v := range b.foldAt {
		in := &b.info[v]
		b.folds[j].ID = b.texts[0][in.idLo:in.labelLo]
	}
	b.nameNamespaces()
}

// add appends an arena node under par (-1 for the virtual root) and
// returns it.
func (b *builder) add(in nodeInfo, par int32) int32 {
	if par >= 0 {
		in.depth = b.info[par].depth + 1
		b.maxDeep = max(b.maxDeep, in.depth)
	}
	b.info = append(b.info, in)
	b.t.n = append(b.t.n, tnode{par: par})
	return int32(len(b.info) - 1)
}

// addText adds a node whose ID starts at idLo and whose label runs from
// labelLo to the end of b.text.
func (b *builder) addText(src, par int32, idLo, labelLo int, typ model.NSType, count int) {
	v := b.add(nodeInfo{src: src, idLo: int32(idLo), labelLo: int32(labelLo), labelHi: int32(len(b.text)),
		count: int32(count), typ: b.typeCode(typ)}, par)
	w := nodeWidth(b.text[labelLo:])
	if src == srcGroup || src == srcFolded {
		// A group is as wide as its label would be at groupCountRunes
		// digits, so that its count changing (every container start
		// changes some) never moves its siblings.
		w = max(w, widthFor(runeCount(b.text[labelLo:])-countRunes(count)+groupCountRunes))
	}
	if src == srcFolded {
		// Drawn as a stack of the pills (pods) it folds.
		w += pillExtra
	}
	b.setWidth(v, w)
}

// addNS adds the node of namespace i under par.
func (b *builder) addNS(i, par int32) {
	b.nodeOf[i] = b.add(nodeInfo{src: i}, par)
}

// addBucket adds the node of bucket k under par.
func (b *builder) addBucket(k, par int32) {
	bk := &b.buckets[k]
	idLo := len(b.text)
	b.writeBucketID(bk)
	labelLo := len(b.text)
	if bk.pod {
		b.text = appendClean(b.text, bk.ref, 2*maxNameRunes)
	} else if c := b.snap.Containers[bk.ref]; c != nil {
		b.text = appendClean(b.text, c.DisplayName(), maxNameRunes)
	} else {
		b.text = appendClean(b.text, (&model.Container{ID: bk.ref}).DisplayName(), maxNameRunes)
	}
	if labelLo == len(b.text) {
		b.text = append(b.text, '?')
	}
	b.addText(srcBucket-k, par, idLo, labelLo, model.User, 0)
	// Container nodes are drawn as pills: their round ends take
	// NodeHeight/2 where other boxes pad by NodePadding.
	b.setWidth(int32(len(b.info)-1), b.info[len(b.info)-1].width+pillExtra)
}

// children returns the parent slot of arena node v (-1 for a bucket),
// its children still to place (sorted, the files of a bucket or the
// namespaces of a slot that grouping leaves), and its buckets; ok is
// false when v has no children (a file or a group). files are the files
// of v when it is a bucket (gathered by buildTree).
func (b *builder) children(v int32, files []int32) (slot int32, kids, bks []int32, ok bool) {
	switch s := b.info[v].src; {
	case s == srcVirtual:
		slot = 1
	case s == srcUnowned:
		slot = 0
	case s == srcGroup || s == srcFolded:
		return 0, nil, nil, false
	case s <= srcBucket:
		return -1, files, b.buckets[srcBucket-s].kids, true
	default:
		if !b.isDir[s] {
			return 0, nil, nil, false
		}
		slot = s + 2
	}
	kids = b.kids[b.kidStart[slot]:b.kidStart[slot+1]]
	if b.group != "" && slot != 1 {
		kids, bks = b.split(slot, kids)
	}
	return slot, kids, bks, true
}

// addChildren adds the children of arena node v: its files (runs of one
// type folded when long), the groups of folded Dirs and buckets, then its
// Dirs and buckets in creation order, and under the virtual root the
// unowned node last. files are the files of v when it is a bucket.
func (b *builder) addChildren(v int32, files []int32) {
	slot, kids, bks, ok := b.children(v, files)
	if !ok {
		return
	}
	// More than b.fold Container buckets, and apart from them more
	// than b.fold Pod buckets, fold into one group each.
	var nfold [2][]string // buckets folded: containers, pods
	if b.fold > 0 && len(bks) > b.fold {
		bks, nfold = b.foldBuckets(bks, func(pod bool) bool {
			return b.open(v, slot, bucketsWhat(pod))
		})
	}
	// More than b.fold sibling Dirs fold into one group too, all
	// but the pinned ones.
	var dirNS []model.NSID
	if b.fold > 0 && v > 0 { // roots never fold
		dirNS = b.foldDirs(kids, func() bool { return b.open(v, slot, foldedDirs) })
	}
	folds := nfold[0] != nil || nfold[1] != nil || dirNS != nil // groups of them still to add
	first := int32(len(b.info))
	nb := 0 // buckets added
	for k := 0; k < len(kids); {
		i := kids[k]
		if b.isDir[i] {
			if folds {
				b.addFolds(v, slot, nfold, dirNS)
				folds = false
			}
			if dirNS != nil && !b.pinned(i) {
				k++
				continue
			}
			// Dirs and buckets interleave by creation order.
			for ; nb < len(bks) && b.buckets[bks[nb]].minRank < b.rank[i]; nb++ {
				b.addBucket(bks[nb], v)
			}
			b.addNS(i, v)
			k++
			continue
		}
		// A run of files of one type: one sort key.
		key := b.key[i]
		end := k + 1
		for end < len(kids) && b.key[kids[end]] == key {
			end++
		}
		b.addFiles(v, slot, kids[k:end])
		k = end
	}
	if folds {
		b.addFolds(v, slot, nfold, dirNS)
	}
	for ; nb < len(bks); nb++ {
		b.addBucket(bks[nb], v)
	}
	if v == 0 && b.unown {
		idLo := len(b.text)
		b.text = append(b.text, UnownedID...)
		labelLo := len(b.text)
		b.text = append(b.text, "unknown owner"...)
		b.addText(srcUnowned, 0, idLo, labelLo, model.User, 0)
	}
	b.t.n[v].first = first
	b.t.n[v].nkids = int32(len(b.info)) - first
}

// nameNamespaces writes the IDs and labels of the namespaces that became
// nodes, in ID order, into b.texts[1], and notes the pinned ones.
func (b *builder) nameNamespaces() {
	var pinned []int32 // arena nodes of pinned namespaces
	text := make([]byte, 0, len(b.info)*40)
	nm := namer{s: b.snap}
	for i, e := range b.ents {
		v := b.nodeOf[i]
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
