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
