package netinfo

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
	"golang.org/x/sys/unix"
)

// topo is a small real topology: namespaces a and b joined by a veth pair
// (va in a, vb in b), vb a port of bridge ibr in b, and a macvlan mv in a
// whose parent is dm in c (a veth whose peer dm2 is in c too), a vxlan
// and a tun in c.
type topo struct {
	names map[string]string // a, b, c → ip netns name
	ids   map[string]model.NSID
	snap  *model.Snapshot
}

func ip(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// plant builds the topology with names prefixed "inside-<tag>" and
// removes it when the test ends.
func plant(t testing.TB, tag string) *topo {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	tp := &topo{names: map[string]string{}, ids: map[string]model.NSID{}}
	p := "inside-" + tag
	for _, k := range []string{"a", "b", "c"} {
		name := p + "-" + k
		_ = exec.Command("ip", "netns", "del", name).Run()
		ip(t, "netns", "add", name)
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
		tp.names[k] = name
	}
	a, b, c := tp.names["a"], tp.names["b"], tp.names["c"]
	ip(t, "-n", a, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b)
	ip(t, "-n", a, "addr", "add", "10.77.0.1/24", "dev", "va")
	ip(t, "-n", a, "addr", "add", "fd77::1/64", "dev", "va")
	ip(t, "-n", a, "link", "set", "va", "up")
	ip(t, "-n", a, "route", "add", "default", "via", "10.77.0.2")
	ip(t, "-n", b, "link", "add", "ibr", "type", "bridge")
	ip(t, "-n", b, "link", "set", "vb", "master", "ibr")
	ip(t, "-n", b, "link", "set", "vb", "up")
	ip(t, "-n", b, "link", "set", "ibr", "up")
	ip(t, "-n", c, "link", "add", "dm", "type", "veth", "peer", "name", "dm2")
	ip(t, "-n", c, "link", "add", "vx", "type", "vxlan", "id", "7", "dstport", "4789")
	ip(t, "-n", c, "tuntap", "add", "tn", "mode", "tun")
	ip(t, "-n", c, "link", "set", "dm", "up")
	ip(t, "-n", c, "link", "add", "mv", "link", "dm", "type", "macvlan", "mode", "bridge")
	ip(t, "-n", c, "link", "set", "mv", "netns", a)
	s := &model.Snapshot{Namespaces: map[model.NSID]*model.Namespace{}}
	for k, name := range tp.names {
		path := "/run/netns/" + name
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		id, err := NSGetID(fd)
		var st unix.Stat_t
		_ = unix.Fstat(fd, &st)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		tp.ids[k] = model.NSID(id)
		s.Namespaces[model.NSID(id)] = &model.Namespace{ID: model.NSID(id), Type: model.Net, Inode: st.Ino,
			HeldBy: []model.Holder{{Kind: model.HeldByBindMount, Path: path}}}
	}
	tp.snap = s
	return tp
}

func TestReadTopology(t *testing.T) {
	tp := plant(t, "nl")
	r := NewReader()
	w, err := r.Wiring(t.Context(), tp.snap)
	if err != nil {
		t.Fatal(err)
	}
	if w.Namespaces != 3 || len(w.Unreadable) != 0 {
		t.Fatalf("wiring: %d namespaces, unreadable %v", w.Namespaces, w.Unreadable)
	}
	a, b, c := tp.ids["a"], tp.ids["b"], tp.ids["c"]
	var veth, mac *Edge
	for i, e := range w.Edges {
		switch e.Kind {
		case "veth":
			veth = &w.Edges[i]
		case "macvlan":
			mac = &w.Edges[i]
		}
	}
	if veth == nil || mac == nil || len(w.Edges) != 2 {
		t.Fatalf("edges: %+v", w.Edges)
	}
	ends := map[model.NSID]Endpoint{veth.A.NS: veth.A, veth.B.NS: veth.B}
	if ends[a].Iface != "va" || ends[b].Iface != "vb" || ends[b].Bridge != "ibr" {
		t.Errorf("veth edge: %+v", *veth)
	}
	if mac.A.NS != a || mac.A.Iface != "mv" || mac.B.NS != c || mac.B.Iface != "dm" || mac.B.Kind != "veth" {
		t.Errorf("macvlan edge: %+v", *mac)
	}

	na, err := r.Namespace(t.Context(), tp.snap, a)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Iface{}
	for _, f := range na.Ifaces {
		byName[f.Name] = f
	}
	va := byName["va"]
	if va.Kind != "veth" || !va.Up || va.MTU != 1500 || len(va.MAC) != 17 || va.Peer == nil ||
		va.Peer.NS != b || va.Peer.Name != "vb" || va.Peer.Relation != "veth peer" {
		t.Errorf("va: %+v peer %+v", va, va.Peer)
	}
	var v4, v6 bool
	for _, ad := range va.Addrs {
		v4 = v4 || ad.Family == "inet" && ad.IP == "10.77.0.1" && ad.PrefixLen == 24
		v6 = v6 || ad.Family == "inet6" && ad.IP == "fd77::1" && ad.PrefixLen == 64
	}
	if !v4 || !v6 {
		t.Errorf("va addresses: %+v", va.Addrs)
	}
	if lo := byName["lo"]; lo.Kind != "loopback" {
		t.Errorf("lo: %+v", lo)
	}
	if mv := byName["mv"]; mv.Kind != "macvlan" || mv.Peer == nil || mv.Peer.NS != c || mv.Peer.Name != "dm" || mv.Peer.Relation != "parent" {
		t.Errorf("mv: %+v peer %+v", mv, mv.Peer)
	}
	if len(na.Routes) != 1 || na.Routes[0].Gateway != "10.77.0.2" || na.Routes[0].Dev != "va" {
		t.Errorf("default routes: %+v", na.Routes)
	}
	nb, err := r.Namespace(t.Context(), tp.snap, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range nb.Ifaces {
		if f.Name == "ibr" && (f.Kind != "bridge" || len(f.Ports) != 1 || f.Ports[0] != "vb") {
			t.Errorf("bridge: %+v", f)
		}
		if f.Name == "vb" && (f.Master != "ibr" || f.Peer == nil || f.Peer.NS != a || f.Peer.Name != "va") {
			t.Errorf("vb: %+v peer %+v", f, f.Peer)
		}
	}
	nc, err := r.Namespace(t.Context(), tp.snap, c)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, f := range nc.Ifaces {
		kinds[f.Name] = f.Kind
		if f.Name == "dm" && (f.Peer == nil || f.Peer.NS != 0 || f.Peer.Name != "dm2") {
			t.Errorf("dm's peer in the same namespace: %+v", f.Peer)
		}
	}
	if kinds["vx"] != "vxlan" || kinds["tn"] != "tun" || kinds["dm"] != "veth" {
		t.Errorf("kinds in c: %v", kinds)
	}
	if home := SelfID(model.Net); home == 0 || home == a {
		t.Errorf("nsweb's own network namespace moved: %d", home)
	}
}

// TestGone: a namespace deleted between scans is reported unreadable, not
// mistaken for another.
func TestGone(t *testing.T) {
	tp := plant(t, "gone")
	ip(t, "netns", "del", tp.names["c"])
	w, err := NewReader().Wiring(t.Context(), tp.snap)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Unreadable) != 1 || w.Unreadable[0].NS != tp.ids["c"] {
		t.Fatalf("unreadable: %+v", w.Unreadable)
	}
	for _, e := range w.Edges {
		if e.Kind != "veth" {
			t.Errorf("edge to a deleted namespace: %+v", e)
		}
	}
}
