//go:build linux

package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/zoo"
)

func needRoot(t testing.TB) {
	t.Helper()
	if err := zoo.Check(); err != nil {
		t.Skip(err)
	}
}

func scanT(t testing.TB, c *Collector) *model.Snapshot {
	t.Helper()
	snap, err := c.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// nsT returns the scanned namespace with the zoo's ID, failing if absent
// or if its type or inode differ from what the zoo planted.
func nsT(t *testing.T, snap *model.Snapshot, want zoo.NS, what string) *model.Namespace {
	t.Helper()
	ns := snap.Namespaces[want.ID]
	if ns == nil {
		t.Fatalf("%s: namespace %s:[%d] id %d not found", what, want.Type, want.Inode, want.ID)
	}
	if ns.Type != want.Type || ns.Inode != want.Inode {
		t.Errorf("%s: got %s:[%d], want %s:[%d]", what, ns.Type, ns.Inode, want.Type, want.Inode)
	}
	return ns
}

func hasHolder(ns *model.Namespace, h model.Holder) bool {
	return slices.Contains(ns.HeldBy, h)
}

// TestZoo plants every case at once and checks one scan finds each with
// the right parent, owner and holders.
func TestZoo(t *testing.T) {
	needRoot(t)
	self := strconv.Itoa(os.Getpid())
	hostUser := zoo.NSOf(t, self, model.User)
	hostPID := zoo.NSOf(t, self, model.PID)
	hostMnt := zoo.NSOf(t, self, model.Mnt)

	containers := zoo.Containers(t, 3)
	chain := zoo.NestedChain(t, 4)
	orphanParent, orphanChild, orphanPID := zoo.OrphanUser(t)
	bindNS, bindPath := zoo.BindMountNet(t)
	fdNS, fdHolder := zoo.FDNet(t)
	sparseNS, sparseHolder := zoo.FDNetAt(t, 40)
	sockNS, sockHolder := zoo.SocketNet(t)
	tid, threadNS := zoo.UTSThread(t)

	// The second scan of a Collector takes namespaces it met before from
	// its memory: it must see exactly the same.
	for _, mode := range []struct {
		name string
		opts Options
	}{{"handles", Options{}}, {"readlink", Options{NoFileHandles: true}}} {
		c := New(mode.opts)
		for _, pass := range []string{"cold", "warm"} {
			t.Run(mode.name+"/"+pass, func(t *testing.T) {
				zooChecks(t, scanT(t, c), zooCase{hostUser, hostPID, hostMnt, containers, chain,
					orphanParent, orphanChild, orphanPID, bindNS, bindPath, fdNS, fdHolder, sparseNS, sparseHolder, sockNS, sockHolder, tid, threadNS})
			})
		}
	}
}

type zooCase struct {
	hostUser, hostPID, hostMnt zoo.NS
	containers                 []*zoo.Container
	chain                      zoo.Chain
	orphanParent, orphanChild  zoo.NS
	orphanPID                  int
	bindNS                     zoo.NS
	bindPath                   string
	fdNS                       zoo.NS
	fdHolder                   int
	sparseNS                   zoo.NS
	sparseHolder               int
	sockNS                     zoo.NS
	sockHolder                 int
	tid                        int
	threadNS                   zoo.NS
}

func zooChecks(t *testing.T, snap *model.Snapshot, z zooCase) {
	checkIntegrity(t, snap)
	hostUser, hostPID, hostMnt, containers, chain := z.hostUser, z.hostPID, z.hostMnt, z.containers, z.chain
	orphanParent, orphanChild, orphanPID, bindNS, bindPath := z.orphanParent, z.orphanChild, z.orphanPID, z.bindNS, z.bindPath
	fdNS, fdHolder, sockNS, sockHolder, tid, threadNS := z.fdNS, z.fdHolder, z.sockNS, z.sockHolder, z.tid, z.threadNS

	t.Run("containers", func(t *testing.T) {
		for i, c := range containers {
			init := strconv.Itoa(c.Init.PID)
			user := nsT(t, snap, zoo.NSOf(t, init, model.User), "container user")
			if user.Parent != hostUser.ID || user.Owner != hostUser.ID {
				t.Errorf("container %d user ns: parent %d owner %d, want %d", i, user.Parent, user.Owner, hostUser.ID)
			}
			if user.OwnerUID == nil || *user.OwnerUID != 0 {
				t.Errorf("container %d user ns owner UID %v, want 0", i, user.OwnerUID)
			}
			for _, typ := range []model.NSType{model.PID, model.Net, model.UTS, model.IPC, model.Mnt, model.Cgroup} {
				ns := nsT(t, snap, zoo.NSOf(t, init, typ), "container "+string(typ))
				if ns.Owner != user.ID {
					t.Errorf("container %d %s ns owner %d, want %d", i, typ, ns.Owner, user.ID)
				}
				if typ == model.PID && ns.Parent != hostPID.ID {
					t.Errorf("container %d pid ns parent %d, want %d", i, ns.Parent, hostPID.ID)
				}
				if !slices.Equal(ns.Procs, sorted(c.Init.PID, c.Worker)) {
					t.Errorf("container %d %s procs %v, want %d and %d", i, typ, ns.Procs, c.Init.PID, c.Worker)
				}
				if snap.Processes[c.Init.PID].NS[typ] != ns.ID || snap.Processes[c.Worker].NS[typ] != ns.ID {
					t.Errorf("container %d: processes do not map %s to %d", i, typ, ns.ID)
				}
			}
			pidNS := snap.Namespaces[snap.Processes[c.Init.PID].NS[model.PID]]
			if pidNS.Leader != c.Init.PID {
				t.Errorf("container %d leader %d, want init %d", i, pidNS.Leader, c.Init.PID)
			}
			if got := snap.Processes[c.Init.PID].NSpid; !slices.Equal(got, []int{c.Init.PID, 1}) {
				t.Errorf("container %d init NSpid %v, want [%d 1]", i, got, c.Init.PID)
			}
		}
	})

	t.Run("nested chain", func(t *testing.T) {
		for k := range chain.Users {
			u := nsT(t, snap, chain.Users[k], "chain user "+strconv.Itoa(k))
			p := nsT(t, snap, chain.PIDs[k], "chain pid "+strconv.Itoa(k))
			wantU, wantP := hostUser.ID, hostPID.ID
			if k > 0 {
				wantU, wantP = chain.Users[k-1].ID, chain.PIDs[k-1].ID
			}
			if u.Parent != wantU || u.Owner != wantU {
				t.Errorf("level %d user: parent %d owner %d, want %d", k, u.Parent, u.Owner, wantU)
			}
			if p.Parent != wantP || p.Owner != u.ID {
				t.Errorf("level %d pid: parent %d owner %d, want parent %d owner %d", k, p.Parent, p.Owner, wantP, u.ID)
			}
			// The forking unshare is outside PIDs[k] but points its
			// children there.
			if !hasHolder(p, model.Holder{Kind: model.HeldByChildren, PID: chain.Procs[k]}) {
				t.Errorf("level %d pid ns held by %+v, want pid_for_children of %d", k, p.HeldBy, chain.Procs[k])
			}
		}
		if got := len(snap.Processes[chain.Leaf].NSpid); got != 5 {
			t.Errorf("leaf NSpid has %d levels, want 5", got)
		}
	})

	t.Run("user ns held by child", func(t *testing.T) {
		parent := nsT(t, snap, orphanParent, "orphan parent")
		child := nsT(t, snap, orphanChild, "orphan child")
		if len(parent.Procs) != 0 {
			t.Errorf("orphan parent has processes %v", parent.Procs)
		}
		if child.Parent != parent.ID || parent.Parent != hostUser.ID {
			t.Errorf("child parent %d want %d; parent parent %d want %d", child.Parent, parent.ID, parent.Parent, hostUser.ID)
		}
		if !hasHolder(parent, model.Holder{Kind: model.HeldByChild, NS: child.ID}) {
			t.Errorf("orphan parent held by %+v, want its child %d", parent.HeldBy, child.ID)
		}
		if !slices.Equal(child.Procs, []int{orphanPID}) {
			t.Errorf("child procs %v, want [%d]", child.Procs, orphanPID)
		}
	})

	t.Run("bind mount", func(t *testing.T) {
		ns := nsT(t, snap, bindNS, "bind-mounted netns")
		if len(ns.Procs) != 0 || ns.Owner != hostUser.ID {
			t.Errorf("procs %v owner %d", ns.Procs, ns.Owner)
		}
		found := false
		for _, h := range ns.HeldBy {
			if h.Kind == model.HeldByBindMount && h.Path == bindPath && h.MntNS == hostMnt.ID {
				found = true
			}
		}
		if !found {
			t.Errorf("held by %+v, want bind mount %s in mnt ns %d", ns.HeldBy, bindPath, hostMnt.ID)
		}
	})

	t.Run("fd", func(t *testing.T) {
		ns := nsT(t, snap, fdNS, "fd-held netns")
		if len(ns.Procs) != 0 || !hasHolder(ns, model.Holder{Kind: model.HeldByFD, PID: fdHolder, FD: 3}) {
			t.Errorf("procs %v held by %+v, want fd 3 of %d", ns.Procs, ns.HeldBy, fdHolder)
		}
	})

	t.Run("fd in a sparse table", func(t *testing.T) {
		ns := nsT(t, snap, z.sparseNS, "fd-40-held netns")
		if len(ns.Procs) != 0 || !hasHolder(ns, model.Holder{Kind: model.HeldByFD, PID: z.sparseHolder, FD: 40}) {
			t.Errorf("procs %v held by %+v, want fd 40 of %d", ns.Procs, ns.HeldBy, z.sparseHolder)
		}
	})

	t.Run("socket", func(t *testing.T) {
		ns := nsT(t, snap, sockNS, "socket-held netns")
		if len(ns.Procs) != 0 || !hasHolder(ns, model.Holder{Kind: model.HeldBySocket, PID: sockHolder, FD: 3}) {
			t.Errorf("procs %v held by %+v, want socket fd 3 of %d", ns.Procs, ns.HeldBy, sockHolder)
		}
		// The holder's own netns is not held by its socket-less stdio.
		own := snap.Namespaces[snap.Processes[sockHolder].NS[model.Net]]
		for _, h := range own.HeldBy {
			if h.Kind == model.HeldBySocket && h.PID == sockHolder {
				t.Errorf("socket holder recorded on its own netns: %+v", h)
			}
		}
	})

	t.Run("thread", func(t *testing.T) {
		ns := nsT(t, snap, threadNS, "thread uts")
		if !hasHolder(ns, model.Holder{Kind: model.HeldByThread, PID: os.Getpid(), TID: tid}) {
			t.Errorf("held by %+v, want thread %d of %d", ns.HeldBy, tid, os.Getpid())
		}
		if slices.Contains(ns.Procs, os.Getpid()) {
			t.Errorf("the process is listed as a member of its thread's namespace")
		}
	})
}

func sorted(a ...int) []int {
	slices.Sort(a)
	return a
}

// TestInodeReuse checks that a namespace that gets a dead one's inode is
// a new namespace, with NS_GET_ID and with the fallback identity.
func TestInodeReuse(t *testing.T) {
	needRoot(t)
	for _, fallback := range []bool{false, true} {
		t.Run("fallback="+strconv.FormatBool(fallback), func(t *testing.T) {
			c := New(Options{NoNSGetID: fallback, NoSockets: true})
			var before *model.Snapshot
			r := zoo.InodeReuse(t, func() { before = scanT(t, c) })
			after := scanT(t, c)
			checkIntegrity(t, before)
			checkIntegrity(t, after)
			a := byInode(before, model.UTS, r.First.Inode)
			b := byInode(after, model.UTS, r.Second.Inode)
			if a == nil || b == nil {
				t.Fatalf("inode %d: before %v after %v", r.First.Inode, a, b)
			}
			if a.ID == b.ID {
				t.Errorf("reused inode %d kept id %d: two namespaces seen as one", r.First.Inode, a.ID)
			}
			if !fallback && (a.ID != r.First.ID || b.ID != r.Second.ID) {
				t.Errorf("ids %d, %d; want NS_GET_ID %d, %d", a.ID, b.ID, r.First.ID, r.Second.ID)
			}
			if !slices.Equal(a.Procs, []int{r.FirstPID}) || !slices.Equal(b.Procs, []int{r.SecondPID}) {
				t.Errorf("procs %v then %v, want [%d] then [%d]", a.Procs, b.Procs, r.FirstPID, r.SecondPID)
			}
			// Namespaces that did not change keep their IDs.
			self := os.Getpid()
			for typ, id := range before.Processes[self].NS {
				if after.Processes[self].NS[typ] != id {
					t.Errorf("own %s namespace changed id %d → %d", typ, id, after.Processes[self].NS[typ])
				}
			}
		})
	}
}

func byInode(s *model.Snapshot, typ model.NSType, ino uint64) *model.Namespace {
	for _, ns := range s.Namespaces {
		if ns.Type == typ && ns.Inode == ino {
			return ns
		}
	}
	return nil
}

// TestUnprivileged re-runs the scan as nobody and checks the snapshot says
// it is partial, counts what it could not see, and still lists root's
// processes.
func TestUnprivileged(t *testing.T) {
	if os.Getenv("NSWEB_UNPRIV_CHILD") == "1" {
		snap, err := Scan(context.Background(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := json.NewEncoder(os.Stdout).Encode(snap); err != nil {
			t.Fatal(err)
		}
		return
	}
	needRoot(t)
	c := zoo.Containers(t, 1)[0]
	// The test binary sits in a 0700 build directory: copy it where nobody
	// can run it.
	dir, err := os.MkdirTemp("", "nsweb-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "collect.test")
	copyFile(t, os.Args[0], bin)
	cmd := exec.Command(bin, "-test.run=^TestUnprivileged$")
	cmd.Env = append(os.Environ(), "NSWEB_UNPRIV_CHILD=1")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var snap model.Snapshot
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&snap); err != nil {
		t.Fatalf("decode child output: %v\n%.500s", err, out)
	}
	if !snap.Partial || snap.Reason == "" {
		t.Errorf("partial %v reason %q", snap.Partial, snap.Reason)
	}
	if len(snap.Gaps) == 0 {
		t.Errorf("no gaps recorded")
	}
	p := snap.Processes[c.Init.PID]
	if p == nil {
		t.Fatalf("root's container init %d dropped from the snapshot", c.Init.PID)
	}
	if p.Err == "" || p.Comm != "sleep" {
		t.Errorf("root process: comm %q err %q; want sleep, flagged", p.Comm, p.Err)
	}
	// The child's own namespaces are readable to it.
	if len(snap.Namespaces) == 0 {
		t.Errorf("no namespaces at all")
	}
}

func copyFile(t *testing.T, from, to string) {
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBindMountChanges checks a Collector's memory of mount namespaces: a
// bind mount added after a scan is seen by the next one, and one removed is
// gone from it.
func TestBindMountChanges(t *testing.T) {
	needRoot(t)
	c := New(Options{NoSockets: true})
	self := zoo.NSOf(t, strconv.Itoa(os.Getpid()), model.Mnt)
	scanT(t, c)
	ns, path := zoo.BindMountNet(t)
	mid := scanT(t, c)
	got := mid.Namespaces[ns.ID]
	if got == nil {
		t.Fatalf("bind-mounted netns %s added after a scan not found by the next", path)
	}
	if !hasHolder(got, model.Holder{Kind: model.HeldByBindMount, PID: heldByPID(got, path), Path: path, MntNS: self.ID}) {
		t.Errorf("held by %+v, want %s in mnt ns %d", got.HeldBy, path, self.ID)
	}
	// Unchanged: the remembered mount must still be reported.
	again := scanT(t, c)
	if again.Namespaces[ns.ID] == nil {
		t.Fatalf("bind-mounted netns lost on an unchanged rescan")
	}
	if out, err := exec.Command("ip", "netns", "delete", filepath.Base(path)).CombinedOutput(); err != nil {
		t.Fatalf("ip netns delete: %v: %s", err, out)
	}
	after := scanT(t, c)
	for _, n := range after.Namespaces {
		for _, h := range n.HeldBy {
			if h.Kind == model.HeldByBindMount && h.Path == path {
				t.Errorf("removed bind mount %s still reported on %s %d", path, n.Type, n.ID)
			}
		}
	}
}

func heldByPID(ns *model.Namespace, path string) int {
	for _, h := range ns.HeldBy {
		if h.Kind == model.HeldByBindMount && h.Path == path {
			return h.PID
		}
	}
	return 0
}

// TestBindMountHolderDeterministic checks that a bind mount names the same
// process as the one it was read through in every scan, by every
// Collector: the lowest member of its mount namespace. Scans read
// processes in parallel, so the member that happened to be met first would
// differ between the server's scans and a fresh discovery, and a client
// compared with a fresh scan would see a node that differs for nothing.
func TestBindMountHolderDeterministic(t *testing.T) {
	needRoot(t)
	ns, path := zoo.BindMountNet(t)
	// Some more members of this mount namespace, so that the scan has a
	// choice: sleeps forked in a burst, read by parallel workers.
	for range 16 {
		cmd := exec.Command("sleep", "60")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	}
	self := zoo.NSOf(t, strconv.Itoa(os.Getpid()), model.Mnt)
	for i := range 20 {
		c := New(Options{NoSockets: true})
		snap := scanT(t, c)
		// And again on the same Collector, which checks the remembered
		// mounts in place instead of rereading mountinfo.
		for j, s := range []*model.Snapshot{snap, scanT(t, c)} {
			got, mnt := s.Namespaces[ns.ID], s.Namespaces[self.ID]
			if got == nil || mnt == nil || len(mnt.Procs) == 0 {
				t.Fatalf("scan %d.%d: bind-mounted netns or the host mount namespace missing", i, j)
			}
			if pid := heldByPID(got, path); pid != mnt.Procs[0] {
				t.Fatalf("scan %d.%d: %s held through PID %d, want the lowest member of its mount namespace, %d",
					i, j, path, pid, mnt.Procs[0])
			}
		}
	}
}
