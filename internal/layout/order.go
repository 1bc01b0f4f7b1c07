// Input ordering: the namespaces of the view in ID order, their creation
// order, their parents and their children in sibling order, before any
// node exists.

package layout

import (
	"cmp"
	stdbits "math/bits"
	"slices"

	"github.com/nsweb/nsweb/internal/model"
)

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
	if b.view == Network {
		k := 0
		for _, e := range ents {
			if e.ns.Type == model.Net || e.ns.Type == model.User {
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
			if p == 0 && b.view != PIDTree {
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
