//go:build linux

package collect

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/zoo"
	"golang.org/x/sys/unix"
)

// TestMountOfNoNamespaceKeepsIDs: a path that mountinfo lists as an nsfs
// mount but where a plain file is found when it is opened (a file mounted
// over it, or, as `ip netns del` does, the bind mount unmounted between
// the read of mountinfo and the open, the empty mount point left) is a
// gap. It is no sign of a kernel without NS_GET_ID: the scan and rescans
// keep identifying every namespace by NS_GET_ID. They used to switch the
// whole scan to the fallback identity on the ENOTTY of that plain file,
// giving every namespace of the host another ID for one snapshot: every
// one ended and was born again, the history recorder met them "coming
// back" under their NSIDs, and a browser was told that all it showed had
// just appeared.
func TestMountOfNoNamespaceKeepsIDs(t *testing.T) {
	needRoot(t)
	om := zoo.PlantNsfsMount(t)
	point, pid := om.Point, om.PID
	mnt := zoo.NSOf(t, strconv.Itoa(pid), model.Mnt)
	// What must keep its NS_GET_ID: namespaces of ours and of the helper.
	want := []zoo.NS{
		zoo.NSOf(t, strconv.Itoa(os.Getpid()), model.Net),
		zoo.NSOf(t, strconv.Itoa(os.Getpid()), model.User),
		zoo.NSOf(t, strconv.Itoa(os.Getpid()), model.UTS),
		mnt,
	}
	check := func(what string, s *model.Snapshot) {
		t.Helper()
		for _, w := range want {
			if ns := s.Namespaces[w.ID]; ns == nil || ns.Inode != w.Inode {
				t.Errorf("%s: %s:[%d] is not under its NS_GET_ID %d (the scan fell back to another identity): %+v", what, w.Type, w.Inode, w.ID, ns)
			}
		}
		if !hasGap(s, point) {
			t.Errorf("%s: no gap for the nsfs mount at %s hidden by a plain file: %+v", what, point, s.Gaps)
		}
	}
	ctx := context.Background()
	var cs []*Collector
	var prevs []*model.Snapshot
	for _, opts := range []Options{{}, {NoFileHandles: true}} {
		c := New(opts)
		prev, err := c.Scan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cs, prevs = append(cs, c), append(prevs, prev)
	}
	om.Cover()
	for i, c := range cs {
		// The rescan of that mount namespace, as a kernel mount event
		// asks for it, then a full scan.
		snap, err := c.RescanMounts(ctx, prevs[i], []int{}, []uint64{mnt.Inode})
		if err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("rescan %+v", c.opts), snap)
		full, err := c.Scan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("scan %+v", c.opts), full)
	}
}

// hasGap reports whether s has a blind spot about path (under any
// /proc/PID/root): a gap not marked vanished.
func hasGap(s *model.Snapshot, path string) bool {
	for _, g := range s.Gaps {
		if strings.HasSuffix(g.What, "/root"+path) && !g.Vanished {
			return true
		}
	}
	return false
}

// TestStillMounted: a mount that resolves to another file is a blind spot
// while mountinfo still lists it (covered), and hides nothing once it is
// gone from mountinfo (ip netns del unmounted it after the read) or its
// process exited.
func TestStillMounted(t *testing.T) {
	needRoot(t)
	om := zoo.PlantNsfsMount(t)
	om.Cover()
	// The UTS namespace bind-mounted at Point (the helper's own is the host's).
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", om.PID))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := ParseMountinfo(data)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m NSMount) bool { return m.MountPoint == om.Point })
	if i < 0 {
		t.Fatalf("no nsfs mount at %s in the helper's mountinfo: %+v", om.Point, ms)
	}
	uts := ms[i]
	var fi unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/ns/uts", os.Getpid()), &fi); err != nil {
		t.Fatal(err)
	}
	w := &worker{buf: make([]byte, 64), lbuf: make([]byte, 256)} // small: the read grows it
	base := fmt.Sprintf("/proc/%d", om.PID)
	for _, tc := range []struct {
		name string
		base string
		m    NSMount
		want bool
	}{
		{"listed", base, NSMount{MountPoint: om.Point, Type: model.UTS, Inode: uts.Inode}, true},
		{"another inode", base, NSMount{MountPoint: om.Point, Type: model.UTS, Inode: fi.Ino}, false},
		{"another path", base, NSMount{MountPoint: om.Point + "x", Type: model.UTS, Inode: uts.Inode}, false},
		{"no such process", "/proc/999999999", NSMount{MountPoint: om.Point, Type: model.UTS, Inode: uts.Inode}, false},
	} {
		if got := stillMounted(w, tc.base, tc.m); got != tc.want {
			t.Errorf("%s: stillMounted = %v, want %v", tc.name, got, tc.want)
		}
	}
}
