package layout

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// count is the Count of node id in r, or 0 when r has no such node.
func count(r *Result, id string) int {
	for _, n := range r.Nodes {
		if n.ID == id {
			return n.Count
		}
	}
	return 0
}

// bucketHost builds a host for the folding of Container and Pod nodes: the
// initial user namespace 1 with a host network namespace 2 and a user
// namespace 3 (a Dir made before every container), then ctrs containers
// c0, c1, … each with a net namespace of its own, pods pods p0, p1, …
// (in Kubernetes namespace "default") of perPod containers each with a
// mount namespace of its own and one network namespace the pod's
// containers share, and last a user namespace (a Dir made after them all).
// It returns the snapshot and the ID of that last Dir.
func bucketHost(ctrs, pods, perPod int) (*model.Snapshot, model.NSID) {
	s := snap(1, user(1, 0), file(2, model.Net, 1), user(3, 1))
	s.Containers = map[string]*model.Container{}
	id := model.NSID(10)
	next := func() model.NSID { id++; return id }
	for i := range ctrs {
		cid := fmt.Sprintf("c%d", i)
		s.Containers[cid] = &model.Container{ID: cid, Runtime: "docker", Name: "web-" + cid}
		n := used(file(next(), model.Net, 1), cid)
		n.Inode = 4026532000 + uint64(n.ID)
		s.Namespaces[n.ID] = n
	}
	for p := range pods {
		pod := fmt.Sprintf("p%d", p)
		var cids []string
		for k := range perPod {
			cid := fmt.Sprintf("%s-%d", pod, k)
			s.Containers[cid] = &model.Container{ID: cid, Runtime: "crio", Name: cid, Pod: pod, PodNamespace: "default"}
			cids = append(cids, cid)
		}
		net := used(file(next(), model.Net, 1), cids...)
		s.Namespaces[net.ID] = net
		for _, cid := range cids {
			m := used(file(next(), model.Mnt, 1), cid)
			s.Namespaces[m.ID] = m
		}
	}
	late := next()
	s.Namespaces[late] = user(late, 1)
	for _, ns := range s.Namespaces {
		if ns.Inode == 0 {
			ns.Inode = 4026531000 + uint64(ns.ID)
		}
	}
	return s, late
}

// TestFoldBuckets: more than FoldThreshold Container nodes of one parent,
// and apart from them more than FoldThreshold Pod nodes, fold into one group
// node after the parent's files and before its Dirs; a filter that keeps
// few containers, an expanded group or a threshold not exceeded shows them.
func TestFoldBuckets(t *testing.T) {
	ctrGrp, podGrp := ContainersGroupID("ns:1"), PodsGroupID("ns:1")
	ctrs := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, " ctr:ns:1:c%d<ns:1 ns:%d<ctr:ns:1:c%d", i, 11+i, i)
		}
		return b.String()
	}
	keepCtrs := func(cids ...string) func(*model.Namespace) bool {
		return func(ns *model.Namespace) bool {
			for _, c := range cids {
				if len(ns.Containers) == 1 && ns.Containers[0] == c {
					return true
				}
			}
			return false
		}
	}
	cases := []struct {
		name              string
		ctrs, pods, per   int
		opt               Options
		want              string // shape; "" skips the check
		wantCtr, wantPods int    // counts of the groups, 0: absent
		wantLabel         string // label of the first group, if any
	}{
		{name: "above threshold", ctrs: 4, opt: Options{Group: GroupContainer, FoldThreshold: 3},
			want: "ns:1 ns:2<ns:1 " + ctrGrp + "<ns:1 ns:3<ns:1 ns:15<ns:1", wantCtr: 4, wantLabel: "+4 containers"},
		{name: "at threshold", ctrs: 3, opt: Options{Group: GroupContainer, FoldThreshold: 3},
			want: "ns:1 ns:2<ns:1 ns:3<ns:1" + ctrs(3) + " ns:14<ns:1"},
		{name: "fold disabled", ctrs: 4, opt: Options{Group: GroupContainer, FoldThreshold: -1},
			want: "ns:1 ns:2<ns:1 ns:3<ns:1" + ctrs(4) + " ns:15<ns:1"},
		{name: "expanded", ctrs: 4, opt: Options{Group: GroupContainer, FoldThreshold: 3, Expanded: map[string]bool{ctrGrp: true}},
			want: "ns:1 ns:2<ns:1 ns:3<ns:1" + ctrs(4) + " ns:15<ns:1"},
		{name: "another group expanded", ctrs: 4, opt: Options{Group: GroupContainer, FoldThreshold: 3, Expanded: map[string]bool{GroupID("ns:1", model.Net): true}},
			wantCtr: 4},
		{name: "no grouping", ctrs: 4, opt: Options{Group: GroupNone, FoldThreshold: 3},
			want: "ns:1 " + GroupID("ns:1", model.Net) + "<ns:1 ns:3<ns:1 ns:15<ns:1"},
		{name: "filter keeps a few", ctrs: 10, opt: Options{Group: GroupContainer, FoldThreshold: 3, Keep: keepCtrs("c2", "c7")},
			want: "ns:1 ctr:ns:1:c2<ns:1 ns:13<ctr:ns:1:c2 ctr:ns:1:c7<ns:1 ns:18<ctr:ns:1:c7"},
		{name: "filter keeps many", ctrs: 10, opt: Options{Group: GroupContainer, FoldThreshold: 3, Keep: keepCtrs("c1", "c2", "c3", "c4")},
			want: "ns:1 " + ctrGrp + "<ns:1", wantCtr: 4},
		{name: "default threshold exceeded", ctrs: DefaultFoldThreshold + 1, opt: Options{Group: GroupContainer},
			wantCtr: DefaultFoldThreshold + 1, wantLabel: "+51 containers"},
		{name: "default threshold reached", ctrs: DefaultFoldThreshold, opt: Options{Group: GroupContainer}},
		{name: "pods", ctrs: 2, pods: 4, per: 1, opt: Options{Group: GroupPod, FoldThreshold: 3},
			want: "ns:1 ns:2<ns:1 " + podGrp + "<ns:1 ns:3<ns:1" + ctrs(2) + " ns:21<ns:1", wantPods: 4, wantLabel: "+4 pods"},
		{name: "pods and containers", ctrs: 4, pods: 4, per: 1, opt: Options{Group: GroupPod, FoldThreshold: 3},
			want: "ns:1 ns:2<ns:1 " + ctrGrp + "<ns:1 " + podGrp + "<ns:1 ns:3<ns:1 ns:23<ns:1", wantCtr: 4, wantPods: 4, wantLabel: "+4 containers"},
		{name: "pods grouped by container", ctrs: 0, pods: 4, per: 1, opt: Options{Group: GroupContainer, FoldThreshold: 3},
			wantCtr: 4},
		{
			// A pod of many containers folds them inside its node; the
			// namespace the pod shares stays.
			name: "containers of a pod", pods: 1, per: 4, opt: Options{Group: GroupPod, FoldThreshold: 3},
			want: "ns:1 ns:2<ns:1 ns:3<ns:1 pod:ns:1:default/p0<ns:1 ns:11<pod:ns:1:default/p0 " +
				ContainersGroupID("pod:ns:1:default/p0") + "<pod:ns:1:default/p0 ns:16<ns:1",
			wantLabel: "+4 containers",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := bucketHost(c.ctrs, c.pods, c.per)
			r := Compute(s, c.opt)
			if err := checkResult(r); err != nil {
				t.Fatal(err)
			}
			if got := shape(r); c.want != "" && got != c.want {
				t.Errorf("shape\n got %s\nwant %s", got, c.want)
			}
			if got := count(r, ctrGrp); got != c.wantCtr {
				t.Errorf("%s count %d, want %d", ctrGrp, got, c.wantCtr)
			}
			if got := count(r, podGrp); got != c.wantPods {
				t.Errorf("%s count %d, want %d", podGrp, got, c.wantPods)
			}
			first := true
			for _, n := range r.Nodes {
				if n.Kind != Group || n.Folds() == File {
					continue
				}
				if first && c.wantLabel != "" && n.Label != c.wantLabel {
					t.Errorf("%s labelled %q, want %q", n.ID, n.Label, c.wantLabel)
				}
				first = false
				if n.Type != "" || n.NS != 0 {
					t.Errorf("%s: type %q, NS %d; want neither", n.ID, n.Type, n.NS)
				}
				if n.Folds() == Pod != strings.HasSuffix(n.ID, ":pod") || !strings.HasSuffix(n.Label, string(n.Folds())+"s") {
					t.Errorf("%s (%q) folds %s", n.ID, n.Label, n.Folds())
				}
				// Room for a count of groupCountRunes runes and the round
				// ends of a pill, whatever the count.
				if w := widthFor(runeCount([]byte(n.Label))-countRunes(n.Count)+groupCountRunes) + pillExtra; n.W != w {
					t.Errorf("%s width %v, want %v", n.ID, n.W, w)
				}
			}
		})
	}
}

// TestNodeFolds: what a group folds is read from its ID and type.
func TestNodeFolds(t *testing.T) {
	cases := []struct {
		n    Node
		want NodeKind
	}{
		{Node{ID: ContainersGroupID("ns:1"), Kind: Group}, Container},
		{Node{ID: PodsGroupID("ns:1"), Kind: Group}, Pod},
		{Node{ID: ContainersGroupID("pod:ns:1:default/web"), Kind: Group}, Container},
		{Node{ID: GroupID("ns:1", model.Net), Kind: Group, Type: model.Net}, File},
		// A namespace type the kernel might add one day named "pod".
		{Node{ID: GroupID("ns:1", "pod"), Kind: Group, Type: "pod"}, File},
		{Node{ID: ContainersGroupID("ns:1"), Kind: Container}, ""},
		{Node{ID: "ns:5", Kind: Dir}, ""},
	}
	for _, c := range cases {
		if got := c.n.Folds(); got != c.want {
			t.Errorf("%+v.Folds() = %q, want %q", c.n, got, c.want)
		}
	}
}

// TestFoldedBucketsStable: with 500 containers folded in the initial user
// namespace, one container more or less (the oldest, the newest or one in
// the middle) only changes the group's count and label: one updated node,
// nothing moved, and the group keeps its ID. A Dir made after the
// containers keeps its place too.
func TestFoldedBucketsStable(t *testing.T) {
	// start adds a container; grouped by pod, each is in a pod of its own.
	start := func(f *forest, g Grouping, userns bool, name string) {
		ids := f.container(f.s.Root, userns, name)
		f.proc(ids[0], "entrypoint")
		if g == GroupPod {
			c := f.s.Containers[f.s.Namespaces[ids[0]].Containers[0]]
			c.Pod, c.PodNamespace = name, "default"
		}
	}
	// build starts 500 containers, every 50th with a user namespace of
	// its own (a Dir among the folded ones).
	build := func(g Grouping) *forest {
		f := newForest()
		for i := range 500 {
			start(f, g, i%50 == 0, fmt.Sprintf("app-%d", i))
		}
		return f
	}
	// remove deletes container cid's namespaces.
	remove := func(f *forest, cid string) {
		for id, ns := range f.s.Namespaces {
			if len(ns.Containers) == 1 && ns.Containers[0] == cid {
				delete(f.s.Namespaces, id)
			}
		}
		delete(f.s.Containers, cid)
	}
	cidOf := func(i int) string { return fmt.Sprintf("%064x", i+1) } // of app-<i>
	cases := []struct {
		name   string
		change func(f *forest, g Grouping)
		delta  int
	}{
		{"add one", func(f *forest, g Grouping) { start(f, g, false, "app-new") }, 1},
		{"remove the newest", func(f *forest, _ Grouping) { remove(f, cidOf(499)) }, -1},
		{"remove the oldest rootful", func(f *forest, _ Grouping) { remove(f, cidOf(1)) }, -1},
		{"remove one in the middle", func(f *forest, _ Grouping) { remove(f, cidOf(251)) }, -1},
	}
	for _, g := range []Grouping{GroupContainer, GroupPod} {
		for _, c := range cases {
			t.Run(string(g)+"/"+c.name, func(t *testing.T) {
				f := build(g)
				opt := Options{Group: g}
				before := Compute(f.s, opt)
				c.change(f, g)
				after := Compute(f.s, opt)
				if err := checkResult(after); err != nil {
					t.Fatal(err)
				}
				grp := ContainersGroupID(NodeID(f.s.Root))
				if g == GroupPod {
					grp = PodsGroupID(NodeID(f.s.Root))
				}
				n := count(before, grp)
				if n < DefaultFoldThreshold || count(after, grp) != n+c.delta {
					t.Fatalf("%s: count %d → %d, want a fold and %+d", grp, n, count(after, grp), c.delta)
				}
				if m, miss, ids := moved(before, after); m != 0 || miss != 0 {
					t.Errorf("%d moved (%v), %d vanished", m, ids[:min(len(ids), 5)], miss)
				}
				if ch := changed(before, after); len(ch) != 1 || ch[0] != grp {
					t.Errorf("changed %v, want only %s", ch[:min(len(ch), 5)], grp)
				}
			})
		}
	}
}

// changed lists the nodes of before that after has with another field
// (what the wire sends as an update or a move).
func changed(before, after *Result) []string {
	byID := make(map[string]Node, len(after.Nodes))
	for _, n := range after.Nodes {
		byID[n.ID] = n
	}
	var ids []string
	for _, n := range before.Nodes {
		if m, ok := byID[n.ID]; ok && m != n {
			ids = append(ids, n.ID)
		}
	}
	return ids
}
