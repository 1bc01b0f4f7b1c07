package layout

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nsweb/nsweb/internal/model"
)

// snap builds a snapshot from namespaces; root is the initial user
// namespace.
func snap(root model.NSID, nss ...*model.Namespace) *model.Snapshot {
	s := &model.Snapshot{Root: root, Namespaces: map[model.NSID]*model.Namespace{}}
	for _, ns := range nss {
		if ns.Inode == 0 {
			ns.Inode = 4026531000 + uint64(ns.ID)
		}
		s.Namespaces[ns.ID] = ns
	}
	return s
}

func user(id, parent model.NSID) *model.Namespace {
	return &model.Namespace{ID: id, Type: model.User, Parent: parent, Owner: parent}
}

func file(id model.NSID, t model.NSType, owner model.NSID) *model.Namespace {
	return &model.Namespace{ID: id, Type: t, Owner: owner}
}

func pidns(id, parent, owner model.NSID) *model.Namespace {
	return &model.Namespace{ID: id, Type: model.PID, Parent: parent, Owner: owner}
}

// shape renders a result as "id<parent" in order, to compare structure.
func shape(r *Result) string {
	var b strings.Builder
	for i, n := range r.Nodes {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(n.ID)
		if n.Parent != "" {
			b.WriteString("<" + n.Parent)
		}
	}
	return b.String()
}

func TestComputeStructure(t *testing.T) {
	cases := []struct {
		name string
		s    *model.Snapshot
		opt  Options
		want string
	}{
		{
			name: "owner view: files by type then dirs, each by ID",
			s: snap(1, user(1, 0), file(2, model.Net, 1), file(3, model.PID, 1), user(4, 1),
				file(5, model.Net, 4), file(6, model.Net, 1), file(7, model.Mnt, 4), user(8, 4)),
			want: "ns:1 ns:3<ns:1 ns:2<ns:1 ns:6<ns:1 ns:4<ns:1 ns:5<ns:4 ns:7<ns:4 ns:8<ns:4",
		},
		{
			name: "unknown owner and unknown parent",
			s: snap(1, user(1, 0), file(2, model.Net, 1), file(3, model.Net, 0), file(4, model.UTS, 99),
				user(5, 77), file(6, model.IPC, 5)),
			want: "ns:1 ns:2<ns:1 ns:5 ns:6<ns:5 unowned ns:3<unowned ns:4<unowned",
		},
		{
			name: "initial user namespace leads the roots even when not lowest",
			s:    snap(5, user(2, 99), user(5, 0), file(6, model.Net, 5)),
			want: "ns:5 ns:6<ns:5 ns:2",
		},
		{
			name: "owner that is not a user namespace",
			s:    snap(1, user(1, 0), file(2, model.Net, 1), file(3, model.Mnt, 2)),
			want: "ns:1 ns:2<ns:1 unowned ns:3<unowned",
		},
		{
			name: "parent cycle is cut at the lowest ID",
			s:    snap(1, user(1, 0), user(3, 4), user(4, 3), file(5, model.Net, 4), user(6, 6)),
			want: "ns:1 ns:3 ns:4<ns:3 ns:5<ns:4 ns:6",
		},
		{
			name: "unknown types after known ones, by name",
			s: snap(1, user(1, 0), file(2, "zeta", 1), file(3, "alpha", 1), file(4, model.Time, 1),
				file(5, "zeta", 1)),
			want: "ns:1 ns:4<ns:1 ns:3<ns:1 ns:2<ns:1 ns:5<ns:1",
		},
		{
			name: "pid view",
			s: snap(1, user(1, 0), pidns(2, 0, 1), pidns(3, 2, 1), file(4, model.Net, 1), pidns(5, 2, 1),
				pidns(6, 3, 1), pidns(7, 42, 1)),
			opt:  Options{View: PIDTree},
			want: "ns:2 ns:3<ns:2 ns:6<ns:3 ns:5<ns:2 ns:7",
		},
		{
			name: "fold above threshold",
			s: snap(1, user(1, 0), file(2, model.Net, 1), file(3, model.Net, 1), file(4, model.Net, 1),
				file(5, model.Mnt, 1), file(6, model.Mnt, 1), user(7, 1)),
			opt:  Options{FoldThreshold: 2},
			want: "ns:1 grp:ns:1:net<ns:1 ns:5<ns:1 ns:6<ns:1 ns:7<ns:1",
		},
		{
			name: "expanded group",
			s: snap(1, user(1, 0), file(2, model.Net, 1), file(3, model.Net, 1), file(4, model.Net, 1),
				file(5, model.Mnt, 1), file(6, model.Mnt, 1), file(7, model.Mnt, 1)),
			opt:  Options{FoldThreshold: 2, Expanded: map[string]bool{"grp:ns:1:mnt": true}},
			want: "ns:1 grp:ns:1:net<ns:1 ns:5<ns:1 ns:6<ns:1 ns:7<ns:1",
		},
		{
			name: "negative threshold never folds",
			s:    snap(1, user(1, 0), file(2, model.Net, 1), file(3, model.Net, 1), file(4, model.Net, 1)),
			opt:  Options{FoldThreshold: -1},
			want: "ns:1 ns:2<ns:1 ns:3<ns:1 ns:4<ns:1",
		},
		{
			name: "groups under the unowned node",
			s:    snap(1, user(1, 0), file(2, model.Net, 0), file(3, model.Net, 0), file(4, model.Net, 0)),
			opt:  Options{FoldThreshold: 2},
			want: "ns:1 unowned grp:unowned:net<unowned",
		},
		{
			name: "filter keeps ancestors",
			s: snap(1, user(1, 0), file(2, model.Net, 1), user(3, 1), user(4, 3), file(5, model.Net, 4),
				file(6, model.Mnt, 4), user(7, 1), file(8, model.Net, 7)),
			opt:  Options{Keep: func(ns *model.Namespace) bool { return ns.ID == 5 }},
			want: "ns:1 ns:3<ns:1 ns:4<ns:3 ns:5<ns:4",
		},
		{
			name: "filter keeping an unowned file shows the unowned node only",
			s:    snap(1, user(1, 0), file(2, model.Net, 1), file(3, model.Net, 0)),
			opt:  Options{Keep: func(ns *model.Namespace) bool { return ns.ID == 3 }},
			want: "unowned ns:3<unowned",
		},
		{
			name: "filter folds what it keeps",
			s: snap(1, user(1, 0), file(2, model.Net, 1), file(3, model.Net, 1), file(4, model.Net, 1),
				file(5, model.Net, 1)),
			opt:  Options{FoldThreshold: 2, Keep: func(ns *model.Namespace) bool { return ns.ID != 5 }},
			want: "ns:1 grp:ns:1:net<ns:1",
		},
		{
			name: "filter keeping nothing",
			s:    snap(1, user(1, 0), file(2, model.Net, 1)),
			opt:  Options{Keep: func(*model.Namespace) bool { return false }},
			want: "",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, o := range []Orientation{TopDown, LeftRight} {
				opt := c.opt
				opt.Orientation = o
				r := Compute(c.s, opt)
				if got := shape(r); got != c.want {
					t.Errorf("%s:\n got %s\nwant %s", o, got, c.want)
				}
				if err := checkResult(r); err != nil {
					t.Errorf("%s: %v", o, err)
				}
			}
		})
	}
}

func TestNodeFields(t *testing.T) {
	s := snap(1, user(1, 0), file(2, model.Net, 1), file(3, model.Net, 1), file(4, model.Net, 1),
		file(5, model.Mnt, 0))
	r := Compute(s, Options{FoldThreshold: 2})
	want := []Node{
		{ID: "ns:1", Kind: Dir, Type: model.User, NS: 1, Label: "user 4026531001 · host"}, // the root user namespace is the host's
		{ID: "grp:ns:1:net", Kind: Group, Type: model.Net, Label: "+3 net", Parent: "ns:1", Count: 3},
		{ID: "unowned", Kind: Dir, Type: model.User, Label: "unknown owner"},
		{ID: "ns:5", Kind: File, Type: model.Mnt, NS: 5, Label: "mnt 4026531005", Parent: "unowned"},
	}
	if len(r.Nodes) != len(want) {
		t.Fatalf("got %d nodes, want %d: %s", len(r.Nodes), len(want), shape(r))
	}
	for i, w := range want {
		g := r.Nodes[i]
		g.X, g.Y, g.W, g.H = 0, 0, 0, 0
		if !reflect.DeepEqual(g, w) {
			t.Errorf("node %d:\n got %+v\nwant %+v", i, g, w)
		}
		wantW := nodeWidth([]byte(w.Label))
		if w.Kind == Group {
			wantW = nodeWidth([]byte("+99,999 net")) // room for any count
		}
		if r.Nodes[i].W != wantW || r.Nodes[i].H != NodeHeight {
			t.Errorf("node %d size %vx%v, want %vx%v", i, r.Nodes[i].W, r.Nodes[i].H, wantW, NodeHeight)
		}
	}
	wantEdges := []Edge{{"ns:1", "grp:ns:1:net"}, {"unowned", "ns:5"}}
	if !reflect.DeepEqual(r.Edges, wantEdges) {
		t.Errorf("edges %v, want %v", r.Edges, wantEdges)
	}
	if r.View != Owner || r.Orientation != TopDown {
		t.Errorf("view %q orientation %q", r.View, r.Orientation)
	}
}

func TestGeometry(t *testing.T) {
	// A root with two children: the root is centred over them, the
	// children sit one layer down, siblingGap apart.
	s := snap(1, user(1, 0), file(2, model.Net, 1), file(3, model.Net, 1))
	r := Compute(s, Options{})
	root, a, b := r.Nodes[0], r.Nodes[1], r.Nodes[2]
	w := nodeWidth([]byte("net 4026531002"))
	if a.X != Margin || a.W != w || b.X != Margin+w+siblingGap {
		t.Errorf("children at %v (w %v) and %v", a.X, a.W, b.X)
	}
	if a.Y != Margin+NodeHeight+layerGap || root.Y != Margin {
		t.Errorf("layers at %v and %v", root.Y, a.Y)
	}
	if c := root.X + root.W/2; c != (a.X+b.X+b.W)/2 {
		t.Errorf("root centre %v", c)
	}
	if r.Width != b.X+b.W+Margin || r.Height != a.Y+a.H+Margin {
		t.Errorf("box %vx%v", r.Width, r.Height)
	}
	// Left-right: depth along x, breadth along y.
	r = Compute(s, Options{Orientation: LeftRight})
	root, a, b = r.Nodes[0], r.Nodes[1], r.Nodes[2]
	if root.X != Margin || a.X <= root.X+root.W || a.X != b.X || b.Y != a.Y+NodeHeight+siblingGap {
		t.Errorf("left-right: root %+v, a %+v, b %+v", root, a, b)
	}
}

func TestEmptyInputs(t *testing.T) {
	for name, s := range map[string]*model.Snapshot{
		"nil":          nil,
		"no maps":      {},
		"nil ns entry": {Namespaces: map[model.NSID]*model.Namespace{1: nil}},
		"no pid ns":    snap(1, user(1, 0)),
	} {
		r := Compute(s, Options{View: PIDTree})
		if len(r.Nodes) != 0 || len(r.Edges) != 0 || r.Nodes == nil || r.Edges == nil || r.Width != 2*Margin || r.Height != 2*Margin {
			t.Errorf("%s: %+v", name, r)
		}
	}
}

func TestOptionsFallbackAndCheck(t *testing.T) {
	s := snap(1, user(1, 0), file(2, model.Net, 1))
	r := Compute(s, Options{View: "bogus", Orientation: "diagonal"})
	if r.View != Owner || r.Orientation != TopDown || len(r.Nodes) != 2 {
		t.Errorf("fallback: %+v", r)
	}
	for _, c := range []struct {
		opt Options
		ok  bool
	}{
		{Options{}, true},
		{Options{View: PIDTree, Orientation: LeftRight}, true},
		{Options{View: "bogus"}, false},
		{Options{Orientation: "diagonal"}, false},
	} {
		if err := c.opt.Check(); (err == nil) != c.ok {
			t.Errorf("%+v: %v", c.opt, err)
		}
	}
	if err := (Options{View: "x\n"}).Check(); err == nil || !strings.Contains(err.Error(), `"x\n"`) {
		t.Errorf("error does not quote the value: %v", err)
	}
}

func TestLabels(t *testing.T) {
	cid := strings.Repeat("ab", 32)
	s := &model.Snapshot{
		Processes: map[int]*model.Process{10: {PID: 10, Comm: "nginx"}, 11: {PID: 11, Comm: "evil\x1b[31m\u202e"}},
		Containers: map[string]*model.Container{
			"c1": {ID: "c1", Name: "web"},
			cid:  {ID: cid},
			"c3": {ID: "c3", Name: "a-container-name-longer-than-the-limit"},
		},
		// Held by its child or what it owns: named by inode (4026532012), never by NSID (12).
		Namespaces: map[model.NSID]*model.Namespace{12: {ID: 12, Type: model.User, Inode: 4026532012}, 13: {ID: 13, Type: model.Net, Inode: 4026532013}},
	}
	cases := []struct {
		name string
		ns   model.Namespace
		want string
	}{
		{"container name", model.Namespace{Type: model.Net, Inode: 4026532001, Containers: []string{"c1"}, Leader: 10}, "net 4026532001 · web"},
		{"container short ID", model.Namespace{Type: model.Net, Inode: 1, Containers: []string{cid}}, "net 1 · abababababab"},
		{"unknown container", model.Namespace{Type: model.Net, Inode: 1, Containers: []string{"zz"}}, "net 1 · zz"},
		{"two containers: leader", model.Namespace{Type: model.Mnt, Inode: 2, Containers: []string{"c1", "c3"}, Leader: 10}, "mnt 2 · nginx"},
		{"leader", model.Namespace{Type: model.UTS, Inode: 3, Leader: 10}, "uts 3 · nginx"},
		{"leader unknown", model.Namespace{Type: model.UTS, Inode: 3, Leader: 99}, "uts 3 · pid 99"},
		{"control characters", model.Namespace{Type: model.IPC, Inode: 4, Leader: 11}, "ipc 4 · evil[31m"},
		{"long name", model.Namespace{Type: model.Net, Inode: 5, Containers: []string{"c3"}}, "net 5 · a-container-name-longer…"},
		{"bind mount", model.Namespace{Type: model.Net, Inode: 6, HeldBy: []model.Holder{{Kind: model.HeldByBindMount, Path: "/run/netns/x"}}}, "net 6 · bind /run/netns/x"},
		{"fd", model.Namespace{Type: model.Net, Inode: 7, HeldBy: []model.Holder{{Kind: model.HeldByFD, PID: 5, FD: 3}}}, "net 7 · fd 3 of pid 5"},
		{"child", model.Namespace{Type: model.User, Inode: 8, HeldBy: []model.Holder{{Kind: model.HeldByChild, NS: 12}}}, "user 8 · parent of 4026532012"},
		{"owner", model.Namespace{Type: model.User, Inode: 8, HeldBy: []model.Holder{{Kind: model.HeldByOwned, NS: 13}}}, "user 8 · owner of 4026532013"},
		{"child unknown", model.Namespace{Type: model.User, Inode: 8, HeldBy: []model.Holder{{Kind: model.HeldByChild, NS: 99}}}, "user 8 · parent of a namespace"},
		{"nothing known", model.Namespace{Type: model.Time, Inode: 9}, "time 9"},
		{"bad type", model.Namespace{Type: "\x00\x01", Inode: 9}, "? 9"},
		{"long type", model.Namespace{Type: "averyveryverylongtype", Inode: 9}, "averyveryve… 9"},
		{"invalid utf-8", model.Namespace{Type: model.Net, Inode: 1, Containers: []string{"\xff\xfeok"}}, "net 1 · \uFFFD\uFFFDok"},
	}
	for _, c := range cases {
		nm := namer{s: s}
		b, runes := appendLabel(nil, &c.ns, nm.name(&c.ns, false))
		if got := string(b); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
		if want := utf8.RuneCountInString(c.want); runes != want {
			t.Errorf("%s: %d runes, want %d", c.name, runes, want)
		}
	}
	// The namer's memory must not leak one namespace's name into another.
	nm := namer{s: s}
	a := model.Namespace{Containers: []string{"c1"}}
	b := model.Namespace{Containers: []string{"c3"}}
	c := model.Namespace{Leader: 10}
	d := model.Namespace{Leader: 11}
	for _, x := range []struct {
		ns   *model.Namespace
		want string
	}{{&a, "web"}, {&b, "a-container-name-longer-than-the-limit"}, {&a, "web"}, {&c, "nginx"}, {&d, "evil\x1b[31m\u202e"}, {&c, "nginx"}} {
		if got := nm.name(x.ns, false); got != x.want {
			t.Errorf("namer: got %q, want %q", got, x.want)
		}
	}
}

func TestGroupLabel(t *testing.T) {
	for n, want := range map[int]string{1: "+1 net", 999: "+999 net", 1000: "+1,000 net", 2345: "+2,345 net", 1234567: "+1,234,567 net"} {
		if got := string(appendGroupLabel(nil, n, model.Net)); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

// TestFoldingDefault: more than DefaultFoldThreshold files of one type fold;
// exactly the threshold does not; Expanded opens the group.
func TestFoldingDefault(t *testing.T) {
	f := newForest()
	for range DefaultFoldThreshold + 1 {
		f.add(model.Net, 0, f.s.Root)
	}
	for range DefaultFoldThreshold - 1 { // with the initial one: exactly the threshold
		f.add(model.Mnt, 0, f.s.Root)
	}
	r := Compute(f.s, Options{})
	groups, mnts := 0, 0
	for _, n := range r.Nodes {
		if n.Kind == Group {
			groups++
			if n.ID != GroupID(NodeID(f.s.Root), model.Net) || n.Count != DefaultFoldThreshold+2 || n.Label != fmt.Sprintf("+%d net", DefaultFoldThreshold+2) {
				t.Errorf("group %+v", n)
			}
		}
		if n.Type == model.Mnt {
			mnts++
		}
	}
	if groups != 1 || mnts != DefaultFoldThreshold {
		t.Errorf("%d groups, %d mnt nodes", groups, mnts)
	}
	r = Compute(f.s, Options{Expanded: map[string]bool{GroupID(NodeID(f.s.Root), model.Net): true}})
	for _, n := range r.Nodes {
		if n.Kind == Group {
			t.Errorf("expanded group still folded: %+v", n)
		}
	}
	if len(r.Nodes) != len(f.s.Namespaces) {
		t.Errorf("%d nodes for %d namespaces", len(r.Nodes), len(f.s.Namespaces))
	}
	if err := checkResult(r); err != nil {
		t.Error(err)
	}
}

// TestNothingDropped: without folding and filter, every namespace is a node
// exactly once, whatever the shape of the input.
func TestNothingDropped(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		f := randomForest(seed, 3000, true)
		r := Compute(f.s, Options{FoldThreshold: -1})
		seen := map[model.NSID]bool{}
		for _, n := range r.Nodes {
			if n.NS != 0 {
				seen[n.NS] = true
			}
		}
		if len(seen) != len(f.s.Namespaces) {
			t.Errorf("seed %d: %d of %d namespaces shown", seed, len(seen), len(f.s.Namespaces))
		}
	}
}

// TestSparseIDs: the map used when namespace IDs are far apart gives the
// same picture as the table used when they are dense.
func TestSparseIDs(t *testing.T) {
	f := randomForest(7, 2000, true)
	sparse := &model.Snapshot{Root: f.s.Root * 1_000_003, Namespaces: map[model.NSID]*model.Namespace{},
		Processes: f.s.Processes, Containers: f.s.Containers}
	scale := func(id model.NSID) model.NSID {
		if id == 0 || id >= 1<<40 {
			return id
		}
		return id * 1_000_003
	}
	for _, ns := range f.s.Namespaces {
		c := *ns
		c.ID, c.Parent, c.Owner = scale(ns.ID), scale(ns.Parent), scale(ns.Owner)
		sparse.Namespaces[c.ID] = &c
	}
	a := Compute(f.s, Options{})
	b := Compute(sparse, Options{})
	if len(a.Nodes) != len(b.Nodes) {
		t.Fatalf("%d vs %d nodes", len(a.Nodes), len(b.Nodes))
	}
	for i := range a.Nodes {
		x, y := a.Nodes[i], b.Nodes[i]
		if x.Label != y.Label || x.X != y.X || x.Y != y.Y || x.NS*1_000_003 != y.NS && x.NS < 1<<40 {
			t.Fatalf("node %d: %+v vs %+v", i, x, y)
		}
	}
}

// TestDeepChain: a parent chain far deeper than the kernel allows (bad
// input) must not exhaust the stack; nothing recurses over depth.
func TestDeepChain(t *testing.T) {
	f := newForest()
	p := f.s.Root
	for range 20000 {
		p = f.add(model.User, p, p)
		f.add(model.Net, 0, p)
	}
	r := Compute(f.s, Options{})
	if err := checkResult(r); err != nil {
		t.Fatal(err)
	}
	if len(r.Nodes) != len(f.s.Namespaces) {
		t.Errorf("%d nodes for %d namespaces", len(r.Nodes), len(f.s.Namespaces))
	}
}

// TestManyUnknownTypes: hundreds of unknown namespace types (absurd, but
// input is input) each keep one run and one group, with distinct IDs.
func TestManyUnknownTypes(t *testing.T) {
	s := snap(1, user(1, 0))
	id := model.NSID(2)
	for k := range 300 {
		for range 3 {
			s.Namespaces[id] = &model.Namespace{ID: id, Type: model.NSType(fmt.Sprintf("t%03d", (k*7)%300)), Owner: 1, Inode: uint64(id)}
			id++
		}
	}
	r := Compute(s, Options{FoldThreshold: 2})
	if err := checkResult(r); err != nil {
		t.Fatal(err)
	}
	if len(r.Nodes) != 301 {
		t.Fatalf("%d nodes, want the root and 300 groups", len(r.Nodes))
	}
	for i, n := range r.Nodes[1:] {
		if want := model.NSType(fmt.Sprintf("t%03d", i)); n.Kind != Group || n.Type != want || n.Count != 3 {
			t.Fatalf("node %d: %+v, want a group of 3 %s", i+1, n, want)
		}
	}
}

// TestPIDViewFilter: the filter keeps a PID namespace's ancestors.
func TestPIDViewFilter(t *testing.T) {
	s := snap(1, user(1, 0), pidns(2, 0, 1), pidns(3, 2, 1), pidns(4, 3, 1), pidns(5, 2, 1), pidns(6, 3, 1))
	r := Compute(s, Options{View: PIDTree, Keep: func(ns *model.Namespace) bool { return ns.ID == 4 }})
	if got, want := shape(r), "ns:2 ns:3<ns:2 ns:4<ns:3"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
