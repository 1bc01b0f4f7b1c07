package collect

import (
	"slices"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// TestPrune checks which namespaces a rescan keeps once the changed
// processes' references are gone (here every namespace counts as changed): those with members or holders, their
// owners and parents, and nothing a dead mount namespace's bind mount
// alone held.
func TestPrune(t *testing.T) {
	user := func(id, parent model.NSID) *model.Namespace {
		return &model.Namespace{ID: id, Type: model.User, Parent: parent, Owner: parent}
	}
	other := func(id model.NSID, typ model.NSType, owner model.NSID, procs ...int) *model.Namespace {
		return &model.Namespace{ID: id, Type: typ, Owner: owner, Procs: procs}
	}
	bound := func(ns *model.Namespace, mnt model.NSID) *model.Namespace {
		ns.HeldBy = append(ns.HeldBy, model.Holder{Kind: model.HeldByBindMount, PID: 9, Path: "/run/netns/x", MntNS: mnt})
		return ns
	}
	tests := []struct {
		name string
		in   []*model.Namespace
		want []model.NSID
	}{
		{"empty", nil, nil},
		{"member keeps itself and its owner chain",
			[]*model.Namespace{user(1, 0), user(2, 1), user(3, 2), other(10, model.Net, 3, 7)},
			[]model.NSID{1, 2, 3, 10}},
		{"nothing left: all go but nothing else",
			[]*model.Namespace{user(1, 0), user(2, 1), other(10, model.Net, 2)},
			nil},
		{"holder keeps a process-less namespace",
			[]*model.Namespace{user(1, 0), {ID: 10, Type: model.Net, Owner: 1, HeldBy: []model.Holder{{Kind: model.HeldByFD, PID: 5, FD: 3}}}},
			[]model.NSID{1, 10}},
		{"pid parent chain kept by a member of the child",
			[]*model.Namespace{user(1, 0), {ID: 20, Type: model.PID, Owner: 1}, {ID: 21, Type: model.PID, Owner: 1, Parent: 20, Procs: []int{4}}},
			[]model.NSID{1, 20, 21}},
		{"bind mount in a live mount namespace holds",
			[]*model.Namespace{user(1, 0), other(30, model.Mnt, 1, 8), bound(other(10, model.Net, 1), 30)},
			[]model.NSID{1, 10, 30}},
		{"bind mount in a dead mount namespace does not",
			[]*model.Namespace{user(1, 0), user(2, 1), other(30, model.Mnt, 2), bound(other(10, model.Net, 1), 30)},
			nil},
		{"dead mount namespaces free each other in turn",
			[]*model.Namespace{user(1, 0), other(30, model.Mnt, 1), bound(other(31, model.Mnt, 1), 30), bound(other(10, model.Net, 1), 31), other(11, model.UTS, 1, 3)},
			[]model.NSID{1, 11}},
		{"a cycle of parents ends",
			[]*model.Namespace{user(1, 2), user(2, 1), other(10, model.Net, 1, 3)},
			[]model.NSID{1, 2, 10}},
		{"owner missing from the snapshot",
			[]*model.Namespace{other(10, model.Net, 99, 3)},
			[]model.NSID{10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			byID := map[model.NSID]*model.Namespace{}
			u := &update{ns: byID, mod: map[model.NSID]bool{}, added: map[model.NSID]bool{}, removed: map[model.NSID]*model.Namespace{}}
			for _, ns := range tc.in {
				byID[ns.ID] = ns
				u.mod[ns.ID] = true // every one changed: every one a candidate
			}
			u.prune()
			var got []model.NSID
			for id := range byID {
				got = append(got, id)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("kept %v, want %v", got, tc.want)
			}
			for id := range u.removed {
				if byID[id] != nil {
					t.Errorf("namespace %d both removed and kept", id)
				}
			}
			if len(u.removed)+len(byID) != len(tc.in) {
				t.Errorf("%d removed + %d kept != %d", len(u.removed), len(byID), len(tc.in))
			}
			for _, ns := range byID {
				for _, h := range ns.HeldBy {
					if h.Kind == model.HeldByBindMount && byID[h.MntNS] == nil {
						t.Errorf("namespace %d keeps a bind mount of dead mount namespace %d", ns.ID, h.MntNS)
					}
				}
			}
		})
	}
}
