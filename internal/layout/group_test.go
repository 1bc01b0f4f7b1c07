package layout

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// used marks namespaces as used by the containers cids.
func used(ns *model.Namespace, cids ...string) *model.Namespace {
	ns.Containers = cids
	return ns
}

// groupHost is a small host: the initial user namespace 1 with a host
// network namespace; container a (net, uts) and b (net) share the IPC
// namespace 9; the pod default/web has containers c and d, each with its
// own mount namespace, sharing the network namespace 6; container e has a
// user namespace of its own (10) holding its net namespace 11; container f
// is not known to any engine (no entry in Containers).
func groupHost() *model.Snapshot {
	s := snap(1,
		user(1, 0),
		file(2, model.Net, 1),
		used(file(3, model.Net, 1), "a"),
		used(file(4, model.UTS, 1), "a"),
		used(file(5, model.Net, 1), "b"),
		used(file(6, model.Net, 1), "c", "d"),
		used(file(7, model.Mnt, 1), "c"),
		used(file(8, model.Mnt, 1), "d"),
		used(file(9, model.IPC, 1), "a", "b"),
		used(user(10, 1), "e"),
		used(file(11, model.Net, 10), "e"),
		used(file(12, model.Net, 1), "0123456789abcdef0123"),
	)
	s.Containers = map[string]*model.Container{
		"a": {ID: "a", Runtime: "docker", Name: "web-1", Image: "nginx"},
		"b": {ID: "b", Runtime: "podman", Name: "db"},
		"c": {ID: "c", Runtime: "crio", Name: "app", Pod: "web", PodNamespace: "default"},
		"d": {ID: "d", Runtime: "crio", Name: "sidecar", Pod: "web", PodNamespace: "default"},
		"e": {ID: "e", Runtime: "podman", Name: "rootless"},
	}
	return s
}

func TestGrouping(t *testing.T) {
	const f = "0123456789abcdef0123"
	cases := []struct {
		name  string
		group Grouping
		want  string
	}{
		{"zero value", "", "ns:1 ns:2<ns:1 ns:3<ns:1 ns:5<ns:1 ns:6<ns:1 ns:12<ns:1 ns:7<ns:1 ns:8<ns:1 ns:4<ns:1 ns:9<ns:1 ns:10<ns:1 ns:11<ns:10"},
		{"none", GroupNone, "ns:1 ns:2<ns:1 ns:3<ns:1 ns:5<ns:1 ns:6<ns:1 ns:12<ns:1 ns:7<ns:1 ns:8<ns:1 ns:4<ns:1 ns:9<ns:1 ns:10<ns:1 ns:11<ns:10"},
		{
			// Shared namespaces (6 by c and d, 9 by a and b) stay in the
			// Dir; Container nodes and Dirs follow the Dir's files, in
			// the order of their lowest namespace ID.
			"container", GroupContainer,
			"ns:1 ns:2<ns:1 ns:6<ns:1 ns:9<ns:1 " +
				"ctr:ns:1:a<ns:1 ns:3<ctr:ns:1:a ns:4<ctr:ns:1:a ctr:ns:1:b<ns:1 ns:5<ctr:ns:1:b " +
				"ctr:ns:1:c<ns:1 ns:7<ctr:ns:1:c ctr:ns:1:d<ns:1 ns:8<ctr:ns:1:d " +
				"ns:10<ns:1 ctr:ns:10:e<ns:10 ns:11<ctr:ns:10:e ctr:ns:1:" + f + "<ns:1 ns:12<ctr:ns:1:" + f,
		},
		{
			// The pod takes the namespace only its containers share.
			"pod", GroupPod,
			"ns:1 ns:2<ns:1 ns:9<ns:1 " +
				"ctr:ns:1:a<ns:1 ns:3<ctr:ns:1:a ns:4<ctr:ns:1:a ctr:ns:1:b<ns:1 ns:5<ctr:ns:1:b " +
				"pod:ns:1:default/web<ns:1 ns:6<pod:ns:1:default/web ctr:ns:1:c<pod:ns:1:default/web ns:7<ctr:ns:1:c " +
				"ctr:ns:1:d<pod:ns:1:default/web ns:8<ctr:ns:1:d " +
				"ns:10<ns:1 ctr:ns:10:e<ns:10 ns:11<ctr:ns:10:e ctr:ns:1:" + f + "<ns:1 ns:12<ctr:ns:1:" + f,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Compute(groupHost(), Options{Group: c.group})
			if got := shape(r); got != c.want {
				t.Errorf("shape\n got %s\nwant %s", got, c.want)
			}
			if err := checkResult(r); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestGroupNodeFields checks what Container and Pod nodes carry: kind, no
// namespace type or ID, the container ID or pod, and the name as label.
func TestGroupNodeFields(t *testing.T) {
	r := Compute(groupHost(), Options{Group: GroupPod})
	byID := map[string]Node{}
	for _, n := range r.Nodes {
		byID[n.ID] = n
	}
	cases := []struct {
		id, label string
		kind      NodeKind
		ref       string
	}{
		{ContainerID("ns:1", "a"), "web-1", Container, "a"},
		{ContainerID("ns:10", "e"), "rootless", Container, "e"},
		{ContainerID("ns:1", "0123456789abcdef0123"), "0123456789ab", Container, "0123456789abcdef0123"},
		{PodID("ns:1", "default/web"), "default/web", Pod, "default/web"},
	}
	for _, c := range cases {
		n, ok := byID[c.id]
		if !ok {
			t.Errorf("%s missing", c.id)
			continue
		}
		if n.Label != c.label || n.Kind != c.kind || n.Ref() != c.ref || n.NS != 0 || n.Type != "" {
			t.Errorf("%s = %+v, want label %q kind %s ref %q, no NS or type", c.id, n, c.label, c.kind, c.ref)
		}
		if n.W != nodeWidth([]byte(c.label))+pillExtra {
			t.Errorf("%s width %v for label %q", c.id, n.W, c.label)
		}
	}
}

// TestGroupingPIDViewIgnored: the PID view has no files to group.
func TestGroupingPIDViewIgnored(t *testing.T) {
	s := snap(1, user(1, 0), pidns(2, 0, 1), used(pidns(3, 2, 1), "a"))
	s.Containers = map[string]*model.Container{"a": {ID: "a", Name: "web"}}
	a, b := Compute(s, Options{View: PIDTree}), Compute(s, Options{View: PIDTree, Group: GroupPod})
	if shape(a) != shape(b) {
		t.Errorf("grouped %s, ungrouped %s", shape(b), shape(a))
	}
}

// TestGroupingFoldsInside: a container's many files of one type fold into a
// group inside the Container node, which opens by its ID.
func TestGroupingFoldsInside(t *testing.T) {
	s := snap(1, user(1, 0),
		used(file(2, model.Net, 1), "a"), used(file(3, model.Net, 1), "a"), used(file(4, model.Net, 1), "a"),
		used(file(5, model.UTS, 1), "a"))
	s.Containers = map[string]*model.Container{"a": {ID: "a", Name: "web"}}
	grp := GroupID(ContainerID("ns:1", "a"), model.Net)
	cases := []struct {
		name string
		opt  Options
		want string
	}{
		{"folded", Options{Group: GroupContainer, FoldThreshold: 2},
			"ns:1 ctr:ns:1:a<ns:1 " + grp + "<ctr:ns:1:a ns:5<ctr:ns:1:a"},
		{"expanded", Options{Group: GroupContainer, FoldThreshold: 2, Expanded: map[string]bool{grp: true}},
			"ns:1 ctr:ns:1:a<ns:1 ns:2<ctr:ns:1:a ns:3<ctr:ns:1:a ns:4<ctr:ns:1:a ns:5<ctr:ns:1:a"},
	}
	for _, c := range cases {
		r := Compute(s, c.opt)
		if got := shape(r); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		if err := checkResult(r); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		for _, n := range r.Nodes {
			if n.Kind == Group && (n.Count != 3 || n.W < widthFor(len("+3 net")-1+groupCountRunes)) {
				t.Errorf("%s: group %+v: want count 3 and room for %d-rune counts", c.name, n, groupCountRunes)
			}
		}
	}
}

// TestGroupingFilter: a Container node shows when one of its namespaces is
// kept, with that namespace only; containers without kept namespaces go.
func TestGroupingFilter(t *testing.T) {
	keep := func(ns *model.Namespace) bool { return ns.ID == 4 || ns.ID == 11 }
	r := Compute(groupHost(), Options{Group: GroupContainer, Keep: keep})
	want := "ns:1 ctr:ns:1:a<ns:1 ns:4<ctr:ns:1:a ns:10<ns:1 ctr:ns:10:e<ns:10 ns:11<ctr:ns:10:e"
	if got := shape(r); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

func TestParseGrouping(t *testing.T) {
	cases := []struct {
		in      string
		want    Grouping
		wantErr string
	}{
		{"", DefaultGrouping, ""},
		{"none", GroupNone, ""},
		{"container", GroupContainer, ""},
		{"pod", GroupPod, ""},
		{"Pod", "", `layout: unknown group "Pod" (want none, container, pod)`},
		{"containers", "", `unknown group "containers"`},
	}
	for _, c := range cases {
		got, err := ParseGrouping(c.in)
		if c.wantErr != "" {
			var oe *OptionError
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || !errors.As(err, &oe) || oe.Field != "group" {
				t.Errorf("ParseGrouping(%q) = %q, %v; want error containing %q", c.in, got, err, c.wantErr)
			}
			if (Options{Group: Grouping(c.in)}).Check() == nil {
				t.Errorf("Options{Group: %q}.Check() accepted it", c.in)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseGrouping(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// TestGroupingStableAcrossScans: the same host scanned twice, with its
// namespaces in new map order and fresh objects, gives the same IDs and
// positions; a container's engine name arriving later changes its label
// and width but not its ID.
func TestGroupingStableAcrossScans(t *testing.T) {
	for _, g := range []Grouping{GroupContainer, GroupPod} {
		a := Compute(groupHost(), Options{Group: g})
		b := Compute(groupHost(), Options{Group: g})
		if m, miss, ids := moved(a, b); m != 0 || miss != 0 {
			t.Errorf("%s: rescan moved %d (%v), lost %d", g, m, ids, miss)
		}
		s := groupHost()
		s.Containers["0123456789abcdef0123"] = &model.Container{ID: "0123456789abcdef0123", Name: "late"}
		c := Compute(s, Options{Group: g})
		if _, miss, _ := moved(a, c); miss != 0 {
			t.Errorf("%s: naming a container lost %d nodes", g, miss)
		}
	}
}

// TestGroupingAddContainerMovesFewNodes adds one container to 6k-namespace
// forests laid out grouped, with and without a user namespace of its own.
// Dirs and Container nodes share one order, by lowest namespace ID, so the
// new Container node (rootful docker, the common case) or the new Dir
// appends at the right end of the root's children either way, and at most
// the root moves. The root's hundreds of rootful containers are folded, so
// there a new one only adds one to the group's count.
func TestGroupingAddContainerMovesFewNodes(t *testing.T) {
	for _, g := range []Grouping{GroupContainer, GroupPod} {
		for seed := uint64(1); seed <= 5; seed++ {
			for _, userns := range []bool{false, true} {
				f := randomForest(seed, 6000, false)
				before := Compute(f.s, Options{Group: g})
				f.container(f.s.Root, userns, fmt.Sprintf("c%d", len(f.s.Containers)))
				after := Compute(f.s, Options{Group: g})
				if err := checkResult(after); err != nil {
					t.Fatal(err)
				}
				// The root holds hundreds of rootful containers, folded:
				// a new one there only counts one more.
				grp := ContainersGroupID(NodeID(f.s.Root))
				if folded := count(before, grp); !userns && folded > 0 {
					if len(after.Nodes) != len(before.Nodes) || count(after, grp) != folded+1 {
						t.Fatalf("%s seed %d: %d nodes after adding a folded container, %d before; count %d, was %d",
							g, seed, len(after.Nodes), len(before.Nodes), count(after, grp), folded)
					}
				} else if len(after.Nodes) <= len(before.Nodes) {
					t.Fatalf("%s seed %d: %d nodes after adding a container, %d before", g, seed, len(after.Nodes), len(before.Nodes))
				}
				m, miss, ids := moved(before, after)
				if miss != 0 {
					t.Errorf("%s seed %d: %d nodes vanished", g, seed, miss)
				}
				if m > 1 || (m == 1 && ids[0] != NodeID(f.s.Root)) {
					t.Errorf("%s seed %d userns %v: %d moved (%v), want at most the root", g, seed, userns, m, ids[:min(5, m)])
				}
			}
		}
	}
}

// TestGroupingLabelsInside: a namespace drawn inside its Container node is
// not labelled with the container's name again (the node shows it); drawn
// in its Dir it is.
func TestGroupingLabelsInside(t *testing.T) {
	for _, c := range []struct {
		g    Grouping
		want string
	}{{GroupNone, "net 4026531003 · web-1"}, {GroupContainer, "net 4026531003"}} {
		for _, n := range Compute(groupHost(), Options{Group: c.g}).Nodes {
			if n.ID == "ns:3" && n.Label != c.want {
				t.Errorf("%s: ns:3 labelled %q, want %q", c.g, n.Label, c.want)
			}
		}
	}
}

func TestNodeRef(t *testing.T) {
	cases := []struct {
		n    Node
		want string
	}{
		{Node{ID: ContainerID("ns:12", "abc:def"), Kind: Container}, "abc:def"},
		{Node{ID: ContainerID(UnownedID, "x"), Kind: Container}, "x"},
		{Node{ID: PodID("ns:1", "kube-system/dns"), Kind: Pod}, "kube-system/dns"},
		{Node{ID: ContainerID("ns:1", "x"), Kind: File}, ""},
		{Node{ID: "ctr:ns:x:y", Kind: Container}, ""},
		{Node{ID: "ns:5", Kind: Dir}, ""},
	}
	for _, c := range cases {
		if got := c.n.Ref(); got != c.want {
			t.Errorf("%+v.Ref() = %q, want %q", c.n, got, c.want)
		}
	}
}

// TestGroupingDropsNothing: grouping only moves namespaces; unfolded, every
// namespace of random forests is a node in every grouping, and the extra
// nodes are Container nodes, one per container and Dir.
func TestGroupingDropsNothing(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		f := randomForest(seed, 3000, seed%2 == 0)
		count := func(g Grouping) (ns, ctr int) {
			for _, n := range Compute(f.s, Options{Group: g, FoldThreshold: -1}).Nodes {
				switch n.Kind {
				case Container:
					ctr++
				case Dir, File:
					if n.NS != 0 {
						ns++
					}
				}
			}
			return ns, ctr
		}
		nsNone, ctrNone := count(GroupNone)
		nsCtr, ctrCtr := count(GroupContainer)
		if nsNone != len(f.s.Namespaces) || nsCtr != nsNone || ctrNone != 0 || ctrCtr == 0 || ctrCtr > len(f.s.Containers) {
			t.Errorf("seed %d: %d namespaces; none shows %d (+%d containers), container %d (+%d of %d containers)",
				seed, len(f.s.Namespaces), nsNone, ctrNone, nsCtr, ctrCtr, len(f.s.Containers))
		}
	}
}
