// Folding rules: which runs of sibling files, Dirs, Container and Pod
// nodes fold into one Group node.

package layout

import "github.com/nsweb/nsweb/internal/model"

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

// foldDirs returns the IDs of the Dirs among kids (sorted children of
// one parent) that fold into one group: all but the pinned ones, when
// there are more than b.fold Dirs and open, which says whether the user
// expanded their group, is false. It returns nil when none fold.
func (b *builder) foldDirs(kids []int32, open func() bool) []model.NSID {
	n := 0
	for _, i := range kids {
		if b.isDir[i] {
			n++
		}
	}
	if n <= b.fold || open() {
		return nil
	}
	var ids []model.NSID
	for _, i := range kids {
		if b.isDir[i] && !b.pinned(i) {
			ids = append(ids, b.ents[i].id)
		}
	}
	return ids
}

// addFiles adds run, a run of sibling files of one type under arena node
// v (parent slot slot): as one group when there are more than b.fold of
// them and the user did not expand it, with the pinned ones before the
// group; one node each otherwise.
func (b *builder) addFiles(v, slot int32, run []int32) {
	if b.fold > 0 && len(run) > b.fold {
		typ := b.ents[run[0]].ns.Type
		idLo := len(b.text)
		b.writeGroupID(v, slot, string(typ))
		if !b.expanded[string(b.text[idLo:])] {
			// The pinned ones stay out, before the group.
			id := string(b.text[idLo:])
			b.text = b.text[:idLo]
			ns := make([]model.NSID, 0, len(run))
			for _, i := range run {
				if b.pinned(i) {
					b.addNS(i, v)
				} else {
					ns = append(ns, b.ents[i].id)
				}
			}
			idLo = len(b.text)
			b.text = append(b.text, id...)
			labelLo := len(b.text)
			b.text = appendGroupLabel(b.text, len(ns), typ)
			if len(ns) == 0 {
				b.text = b.text[:idLo]
				return
			}
			b.addText(srcGroup, v, idLo, labelLo, typ, len(ns))
			b.folds = append(b.folds, Fold{What: File, NS: ns})
			b.foldAt = append(b.foldAt, int32(len(b.info)-1))
			return
		}
		b.text = b.text[:idLo]
	}
	for _, i := range run {
		b.addNS(i, v)
	}
}

// addFolds adds the groups of folded buckets under node v (parent slot
// slot), the containers nfold[0] and the pods nfold[1], and the group of
// folded Dirs dirNS. They go after the files and before the Dirs and the
// other buckets, where the creation order of what they hold cannot move
// them.
func (b *builder) addFolds(v, slot int32, nfold [2][]string, dirNS []model.NSID) {
	if len(dirNS) > 0 {
		idLo := len(b.text)
		b.writeGroupID(v, slot, foldedDirs)
		labelLo := len(b.text)
		typ := model.User
		if b.view == PIDTree {
			typ = model.PID
		}
		b.text = appendGroupLabel(b.text, len(dirNS), typ)
		b.addText(srcGroup, v, idLo, labelLo, typ, len(dirNS))
		b.folds = append(b.folds, Fold{What: Dir, NS: dirNS})
		b.foldAt = append(b.foldAt, int32(len(b.info)-1))
	}
	for p, refs := range nfold {
		if len(refs) == 0 {
			continue
		}
		idLo := len(b.text)
		b.writeGroupID(v, slot, bucketsWhat(p == 1))
		labelLo := len(b.text)
		b.text = appendBucketsLabel(b.text, len(refs), p == 1)
		b.addText(srcFolded, v, idLo, labelLo, model.User, len(refs)) // typed "" in place
		what := Container
		if p == 1 {
			what = Pod
		}
		b.folds = append(b.folds, Fold{What: what, Refs: refs})
		b.foldAt = append(b.foldAt, int32(len(b.info)-1))
	}
}

// open reports whether the user expanded the group that folds what under
// arena node v (parent slot slot).
func (b *builder) open(v, slot int32, what string) bool {
	idLo := len(b.text)
	b.writeGroupID(v, slot, what)
	open := b.expanded[string(b.text[idLo:])]
	b.text = b.text[:idLo]
	return open
}
