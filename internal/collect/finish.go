// The finish step: what a full scan and a rescan both derive from what
// they read (leaders, containers, tree holders, order).

package collect

import (
	"cmp"
	"slices"
	"strings"

	"github.com/nsweb/nsweb/internal/model"
)

// finish fills the snapshot from the scan's tables: membership order,
// leaders, containers, and the parent/owner holders of process-less
// namespaces.
func (s *scan) finish(snap *model.Snapshot) {
	snap.Namespaces = make(map[model.NSID]*model.Namespace, len(s.byIno))
	for _, ns := range s.byIno {
		snap.Namespaces[ns.ID] = ns
	}
	snap.Processes = s.procs
	snap.Gaps = s.gaps
	if len(s.conts) > 0 {
		snap.Containers = s.conts
	}
	for _, ns := range snap.Namespaces {
		settle(ns, s.procs)
	}
	snap.Root = rootOf(snap.Namespaces)
	for _, ns := range snap.Namespaces {
		if parent := snap.Namespaces[ns.Parent]; ns.Parent != 0 && parent != nil && len(parent.Procs) == 0 {
			parent.HeldBy = append(parent.HeldBy, model.Holder{Kind: model.HeldByChild, NS: ns.ID})
		}
		if owner := snap.Namespaces[ns.Owner]; ns.Owner != 0 && ns.Owner != ns.Parent && owner != nil && len(owner.Procs) == 0 {
			owner.HeldBy = append(owner.HeldBy, model.Holder{Kind: model.HeldByOwned, NS: ns.ID})
		}
	}
	for _, ns := range snap.Namespaces {
		sortHolders(ns.HeldBy)
	}
	sortGaps(snap.Gaps)
}

// settle derives what a namespace's members decide, for a full scan and a
// rescan alike: members sorted once each, the leader (the member started
// first; Procs is sorted, so ties keep the lowest PID) and the containers
// its members run in.
func settle(ns *model.Namespace, procs map[int]*model.Process) {
	slices.Sort(ns.Procs)
	ns.Procs = slices.Compact(ns.Procs)
	ns.Leader = 0
	var best *model.Process
	var conts []string
	for _, pid := range ns.Procs {
		p := procs[pid]
		if p == nil {
			continue // only a snapshot changed after the fact lacks it
		}
		if best == nil || p.Start < best.Start {
			best = p
		}
		if p.Container != "" {
			conts = append(conts, p.Container)
		}
	}
	if best != nil {
		ns.Leader = best.PID
	}
	slices.Sort(conts)
	ns.Containers = slices.Compact(conts)
}

// rootOf returns the initial user namespace: the parentless user
// namespace with the lowest ID (0 when there is none).
func rootOf(nss map[model.NSID]*model.Namespace) model.NSID {
	var root model.NSID
	for id, ns := range nss {
		if ns.Type == model.User && ns.Parent == 0 && (root == 0 || id < root) {
			root = id
		}
	}
	return root
}

// sortGaps orders gaps by PID, then by what could not be read.
func sortGaps(gs []model.Gap) {
	slices.SortFunc(gs, func(a, b model.Gap) int {
		if a.PID != b.PID {
			return a.PID - b.PID
		}
		return cmp.Or(strings.Compare(a.What, b.What), strings.Compare(a.Err, b.Err))
	})
}

// sortHolders orders holders by kind, then PID, TID, FD, path and
// namespace, so that snapshots compare and render stably.
func sortHolders(hs []model.Holder) {
	slices.SortFunc(hs, func(a, b model.Holder) int {
		switch {
		case a.Kind != b.Kind:
			return strings.Compare(string(a.Kind), string(b.Kind))
		case a.PID != b.PID:
			return a.PID - b.PID
		case a.TID != b.TID:
			return a.TID - b.TID
		case a.FD != b.FD:
			return a.FD - b.FD
		case a.Path != b.Path:
			return strings.Compare(a.Path, b.Path)
		case a.MntNS != b.MntNS:
			return cmpID(a.MntNS, b.MntNS)
		}
		return cmpID(a.NS, b.NS)
	})
}

func cmpID(a, b model.NSID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
