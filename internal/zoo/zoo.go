//go:build linux

// Package zoo plants real namespaces on the running kernel for tests and
// benchmarks: containers, nested user+PID chains, namespaces kept alive
// only by a child, a bind mount, an fd or a socket, a thread with its own
// UTS namespace, and inode reuse. Every case is something collect must
// find; the zoo says what it planted (PIDs, inodes, NS_GET_IDs) so tests
// can check the scan against it, and removes everything it made through
// tb.Cleanup, also when the test fails.
//
// It needs root and is a test helper only: it calls t.Fatal on setup errors.
// Planted processes get PR_SET_PDEATHSIG=SIGKILL so that even a crashed test
// binary leaves nothing behind.
package zoo

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/model"
)

// NS is a namespace as the zoo saw it when planting it.
type NS struct {
	Type  model.NSType
	Inode uint64
	ID    model.NSID // NS_GET_ID
}

// Proc is a planted process.
type Proc struct {
	PID int
	cmd *exec.Cmd
}

// NSOf reads the namespace of the given type that a task (process or
// thread, as "PID" or "PID/task/TID") is in.
func NSOf(tb testing.TB, task string, typ model.NSType) NS {
	tb.Helper()
	ns, err := nsOfPath("/proc/" + task + "/ns/" + string(typ))
	if err != nil {
		tb.Fatalf("zoo: %v", err)
	}
	ns.Type = typ
	return ns
}

func nsOfPath(path string) (NS, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return NS{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer unix.Close(fd)
	return nsOfFD(fd)
}

func nsOfFD(fd int) (NS, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return NS{}, fmt.Errorf("fstat: %w", err)
	}
	var id uint64
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.NS_GET_ID), uintptr(unsafe.Pointer(&id))); e != 0 {
		return NS{}, fmt.Errorf("NS_GET_ID: %w", e)
	}
	return NS{Inode: st.Ino, ID: model.NSID(id)}, nil
}

// start runs argv with the given clone flags (mapping root to root when a
// user namespace is made) and registers its killing.
func start(tb testing.TB, flags uintptr, extra []*os.File, argv ...string) *Proc {
	tb.Helper()
	cloexecInherited()
	p, err := startProc(flags, extra, argv...)
	if err != nil {
		tb.Fatalf("zoo: start %v: %v", argv, err)
	}
	tb.Cleanup(p.Kill)
	return p
}

// cloexecInherited marks the fds this process inherited from whatever
// started it (a shell, a CI runner) close-on-exec. Go opens its own fds
// that way, but inherited ones would leak into every planted process and
// make its fd table unlike a container's.
func cloexecInherited() {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
}

func startProc(flags uintptr, extra []*os.File, argv ...string) (*Proc, error) {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, err
	}
	cmd := &exec.Cmd{Path: path, Args: argv, ExtraFiles: extra}
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: flags, Pdeathsig: syscall.SIGKILL}
	if flags&unix.CLONE_NEWUSER != 0 {
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}}
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &Proc{PID: cmd.Process.Pid, cmd: cmd}, nil
}

// Kill kills the process (for a PID namespace init, the kernel then kills
// every other member) and reaps it. Safe to call twice.
func (p *Proc) Kill() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.cmd = nil
}

// ContainerFlags are the namespaces a zoo container gets: everything but
// time, as container engines do.
const ContainerFlags = unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET |
	unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP

// Container is a planted container: an init (PID 1 inside) and one worker
// process, both in seven fresh namespaces.
type Container struct {
	Init *Proc
	// Worker is the second process, found after start; 0 if it had not
	// appeared yet when Containers returned (see WaitWorkers).
	Worker int
}

// containerScript makes two processes, like a real container: an init that
// execs into sleep, and a sleep worker it started first.
const containerScript = "sleep infinity & exec sleep infinity"

// Containers starts n containers concurrently and waits until each has its
// worker. Starting 5000 takes seconds, not minutes.
func Containers(tb testing.TB, n int) []*Container {
	tb.Helper()
	cloexecInherited()
	cs := make([]*Container, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	var next sync.Mutex
	i := 0
	for range min(n, 8) {
		wg.Go(func() {
			for {
				next.Lock()
				k := i
				i++
				next.Unlock()
				if k >= n {
					return
				}
				p, err := startProc(ContainerFlags, nil, "/bin/sh", "-c", containerScript)
				if err != nil {
					errs <- err
					return
				}
				cs[k] = &Container{Init: p}
			}
		})
	}
	wg.Wait()
	tb.Cleanup(func() { killAll(cs) })
	close(errs)
	if err := <-errs; err != nil {
		tb.Fatalf("zoo: start containers: %v", err)
	}
	// Each init forks its worker before exec'ing sleep; find the workers.
	deadline := time.Now().Add(30 * time.Second)
	for {
		missing := 0
		kids := childrenOf()
		for _, c := range cs {
			if c.Worker == 0 {
				for _, k := range kids[c.Init.PID] {
					if comm(k) == "sleep" {
						c.Worker = k
					}
				}
			}
			if c.Worker == 0 || comm(c.Init.PID) != "sleep" {
				missing++
			}
		}
		if missing == 0 {
			return cs
		}
		if time.Now().After(deadline) {
			tb.Fatalf("zoo: %d of %d containers not up after 30s", missing, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TaggedContainer starts one container as Containers does, but whose two
// sleeps sleep for tag seconds (e.g. "300.123456"): a tag unique to a test
// run lets a filter on command lines find exactly its processes on a busy
// host. It returns errors instead of failing the test, and does not wait
// for the worker, so that churn loops can start containers quickly and
// count what went wrong; Kill removes the container (Cleanup does too).
func TaggedContainer(tb testing.TB, tag string) (*Proc, error) {
	tb.Helper()
	if tag == "" || strings.Trim(tag, "0123456789.") != "" {
		return nil, fmt.Errorf("zoo: tag %q is not a number of seconds", tag)
	}
	cloexecInherited()
	p, err := startProc(ContainerFlags, nil, "/bin/sh", "-c", "sleep "+tag+" & exec sleep "+tag)
	if err != nil {
		return nil, fmt.Errorf("zoo: start tagged container: %w", err)
	}
	tb.Cleanup(p.Kill)
	return p, nil
}

// killAll kills containers concurrently: reaping thousands one by one
// waits on each netns teardown in turn.
func killAll(cs []*Container) {
	for _, c := range cs {
		if c != nil && c.Init.cmd != nil {
			_ = c.Init.cmd.Process.Kill()
		}
	}
	var wg sync.WaitGroup
	for _, c := range cs {
		if c != nil {
			wg.Go(c.Init.Kill)
		}
	}
	wg.Wait()
}

// childrenOf maps each PID to its children, from one pass over /proc.
func childrenOf() map[int][]int {
	out := map[int][]int{}
	names, _ := os.ReadDir("/proc")
	for _, e := range names {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp := ppid(pid); pp > 0 {
			out[pp] = append(out[pp], pid)
		}
	}
	return out
}

func ppid(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

func comm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}

// Chain is a nested user+PID chain: Users[0] is the outermost new user
// namespace, Users[len-1] the innermost, each the parent of the next;
// PIDs likewise, PIDs[i] owned by Users[i]. Leaf is the process at the
// bottom.
type Chain struct {
	Users, PIDs []NS
	Leaf        int
	// Procs are the chain's processes, outermost first: Procs[k] is in
	// Users[k] and forked Procs[k+1] into PIDs[k], so PIDs[k] is its
	// pid_for_children; Procs[depth] is Leaf.
	Procs []int
}

// NestedChain plants depth nested user+PID namespace pairs with unshare(1),
// one process per level, and a sleep at the bottom.
func NestedChain(tb testing.TB, depth int) Chain {
	tb.Helper()
	var argv []string
	for range depth {
		argv = append(argv, "unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child")
	}
	argv = append(argv, "sleep", "infinity")
	top := start(tb, 0, nil, argv...)
	// unshare #k moves itself into user namespace k and forks into PID
	// namespace k: the chain is top → c1 → … → leaf, one process per level.
	chain := []int{top.PID}
	deadline := time.Now().Add(10 * time.Second)
	for len(chain) < depth+1 || comm(chain[depth]) != "sleep" {
		if time.Now().After(deadline) {
			tb.Fatalf("zoo: nested chain stuck at %v", chain)
		}
		if len(chain) < depth+1 {
			if kids := childrenOf()[chain[len(chain)-1]]; len(kids) == 1 {
				chain = append(chain, kids[0])
				continue
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	var ch Chain
	for k := range depth {
		ch.Users = append(ch.Users, NSOf(tb, strconv.Itoa(chain[k]), model.User))
		ch.PIDs = append(ch.PIDs, NSOf(tb, strconv.Itoa(chain[k+1]), model.PID))
	}
	ch.Leaf = chain[depth]
	ch.Procs = chain
	return ch
}

// OrphanUser plants a user namespace with no process in it, kept alive
// only by its child user namespace, where one sleep lives. It returns the
// parent, the child and the sleep's PID.
func OrphanUser(tb testing.TB) (parent, child NS, pid int) {
	tb.Helper()
	p := start(tb, 0, nil, "unshare", "--user", "--map-root-user", "unshare", "--user", "--map-root-user", "sleep", "infinity")
	deadline := time.Now().Add(10 * time.Second)
	for comm(p.PID) != "sleep" {
		if time.Now().After(deadline) {
			tb.Fatalf("zoo: orphan user chain did not reach sleep")
		}
		time.Sleep(5 * time.Millisecond)
	}
	child = NSOf(tb, strconv.Itoa(p.PID), model.User)
	fd, err := unix.Open("/proc/"+strconv.Itoa(p.PID)+"/ns/user", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		tb.Fatalf("zoo: %v", err)
	}
	defer unix.Close(fd)
	r, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.NS_GET_PARENT), 0)
	if e != 0 {
		tb.Fatalf("zoo: NS_GET_PARENT: %v", e)
	}
	defer unix.Close(int(r))
	parent, err = nsOfFD(int(r))
	if err != nil {
		tb.Fatalf("zoo: %v", err)
	}
	parent.Type, child.Type = model.User, model.User
	return parent, child, p.PID
}

// BindMountNet runs `ip netns add` and returns the namespace, kept alive
// only by its bind mount at /run/netns/NAME in the host mount namespace.
func BindMountNet(tb testing.TB) (ns NS, path string) {
	tb.Helper()
	name := fmt.Sprintf("nsweb-zoo-%d-%d", os.Getpid(), time.Now().UnixNano()%1e9)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		tb.Fatalf("zoo: ip netns add: %v: %s", err, out)
	}
	tb.Cleanup(func() { _ = exec.Command("ip", "netns", "delete", name).Run() })
	path = "/run/netns/" + name
	ns, err := nsOfPath(path)
	if err != nil {
		tb.Fatalf("zoo: %v", err)
	}
	ns.Type = model.Net
	return ns, path
}

// lockSideThread locks the calling goroutine to an OS thread that is not
// the main thread (whose namespaces are the ones /proc/PID/ns shows). It
// returns an unlock function.
func lockSideThread() (unlock func()) {
	var held []func()
	defer func() {
		for _, u := range held {
			u()
		}
	}()
	for {
		runtime.LockOSThread()
		if unix.Gettid() != unix.Getpid() {
			return runtime.UnlockOSThread
		}
		// On the main thread: keep it busy from another goroutine so the
		// next lock lands elsewhere.
		ready := make(chan struct{})
		release := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			close(ready)
			<-release
			runtime.UnlockOSThread()
		}()
		runtime.UnlockOSThread()
		<-ready
		held = append(held, func() { close(release) })
	}
}

// inNamespace runs f on a side thread moved into a fresh namespace of the
// given kind (CLONE_NEWNET or CLONE_NEWUTS), then moves the thread back.
// Threads are never left to die: a dying thread would SIGKILL the planted
// processes it forked (their parent-death signal follows the thread).
// hold, if not nil, keeps the thread in the namespace until it is closed.
func inNamespace(flag int, f func() (int, error), hold <-chan struct{}) (int, error) {
	type res struct {
		fd  int
		err error
	}
	ch := make(chan res, 1)
	name := map[int]string{unix.CLONE_NEWNET: "net", unix.CLONE_NEWUTS: "uts"}[flag]
	go func() {
		unlock := lockSideThread()
		orig, err := unix.Open("/proc/thread-self/ns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			unlock()
			ch <- res{-1, err}
			return
		}
		defer unix.Close(orig)
		if err := unix.Unshare(flag); err != nil {
			unlock()
			ch <- res{-1, fmt.Errorf("unshare(%s): %w", name, err)}
			return
		}
		fd, err := f()
		ch <- res{fd, err}
		if hold != nil {
			<-hold
		}
		if err := unix.Setns(orig, flag); err != nil {
			return // cannot go back: let the thread die with its namespace
		}
		unlock()
	}()
	r := <-ch
	return r.fd, r.err
}

// FDNet plants a network namespace kept alive only by fd 3 of a sleep
// process that is not a member.
func FDNet(tb testing.TB) (ns NS, holder int) {
	tb.Helper()
	return FDNetAt(tb, 3)
}

// FDNetAt is FDNet with the fd at number n (≥ 3), leaving fds 3..n-1
// closed: a sparse fd table.
func FDNetAt(tb testing.TB, n int) (ns NS, holder int) {
	tb.Helper()
	fd, err := inNamespace(unix.CLONE_NEWNET, func() (int, error) {
		return unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	}, nil)
	if err != nil {
		tb.Fatalf("zoo: %v", err)
	}
	return handOver(tb, fd, n)
}

// SocketNet plants a network namespace kept alive only by a UDP socket,
// fd 3 of a sleep process that is not a member.
func SocketNet(tb testing.TB) (ns NS, holder int) {
	tb.Helper()
	fd, err := inNamespace(unix.CLONE_NEWNET, func() (int, error) {
		return unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	}, nil)
	if err != nil {
		tb.Fatalf("zoo: %v", err)
	}
	nsfd, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.SIOCGSKNS), 0)
	if e != 0 {
		unix.Close(fd)
		tb.Fatalf("zoo: SIOCGSKNS: %v", e)
	}
	ns, err = nsOfFD(int(nsfd))
	ns.Type = model.Net
	unix.Close(int(nsfd))
	if err != nil {
		tb.Fatalf("zoo: %v", err)
	}
	_, holder = handOver(tb, fd, 3)
	return ns, holder
}

// handOver gives fd to a new sleep process as its fd number n and closes
// ours.
func handOver(tb testing.TB, fd, n int) (NS, int) {
	f := os.NewFile(uintptr(fd), "zoo")
	ns, _ := nsOfFD(fd) // a socket has no NS_GET_ID: the caller knows
	ns.Type = model.Net
	extra := make([]*os.File, n-2)
	extra[n-3] = f
	p := start(tb, 0, extra, "sleep", "infinity")
	f.Close()
	return ns, p.PID
}

// UTSThread makes a side thread of the calling (test) process unshare its
// UTS namespace and stay there until cleanup. It returns the thread ID and
// the namespace.
func UTSThread(tb testing.TB) (tid int, ns NS) {
	tb.Helper()
	done := make(chan struct{})
	var err error
	_, err = inNamespace(unix.CLONE_NEWUTS, func() (int, error) {
		tid = unix.Gettid()
		ns, err = nsOfPath("/proc/thread-self/ns/uts")
		return 0, err
	}, done)
	if err != nil {
		close(done)
		tb.Fatalf("zoo: uts thread: %v", err)
	}
	tb.Cleanup(func() { close(done) })
	ns.Type = model.UTS
	return tid, ns
}

// Reused is the inode-reuse case: two UTS namespaces, one after the other,
// with the same inode number.
type Reused struct {
	First, Second NS
	FirstPID      int // dead by the time Second exists
	SecondPID     int
}

// InodeReuse creates a UTS namespace (with a sleep in it), calls between,
// kills it and creates new ones until the kernel hands out the same inode
// again (other tests on the host may grab it first; it retries), then
// calls after. UTS namespaces are freed synchronously, so the inode comes
// back at once.
func InodeReuse(tb testing.TB, between func()) Reused {
	tb.Helper()
	// Other engines on the host may take the freed inode first: start over
	// (between is then called again) a few times before giving up.
	for attempt := 0; attempt < 10; attempt++ {
		first := start(tb, unix.CLONE_NEWUTS, nil, "sleep", "infinity")
		r := Reused{First: NSOf(tb, strconv.Itoa(first.PID), model.UTS), FirstPID: first.PID}
		between()
		first.Kill()
		for try := 0; try < 20; try++ {
			p, err := startProc(unix.CLONE_NEWUTS, nil, "sleep", "infinity")
			if err != nil {
				tb.Fatalf("zoo: %v", err)
			}
			ns, err := nsOfPath("/proc/" + strconv.Itoa(p.PID) + "/ns/uts")
			if err == nil && ns.Inode == r.First.Inode {
				tb.Cleanup(p.Kill)
				ns.Type = model.UTS
				r.Second, r.SecondPID = ns, p.PID
				return r
			}
			p.Kill()
		}
	}
	tb.Fatalf("zoo: no inode came back in 10 attempts")
	return Reused{}
}

// ErrNotRoot is returned by Check when the zoo cannot run.
var ErrNotRoot = errors.New("zoo needs root")

// Check reports whether the zoo can plant namespaces here.
func Check() error {
	if os.Geteuid() != 0 {
		return ErrNotRoot
	}
	return nil
}
