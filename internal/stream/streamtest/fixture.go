// Package streamtest holds what the tests of the stream hub and of the
// server that serves it share: stand-ins for the layout and the filter, a
// small host, and a websocket client that keeps its picture as a browser
// does.
package streamtest

import (
	"fmt"
	"strings"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

// FlatLayout is a stand-in for layout.Compute: every kept namespace in ID
// order on one row, so adding a namespace moves those after it.
func FlatLayout(s *model.Snapshot, o layout.Options) *layout.Result {
	r := &layout.Result{View: o.View, Height: 20}
	for _, id := range s.SortedIDs() {
		ns := s.Namespaces[id]
		if o.Keep != nil && !o.Keep(ns) {
			continue
		}
		kind := layout.File
		if ns.Type == model.User {
			kind = layout.Dir
		}
		n := layout.Node{ID: fmt.Sprintf("ns:%d", id), Kind: kind, Type: ns.Type, NS: id,
			Label: fmt.Sprintf("%s %d", ns.Type, ns.Inode), X: float64(len(r.Nodes)) * 10, W: 8, H: 8}
		if ns.Owner != 0 && ns.Owner != id {
			n.Parent = fmt.Sprintf("ns:%d", ns.Owner)
		}
		r.Nodes = append(r.Nodes, n)
	}
	r.Width = float64(len(r.Nodes)) * 10
	return r
}

// FakeFilter is a stand-in for filter.Parse: it accepts "" and "type:<t>".
func FakeFilter(q string) (func(*model.Snapshot, *model.Namespace) bool, string, error) {
	t, ok := strings.CutPrefix(q, "type:")
	if !ok || !model.NSType(t).Valid() {
		return nil, "", fmt.Errorf("filter: unknown key %q at 0", q)
	}
	return func(_ *model.Snapshot, ns *model.Namespace) bool { return ns.Type == model.NSType(t) }, "type:" + t, nil
}

// Snap builds a snapshot with the given namespaces; odd IDs are net
// namespaces, even ones uts, all owned by user namespace 1, each with one
// process whose PID is its ID and whose name carries gen.
func Snap(gen int, ids ...model.NSID) *model.Snapshot {
	s := &model.Snapshot{
		Taken: time.Unix(int64(gen), 0), Host: "test", Kernel: "6.18",
		Namespaces: map[model.NSID]*model.Namespace{1: {ID: 1, Type: model.User, Inode: 1}},
		Processes:  map[int]*model.Process{},
	}
	for _, id := range ids {
		t := model.UTS
		if id%2 == 1 {
			t = model.Net
		}
		s.Namespaces[id] = &model.Namespace{ID: id, Type: t, Inode: uint64(id % 7), Owner: 1, Procs: []int{int(id)}, Leader: int(id)}
		s.Processes[int(id)] = &model.Process{PID: int(id), Comm: fmt.Sprint("p", gen)}
		s.Namespaces[1].Procs = append(s.Namespaces[1].Procs, int(id))
	}
	return s
}

// RootfulHost is a host with n rootful containers, each with a network
// namespace of its own in the initial user namespace 1.
func RootfulHost(gen, n int) *model.Snapshot {
	s := Snap(gen)
	s.Containers = map[string]*model.Container{}
	for i := range n {
		cid, id, pid := fmt.Sprintf("c%03d", i), model.NSID(100+i), 1000+i
		s.Containers[cid] = &model.Container{ID: cid, Runtime: "docker", Name: "web-" + cid}
		s.Processes[pid] = &model.Process{PID: pid, Comm: "nginx", Start: uint64(i), Container: cid}
		s.Namespaces[id] = &model.Namespace{ID: id, Type: model.Net, Inode: uint64(id), Owner: 1, Procs: []int{pid}, Leader: pid, Containers: []string{cid}}
	}
	return s
}
