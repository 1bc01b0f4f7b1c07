package wire

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

func node(id, parent string, x, y float64, label string) Node {
	return Node{ID: id, Kind: layout.File, Type: model.Net, Label: label, Parent: parent, X: x, Y: y, W: 10, H: 5}
}

func TestDiff(t *testing.T) {
	root := Node{ID: "ns:1", Kind: layout.Dir, Type: model.User, NS: 1, Label: "user", W: 10, H: 5}
	a := node("ns:2", "ns:1", 0, 10, "net a")
	b := node("ns:3", "ns:1", 20, 10, "net b")
	withInfo := func(n Node, procs int) Node { n.Inode, n.Procs = 7, procs; return n }
	moved := func(n Node, x float64) Node { n.X = x; return n }
	relabel := func(n Node, l string) Node { n.Label = l; return n }
	tests := []struct {
		name       string
		prev, next []Node
		want       Patch
	}{
		{"no change", []Node{root, a}, []Node{root, a}, Patch{}},
		{"add", []Node{root}, []Node{root, a, b}, Patch{Add: []Node{a, b}}},
		{"remove", []Node{root, a, b}, []Node{root, b}, Patch{Remove: []string{"ns:2"}}},
		{"move only", []Node{root, a}, []Node{root, moved(a, 5)}, Patch{Move: []Move{{ID: "ns:2", X: 5, Y: 10}}}},
		{"label change is update with new position", []Node{root, a}, []Node{root, relabel(moved(a, 5), "x")},
			Patch{Update: []Node{relabel(moved(a, 5), "x")}}},
		{"count change is a count", []Node{root, withInfo(a, 1)}, []Node{root, withInfo(a, 2)},
			Patch{Counts: []Count{{ID: "ns:2", Procs: 2}}}},
		{"count change with a move is a count and a move", []Node{root, withInfo(a, 1)}, []Node{root, moved(withInfo(a, 3), 5)},
			Patch{Counts: []Count{{ID: "ns:2", Procs: 3}}, Move: []Move{{ID: "ns:2", X: 5, Y: 10}}}},
		{"count and label change is update", []Node{root, withInfo(a, 1)}, []Node{root, relabel(withInfo(a, 2), "x")},
			Patch{Update: []Node{relabel(withInfo(a, 2), "x")}}},
		{"other info change is update", []Node{root, withInfo(a, 1)}, []Node{root, func() Node { n := withInfo(a, 1); n.Inode = 8; return n }()},
			Patch{Update: []Node{func() Node { n := withInfo(a, 1); n.Inode = 8; return n }()}}},
		{"info appears is update", []Node{root, a}, []Node{root, withInfo(a, 2)},
			Patch{Update: []Node{withInfo(a, 2)}}},
		{"equal info is no change", []Node{root, withInfo(a, 1)}, []Node{root, withInfo(a, 1)}, Patch{}},
		// The kernel reuses inode 7 for a new namespace: a new NSID, a new
		// ID, so the old node is removed and the new one added, never updated.
		{"inode reuse", []Node{root, withInfo(a, 1)}, []Node{root, withInfo(b, 1)},
			Patch{Add: []Node{withInfo(b, 1)}, Remove: []string{"ns:2"}}},
		{"everything gone", []Node{root, a}, nil, Patch{Remove: []string{"ns:1", "ns:2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(tt.prev, tt.next)
			norm := func(p Patch) string {
				p.Type = ""
				b, _ := json.Marshal(struct{ A, R, U, C, M any }{nz(p.Add), nz(p.Remove), nz(p.Update), nz(p.Counts), nz(p.Move)})
				return string(b)
			}
			if norm(got) != norm(tt.want) {
				t.Errorf("Diff:\n got %s\nwant %s", norm(got), norm(tt.want))
			}
			if got.Empty() != tt.want.Empty() {
				t.Errorf("Empty() = %v", got.Empty())
			}
		})
	}
}

func nz[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// TestDiffApplyConverges checks the property the stream relies on: applying
// Diff(prev, next) to a client holding prev yields next, for random churn.
func TestDiffApplyConverges(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var prev []Node
	var st State
	st.Reset(&Snapshot{Seq: 1, Nodes: prev})
	for round := range 300 {
		next := randomNodes(r)
		p := Diff(prev, next)
		p.Seq = st.Seq + 1
		if err := st.Apply(&p); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if ok, why := st.EqualNodes(next); !ok {
			t.Fatalf("round %d: state differs: %s", round, why)
		}
		prev = next
	}
}

func randomNodes(r *rand.Rand) []Node {
	var out []Node
	for i := range 30 {
		if r.IntN(3) == 0 {
			continue
		}
		n := node(fmt.Sprintf("ns:%d", i), "", float64(r.IntN(3)), 0, fmt.Sprint("l", r.IntN(2)))
		if r.IntN(2) == 0 {
			n.Procs, n.Inode = r.IntN(3), uint64(r.IntN(2))
		}
		out = append(out, n)
	}
	return out
}

func TestStateApplyRefuses(t *testing.T) {
	var st State
	if err := st.Apply(&Patch{Seq: 1}); err == nil {
		t.Error("patch before snapshot accepted")
	}
	for _, p := range []Patch{
		{Seq: 7},
		{Seq: 6, Remove: []string{"zz"}},
		{Seq: 6, Add: []Node{node("a", "", 0, 0, "")}},
		{Seq: 6, Update: []Node{node("zz", "", 0, 0, "")}},
		{Seq: 6, Move: []Move{{ID: "zz"}}},
		{Seq: 6, Counts: []Count{{ID: "zz", Procs: 1}}},
		{Seq: 6, Counts: []Count{{ID: "a", Procs: 1}}},                               // a node without info
		{Seq: 6, Ended: []string{"a"}},                                               // ended but not removed
		{Seq: 6, Born: []string{"a"}},                                                // born but not added
		{Seq: 6, Update: []Node{node("a", "", 1, 0, "")}, Born: []string{"a"}},       // an update is not born
		{Seq: 6, Folded: []FoldChange{{ID: "a", Ended: 1}}},                          // not a group
		{Seq: 6, Folded: []FoldChange{{ID: "g", Ended: 1}}},                          // not in the state
		{Seq: 6, Folded: []FoldChange{{ID: "g", Born: 1}}},                           // not in the state after
		{Seq: 6, Add: []Node{grp("g", 2)}, Folded: []FoldChange{{ID: "g", Born: 3}}}, // more than it counts
		{Seq: 6, Add: []Node{grp("g", 2)}, Folded: []FoldChange{{ID: "g"}}},          // counts nothing
		{Seq: 6, Add: []Node{grp("g", 2)}, Folded: []FoldChange{{ID: "g", Born: 1, Ended: -1}}},
	} {
		// Afresh for each: a patch wrongly accepted would move the seq on
		// and hide the next one's fault.
		st.Reset(&Snapshot{Seq: 5, Nodes: []Node{node("a", "", 0, 0, "")}})
		if err := st.Apply(&p); err == nil {
			t.Errorf("patch %+v accepted", p)
		}
	}
}

// grp is a group node folding count namespaces.
func grp(id string, count int) Node {
	return Node{ID: id, Kind: layout.Group, Type: model.Net, Label: fmt.Sprintf("+%d net", count), Count: count, W: 10, H: 5}
}

// TestStateApplyBornAndFolded: a patch may say a node it adds was born, and
// count what started in a group after it and ended in a group before it,
// the group being removed, updated, added or left alone.
func TestStateApplyBornAndFolded(t *testing.T) {
	for _, p := range []Patch{
		{Seq: 6, Add: []Node{node("b", "", 0, 0, "")}, Born: []string{"b"}},
		{Seq: 6, Remove: []string{"g"}, Folded: []FoldChange{{ID: "g", Ended: 3}}},
		{Seq: 6, Update: []Node{grp("g", 2)}, Folded: []FoldChange{{ID: "g", Born: 1, Ended: 2}}},
		{Seq: 6, Folded: []FoldChange{{ID: "g", Born: 3, Ended: 3}}},
		{Seq: 6, Remove: []string{"g"}, Add: []Node{grp("g", 1)}, Folded: []FoldChange{{ID: "g", Born: 1, Ended: 3}}},
	} {
		var st State
		st.Reset(&Snapshot{Seq: 5, Nodes: []Node{node("a", "", 0, 0, ""), grp("g", 3)}})
		if err := st.Apply(&p); err != nil {
			t.Errorf("patch %+v refused: %v", p, err)
		}
	}
}

func TestBuildNodesInfo(t *testing.T) {
	uid := uint32(1000)
	s := &model.Snapshot{
		Taken: time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC), Host: "vm", Kernel: "6.18",
		Namespaces: map[model.NSID]*model.Namespace{
			1: {ID: 1, Type: model.User, Inode: 100, Dev: 4, OwnerUID: &uid, Procs: []int{5, 1}, Leader: 5,
				HeldBy: []model.Holder{{Kind: model.HeldByBindMount, Path: "/run/netns/x", MntNS: 9}}},
			2: {ID: 2, Type: model.Net, Inode: 101, Owner: 1, Procs: []int{1, 2, 3}, Leader: 1, Containers: []string{"c1", "c2"}},
		},
		Processes: map[int]*model.Process{
			1: {PID: 1, Comm: "init", Cmdline: strings.Repeat("é", 200), UID: 0},
			5: {PID: 5, Comm: "lead", UID: 1000},
			2: {PID: 2, Comm: "two"},
		},
		Containers: map[string]*model.Container{"c1": {ID: "c1", Runtime: "docker", Name: "web", Image: "nginx"}},
	}
	res := &layout.Result{Width: 300, Height: 200, Nodes: []layout.Node{
		{ID: "ns:1", Kind: layout.Dir, Type: model.User, NS: 1, Label: "user"},
		{ID: "ns:2", Kind: layout.File, Type: model.Net, NS: 2, Label: "net", Parent: "ns:1", X: 3, Y: 4},
		{ID: "grp:ns:1:ipc", Kind: layout.Group, Type: model.IPC, Parent: "ns:1", Count: 60},
		{ID: "ns:99", Kind: layout.File, Type: model.UTS, NS: 99, Label: "gone"},
	}}
	nodes := BuildNodes(s, res, func(ns *model.Namespace) bool { return ns.Type == model.Net })
	if len(nodes) != 4 {
		t.Fatalf("%d nodes", len(nodes))
	}
	// A namespace node carries its inode and member count, and whether the
	// filter keeps it only as context; nothing else (details on demand).
	for i, want := range []struct {
		inode   uint64
		procs   int
		context bool
	}{{100, 2, true}, {101, 3, false}, {0, 0, false}, {0, 0, false}} {
		if n := nodes[i]; n.Inode != want.inode || n.Procs != want.procs || n.Context != want.context {
			t.Errorf("node %s: inode %d procs %d context %v, want %+v", n.ID, n.Inode, n.Procs, n.Context, want)
		}
	}
	if nodes[2].Count != 60 {
		t.Errorf("group node %+v", nodes[2])
	}
	if got := BuildNodes(s, res, nil); got[0].Context {
		t.Error("no filter, yet context")
	}
	b, err := json.Marshal(nodes[1])
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"ns:2","kind":"file","type":"net","ns":2,"label":"net","parent":"ns:1","x":3,"y":4,"w":0,"h":0,"ino":101,"procs":3}`; string(b) != want {
		t.Errorf("node encodes as\n%s\nwant\n%s", b, want)
	}
	m := NewMeta(s, res)
	if m.Taken != "2026-11-28T13:00:00Z" || m.Width != 300 || m.Counts.Namespaces != 2 || m.Counts.Containers != 1 {
		t.Errorf("meta %+v", m)
	}
	m2 := m
	m2.Taken = "later"
	if !m.SameContent(m2) {
		t.Error("metas differing only in time differ")
	}
	m2.Counts.Processes++
	if m.SameContent(m2) {
		t.Error("metas differing in counts are the same")
	}
}

// groupedSnap is a host with container a (named, labelled) and the pod
// default/web of containers c and d, which share network namespace 4.
func groupedSnap() *model.Snapshot {
	labels := map[string]string{"app": "web"}
	for i := range MaxLabels + 2 {
		labels[fmt.Sprintf("k%02d", i)] = "v"
	}
	return &model.Snapshot{
		Root: 1,
		Namespaces: map[model.NSID]*model.Namespace{
			1: {ID: 1, Type: model.User},
			2: {ID: 2, Type: model.Net, Owner: 1, Containers: []string{"a"}},
			3: {ID: 3, Type: model.Mnt, Owner: 1, Containers: []string{"c"}},
			4: {ID: 4, Type: model.Net, Owner: 1, Containers: []string{"c", "d"}},
			5: {ID: 5, Type: model.Mnt, Owner: 1, Containers: []string{"d"}},
		},
		Containers: map[string]*model.Container{
			"a": {ID: "a", Runtime: "docker", Name: "web-1", Image: "nginx:1", Labels: labels},
			"c": {ID: "c", Runtime: "crio", Name: "app", Pod: "web", PodNamespace: "default"},
			"d": {ID: "d", Runtime: "crio", Name: "side", Pod: "web", PodNamespace: "default"},
		},
	}
}

func TestBuildNodesContainers(t *testing.T) {
	s := groupedSnap()
	nodes := BuildNodes(s, layout.Compute(s, layout.Options{Group: layout.GroupPod}), nil)
	byID := map[string]Node{}
	for _, n := range nodes {
		byID[n.ID] = n
	}
	cases := []struct {
		id   string
		want ContainerInfo
	}{
		{layout.ContainerID("ns:1", "c"), ContainerInfo{ID: "c", Runtime: "crio", Name: "app", Pod: "web", PodNamespace: "default"}},
		{layout.PodID("ns:1", "default/web"), ContainerInfo{Pod: "web", PodNamespace: "default", Containers: 2}},
	}
	for _, c := range cases {
		n, ok := byID[c.id]
		if !ok || n.Container == nil || !n.Container.Equal(&c.want) || n.Inode != 0 {
			t.Errorf("%s: %+v, container %+v; want %+v and no namespace info", c.id, n, n.Container, c.want)
		}
	}
	a := byID[layout.ContainerID("ns:1", "a")].Container
	if a == nil || a.Name != "web-1" || a.Image != "nginx:1" || len(a.Labels) != MaxLabels || !a.Truncated || a.Labels["app"] != "web" {
		t.Errorf("container a: %+v; want its name, image, %d labels (app first) and truncated", a, MaxLabels)
	}
	// The JSON names the fields the browser reads.
	b, err := json.Marshal(byID[layout.PodID("ns:1", "default/web")])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kind":"pod"`, `"container":{"pod":"web","podNamespace":"default","containers":2}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("pod node JSON %s lacks %s", b, want)
		}
	}
}

// TestDiffContainerRenamed: an engine naming a container late changes the
// container node's label and details: one update, no add or remove; the
// namespaces inside keep their labels, which do not repeat the container's
// name, and carry no container details (the panel asks for them).
func TestDiffContainerRenamed(t *testing.T) {
	s := groupedSnap()
	opt := layout.Options{Group: layout.GroupContainer}
	before := BuildNodes(s, layout.Compute(s, opt), nil)
	s.Containers["a"] = &model.Container{ID: "a", Runtime: "docker", Name: "web-2"}
	after := BuildNodes(s, layout.Compute(s, opt), nil)
	p := Diff(before, after)
	id := layout.ContainerID("ns:1", "a")
	if len(p.Add) != 0 || len(p.Remove) != 0 || len(p.Update) != 1 || p.Update[0].ID != id || p.Update[0].Label != "web-2" ||
		p.Update[0].Container.Name != "web-2" {
		t.Errorf("patch %+v; want an update of %s labelled web-2 alone", p, id)
	}
	for _, n := range p.Update[1:] {
		if strings.Contains(n.Label, "web") {
			t.Errorf("%s inside the container node is labelled %q", n.ID, n.Label)
		}
	}
}

// TestDiffFoldedContainerAdded: with more containers in one user namespace
// than the fold threshold, the default view shows one group node for them;
// a container more is one update of that group (its count and label) and
// nothing else, and the group carries no namespace type or details.
func TestDiffFoldedContainerAdded(t *testing.T) {
	s := &model.Snapshot{Root: 1, Namespaces: map[model.NSID]*model.Namespace{
		1: {ID: 1, Type: model.User, Inode: 4026531837, Procs: []int{1}, Leader: 1},
		2: {ID: 2, Type: model.Net, Inode: 4026531840, Owner: 1, Procs: []int{1}, Leader: 1},
	}, Processes: map[int]*model.Process{1: {PID: 1, Comm: "systemd"}}, Containers: map[string]*model.Container{}}
	start := func(i int) {
		cid, pid, id := fmt.Sprintf("c%03d", i), 100+i, model.NSID(10+i)
		s.Containers[cid] = &model.Container{ID: cid, Runtime: "docker", Name: "web-" + cid}
		s.Processes[pid] = &model.Process{PID: pid, Comm: "nginx", Start: uint64(1000 + i), Container: cid}
		s.Namespaces[id] = &model.Namespace{ID: id, Type: model.Net, Inode: 4026532000 + uint64(id), Owner: 1,
			Procs: []int{pid}, Leader: pid, Containers: []string{cid}}
	}
	n := layout.DefaultFoldThreshold + 10
	for i := range n {
		start(i)
	}
	opt := layout.Options{Group: layout.GroupContainer}
	before := BuildNodes(s, layout.Compute(s, opt), nil)
	start(n)
	after := BuildNodes(s, layout.Compute(s, opt), nil)
	id := layout.ContainersGroupID("ns:1")
	p := Diff(before, after)
	if len(p.Add) != 0 || len(p.Remove) != 0 || len(p.Counts) != 0 || len(p.Move) != 0 || len(p.Update) != 1 ||
		p.Update[0].ID != id || p.Update[0].Count != n+1 {
		t.Fatalf("patch %+v; want one update of %s to count %d", p, id, n+1)
	}
	b, err := json.Marshal(p.Update[0])
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"id":%q,"kind":"group","type":"","label":"+%d containers","parent":"ns:1","count":%d,"folds":"container",`, id, n+1, n+1)
	if !strings.HasPrefix(string(b), want) || strings.Contains(string(b), `"info"`) || strings.Contains(string(b), `"container":`) {
		t.Errorf("group node JSON %s; want it to start %s, without info or container", b, want)
	}
}

// TestBuildNodesFolds: a group node says what it folds, and with its
// parent and type that names the group its members fold into (the ID
// layout.Node.FoldsInto gives), for groups of files, Dirs and containers;
// other nodes say nothing. A client that matches a node to its group by
// these fields finds what the ID would (docs/protocol.md, Grouping).
func TestBuildNodesFolds(t *testing.T) {
	s := &model.Snapshot{Root: 1, Namespaces: map[model.NSID]*model.Namespace{
		1: {ID: 1, Type: model.User, Inode: 4026531837, Procs: []int{1}, Leader: 1},
	}, Processes: map[int]*model.Process{1: {PID: 1, Comm: "systemd"}}, Containers: map[string]*model.Container{}}
	n := layout.DefaultFoldThreshold + 5
	for i := range n {
		// A container with its own net namespace, a bare net namespace
		// and a user namespace: three runs to fold under the root.
		cid, pid := fmt.Sprintf("c%03d", i), 100+i
		s.Containers[cid] = &model.Container{ID: cid, Runtime: "docker", Name: "web-" + cid}
		s.Processes[pid] = &model.Process{PID: pid, Comm: "nginx", Start: uint64(1000 + i), Container: cid}
		for k, typ := range []model.NSType{model.Net, model.Net, model.User} {
			id := model.NSID(1000 + 3*i + k)
			ns := &model.Namespace{ID: id, Type: typ, Inode: 4026532000 + uint64(id), Owner: 1, Procs: []int{pid}, Leader: pid}
			if k == 0 {
				ns.Containers = []string{cid}
			}
			s.Namespaces[id] = ns
		}
	}
	folded := BuildNodes(s, layout.Compute(s, layout.Options{Group: layout.GroupContainer}), nil)
	open := layout.Compute(s, layout.Options{Group: layout.GroupContainer, FoldThreshold: -1})
	kinds := map[layout.NodeKind]bool{}
	for _, g := range folded {
		if g.Kind != layout.Group {
			if g.Folds != "" {
				t.Errorf("%s (%s) says it folds %q", g.ID, g.Kind, g.Folds)
			}
			continue
		}
		kinds[g.Folds] = true
		members := 0
		for i := range open.Nodes {
			m := &open.Nodes[i]
			byFields := m.Parent == g.Parent && m.Kind == g.Folds && (g.Folds != layout.File || m.Type == g.Type)
			if byID := m.FoldsInto() == g.ID; byID != byFields {
				t.Errorf("%s (%s %s in %s) folds into %s: by ID %v, by the fields parent %q, folds %q, type %q %v",
					m.ID, m.Kind, m.Type, m.Parent, g.ID, byID, g.Parent, g.Folds, g.Type, byFields)
			} else if byID {
				members++
			}
		}
		if members < g.Count {
			t.Errorf("group %s counts %d, the open picture has %d that fold into it", g.ID, g.Count, members)
		}
	}
	for _, k := range []layout.NodeKind{layout.File, layout.Dir, layout.Container} {
		if !kinds[k] {
			t.Errorf("no group folds %s nodes: %v", k, kinds)
		}
	}
}

// TestEnded: of the removed nodes, those whose namespace, container or pod
// is gone from the snapshot ended; the others (alive, groups, the unowned
// root, IDs nsweb does not make) only left the view.
func TestEnded(t *testing.T) {
	s := groupedSnap() // containers a, c and d; c and d in pod default/web
	removed := []string{
		"ns:1", "ns:4026599999", // alive, dead
		layout.ContainerID("ns:1", "a"), layout.ContainerID("ns:1", "dead"),
		layout.PodID("ns:1", "default/web"), layout.PodID("ns:1", "default/gone"),
		layout.GroupID("ns:1", model.Net), layout.ContainersGroupID("ns:1"), layout.UnownedID,
		"ns:x", "ctr:", "pod:nope",
	}
	want := []string{"ns:4026599999", layout.ContainerID("ns:1", "dead"), layout.PodID("ns:1", "default/gone")}
	if got := Ended(s, removed); !slices.Equal(got, want) {
		t.Errorf("Ended = %v, want %v", got, want)
	}
	if got := Ended(s, nil); got != nil {
		t.Errorf("Ended of nothing = %v", got)
	}
}

// TestBorn: of the added nodes, those whose namespace, container or pod
// was not in the scan before were born; the others (alive before, groups,
// the unowned root, IDs nsweb does not make) only entered the view.
func TestBorn(t *testing.T) {
	prev := groupedSnap() // containers a, c and d; c and d in pod default/web
	ids := []string{
		"ns:1", "ns:4026599999", // alive before, new
		layout.ContainerID("ns:1", "a"), layout.ContainerID("ns:1", "new"),
		layout.PodID("ns:1", "default/web"), layout.PodID("ns:1", "default/new"),
		layout.GroupID("ns:1", model.Net), layout.ContainersGroupID("ns:1"), layout.UnownedID,
		"ns:x", "ctr:", "pod:nope",
	}
	var added []Node
	for _, id := range ids {
		added = append(added, Node{ID: id})
	}
	want := []string{"ns:4026599999", layout.ContainerID("ns:1", "new"), layout.PodID("ns:1", "default/new")}
	if got := Born(prev, added); !slices.Equal(got, want) {
		t.Errorf("Born = %v, want %v", got, want)
	}
	if got := Born(nil, added); got != nil {
		t.Errorf("Born without a scan before = %v", got)
	}
	if got := Born(prev, nil); got != nil {
		t.Errorf("Born of nothing = %v", got)
	}
}

// TestFolded: what a folded group held that is gone from the host ended in
// it, what it holds that was not on the host was born in it; what only
// moved into or out of a group (a filter, a fold) is neither.
func TestFolded(t *testing.T) {
	prev := groupedSnap()
	s := groupedSnap()
	delete(s.Namespaces, 3)   // ended
	delete(s.Containers, "a") // ended
	s.Namespaces[9] = &model.Namespace{ID: 9, Type: model.Net, Owner: 1}
	s.Containers["n"] = &model.Container{ID: "n", Pod: "new", PodNamespace: "default"}
	nets, ctrs, pods := layout.GroupID("ns:1", model.Net), layout.ContainersGroupID("ns:1"), layout.PodsGroupID("ns:1")
	fold := func(id string, what layout.NodeKind, ns []model.NSID, refs ...string) layout.Fold {
		return layout.Fold{ID: id, What: what, NS: ns, Refs: refs}
	}
	tests := []struct {
		name          string
		before, after []layout.Fold
		want          []FoldChange
	}{
		{"nothing folded", nil, nil, nil},
		{"unchanged", []layout.Fold{fold(nets, layout.File, []model.NSID{2, 4})}, []layout.Fold{fold(nets, layout.File, []model.NSID{2, 4})}, nil},
		{"one ended, the group unfolds",
			[]layout.Fold{fold(nets, layout.File, []model.NSID{2, 3, 4})}, nil,
			[]FoldChange{{ID: nets, Ended: 1}}},
		{"one born, the group folds", nil,
			[]layout.Fold{fold(nets, layout.File, []model.NSID{2, 4, 9})},
			[]FoldChange{{ID: nets, Born: 1}}},
		{"born and ended in one group",
			[]layout.Fold{fold(ctrs, layout.Container, nil, "a", "c")},
			[]layout.Fold{fold(ctrs, layout.Container, nil, "c", "n")},
			[]FoldChange{{ID: ctrs, Born: 1, Ended: 1}}},
		{"pods", []layout.Fold{fold(pods, layout.Pod, nil, "default/web")},
			[]layout.Fold{fold(pods, layout.Pod, nil, "default/web", "default/new")},
			[]FoldChange{{ID: pods, Born: 1}}},
		{"sorted by group", []layout.Fold{fold(pods, layout.Pod, nil, "default/gone")},
			[]layout.Fold{fold(nets, layout.File, []model.NSID{9})},
			[]FoldChange{{ID: nets, Born: 1}, {ID: pods, Ended: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Folded(prev, &layout.Result{Folds: tt.before}, s, &layout.Result{Folds: tt.after})
			if !slices.Equal(got, tt.want) {
				t.Errorf("Folded = %+v, want %+v", got, tt.want)
			}
		})
	}
	if got := Folded(nil, nil, s, &layout.Result{Folds: []layout.Fold{fold(nets, layout.File, []model.NSID{9})}}); got != nil {
		t.Errorf("Folded of a first picture = %+v", got)
	}
}

// TestMetaGapsLeaveOutVanished: the gap count says what the scan could not
// read, not how many processes exited while it read them.
func TestMetaGapsLeaveOutVanished(t *testing.T) {
	s := &model.Snapshot{Gaps: []model.Gap{
		{PID: 1, What: "/proc/1/ns/net", Err: "permission denied"},
		{PID: 7, What: "/proc/7/stat", Err: "no such file or directory", Vanished: true},
		{PID: 8, What: "/proc/8/ns", Err: "no such process", Vanished: true},
		{What: "mountinfo of mnt:[5]", Err: "permission denied"},
	}}
	if got := NewMeta(s, nil).Counts.Gaps; got != 2 {
		t.Errorf("gaps %d, want 2", got)
	}
}
