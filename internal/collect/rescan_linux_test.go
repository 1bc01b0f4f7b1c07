//go:build linux

package collect

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/zoo"
)

func rescanT(t *testing.T, c *Collector, prev *model.Snapshot, pids ...int) *model.Snapshot {
	t.Helper()
	snap, err := c.Rescan(context.Background(), prev, pids)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// normalized returns a copy of ns for comparing a rescan with a full scan.
// Both name a bind mount's holder by the lowest member of its mount
// namespace, so nothing is left out.
func normalized(ns *model.Namespace) model.Namespace {
	return *ns
}

// snapshotDiffs lists how a and b differ in namespaces, processes,
// containers and gaps (the scan time aside).
func snapshotDiffs(what string, a, b *model.Snapshot) []string {
	var diffs []string
	errorf := func(format string, args ...any) {
		diffs = append(diffs, fmt.Sprintf(format, args...))
	}
	if a.Root != b.Root || a.Host != b.Host || a.Kernel != b.Kernel || a.Partial != b.Partial {
		errorf("%s: header differs: root %d/%d host %q/%q", what, a.Root, b.Root, a.Host, b.Host)
	}
	for id, x := range a.Namespaces {
		y := b.Namespaces[id]
		if y == nil {
			errorf("%s: namespace %s %d only in the first", what, x.Type, id)
			continue
		}
		if nx, ny := normalized(x), normalized(y); !reflect.DeepEqual(nx, ny) {
			errorf("%s: namespace %d differs:\n %+v\n %+v", what, id, nx, ny)
		}
	}
	for id, y := range b.Namespaces {
		if a.Namespaces[id] == nil {
			errorf("%s: namespace %s %d only in the second", what, y.Type, id)
		}
	}
	if !reflect.DeepEqual(a.Processes, b.Processes) {
		for pid, p := range a.Processes {
			if !reflect.DeepEqual(p, b.Processes[pid]) {
				errorf("%s: process %d differs:\n %+v\n %+v", what, pid, p, b.Processes[pid])
			}
		}
		for pid := range b.Processes {
			if a.Processes[pid] == nil {
				errorf("%s: process %d only in the second", what, pid)
			}
		}
	}
	if !reflect.DeepEqual(a.Containers, b.Containers) {
		errorf("%s: containers differ:\n %v\n %v", what, a.Containers, b.Containers)
	}
	if !slices.Equal(a.Gaps, b.Gaps) {
		errorf("%s: gaps differ:\n %v\n %v", what, a.Gaps, b.Gaps)
	}
	return diffs
}

// TestRescanUnchanged rescans processes that did not change, of every kind
// the zoo plants: the result must be the previous snapshot again, exactly.
// Besides the named processes, a rescan reads again only those the last
// scan could not read whole (zombies of other tests, most often, which may
// be reaped or finish exiting in between), and those are left out of the
// comparison.
func TestRescanUnchanged(t *testing.T) {
	needRoot(t)
	cs := zoo.Containers(t, 2)
	_, fdHolder := zoo.FDNet(t)
	_, sockHolder := zoo.SocketNet(t)
	chain := zoo.NestedChain(t, 2)
	_, _, orphan := zoo.OrphanUser(t)
	pids := []int{fdHolder, sockHolder, orphan, os.Getpid()}
	pids = append(pids, chain.Procs...)
	for _, c := range cs {
		pids = append(pids, c.Init.PID, c.Worker)
	}
	var diffs []string
	for attempt := 1; ; attempt++ {
		c := New(Options{})
		s0 := scanT(t, c)
		r0 := slices.Clone(c.recheck)
		s1 := rescanT(t, c, s0, pids...)
		if s1 == s0 || !s1.Taken.After(s0.Taken) {
			t.Fatalf("rescan returned the old snapshot or an old time")
		}
		diffs = snapshotDiffs("rescan of unchanged processes",
			ignoring(withoutSelf(s1), r0), ignoring(withoutSelf(s0), r0))
		// And a rescan of nothing is the snapshot again too.
		r1 := slices.Clone(c.recheck)
		s2 := rescanT(t, c, s1)
		diffs = append(diffs, snapshotDiffs("rescan of nothing",
			ignoring(withoutSelf(s2), r1), ignoring(withoutSelf(s1), r1))...)
		if len(diffs) == 0 || attempt == 3 {
			break
		}
		t.Logf("attempt %d: %d differences; rechecked %v, then %v", attempt, len(diffs), r0, r1)
	}
	for _, d := range diffs {
		t.Error(d)
	}
}

// ignoring returns s without what the processes in pids contribute: their
// records, memberships, holds and gaps, and the namespaces left with
// nothing but derived holds. A rescan reads such processes (zombies of
// other tests, mostly) again on its own, and they may have finished
// exiting in between.
func ignoring(s *model.Snapshot, pids []int) *model.Snapshot {
	if len(pids) == 0 {
		return s
	}
	skip := func(pid int) bool { return slices.Contains(pids, pid) }
	c := *s
	c.Processes = maps.Clone(s.Processes)
	for _, pid := range pids {
		delete(c.Processes, pid)
	}
	c.Gaps = slices.DeleteFunc(slices.Clone(s.Gaps), func(g model.Gap) bool { return skip(g.PID) })
	c.Namespaces = make(map[model.NSID]*model.Namespace, len(s.Namespaces))
	gone := map[model.NSID]bool{}
	for id, ns := range s.Namespaces {
		x := *ns
		x.Procs = slices.DeleteFunc(slices.Clone(ns.Procs), skip)
		x.HeldBy = slices.DeleteFunc(slices.Clone(ns.HeldBy), func(h model.Holder) bool { return skip(h.PID) })
		if skip(x.Leader) {
			x.Leader = 0
		}
		derived := !slices.ContainsFunc(x.HeldBy, func(h model.Holder) bool {
			return h.Kind != model.HeldByChild && h.Kind != model.HeldByOwned
		})
		removed := len(x.Procs) < len(ns.Procs) || len(x.HeldBy) < len(ns.HeldBy)
		if len(x.Procs) == 0 && derived && removed {
			gone[id] = true
			continue
		}
		c.Namespaces[id] = &x
	}
	for _, ns := range c.Namespaces {
		ns.HeldBy = slices.DeleteFunc(ns.HeldBy, func(h model.Holder) bool { return gone[h.NS] })
		if len(ns.HeldBy) == 0 {
			ns.HeldBy = nil
		}
		if len(ns.Procs) == 0 {
			ns.Procs = nil
		}
	}
	return &c
}

// withoutSelf returns s without the test process, which opens files
// while it runs, so that its record would differ from one read to the
// next; its namespaces are still compared.
func withoutSelf(s *model.Snapshot) *model.Snapshot {
	c := *s
	c.Processes = maps.Clone(s.Processes)
	delete(c.Processes, os.Getpid())
	return &c
}

// interest is what a rescan case checks: namespaces that must be in the
// rescanned snapshot (and equal to a fresh full scan's), and namespaces
// that must be gone.
type interest struct {
	present []model.NSID
	absent  []model.NSID
	// procs that must be in the snapshot, with their namespaces as a fresh
	// scan sees them.
	procs []int
}

func containerNS(t *testing.T, pid int) []model.NSID {
	t.Helper()
	var ids []model.NSID
	for _, typ := range []model.NSType{model.User, model.PID, model.Net, model.Mnt, model.UTS, model.IPC, model.Cgroup} {
		ids = append(ids, zoo.NSOf(t, strconv.Itoa(pid), typ).ID)
	}
	return ids
}

// TestRescanChanges plants or removes one thing of each kind between a
// full scan and a rescan of the processes involved, and compares the
// rescan with a fresh full scan on what the case touched.
func TestRescanChanges(t *testing.T) {
	needRoot(t)
	tests := []struct {
		name string
		// before runs before the first scan; change after it, returning
		// the processes the proc connector would have named.
		before func(t *testing.T) any
		change func(t *testing.T, state any) ([]int, interest)
	}{
		{
			name: "container starts",
			change: func(t *testing.T, _ any) ([]int, interest) {
				c := zoo.Containers(t, 1)[0]
				return []int{c.Init.PID, c.Worker}, interest{present: containerNS(t, c.Init.PID), procs: []int{c.Init.PID, c.Worker}}
			},
		},
		{
			name: "container stops",
			before: func(t *testing.T) any {
				c := zoo.Containers(t, 1)[0]
				return struct {
					c   *zoo.Container
					ids []model.NSID
				}{c, containerNS(t, c.Init.PID)}
			},
			change: func(t *testing.T, state any) ([]int, interest) {
				st := state.(struct {
					c   *zoo.Container
					ids []model.NSID
				})
				st.c.Init.Kill()
				waitDead(t, st.c.Worker)
				return []int{st.c.Init.PID, st.c.Worker}, interest{absent: st.ids}
			},
		},
		{
			name: "nsfs fd holder appears",
			change: func(t *testing.T, _ any) ([]int, interest) {
				ns, holder := zoo.FDNet(t)
				return []int{holder}, interest{present: []model.NSID{ns.ID}, procs: []int{holder}}
			},
		},
		{
			name: "nsfs fd holder exits",
			before: func(t *testing.T) any {
				ns, holder := zoo.FDNet(t)
				return [2]int{int(ns.ID), holder}
			},
			change: func(t *testing.T, state any) ([]int, interest) {
				st := state.([2]int)
				killWait(t, st[1])
				return []int{st[1]}, interest{absent: []model.NSID{model.NSID(st[0])}}
			},
		},
		{
			name: "socket holder appears",
			change: func(t *testing.T, _ any) ([]int, interest) {
				ns, holder := zoo.SocketNet(t)
				return []int{holder}, interest{present: []model.NSID{ns.ID}, procs: []int{holder}}
			},
		},
		{
			name: "nested user and pid chain",
			change: func(t *testing.T, _ any) ([]int, interest) {
				ch := zoo.NestedChain(t, 3)
				var ids []model.NSID
				for i := range ch.Users {
					ids = append(ids, ch.Users[i].ID, ch.PIDs[i].ID)
				}
				return ch.Procs, interest{present: ids, procs: ch.Procs}
			},
		},
		{
			name: "user namespace kept by its child only",
			change: func(t *testing.T, _ any) ([]int, interest) {
				parent, child, pid := zoo.OrphanUser(t)
				return []int{pid}, interest{present: []model.NSID{parent.ID, child.ID}, procs: []int{pid}}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var state any
			if tc.before != nil {
				state = tc.before(t)
			}
			c := New(Options{})
			s0 := scanT(t, c)
			pids, want := tc.change(t, state)
			s1 := rescanT(t, c, s0, pids...)
			fresh := scanT(t, New(Options{}))
			checkInterest(t, s1, fresh, want)
		})
	}
}

// checkInterest compares a rescan with a fresh scan on what a case touched.
func checkInterest(t *testing.T, got, fresh *model.Snapshot, want interest) {
	t.Helper()
	for _, id := range want.present {
		g, f := got.Namespaces[id], fresh.Namespaces[id]
		switch {
		case g == nil:
			t.Errorf("namespace %d missing from the rescan", id)
		case f == nil:
			t.Errorf("namespace %d missing from the fresh scan (test broken?)", id)
		default:
			if ng, nf := normalized(g), normalized(f); !reflect.DeepEqual(ng, nf) {
				t.Errorf("namespace %d: rescan %+v, fresh scan %+v", id, ng, nf)
			}
		}
	}
	for _, id := range want.absent {
		if ns := got.Namespaces[id]; ns != nil {
			t.Errorf("namespace %s %d still in the rescan: %+v", ns.Type, id, *ns)
		}
		if fresh.Namespaces[id] != nil {
			t.Errorf("namespace %d still in the fresh scan (test broken?)", id)
		}
	}
	for _, pid := range want.procs {
		g, f := got.Processes[pid], fresh.Processes[pid]
		if g == nil || f == nil {
			t.Errorf("process %d: in rescan %v, in fresh scan %v", pid, g != nil, f != nil)
			continue
		}
		if !reflect.DeepEqual(g.NS, f.NS) || g.Comm != f.Comm || g.Err != f.Err {
			t.Errorf("process %d: rescan %+v, fresh scan %+v", pid, *g, *f)
		}
	}
}

// TestRescanInodeReuse kills a UTS namespace's only process and starts one
// whose new namespace gets the same inode: one rescan of both must drop
// the old namespace and add the new one, never mistake one for the other.
func TestRescanInodeReuse(t *testing.T) {
	needRoot(t)
	c := New(Options{})
	var s0 *model.Snapshot
	r := zoo.InodeReuse(t, func() { s0 = scanT(t, c) })
	if s0.Namespaces[r.First.ID] == nil {
		t.Fatalf("first scan lacks the first UTS namespace %d", r.First.ID)
	}
	s1 := rescanT(t, c, s0, r.FirstPID, r.SecondPID)
	if ns := s1.Namespaces[r.First.ID]; ns != nil {
		t.Errorf("dead namespace %d (inode %d) still there: %+v", r.First.ID, r.First.Inode, *ns)
	}
	ns := s1.Namespaces[r.Second.ID]
	if ns == nil {
		t.Fatalf("new namespace %d (reused inode %d) missing", r.Second.ID, r.Second.Inode)
	}
	if ns.Inode != r.Second.Inode || !slices.Equal(ns.Procs, []int{r.SecondPID}) {
		t.Errorf("new namespace: %+v, want inode %d with process %d", *ns, r.Second.Inode, r.SecondPID)
	}
	if got := s1.Processes[r.SecondPID].NS[model.UTS]; got != r.Second.ID {
		t.Errorf("process %d in UTS %d, want %d", r.SecondPID, got, r.Second.ID)
	}
}

// TestRescanZombie: a process's exit event arrives before its parent
// reaps it, and no event comes with the reaping. The rescan at the exit
// sees a zombie (kept, with what could not be read); the next rescan, for
// whatever reason it runs, looks again and drops it once it is reaped.
func TestRescanZombie(t *testing.T) {
	needRoot(t)
	cmd := exec.Command("sleep", "infinity")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	reaped := false
	t.Cleanup(func() {
		if !reaped {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	uts := zoo.NSOf(t, strconv.Itoa(pid), model.UTS)
	c := New(Options{})
	s0 := scanT(t, c)
	if ns := s0.Namespaces[uts.ID]; ns == nil || !slices.Contains(ns.Procs, pid) {
		t.Fatalf("first scan lacks process %d in UTS %d", pid, uts.ID)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitState(t, pid, 'Z')
	s1 := rescanT(t, c, s0, pid)
	if ns := s1.Namespaces[uts.ID]; ns != nil {
		t.Errorf("the zombie's UTS namespace is still there: %+v", *ns)
	}
	p := s1.Processes[pid]
	if p == nil || p.NS[model.UTS] != 0 || p.Err == "" {
		t.Fatalf("zombie %d: %+v, want kept, out of its UTS namespace and with an error", pid, p)
	}
	if !c.Unsettled() {
		t.Error("Unsettled() = false with a zombie in the snapshot")
	}
	_ = cmd.Wait()
	reaped = true
	s2 := rescanT(t, c, s1) // no event names it
	if p := s2.Processes[pid]; p != nil {
		t.Errorf("reaped process %d still there: %+v", pid, *p)
	}
	for _, g := range s2.Gaps {
		if g.PID == pid {
			t.Errorf("gap of the reaped process left: %+v", g)
		}
	}
	// Other zombies on the host may keep it unsettled, but not ours.
	if slices.Contains(c.recheck, pid) {
		t.Errorf("reaped process %d still to be rechecked", pid)
	}
	if c.Unsettled() && !slices.ContainsFunc(c.recheck, isZombie) {
		t.Errorf("Unsettled() = true, but none of %v is a zombie", c.recheck)
	}
}

// isZombie reports whether /proc says pid is a zombie now.
func isZombie(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	st, err := ParseStat(data)
	return err == nil && st.State == 'Z'
}

// TestRescanFallsBackToScan: a snapshot this Collector did not take last
// is not trusted.
func TestRescanFallsBackToScan(t *testing.T) {
	needRoot(t)
	c := New(Options{})
	s0 := scanT(t, c)
	_ = scanT(t, c) // the collector moved on
	stale := *s0
	stale.Namespaces = map[model.NSID]*model.Namespace{} // a rescan would keep this emptiness
	s1 := rescanT(t, c, &stale)
	if len(s1.Namespaces) == 0 {
		t.Fatal("rescan built on a snapshot that was not the collector's last")
	}
}

// killWait kills pid and waits until it has exited (a zombie of the zoo,
// which reaps it at cleanup, or gone).
func killWait(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitDead(t, pid)
}

// waitDead waits until pid is a zombie or gone.
func waitDead(t *testing.T, pid int) {
	t.Helper()
	waitState(t, pid, 'Z')
}

// waitState waits until pid's /proc/PID/stat shows the state; for 'Z', a
// process already reaped counts too.
func waitState(t *testing.T, pid int, state byte) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil && state == 'Z' {
			return
		}
		if err == nil {
			if i := bytes.LastIndexByte(data, ')'); i > 0 && i+2 < len(data) && data[i+2] == state {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d not in state %c after 10 s", pid, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestResolveReusedInode: when what a scan holds at an inode is a dead
// namespace (the kernel hands inodes out again at once), a namespace met
// at that inode is resolved anew by its NS_GET_ID, never taken for the
// dead one.
func TestResolveReusedInode(t *testing.T) {
	needRoot(t)
	for _, typ := range []model.NSType{model.UTS, model.Net, model.User} {
		t.Run(string(typ), func(t *testing.T) {
			fd, err := syscall.Open("/proc/self/ns/"+string(typ), syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer syscall.Close(fd)
			_, ino, err := fstatIno(fd)
			if err != nil {
				t.Fatal(err)
			}
			id, err := nsGetID(fd)
			if err != nil {
				t.Skipf("NS_GET_ID: %v", err)
			}
			s := New(Options{}).newScan(context.Background())
			dead := &model.Namespace{ID: model.NSID(id) + 1000, Type: typ, Inode: ino}
			s.byIno[ino] = dead
			ns, err := s.resolve(fd, typ)
			if err != nil {
				t.Fatal(err)
			}
			if ns == dead || ns.ID != model.NSID(id) {
				t.Fatalf("resolved %s:[%d] as %+v, want ID %d", typ, ino, *ns, id)
			}
			if s.byIno[ino] != ns {
				t.Errorf("the dead namespace kept the inode")
			}
			// Met again, the live one is found.
			if again, _ := s.resolve(fd, typ); again != ns {
				t.Errorf("second resolve gave %+v", again)
			}
		})
	}
}
