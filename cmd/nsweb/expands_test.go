package main

import (
	"slices"
	"testing"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

// unknownExpands warns of an --expand ID only when its group would hold
// nothing in the picture: each kind of group the layout makes is known
// when its members are shown (as they are once it is open).
func TestUnknownExpands(t *testing.T) {
	root := layout.NodeID(1)
	ctr := layout.ContainerID(root, "c1")
	pod := layout.PodID(root, "default/web")
	r := &layout.Result{Nodes: []layout.Node{
		{ID: root, Kind: layout.Dir, Type: model.User, NS: 1},
		{ID: layout.NodeID(2), Kind: layout.File, Type: model.Net, NS: 2, Parent: root},
		{ID: layout.NodeID(3), Kind: layout.Dir, Type: model.User, NS: 3, Parent: root},
		{ID: ctr, Kind: layout.Container, Parent: root},
		{ID: layout.NodeID(4), Kind: layout.File, Type: model.IPC, NS: 4, Parent: ctr},
		{ID: pod, Kind: layout.Pod, Parent: root},
		{ID: layout.ContainerID(root, "c2"), Kind: layout.Container, Parent: pod},
	}}
	for _, c := range []struct {
		id      string
		unknown bool
	}{
		{layout.GroupID(root, model.Net), false},
		{layout.DirsGroupID(root), false},
		{layout.GroupID(root, model.User), false}, // what the layout once named folded Dirs
		{layout.ContainersGroupID(root), false},
		{layout.PodsGroupID(root), false},
		{layout.GroupID(ctr, model.IPC), false},
		{layout.ContainersGroupID(pod), false},
		{layout.GroupID(root, model.PID), true},             // no pid namespace under root
		{layout.GroupID(ctr, model.Net), true},              // none in the container
		{layout.DirsGroupID(ctr), true},                     // a container holds no Dirs
		{layout.GroupID(layout.NodeID(9), model.Net), true}, // no such parent
		{"grp:ns:1:net,grp:ns:1:pid", true},
		{"grp:ns:01:net", true},
		{"ns:2", true},
		{"", true},
	} {
		got := slices.Contains(unknownExpands(r, []string{c.id}), c.id)
		if got != c.unknown {
			t.Errorf("unknownExpands(%q) reports it: %v, want %v", c.id, got, c.unknown)
		}
	}
}
