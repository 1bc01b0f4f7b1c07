package inspect

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/netinfo"
	"github.com/nsweb/nsweb/internal/zoo"
)

// TestInside plants one namespace of each kind with something inside it
// and checks what the inspector reads against what was planted.
func TestInside(t *testing.T) {
	in := zoo.PlantInside(t, "inside-ins")
	s, err := collect.Scan(context.Background(), collect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ins := New(netinfo.NewReader())
	nsOf := func(pid int, typ model.NSType) model.NSID {
		t.Helper()
		p := s.Processes[pid]
		if p == nil || p.NS[typ] == 0 {
			t.Fatalf("pid %d (%s) not in the scan", pid, typ)
		}
		return p.NS[typ]
	}
	details := func(id model.NSID, o Options) *Details {
		t.Helper()
		d := ins.Details(t.Context(), s, id, o)
		if d == nil || len(d.Missing) > 0 {
			t.Fatalf("details of %d: %+v", id, d)
		}
		return d
	}

	t.Run("user", func(t *testing.T) {
		u := details(nsOf(in.User, model.User), Options{}).User
		if !slices.Equal(u.UIDMap, []IDMap{{0, 0, 1}}) || !slices.Equal(u.GIDMap, []IDMap{{0, 0, 1}}) || u.Setgroups != "deny" {
			t.Errorf("maps: %+v %+v setgroups %q", u.UIDMap, u.GIDMap, u.Setgroups)
		}
		if len(u.Caps) != 1 || u.Caps[0].PID != in.User || !u.Caps[0].Full || !slices.Contains(u.Caps[0].Caps, "cap_sys_admin") {
			t.Errorf("caps: %+v", u.Caps)
		}
	})
	t.Run("pid", func(t *testing.T) {
		p := details(nsOf(in.Nested, model.PID), Options{}).PID
		if p.Level != 2 || len(p.Procs) != 1 || !slices.Equal(p.Procs[0].Chain, []int{in.Nested, 2, 1}) {
			t.Errorf("nested pid: %+v", p)
		}
	})
	t.Run("uts", func(t *testing.T) {
		u := details(nsOf(in.UTS, model.UTS), Options{}).UTS
		if u.Hostname != in.Hostname || u.Domainname != in.Domain {
			t.Errorf("uts: %+v", u)
		}
		if h, _ := os.Hostname(); h == in.Hostname {
			t.Errorf("nsweb's own host name changed: %q", h)
		}
	})
	t.Run("time", func(t *testing.T) {
		tm := details(nsOf(in.Time, model.Time), Options{}).Time
		if tm == nil || !slices.Contains(tm.Offsets, Offset{"monotonic", 86400, 0}) {
			t.Errorf("time: %+v", tm)
		}
	})
	t.Run("cgroup", func(t *testing.T) {
		c := details(nsOf(in.CgNS, model.Cgroup), Options{}).Cgroup
		data, _ := os.ReadFile("/proc/" + itoa(in.CgNS) + "/cgroup")
		want, _ := CgroupPath(string(data))
		if c == nil || c.Root != want {
			t.Errorf("cgroup root %+v, want %q", c, want)
		}
	})
	t.Run("mnt", func(t *testing.T) {
		id := nsOf(in.MntPID, model.Mnt)
		m := details(id, Options{Mounts: true}).Mnt
		if m.Count == 0 || m.Root == nil || len(m.Mounts) != m.Count {
			t.Fatalf("mnt: %+v", m)
		}
		var shared *Mount
		for i := range m.Mounts {
			if m.Mounts[i].MountPoint == in.Shared {
				shared = &m.Mounts[i]
			}
		}
		if shared == nil || shared.Shared == 0 || !strings.Contains(shared.Propagation, "shared") {
			t.Fatalf("shared mount %s: %+v", in.Shared, shared)
		}
		self := nsOf(os.Getpid(), model.Mnt)
		found := false
		for _, p := range m.Peers {
			if p.NS == self && slices.Contains(p.Groups, shared.Shared) && strings.Contains(p.Relation, "peer") {
				found = true
			}
		}
		if !found {
			t.Errorf("mount namespace %d shares group %d with %d: peers %+v", id, shared.Shared, self, m.Peers)
		}
		if d := ins.Details(t.Context(), s, id, Options{}); d.Mnt.Mounts != nil {
			t.Error("mount table without asking for it")
		}
	})
	t.Run("net", func(t *testing.T) {
		for _, ns := range s.Namespaces {
			if ns.Type != model.Net {
				continue
			}
			for _, h := range ns.HeldBy {
				if h.Path != "/run/netns/"+in.Names["a"] {
					continue
				}
				n := details(ns.ID, Options{}).Net
				var va *netinfo.Iface
				for i := range n.Ifaces {
					if n.Ifaces[i].Name == "va" {
						va = &n.Ifaces[i]
					}
				}
				if va == nil || va.Peer == nil || va.Peer.Name != "vb" || va.Peer.NS == 0 {
					t.Errorf("va: %+v", va)
				}
				return
			}
		}
		t.Errorf("netns %s not in the scan", in.Names["a"])
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
