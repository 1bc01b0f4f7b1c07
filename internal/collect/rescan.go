package collect

import (
	"context"
	"maps"
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
// namespace) waits for the next full Scan, as it does without Rescan,
// unless RescanMounts names the mount namespace.
func (c *Collector) Rescan(ctx context.Context, prev *model.Snapshot, pids []int) (*model.Snapshot, error) {
	return c.RescanMounts(ctx, prev, pids, nil)
}

// RescanMounts is Rescan that also rereads the nsfs bind mounts of the
// mount namespaces with the inodes mnts, in which something was mounted or
// unmounted (kernel events name them). A mount namespace prev does not
// know is read anyway if a changed process is in it, else skipped.
func (c *Collector) RescanMounts(ctx context.Context, prev *model.Snapshot, pids []int, mnts []uint64) (*model.Snapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev == nil || c.known == nil || !prev.Taken.Equal(c.last) ||
		len(pids)*maxRescanShare > len(prev.Processes) {
		return c.scanLocked(ctx)
	}
	snap, ok, err := c.rescanLocked(ctx, prev, pids, mnts)
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
//
// The previous snapshot's maps are copied, but its namespaces only where
// they change (copy on write): the cost is a few passes over the map
// without allocation plus the work for what changed, about a millisecond
// at 7,000 namespaces where rebuilding every namespace took ten.
func (c *Collector) rescanLocked(ctx context.Context, prev *model.Snapshot, pids []int, mnts []uint64) (*model.Snapshot, bool, error) {
	s := c.newScan(ctx)
	// Processes the last rescan could not read whole (most often zombies,
	// whose reaping no event reports) are looked at again.
	changed := make(map[int]bool, len(pids)+len(c.recheck))
	for _, pid := range slices.Concat(pids, c.recheck) {
		changed[pid] = true
	}
	u := newUpdate(prev)
	reread := u.forget(prev, changed, mnts)
	alive := s.readChanged(changed)
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if s.noID.Load() {
		return nil, false, nil
	}
	s.readMounts(u, prev, reread)
	if !c.opts.NoSockets && s.proc == "/proc" {
		s.resolveSockets()
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if s.noID.Load() {
		return nil, false, nil
	}
	procs := u.merge(s, prev, changed)
	snap := &model.Snapshot{Taken: time.Now(), Host: prev.Host, Kernel: prev.Kernel,
		Partial: prev.Partial, Reason: prev.Reason, Root: prev.Root,
		Namespaces: u.ns, Processes: procs}
	if snap.Namespaces[snap.Root] == nil {
		snap.Root = rootOf(snap.Namespaces)
	}
	if conts := s.carryContainers(prev, procs); len(conts) > 0 {
		snap.Containers = conts
	}
	for _, g := range prev.Gaps {
		if !changed[g.PID] {
			snap.Gaps = append(snap.Gaps, g)
		}
	}
	snap.Gaps = append(snap.Gaps, s.gaps...)
	sortGaps(snap.Gaps)
	snap.Gaps = slices.Compact(snap.Gaps)
	c.carry(s, u, alive, snap)
	return snap, true, nil
}

// forget takes out of the update what the changed processes contributed:
// memberships and holders. It returns the mount namespaces to read again,
// through a member still there: those whose nsfs mounts were read through
// a changed process, and those with the inodes mnts (something was
// mounted or unmounted there).
func (u *update) forget(prev *model.Snapshot, changed map[int]bool, mnts []uint64) map[model.NSID]bool {
	for pid := range changed {
		if p := prev.Processes[pid]; p != nil {
			for _, id := range p.NS {
				if prev.Namespaces[id] != nil {
					x := u.get(id)
					x.Procs = slices.DeleteFunc(x.Procs, func(q int) bool { return q == pid })
				}
			}
		}
	}
	reread := map[model.NSID]bool{}
	if len(mnts) > 0 {
		for id, ns := range prev.Namespaces {
			if ns.Type == model.Mnt && slices.Contains(mnts, ns.Inode) {
				reread[id] = true
			}
		}
	}
	for _, ns := range prev.Namespaces {
		for _, h := range ns.HeldBy {
			if h.Kind == model.HeldByBindMount && changed[h.PID] {
				reread[h.MntNS] = true
			}
		}
	}
	stale := func(h model.Holder) bool {
		switch h.Kind {
		case model.HeldByChild, model.HeldByOwned:
			return false // derived again by derive, where needed
		case model.HeldByBindMount:
			return reread[h.MntNS]
		}
		return changed[h.PID]
	}
	for id, ns := range prev.Namespaces {
		if slices.ContainsFunc(ns.HeldBy, stale) {
			x := u.get(id)
			x.HeldBy = slices.DeleteFunc(x.HeldBy, stale)
		}
	}
	u.prune()
	return reread
}

// readChanged reads the changed processes that still exist, as a full
// scan reads them, into the scan's empty table: every namespace they meet
// is adopted from the Collector's memory or resolved, never confused with
// a dead one by inode. It returns their PIDs, sorted.
func (s *scan) readChanged(changed map[int]bool) []int {
	var alive []int
	for pid := range changed {
		if _, err := os.Lstat(s.proc + "/" + strconv.Itoa(pid)); err == nil {
			alive = append(alive, pid)
		}
	}
	slices.Sort(alive)
	s.parallel(len(alive), func(w *worker, i int) { s.process(w, alive[i]) })
	return alive
}

// readMounts reads the nsfs mounts of the mount namespaces forget named
// and of every new one (a new container's may hold copies of the host's
// netns bind mounts). Known mount namespaces a changed process merely
// joined or left keep their mounts: changes to mount tables come as mount
// events (kernel events name the mount namespace; the host's table alone,
// without them, gets a full scan).
func (s *scan) readMounts(u *update, prev *model.Snapshot, reread map[model.NSID]bool) {
	for id := range reread {
		if ns, k := u.ns[id], s.c.known[id]; ns != nil && k != nil {
			mnt := s.adopt(k)
			s.mntPIDs[mnt.Inode] = append(slices.Clone(ns.Procs), s.mntPIDs[mnt.Inode]...)
		}
	}
	var mnts []uint64
	for ino, pids := range s.mntPIDs {
		ns := s.byIno[ino]
		if _, known := prev.Namespaces[ns.ID]; len(pids) > 0 && (!known || reread[ns.ID]) {
			mnts = append(mnts, ino)
		} else {
			delete(s.mntPIDs, ino)
		}
	}
	s.parallel(len(mnts), func(w *worker, i int) { s.mounts(w, mnts[i]) })
}

// merge puts what the scan read into the previous namespaces, or adds it,
// derives the tree holders and finishes the changed namespaces. It
// returns the new process table.
func (u *update) merge(s *scan, prev *model.Snapshot, changed map[int]bool) map[int]*model.Process {
	for _, ns := range s.byIno {
		if u.ns[ns.ID] == nil {
			u.add(ns)
		} else if len(ns.Procs) > 0 || len(ns.HeldBy) > 0 {
			x := u.get(ns.ID)
			x.Procs = append(x.Procs, ns.Procs...)
			x.HeldBy = append(x.HeldBy, ns.HeldBy...)
		}
	}
	procs := maps.Clone(prev.Processes)
	for pid := range changed {
		delete(procs, pid)
	}
	maps.Copy(procs, s.procs)
	u.derive()
	u.finish(procs)
	return procs
}

// carryContainers returns the containers some process still runs in:
// those the scan found and copies of the previous snapshot's (the engine
// catalogue fills in names on the new snapshot, and prev may be read
// meanwhile).
func (s *scan) carryContainers(prev *model.Snapshot, procs map[int]*model.Process) map[string]*model.Container {
	inUse := map[string]bool{}
	for _, p := range procs {
		if p.Container != "" {
			inUse[p.Container] = true
		}
	}
	for id := range inUse {
		if ct := prev.Containers[id]; ct != nil {
			cp := *ct
			s.conts[id] = &cp
		}
	}
	for id := range s.conts {
		if !inUse[id] {
			delete(s.conts, id)
		}
	}
	return s.conts
}

// carry keeps the tables the next scan starts from: mount and socket
// state, the namespaces known alive, and the processes to look at again.
func (c *Collector) carry(s *scan, u *update, alive []int, snap *model.Snapshot) {
	if c.mnts == nil {
		c.mnts = map[model.NSID]*mntState{}
	}
	maps.Copy(c.mnts, s.mntSeen)
	maps.Copy(c.sockets, s.sockSeen)
	for id := range u.removed {
		delete(c.known, id)
		delete(c.mnts, id)
	}
	for id := range u.added {
		c.known[id] = knownOf(u.ns[id])
	}
	c.recheck = c.recheck[:0]
	for _, pid := range alive {
		if p := snap.Processes[pid]; p != nil && (p.Err != "" || slices.Contains(s.zombies, pid)) {
			c.recheck = append(c.recheck, pid)
		}
	}
	c.zombies = len(s.zombies)
	c.last = snap.Taken
}

// update is a snapshot's namespace map being changed copy-on-write: the
// previous snapshot's namespaces are shared until get copies one.
type update struct {
	ns      map[model.NSID]*model.Namespace
	mod     map[model.NSID]bool // copied (or new): this update's own
	added   map[model.NSID]bool // not in the previous snapshot (or revived)
	removed map[model.NSID]*model.Namespace
}

func newUpdate(prev *model.Snapshot) *update {
	return &update{ns: maps.Clone(prev.Namespaces), mod: map[model.NSID]bool{},
		added: map[model.NSID]bool{}, removed: map[model.NSID]*model.Namespace{}}
}

// get returns the update's own copy of namespace id, which must exist.
func (u *update) get(id model.NSID) *model.Namespace {
	x := u.ns[id]
	if u.mod[id] {
		return x
	}
	cp := *x
	cp.Procs = slices.Clone(x.Procs)
	cp.HeldBy = slices.Clone(x.HeldBy)
	u.ns[id], u.mod[id] = &cp, true
	return &cp
}

// add puts a namespace the rescan found into the map.
func (u *update) add(ns *model.Namespace) {
	u.ns[ns.ID], u.mod[ns.ID], u.added[ns.ID] = ns, true, true
	delete(u.removed, ns.ID)
}

// derived reports whether a holder is one finish derives from the tree
// (a parent or owner of a live namespace) rather than one a scan found.
func derived(h model.Holder) bool {
	return h.Kind == model.HeldByChild || h.Kind == model.HeldByOwned
}

// selfHeld reports whether something besides the tree keeps ns alive.
func selfHeld(ns *model.Namespace) bool {
	return len(ns.Procs) > 0 || slices.ContainsFunc(ns.HeldBy, func(h model.Holder) bool { return !derived(h) })
}

// prune removes the changed namespaces nothing keeps alive any more: no
// member process, no holder, and no live namespace they own or parent.
// Only a changed namespace or the owner or parent of a removed one can
// die, so each round looks at those, with one pass over the map to find
// who still refers to them. A bind mount holds its namespace only while
// its mount namespace lives, so removing a mount namespace makes the
// namespaces it held candidates too.
func (u *update) prune() {
	cand := map[model.NSID]bool{}
	for id := range u.mod {
		cand[id] = true
	}
	for len(cand) > 0 {
		for id := range cand {
			if ns := u.ns[id]; ns == nil || selfHeld(ns) {
				delete(cand, id)
			}
		}
		if len(cand) == 0 {
			return
		}
		referred := map[model.NSID]bool{}
		for id, ns := range u.ns {
			if cand[ns.Owner] && ns.Owner != id {
				referred[ns.Owner] = true
			}
			if cand[ns.Parent] && ns.Parent != id {
				referred[ns.Parent] = true
			}
		}
		next := map[model.NSID]bool{}
		var mnts []model.NSID
		for id := range cand {
			if referred[id] {
				continue
			}
			ns := u.ns[id]
			delete(u.ns, id)
			delete(u.mod, id)
			delete(u.added, id)
			u.removed[id] = ns
			next[ns.Owner], next[ns.Parent] = true, true
			if ns.Type == model.Mnt {
				mnts = append(mnts, id)
			}
		}
		if len(mnts) > 0 {
			inDead := func(h model.Holder) bool {
				return h.Kind == model.HeldByBindMount && slices.Contains(mnts, h.MntNS)
			}
			for id, ns := range u.ns {
				if slices.ContainsFunc(ns.HeldBy, inDead) {
					x := u.get(id)
					x.HeldBy = slices.DeleteFunc(x.HeldBy, inDead)
					next[id] = true
				}
			}
		}
		delete(next, 0)
		cand = next
	}
}

// derive sets the parent and owner holders (as finish does for a full
// scan) of the namespaces whose holders may have changed: the changed and
// new ones and the parents and owners of new and removed ones.
func (u *update) derive() {
	need := map[model.NSID]bool{}
	for id := range u.mod {
		need[id] = true
		ns := u.ns[id]
		if u.added[id] {
			need[ns.Owner], need[ns.Parent] = true, true
		}
	}
	for _, ns := range u.removed {
		need[ns.Owner], need[ns.Parent] = true, true
	}
	delete(need, 0)
	hs := map[model.NSID][]model.Holder{}
	for id, ns := range u.ns {
		if need[ns.Parent] && ns.Parent != 0 {
			hs[ns.Parent] = append(hs[ns.Parent], model.Holder{Kind: model.HeldByChild, NS: id})
		}
		if need[ns.Owner] && ns.Owner != 0 && ns.Owner != ns.Parent {
			hs[ns.Owner] = append(hs[ns.Owner], model.Holder{Kind: model.HeldByOwned, NS: id})
		}
	}
	for id := range need {
		ns := u.ns[id]
		if ns == nil {
			continue
		}
		var want []model.Holder
		if len(ns.Procs) == 0 {
			want = hs[id]
		}
		has := 0
		for _, h := range ns.HeldBy {
			if derived(h) {
				has++
			}
		}
		if has == 0 && len(want) == 0 {
			continue
		}
		x := u.get(id)
		x.HeldBy = append(slices.DeleteFunc(x.HeldBy, derived), want...)
	}
}

// finish completes the namespaces this update changed, as the full scan's
// finish does for all: members sorted, leader, containers, holders sorted.
func (u *update) finish(procs map[int]*model.Process) {
	for id := range u.mod {
		ns := u.ns[id]
		settle(ns, procs)
		sortHolders(ns.HeldBy)
	}
}
