package collect

import (
	"slices"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// checkIntegrity checks that a snapshot is closed under its own references:
// every ID a process, namespace or holder names is in it, memberships agree
// both ways, and orders are as documented.
func checkIntegrity(t *testing.T, s *model.Snapshot) {
	t.Helper()
	for id, ns := range s.Namespaces {
		if ns.ID != id || !ns.Type.Valid() {
			t.Errorf("namespace %d: id %d type %q", id, ns.ID, ns.Type)
		}
		for _, ref := range []model.NSID{ns.Parent, ns.Owner} {
			if ref != 0 && s.Namespaces[ref] == nil {
				t.Errorf("%s %d refers to missing namespace %d", ns.Type, id, ref)
			}
		}
		if ns.Parent != 0 && s.Namespaces[ns.Parent] != nil && s.Namespaces[ns.Parent].Type != ns.Type {
			t.Errorf("%s %d has a %s parent", ns.Type, id, s.Namespaces[ns.Parent].Type)
		}
		if !slices.IsSorted(ns.Procs) {
			t.Errorf("%s %d: procs not sorted", ns.Type, id)
		}
		for _, pid := range ns.Procs {
			if p := s.Processes[pid]; p == nil || p.NS[ns.Type] != id {
				t.Errorf("%s %d lists pid %d, which does not map back", ns.Type, id, pid)
			}
		}
		if (ns.Leader == 0) != (len(ns.Procs) == 0) || (ns.Leader != 0 && !slices.Contains(ns.Procs, ns.Leader)) {
			t.Errorf("%s %d: leader %d of %v", ns.Type, id, ns.Leader, ns.Procs)
		}
		for _, h := range ns.HeldBy {
			for _, ref := range []model.NSID{h.NS, h.MntNS} {
				if ref != 0 && s.Namespaces[ref] == nil {
					t.Errorf("%s %d: holder %+v refers to missing namespace", ns.Type, id, h)
				}
			}
		}
	}
	for pid, p := range s.Processes {
		if p.PID != pid {
			t.Errorf("process %d has pid %d", pid, p.PID)
		}
		for typ, id := range p.NS {
			ns := s.Namespaces[id]
			if ns == nil || ns.Type != typ || !slices.Contains(ns.Procs, pid) {
				t.Errorf("pid %d: %s namespace %d missing or not listing it", pid, typ, id)
			}
		}
		if p.Container != "" && s.Containers[p.Container] == nil {
			t.Errorf("pid %d: container %s not in the snapshot", pid, p.Container)
		}
	}
	if s.Root != 0 && (s.Namespaces[s.Root] == nil || s.Namespaces[s.Root].Type != model.User) {
		t.Errorf("root %d is not a user namespace of the snapshot", s.Root)
	}
}
