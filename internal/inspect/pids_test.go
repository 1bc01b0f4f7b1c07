package inspect

import (
	"slices"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

func TestPIDs(t *testing.T) {
	s := &model.Snapshot{
		Namespaces: map[model.NSID]*model.Namespace{
			1: {ID: 1, Type: model.PID},
			2: {ID: 2, Type: model.PID, Parent: 1},
			3: {ID: 3, Type: model.PID, Parent: 2, Procs: []int{4242, 4250}},
		},
		Processes: map[int]*model.Process{
			4242: {PID: 4242, Comm: "init", NSpid: []int{4242, 17, 1}},
		},
	}
	p := PIDs(s, s.Namespaces[3])
	if p.Level != 2 || len(p.Procs) != 2 || !slices.Equal(p.Procs[0].Chain, []int{4242, 17, 1}) || p.Procs[0].Comm != "init" {
		t.Errorf("pids: %+v", p)
	}
	// A process missing from the snapshot keeps its host PID.
	if !slices.Equal(p.Procs[1].Chain, []int{4250}) {
		t.Errorf("missing process: %+v", p.Procs[1])
	}
	// A parent cycle (bad input) does not loop forever.
	s.Namespaces[1].Parent = 3
	if p := PIDs(s, s.Namespaces[3]); p.Level != 64 {
		t.Errorf("cycle: level %d", p.Level)
	}
}

func TestPeersAndSummary(t *testing.T) {
	all := map[model.NSID][]Mount{
		1: {{MountPoint: "/", Shared: 1, Propagation: "shared"}, {MountPoint: "/a", Shared: 7, Propagation: "shared"}, {MountPoint: "/b", Master: 9, Propagation: "slave"}},
		2: {{MountPoint: "/", Propagation: "private"}, {MountPoint: "/a", Shared: 7, Propagation: "shared"}},
		3: {{MountPoint: "/x", Master: 1, Propagation: "slave"}, {MountPoint: "/y", Master: 7, Propagation: "slave"}},
		4: {{MountPoint: "/z", Shared: 9, Propagation: "shared"}},
		5: {{MountPoint: "/", Shared: 2, Propagation: "shared"}},
	}
	got := Peers(1, all)
	want := []PeerNS{
		{NS: 3, Groups: []int{1, 7}, Relation: "sends to", Mounts: 2},
		{NS: 2, Groups: []int{7}, Relation: "peer", Mounts: 1},
		{NS: 4, Groups: []int{9}, Relation: "receives from", Mounts: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("peers: %+v", got)
	}
	for i := range want {
		if got[i].NS != want[i].NS || !slices.Equal(got[i].Groups, want[i].Groups) || got[i].Relation != want[i].Relation || got[i].Mounts != want[i].Mounts {
			t.Errorf("peer %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	m := Summary(all[1])
	if m.Count != 3 || m.Root == nil || m.Root.Shared != 1 || m.Propagation["shared"] != 2 || m.Propagation["slave"] != 1 {
		t.Errorf("summary: %+v", m)
	}
}
