// Container and Pod buckets: where grouping (Options.Group) puts the
// files that containers use.

package layout

import (
	"cmp"
	"math"
	"slices"

	"github.com/nsweb/nsweb/internal/model"
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

// podOf is the Pod reference of container c: "<namespace>/<name>", or ""
// when c is unknown or in no pod.
func podOf(c *model.Container) string {
	if c == nil || c.Pod == "" {
		return ""
	}
	return c.PodNamespace + "/" + c.Pod
}
