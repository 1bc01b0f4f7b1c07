package inspect

import (
	"slices"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

func TestBoxes(t *testing.T) {
	s := &model.Snapshot{
		Namespaces: map[model.NSID]*model.Namespace{
			1: {ID: 1, Type: model.User, Procs: []int{1, 100, 200, 300}, Containers: []string{"a", "b", "c"}},
			2: {ID: 2, Type: model.Net, Inode: 77, Procs: []int{100, 200}, Containers: []string{"a", "b"}},
			3: {ID: 3, Type: model.PID, Procs: []int{100}, Containers: []string{"a"}},
			4: {ID: 4, Type: model.PID, Procs: []int{200}, Containers: []string{"b"}},
		},
		Processes: map[int]*model.Process{
			1:   {PID: 1, Comm: "init", NS: map[model.NSType]model.NSID{model.User: 1}},
			100: {PID: 100, Comm: "nginx", Container: "a", NSpid: []int{100, 1}, NS: map[model.NSType]model.NSID{model.User: 1, model.Net: 2, model.PID: 3}},
			200: {PID: 200, Comm: "app", Container: "b", NSpid: []int{200, 1}, NS: map[model.NSType]model.NSID{model.User: 1, model.Net: 2, model.PID: 4}},
			300: {PID: 300, Comm: "db", Container: "c", NS: map[model.NSType]model.NSID{model.User: 1}},
		},
		Containers: map[string]*model.Container{
			"a": {ID: "a", Name: "web", Pod: "shop", PodNamespace: "default"},
			"b": {ID: "b", Name: "sidecar", Pod: "shop", PodNamespace: "default"},
			"c": {ID: "c", Name: "db"},
		},
	}
	b := ContainerBox(s, "a")
	if b == nil || b.Kind != "container" || len(b.Processes) != 1 || !slices.Equal(b.Processes[0].Chain, []int{100, 1}) {
		t.Fatalf("container box: %+v", b)
	}
	want := []BoxNS{
		{NS: 1, Type: model.User, SharedWith: []string{"sidecar", "db"}, Host: true},
		{NS: 3, Type: model.PID},
		{NS: 2, Type: model.Net, Inode: 77, SharedWith: []string{"sidecar"}},
	}
	if len(b.Namespaces) != len(want) {
		t.Fatalf("namespaces: %+v", b.Namespaces)
	}
	for i, w := range want {
		g := b.Namespaces[i]
		if g.NS != w.NS || g.Type != w.Type || g.Inode != w.Inode || !slices.Equal(g.SharedWith, w.SharedWith) || g.Host != w.Host {
			t.Errorf("namespace %d: %+v, want %+v", i, g, w)
		}
	}
	p := PodBox(s, "default", "shop")
	if p == nil || len(p.Containers) != 2 || p.Containers[0].Name != "sidecar" || len(p.Processes) != 2 {
		t.Fatalf("pod box: %+v", p)
	}
	for _, n := range p.Namespaces {
		if n.NS == 2 && len(n.SharedWith) != 0 {
			t.Errorf("the pod's own net namespace is shared with %v", n.SharedWith)
		}
	}
	if ContainerBox(s, "zz") != nil || PodBox(s, "default", "none") != nil {
		t.Error("a box for nothing")
	}
}
