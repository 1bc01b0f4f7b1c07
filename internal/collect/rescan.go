package collect

import (
	"context"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// maxRescanShare bounds a partial rescan: when more than this share of the
// previous snapshot's processes changed, a full scan costs about the same
// and trusts nothing from before.
const maxRescanShare = 4 // a quarter

// Rescan updates prev for the processes pids only: those the proc
// connector saw fork, exec or exit. Its cost grows with the number of
// changed processes, not with the host, which is what lets a container
// start reach the browser in a few milliseconds on a host with thousands
// of namespaces, where a full scan takes a hundred.
//
// prev must be the snapshot this Collector's last Scan or Rescan returned
// (enriched or not, but otherwise unchanged); it is not modified, and the
// result shares its unchanged processes with it. Anything else, a
// fallback-identity kernel, or more changed processes than a quarter of
// the host, gets a full Scan.
//
// What the rescan looks at: each named process again (or its removal when
// it is gone), the namespaces it leaves (dropped when nothing else holds
// them or one of their descendants), the nsfs bind mounts of mount
// namespaces that are new or that were read through a changed process,
// and its sockets. What no process event reports (a running process
// calling setns() or unshare(), a bind mount outside the host's mount
// namespace) waits for the next full Scan, as it does without Rescan.
func (c *Collector) Rescan(ctx context.Context, prev *model.Snapshot, pids []int) (*model.Snapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev == nil || c.known == nil || !prev.Taken.Equal(c.last) ||
		len(pids)*maxRescanShare > len(prev.Processes) {
		return c.scanLocked(ctx)
	}
	snap, ok, err := c.rescanLocked(ctx, prev, pids)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.scanLocked(ctx)
	}
	return snap, nil
}

// rescanLocked is the partial Rescan with c.mu held. It reports false when
// it met something only a full scan handles (the kernel turned down
// NS_GET_ID).
func (c *Collector) rescanLocked(ctx context.Context, prev *model.Snapshot, pids []int) (*model.Snapshot, bool, error) {
	s := c.newScan(ctx)
	// Processes the last rescan could not read whole (most often zombies,
	// whose reaping no event reports) are looked at again.
	pids = slices.Concat(pids, c.recheck)
	changed := make(map[int]bool, len(pids))
	for _, pid := range pids {
		changed[pid] = true
	}
	pids = pids[:0]
	for pid := range changed {
		pids = append(pids, pid)
	}
	for pid, p := range prev.Processes {
		if !changed[pid] {
			s.procs[pid] = p // unchanged: shared with prev, never written
		}
	}
	// Containers are copied: the engine catalogue fills in names on the
	// new snapshot, and prev may be read meanwhile.
	for id, ct := range prev.Containers {
		cp := *ct
		s.conts[id] = &cp
	}
	for _, g := range prev.Gaps {
		if g.PID == 0 || !changed[g.PID] {
			s.gaps = append(s.gaps, g)
		}
	}

	// The previous namespaces without what the changed processes
	// contributed, and without the holders finish derives again. Mount
	// namespaces whose nsfs mounts were read through a changed process are
	// read again, through a member that is still there.
	reread := map[model.NSID]bool{}
	for _, old := range prev.Namespaces {
		for _, h := range old.HeldBy {
			if h.Kind == model.HeldByBindMount && changed[h.PID] {
				reread[h.MntNS] = true
			}
		}
	}
	byID := make(map[model.NSID]*model.Namespace, len(prev.Namespaces))
	for _, old := range prev.Namespaces {
		ns := knownOf(old)
		for _, pid := range old.Procs {
			if !changed[pid] {
				ns.Procs = append(ns.Procs, pid)
			}
		}
		for _, h := range old.HeldBy {
			switch h.Kind {
			case model.HeldByChild, model.HeldByOwned:
				continue
			case model.HeldByBindMount:
				if reread[h.MntNS] {
					continue
				}
			default:
				if changed[h.PID] {
					continue
				}
			}
			ns.HeldBy = append(ns.HeldBy, h)
		}
		byID[ns.ID] = ns
	}
	prune(byID)
	for id, ns := range byID {
		s.byIno[ns.Inode] = ns
		if ns.Type == model.Mnt && reread[id] {
			s.mntPIDs[ns.Inode] = slices.Clone(ns.Procs)
		}
	}

	// The changed processes that still exist, read as a full scan reads
	// them. One that is gone is simply not there any more: its exit is
	// what the event said.
	var alive []int
	for _, pid := range pids {
		if _, err := os.Lstat(s.proc + "/" + strconv.Itoa(pid)); err == nil {
			alive = append(alive, pid)
		}
	}
	s.parallel(len(alive), func(w *worker, i int) { s.process(w, alive[i]) })
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if s.noID.Load() {
		return nil, false, nil
	}

	// Mount namespaces to read: the ones above, and every new one (a new
	// container's may hold copies of the host's netns bind mounts). Known
	// mount namespaces a changed process merely joined or left keep their
	// mounts: changes to the host's mount table come as mount events and a
	// full scan.
	var mnts []uint64
	for ino, ns := range s.byIno {
		if ns.Type != model.Mnt || len(ns.Procs) == 0 {
			continue
		}
		if _, known := prev.Namespaces[ns.ID]; !known || reread[ns.ID] {
			s.mntPIDs[ino] = ns.Procs
			mnts = append(mnts, ino)
		} else {
			delete(s.mntPIDs, ino)
		}
	}
	s.parallel(len(mnts), func(w *worker, i int) { s.mounts(w, mnts[i]) })
	if !c.opts.NoSockets && s.proc == "/proc" {
		s.resolveSockets()
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}

	// Containers no process runs in any more are gone.
	inUse := make(map[string]bool, len(s.conts))
	for _, p := range s.procs {
		if p.Container != "" {
			inUse[p.Container] = true
		}
	}
	for id := range s.conts {
		if !inUse[id] {
			delete(s.conts, id)
		}
	}

	snap := &model.Snapshot{Taken: time.Now(), Host: prev.Host, Kernel: prev.Kernel,
		Partial: prev.Partial, Reason: prev.Reason}
	s.finish(snap)
	snap.Gaps = slices.CompactFunc(snap.Gaps, func(a, b model.Gap) bool { return a == b })

	// Carry the tables over to the next scan.
	for id, st := range s.mntSeen {
		if c.mnts == nil {
			c.mnts = map[model.NSID]*mntState{}
		}
		c.mnts[id] = st
	}
	for id := range c.mnts {
		if _, ok := snap.Namespaces[id]; !ok {
			delete(c.mnts, id)
		}
	}
	for ino, netIno := range s.sockSeen {
		c.sockets[ino] = netIno
	}
	for id := range c.known {
		if _, ok := snap.Namespaces[id]; !ok {
			delete(c.known, id)
		}
	}
	for id, ns := range snap.Namespaces {
		if _, ok := c.known[id]; !ok {
			c.known[id] = knownOf(ns)
		}
	}
	c.recheck = c.recheck[:0]
	for _, pid := range alive {
		if p := snap.Processes[pid]; p != nil && p.Err != "" {
			c.recheck = append(c.recheck, pid)
		}
	}
	c.last = snap.Taken
	return snap, true, nil
}

// prune removes the namespaces nothing keeps alive any more: no member
// process, no holder, and no live namespace they own or parent. A bind
// mount holds its namespace only while its mount namespace lives, so
// pruning one mount namespace may free others; prune repeats until
// nothing more goes.
func prune(byID map[model.NSID]*model.Namespace) {
	live := make(map[model.NSID]bool, len(byID))
	for {
		clear(live)
		var mark func(id model.NSID)
		mark = func(id model.NSID) {
			for id != 0 && !live[id] {
				ns := byID[id]
				if ns == nil {
					return
				}
				live[id] = true
				if ns.Owner != ns.Parent {
					mark(ns.Owner)
				}
				id = ns.Parent
			}
		}
		for id, ns := range byID {
			if len(ns.Procs) > 0 || len(ns.HeldBy) > 0 {
				mark(id)
			}
		}
		more := false
		for id, ns := range byID {
			if !live[id] {
				delete(byID, id)
				continue
			}
			kept := ns.HeldBy[:0]
			for _, h := range ns.HeldBy {
				if h.Kind == model.HeldByBindMount && !live[h.MntNS] {
					more = true
					continue
				}
				kept = append(kept, h)
			}
			ns.HeldBy = kept
		}
		if !more {
			return
		}
	}
}
