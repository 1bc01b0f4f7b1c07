package render

import (
	"fmt"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/model/modeltest"
)

// smallSnapshot is modeltest.Small (a host with a rootless container and a
// bind-mounted network namespace without processes) with a folded uts group,
// laid out by hand the way layout.Compute would for the owner view.
func smallSnapshot() (*model.Snapshot, *layout.Result) {
	s := modeltest.Small()
	r := &layout.Result{
		View: layout.Owner, Orientation: layout.TopDown, Width: 770, Height: 200,
		Nodes: []layout.Node{
			{ID: "ns:1", Kind: layout.Dir, Type: model.User, NS: 1, Label: "user 4026531837", X: 300, Y: 5, W: 150, H: 40},
			{ID: "ns:2", Kind: layout.File, Type: model.Net, NS: 2, Label: "net 4026531840", Parent: "ns:1", X: 0, Y: 85, W: 140, H: 40},
			{ID: "ns:5", Kind: layout.File, Type: model.Net, NS: 5, Label: "net 4026532700", Parent: "ns:1", X: 155, Y: 85, W: 140, H: 40},
			{ID: "ns:6", Kind: layout.File, Type: model.Mnt, NS: 6, Label: "mnt 4026531841", Parent: "ns:1", X: 310, Y: 85, W: 140, H: 40},
			{ID: "g:1:uts", Kind: layout.Group, Type: model.UTS, Label: "uts ×60", Parent: "ns:1", Count: 60, X: 465, Y: 85, W: 140, H: 40},
			{ID: "ns:3", Kind: layout.Dir, Type: model.User, NS: 3, Label: "user 4026532500", Parent: "ns:1", X: 620, Y: 85, W: 150, H: 40},
			{ID: "ns:4", Kind: layout.File, Type: model.Net, NS: 4, Label: "net 4026532600 WebFront", Parent: "ns:3", X: 625, Y: 160, W: 140, H: 40},
		},
		Edges: []layout.Edge{
			{From: "ns:1", To: "ns:2"}, {From: "ns:1", To: "ns:5"}, {From: "ns:1", To: "ns:6"},
			{From: "ns:1", To: "g:1:uts"}, {From: "ns:1", To: "ns:3"}, {From: "ns:3", To: "ns:4"},
		},
	}
	return s, r
}

// Hostile strings a local user can plant in process names, command lines,
// container names and mount paths.
var hostile = []string{
	"<script>alert(1)</script>",
	"]]>",
	`quote ' and " and &amp;`,
	"<img src=x onerror=alert(1)>",
	"bad\xff\xfeutf8\xc3",
	"bidi \u202eevil\u202c \u2066iso\u2069 \u200e\u200f",
	"nul\x00esc\x1b[31mred\x07bell\x7f\u0085c1\u2028ls",
	"\uFFFE\uFFFF noncharacters",
	`<?xml-stylesheet href="http://evil/x.css"?><style>@import url(http://evil/)</style>`,
	"javascript:alert(1)",
}

// hostileSnapshot puts every hostile string into every host-controlled field
// that the renderers print.
func hostileSnapshot() (*model.Snapshot, *layout.Result) {
	s := &model.Snapshot{
		Taken: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Host:  hostile[0] + hostile[6], Kernel: hostile[1] + hostile[5],
		Namespaces: map[model.NSID]*model.Namespace{},
		Processes:  map[int]*model.Process{},
		Containers: map[string]*model.Container{},
		Partial:    true, Reason: hostile[3],
	}
	r := &layout.Result{View: layout.PIDTree, Orientation: layout.LeftRight, Width: 200, Height: float64(len(hostile)) * 50}
	for i, h := range hostile {
		id := model.NSID(i + 1)
		pid := 1000 + i
		cid := fmt.Sprintf("c%d%s", i, h)
		s.Processes[pid] = &model.Process{PID: pid, Comm: h, Cmdline: h + " --arg " + h}
		s.Containers[cid] = &model.Container{ID: cid, Name: h, Runtime: "docker"}
		s.Namespaces[id] = &model.Namespace{ID: id, Type: model.PID, Inode: 4026532000 + uint64(i), Parent: 1,
			Procs: []int{pid}, Leader: pid, Containers: []string{cid},
			HeldBy: []model.Holder{{Kind: model.HeldByBindMount, Path: "/run/netns/" + h}}}
		n := layout.Node{ID: fmt.Sprintf("ns:%d%s", id, h), Kind: layout.File, Type: model.PID, NS: id, Label: h,
			X: 100, Y: float64(i) * 50, W: 100, H: 40}
		if i == 0 {
			n.X, n.Kind = 0, layout.Dir
		} else {
			n.Parent = r.Nodes[0].ID
			r.Edges = append(r.Edges, layout.Edge{From: r.Nodes[0].ID, To: n.ID})
		}
		r.Nodes = append(r.Nodes, n)
	}
	return s, r
}

// groupedSnapshot is a host with a named docker container (labels, image),
// a container no engine named, and the Kubernetes pod default/api of two
// containers sharing a network namespace, laid out by layout.Compute
// grouped by pod.
func groupedSnapshot() (*model.Snapshot, *layout.Result) {
	s := &model.Snapshot{
		Taken: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC),
		Host:  "box", Kernel: "6.18.0",
		Root: 1,
		Namespaces: map[model.NSID]*model.Namespace{
			1:  {ID: 1, Type: model.User, Inode: 4026531837, Procs: []int{1}, Leader: 1},
			2:  {ID: 2, Type: model.Net, Inode: 4026531840, Owner: 1, Procs: []int{1}, Leader: 1},
			3:  {ID: 3, Type: model.Net, Inode: 4026532001, Owner: 1, Procs: []int{10}, Leader: 10, Containers: []string{"c0ffee0000000000aaaa"}},
			4:  {ID: 4, Type: model.Mnt, Inode: 4026532002, Owner: 1, Procs: []int{10}, Leader: 10, Containers: []string{"c0ffee0000000000aaaa"}},
			5:  {ID: 5, Type: model.PID, Inode: 4026532003, Owner: 1, Procs: []int{20}, Leader: 20, Containers: []string{"0123456789abcdef9999"}},
			6:  {ID: 6, Type: model.Net, Inode: 4026532004, Owner: 1, Procs: []int{30, 40}, Leader: 30, Containers: []string{"api1", "api2"}},
			7:  {ID: 7, Type: model.Mnt, Inode: 4026532005, Owner: 1, Procs: []int{30}, Leader: 30, Containers: []string{"api1"}},
			8:  {ID: 8, Type: model.Mnt, Inode: 4026532006, Owner: 1, Procs: []int{40}, Leader: 40, Containers: []string{"api2"}},
			9:  {ID: 9, Type: model.UTS, Inode: 4026532007, Owner: 1, Procs: []int{10, 20}, Leader: 10, Containers: []string{"0123456789abcdef9999", "c0ffee0000000000aaaa"}},
			10: {ID: 10, Type: model.IPC, Inode: 4026532008, Owner: 1, Procs: []int{50}, Leader: 50, Containers: []string{"evil"}},
		},
		Processes: map[int]*model.Process{
			1:  {PID: 1, Comm: "systemd", Cmdline: "/sbin/init"},
			10: {PID: 10, Comm: "nginx", Cmdline: "nginx -g daemon off;", Container: "c0ffee0000000000aaaa"},
			20: {PID: 20, Comm: "sleep", Cmdline: "sleep 600", Container: "0123456789abcdef9999"},
			30: {PID: 30, Comm: "api", Container: "api1"},
			40: {PID: 40, Comm: "envoy", Container: "api2"},
			50: {PID: 50, Comm: "sh", Container: "evil"},
		},
		Containers: map[string]*model.Container{
			"c0ffee0000000000aaaa": {ID: "c0ffee0000000000aaaa", Runtime: "docker", Name: "web-1", Image: "nginx:1.27",
				Labels: map[string]string{"com.docker.compose.project": "shop", "tier": "front"}},
			"api1": {ID: "api1", Runtime: "crio", Name: "api", Image: "api:2", Pod: "api", PodNamespace: "default"},
			"api2": {ID: "api2", Runtime: "crio", Name: "envoy", Pod: "api", PodNamespace: "default"},
			"evil": {ID: "evil", Runtime: "docker", Name: "<b>x</b>\x1b[31m\u202e", Image: "a&b"},
		},
	}
	return s, layout.Compute(s, layout.Options{Group: layout.GroupPod})
}
