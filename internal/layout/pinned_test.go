package layout

import (
	"slices"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// hostForest is a host with kthreadd in the initial namespaces, n
// sibling user namespaces and n network namespaces, one of them shared by
// the containers web and db, another by the two containers of pod
// default/shop.
func hostForest(n int) (*forest, model.NSID, model.NSID, model.NSID) {
	f := newForest()
	f.s.Processes[2] = &model.Process{PID: 2, PPID: 0, Comm: "kthreadd", NS: map[model.NSType]model.NSID{}}
	for id, ns := range f.s.Namespaces {
		f.s.Processes[2].NS[ns.Type] = id
	}
	initialNet := f.s.Processes[2].NS[model.Net]
	for i := range n {
		f.add(model.User, f.s.Root, f.s.Root)
		if i == n/2 {
			continue
		}
		f.add(model.Net, 0, f.s.Root)
	}
	shared := f.add(model.Net, 0, f.s.Root)
	f.s.Containers["w"] = &model.Container{ID: "w", Name: "web"}
	f.s.Containers["d"] = &model.Container{ID: "d", Name: "db"}
	f.s.Namespaces[shared].Containers = []string{"w", "d"}
	pod := f.add(model.Net, 0, f.s.Root)
	f.s.Containers["p1"] = &model.Container{ID: "p1", Name: "shop-app", Pod: "shop", PodNamespace: "default"}
	f.s.Containers["p2"] = &model.Container{ID: "p2", Name: "shop-proxy", Pod: "shop", PodNamespace: "default"}
	f.s.Namespaces[pod].Containers = []string{"p1", "p2"}
	return f, initialNet, shared, pod
}

// TestFoldDirs: more than the threshold sibling user namespaces fold into
// one group, "+100 user", whose Fold lists them; opening it shows them.
// The PID view folds sibling PID namespaces alike.
func TestFoldDirs(t *testing.T) {
	f := star(100, model.User)
	r := Compute(f.s, Options{})
	if err := checkResult(r); err != nil {
		t.Fatal(err)
	}
	gid := DirsGroupID(NodeID(f.s.Root))
	var g *Node
	for i := range r.Nodes {
		if r.Nodes[i].ID == gid {
			g = &r.Nodes[i]
		}
		if r.Nodes[i].Kind == Dir && r.Nodes[i].Parent != "" {
			t.Errorf("%s not folded", r.Nodes[i].ID)
		}
	}
	if g == nil || g.Kind != Group || g.Type != model.User || g.Count != 100 || g.Label != "+100 user" || g.Folds() != Dir {
		t.Fatalf("group %+v", g)
	}
	var fold *Fold
	for i := range r.Folds {
		if r.Folds[i].ID == gid {
			fold = &r.Folds[i]
		}
	}
	if fold == nil || fold.What != Dir || len(fold.NS) != 100 {
		t.Fatalf("fold %+v", fold)
	}
	open := Compute(f.s, Options{Expanded: map[string]bool{gid: true}})
	if len(open.Nodes) != len(r.Nodes)-1+100 {
		t.Errorf("opened: %d nodes, folded %d", len(open.Nodes), len(r.Nodes))
	}
	full := Compute(f.s, Options{FoldThreshold: -1})
	if h := Hiding(full, NodeID(fold.NS[7]), Options{}); !slices.Equal(h, []string{gid}) {
		t.Errorf("Hiding = %v, want [%s]", h, gid)
	}

	// PID view: 60 sibling PID namespaces.
	p := newForest()
	for range 60 {
		p.add(model.PID, p.pids[0], p.s.Root)
	}
	pr := Compute(p.s, Options{View: PIDTree})
	if err := checkResult(pr); err != nil {
		t.Fatal(err)
	}
	if len(pr.Nodes) != 2 || pr.Nodes[1].Label != "+60 pid" || pr.Nodes[1].Folds() != Dir {
		t.Errorf("PID view: %s", shape(pr))
	}
}

// TestPinnedNeverFold: the host's initial namespaces and namespaces that
// several containers or a pod share stay out of the groups that fold
// their siblings, are labelled for the host, the containers and the pod,
// and Hiding says nothing hides them.
func TestPinnedNeverFold(t *testing.T) {
	f, initialNet, shared, pod := hostForest(120)
	for _, g := range []Grouping{GroupNone, GroupContainer} {
		r := Compute(f.s, Options{Group: g})
		if err := checkResult(r); err != nil {
			t.Fatal(err)
		}
		label := map[string]string{}
		for _, n := range r.Nodes {
			label[n.ID] = n.Label
		}
		for id, want := range map[model.NSID]string{
			f.s.Root: "· host", initialNet: "· host", shared: "· web, db", pod: "· pod default/shop",
		} {
			if l, ok := label[NodeID(id)]; !ok || !strings.HasSuffix(l, want) {
				t.Errorf("%s: %s is %q (shown %v), want … %q", g, NodeID(id), l, ok, want)
			}
		}
		if l := label[GroupID(NodeID(f.s.Root), model.Net)]; l != "+119 net" {
			t.Errorf("%s: net group %q, want +119 net (120 less the host's; pinned ones apart)", g, l)
		}
		if l := label[DirsGroupID(NodeID(f.s.Root))]; l != "+120 user" {
			t.Errorf("%s: user group %q", g, l)
		}
		full := Compute(f.s, Options{Group: g, FoldThreshold: -1})
		for _, id := range []model.NSID{initialNet, shared, pod} {
			if h := Hiding(full, NodeID(id), Options{Group: g}); h != nil {
				t.Errorf("%s: Hiding(%d) = %v for a pinned namespace", g, id, h)
			}
		}
	}
}

// TestInitial: kthreadd's namespaces are the initial ones; a PID 2 that is
// not kthreadd (nsweb in a PID namespace of its own) leaves only the root.
func TestInitial(t *testing.T) {
	f, initialNet, _, _ := hostForest(3)
	got := Initial(f.s)
	if !slices.Contains(got, initialNet) || !slices.Contains(got, f.s.Root) || len(got) != len(model.Types) {
		t.Errorf("Initial = %v", got)
	}
	f.s.Processes[2].Comm = "sh"
	if got := Initial(f.s); !slices.Equal(got, []model.NSID{f.s.Root}) {
		t.Errorf("without kthreadd: %v", got)
	}
	if Initial(nil) != nil {
		t.Error("nil snapshot")
	}
}

// TestFoldedDirsStable: on a host of 500 user-namespaced containers the
// user namespaces fold, so a container that starts or ends among them
// changes the group's count and moves no node at all.
func TestFoldedDirsStable(t *testing.T) {
	for _, g := range []Grouping{GroupNone, GroupContainer} {
		f := userNamespaced(500)
		before := Compute(f.s, Options{Group: g})
		ids := f.container(f.s.Root, true, "late")
		f.proc(ids[0], "sleep")
		after := Compute(f.s, Options{Group: g})
		if m, miss, moved := moved(before, after); m != 0 || miss != 0 {
			t.Errorf("%s: start: %d moved (%v), %d vanished", g, m, moved[:min(len(moved), 5)], miss)
		}
		for _, id := range f.users[100:110] { // ten end
			for nid, ns := range f.s.Namespaces {
				if nid == id || ns.Owner == id {
					delete(f.s.Namespaces, nid)
				}
			}
		}
		ended := Compute(f.s, Options{Group: g})
		if m, miss, moved := moved(after, ended); m != 0 || miss != 0 {
			t.Errorf("%s: end: %d moved (%v), %d vanished", g, m, moved[:min(len(moved), 5)], miss)
		}
		if err := checkResult(ended); err != nil {
			t.Fatal(err)
		}
	}
}
