package inspect

import (
	"testing"

	"github.com/nsweb/nsweb/internal/netinfo"
)

func TestBrief(t *testing.T) {
	many := make([]netinfo.Iface, 8)
	for i := range many {
		many[i].Name = "e" + string(rune('0'+i))
	}
	for _, tc := range []struct {
		d    *Details
		want string
	}{
		{nil, ""},
		{&Details{Net: &netinfo.NetNS{Ifaces: []netinfo.Iface{
			{Name: "lo", Addrs: []netinfo.Addr{{Family: "inet", IP: "127.0.0.1", PrefixLen: 8, Scope: "host"}}},
			{Name: "va", Addrs: []netinfo.Addr{{Family: "inet6", IP: "fd::1", PrefixLen: 64}, {Family: "inet", IP: "10.0.0.1", PrefixLen: 24}},
				Peer: &netinfo.Peer{Relation: "veth peer", Name: "vb"}},
			{Name: "mv", Peer: &netinfo.Peer{Relation: "parent", Name: "pm"}},
		}}}, "lo, va 10.0.0.1/24 ↔ vb, mv → pm"},
		{&Details{Net: &netinfo.NetNS{Ifaces: many}}, "e0, e1, e2, e3, e4, e5, +2 more"},
		{&Details{User: &User{UIDMap: []IDMap{{0, 1000, 1}, {1, 100000, 65536}}}}, "uid_map 0→1000 ×1 +1"},
		{&Details{User: &User{}}, "uid_map empty"},
		{&Details{UTS: &UTS{Hostname: "box"}}, "hostname box"},
		{&Details{PID: &PIDNS{Level: 2}}, "level 2"},
		{&Details{Time: &Time{Offsets: []Offset{{"monotonic", 86400, 0}, {"boottime", 0, 0}}}}, "monotonic +86400 s"},
		{&Details{Cgroup: &Cgroup{Root: "/a"}}, "root /a"},
		{&Details{Mnt: &Mnt{Count: 24}}, "24 mounts"},
		{&Details{Mnt: &Mnt{Count: 1}}, "1 mount"},
	} {
		if got := Brief(tc.d); got != tc.want {
			t.Errorf("Brief(%+v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
