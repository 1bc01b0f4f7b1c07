package collect

import (
	"github.com/nsweb/nsweb/internal/model"
)

// Fallback identity, for kernels without NS_GET_ID (before 6.11 or so).
//
// An nsfs inode number is unique only among live namespaces: the kernel
// hands it out again as soon as a namespace dies. Without NS_GET_ID, a
// namespace is therefore named by (device, inode, generation), packed as
// generation<<32 | inode (nsfs inodes are 32-bit proc_inum values). The
// Collector remembers the namespaces of its previous scan; a (device,
// inode) pair continues the same namespace only if
//   - it was alive at the previous scan,
//   - it has the same type and the same owner user namespace, and
//   - it did not swap all its member processes (had members then, has
//     members now, none of them the same (PID, start time)).
// Otherwise the generation goes up and the namespace gets a new ID. A death
// and rebirth between two scans that changes none of these is the one case
// this cannot see; NS_GET_ID has no such gap.

type fbKey struct{ dev, ino uint64 }

type procKey struct {
	pid   int
	start uint64
}

type fbRecord struct {
	id       model.NSID
	typ      model.NSType
	ownerIno uint64
	members  map[procKey]bool
}

// fallbackState is the Collector's memory between scans.
type fallbackState struct {
	prev map[fbKey]*fbRecord
	gens map[fbKey]uint64 // last generation given to each key, kept forever
}

// remap replaces the provisional IDs of a scan (the inode numbers) by
// stable synthesized IDs and rewrites every reference to them.
func (f *fallbackState) remap(snap *model.Snapshot) {
	if f.gens == nil {
		f.gens = map[fbKey]uint64{}
	}
	next := make(map[fbKey]*fbRecord, len(snap.Namespaces))
	ids := make(map[model.NSID]model.NSID, len(snap.Namespaces))
	for old, ns := range snap.Namespaces {
		key := fbKey{ns.Dev, ns.Inode}
		members := make(map[procKey]bool, len(ns.Procs))
		for _, pid := range ns.Procs {
			members[procKey{pid, snap.Processes[pid].Start}] = true
		}
		rec := f.prev[key]
		if rec == nil || rec.typ != ns.Type || rec.ownerIno != uint64(ns.Owner) || swapped(rec.members, members) {
			f.gens[key]++
			rec = &fbRecord{
				id:       model.NSID(f.gens[key]<<32 | ns.Inode&0xffffffff),
				typ:      ns.Type,
				ownerIno: uint64(ns.Owner),
			}
		}
		rec.members = members
		next[key] = rec
		ids[old] = rec.id
	}
	f.prev = next
	m := func(id model.NSID) model.NSID {
		if id == 0 {
			return 0
		}
		return ids[id]
	}
	nss := make(map[model.NSID]*model.Namespace, len(snap.Namespaces))
	for _, ns := range snap.Namespaces {
		ns.ID, ns.Parent, ns.Owner = m(ns.ID), m(ns.Parent), m(ns.Owner)
		for i := range ns.HeldBy {
			ns.HeldBy[i].NS = m(ns.HeldBy[i].NS)
			ns.HeldBy[i].MntNS = m(ns.HeldBy[i].MntNS)
		}
		sortHolders(ns.HeldBy)
		nss[ns.ID] = ns
	}
	snap.Namespaces = nss
	for _, p := range snap.Processes {
		for t, id := range p.NS {
			p.NS[t] = m(id)
		}
	}
	snap.Root = m(snap.Root)
}

// swapped reports whether a namespace that had members now has members
// and none of them is an old one: the mark of a different namespace that
// inherited the inode.
func swapped(before, now map[procKey]bool) bool {
	if len(before) == 0 || len(now) == 0 {
		return false
	}
	for k := range now {
		if before[k] {
			return false
		}
	}
	return true
}
