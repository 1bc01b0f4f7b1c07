package netinfo

import (
	"slices"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

func veth(idx int, name string, netnsid, peer int) Iface {
	return Iface{Index: idx, Name: name, Kind: "veth", LinkNetnsID: netnsid, ParentIndex: peer}
}

func TestResolve(t *testing.T) {
	// 1 (host): veth h0 (5) ↔ 2: eth0 (2); bridge br (3) with h0; macvlan
	// m (3) in 2 on the host's eth (4); a veth in 3 whose netnsid is not
	// known; a same-namespace pair in 1.
	host := &NetNS{ID: 1, NetnsIDs: map[int]model.NSID{0: 2}, Ifaces: []Iface{
		{Index: 1, Name: "lo", Kind: "loopback", LinkNetnsID: -1},
		{Index: 3, Name: "br", Kind: "bridge", LinkNetnsID: -1},
		{Index: 4, Name: "eth", Kind: "device", LinkNetnsID: -1},
		{Index: 5, Name: "h0", Kind: "veth", LinkNetnsID: 0, ParentIndex: 2, MasterIndex: 3},
		veth(6, "s0", -1, 7), veth(7, "s1", -1, 6),
	}}
	c := &NetNS{ID: 2, NetnsIDs: map[int]model.NSID{4: 1}, Ifaces: []Iface{
		veth(2, "eth0", 4, 5),
		{Index: 3, Name: "m", Kind: "macvlan", LinkNetnsID: 4, ParentIndex: 4},
	}}
	lone := &NetNS{ID: 3, NetnsIDs: map[int]model.NSID{}, Ifaces: []Iface{veth(2, "x", 9, 8)}}
	Bridges(host)
	nets := map[model.NSID]*NetNS{1: host, 2: c, 3: lone}
	edges := Resolve(nets)
	want := []Edge{
		{Kind: "veth", A: Endpoint{NS: 1, Ifindex: 5, Iface: "h0", Kind: "veth", Bridge: "br"}, B: Endpoint{NS: 2, Ifindex: 2, Iface: "eth0", Kind: "veth"}},
		{Kind: "macvlan", A: Endpoint{NS: 2, Ifindex: 3, Iface: "m", Kind: "macvlan"}, B: Endpoint{NS: 1, Ifindex: 4, Iface: "eth", Kind: "device"}},
	}
	if !slices.Equal(edges, want) {
		t.Fatalf("edges\n got %+v\nwant %+v", edges, want)
	}
	if p := host.Iface(6).Peer; p == nil || p.NS != 0 || p.Name != "s1" {
		t.Errorf("same-namespace peer: %+v", p)
	}
	if p := lone.Iface(2).Peer; p == nil || p.Unresolved == "" || p.NS != 0 {
		t.Errorf("unresolved peer: %+v", p)
	}
	if br := host.Iface(3); !slices.Equal(br.Ports, []string{"h0"}) || host.Iface(5).Master != "br" {
		t.Errorf("bridge: %+v", br)
	}
	if host.Iface(1).Peer != nil {
		t.Errorf("loopback has a peer: %+v", host.Iface(1).Peer)
	}
	// Resolving twice gives the same answer (peers are reset).
	if again := Resolve(nets); !slices.Equal(again, want) {
		t.Errorf("second resolve: %+v", again)
	}
}

func TestCandidates(t *testing.T) {
	a := &NetNS{ID: 1, Ifaces: []Iface{veth(5, "h0", 0, 2), {Index: 9, Name: "m", Kind: "macvlan", LinkNetnsID: 0, ParentIndex: 2}}}
	nets := map[model.NSID]*NetNS{
		1: a,
		2: {ID: 2, Ifaces: []Iface{veth(2, "eth0", 3, 5)}},              // the peer
		3: {ID: 3, Ifaces: []Iface{veth(2, "eth0", 3, 6)}},              // points elsewhere
		4: {ID: 4, Ifaces: []Iface{{Index: 2, Name: "x", Kind: "tun"}}}, // not a veth
		5: {ID: 5, Ifaces: []Iface{veth(2, "eth0", -1, 5)}},             // same-namespace pair
	}
	if got := Candidates(nets, 1, a.Iface(5)); !slices.Equal(got, []model.NSID{2}) {
		t.Errorf("veth candidates: %v", got)
	}
	if got := Candidates(nets, 1, a.Iface(9)); !slices.Equal(got, []model.NSID{2, 3, 4, 5}) {
		t.Errorf("parent candidates: %v", got)
	}
	local := veth(7, "l", -1, 8)
	if got := Candidates(nets, 1, &local); got != nil {
		t.Errorf("same-namespace link has candidates: %v", got)
	}
}

func TestPaths(t *testing.T) {
	s := &model.Snapshot{Namespaces: map[model.NSID]*model.Namespace{
		50: {ID: 50, Type: model.Mnt, Leader: 300},
		51: {ID: 51, Type: model.Mnt},
	}}
	ns := &model.Namespace{ID: 9, Type: model.Net, Leader: 20, Procs: []int{10, 20, 30, 40, 50}, HeldBy: []model.Holder{
		{Kind: model.HeldByThread, PID: 7, TID: 8},
		{Kind: model.HeldByFD, PID: 7, FD: 4},
		{Kind: model.HeldByBindMount, Path: "/run/netns/x", MntNS: 1},
		{Kind: model.HeldByBindMount, Path: "/run/netns/y", MntNS: 50},
		{Kind: model.HeldByBindMount, Path: "/run/netns/z", MntNS: 51},
		{Kind: model.HeldByBindMount, Path: "relative", MntNS: 1},
		{Kind: model.HeldBySocket, PID: 7},
	}}
	got := Paths(s, ns, 1)
	want := []string{"/proc/20/ns/net", "/proc/10/ns/net", "/proc/30/ns/net", "/proc/7/task/8/ns/net", "/proc/7/fd/4", "/run/netns/x"}
	if !slices.Equal(got, want) {
		t.Errorf("paths\n got %q\nwant %q", got, want)
	}
	ns.Procs, ns.Leader = nil, 0
	got = Paths(s, ns, 1)
	want = []string{"/proc/7/task/8/ns/net", "/proc/7/fd/4", "/run/netns/x", "/proc/300/root/run/netns/y"}
	if !slices.Equal(got, want) {
		t.Errorf("paths without processes\n got %q\nwant %q", got, want)
	}
}
