package layout

import (
	"slices"

	"github.com/nsweb/nsweb/internal/model"
)

// Initial returns the host's initial namespaces, sorted: those the kernel
// started with, which the host's own processes use. They are the
// namespaces of kthreadd, PID 2 with parent 0: a kernel thread, which no
// container runtime moves, so the rule holds when PID 1 is in a container
// (or nsweb runs in one, seeing the host's /proc). Where no kthreadd is
// seen (nsweb in a PID namespace of its own sees other PIDs), only the
// snapshot's root user namespace (the one without a parent) is known to
// be initial.
func Initial(s *model.Snapshot) []model.NSID {
	if s == nil {
		return nil
	}
	var ids []model.NSID
	if s.Root != 0 {
		ids = append(ids, s.Root)
	}
	if p := s.Processes[2]; p != nil && p.PPID == 0 && p.Comm == "kthreadd" {
		for _, id := range p.NS {
			if s.Namespaces[id] != nil {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// isInitial reports whether namespace id is one of b.initial.
func (b *builder) isInitial(id model.NSID) bool {
	for _, x := range b.initial {
		if x == id {
			return true
		}
	}
	return false
}

// pinned reports whether namespace i must never fold into a group: a
// host's initial namespace, or one that several containers share (a
// pod's network namespace, a rootless engine's user namespace). Folding
// them away hides what a person looks for first.
func (b *builder) pinned(i int32) bool {
	ns := b.ents[i].ns
	return len(ns.Containers) > 1 || b.isInitial(b.ents[i].id)
}
