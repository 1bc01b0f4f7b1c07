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
