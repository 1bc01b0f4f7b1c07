package collect

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/cgroup"
	"github.com/nsweb/nsweb/internal/model"
)

// Options tune a scan. The zero value scans the real host.
type Options struct {
	// ProcRoot is where procfs is mounted; "" means "/proc".
	ProcRoot string
	// Workers is the number of goroutines reading processes; 0 means
	// GOMAXPROCS. Reading /proc is CPU work in the kernel, so more workers
	// than CPUs buys nothing.
	Workers int
	// NoSockets skips probing socket fds for their network namespace. It
	// saves pidfd_getfd calls on hosts with many sockets, at the price of
	// missing network namespaces that only a socket keeps alive.
	NoSockets bool
	// NoNSGetID pretends the kernel lacks NS_GET_ID, so that the fallback
	// identity (device, inode, generation) can be tested on any kernel.
	NoNSGetID bool
	// NoFileHandles identifies namespaces by readlink, then open and
	// NS_GET_ID, as on kernels before 6.18, instead of by nsfs file
	// handles; for tests of that path.
	NoFileHandles bool
	// Cgroups, if set, names the containers of cgroups that no layout
	// internal/cgroup knows names: containerd's tasks under IDs that are
	// not hex (ctr run … web), from internal/ctrd.
	Cgroups cgroup.Resolver
}

// Scan takes one snapshot of the host with a fresh Collector. Callers that
// scan repeatedly should keep a Collector instead: it remembers namespaces'
// immutable facts, socket namespaces, mount namespaces' nsfs mounts and, on
// kernels without NS_GET_ID, namespace generations, which makes the next
// scan cheaper (and, without NS_GET_ID, identities stable).
func Scan(ctx context.Context, opts Options) (*model.Snapshot, error) {
	return New(opts).Scan(ctx)
}

// Collector scans the host repeatedly, carrying between scans what makes
// the next one cheaper or more correct. It is safe for concurrent use;
// concurrent scans run one after the other.
type Collector struct {
	opts Options

	mu sync.Mutex // serialises scans; guards the fields below
	// sockets maps a socket inode to the inode of its network namespace.
	// A socket never changes namespace and sockfs inodes are not reused
	// quickly, so a hit saves a pidfd_getfd + ioctl per socket per scan.
	// Entries not seen in a scan are dropped.
	sockets map[uint64]uint64
	// known remembers, by NS_GET_ID, the namespaces of the previous scan
	// and their immutable facts (type, inode, owner, parent, owner UID).
	// A namespace met again costs one open and one NS_GET_ID instead of
	// the whole USERNS/PARENT/OWNER_UID closure; a live namespace's owner
	// and parent are alive too, so they are taken from here unread.
	known map[model.NSID]*model.Namespace
	// mnts remembers each mount namespace's mount IDs and nsfs mounts,
	// by mount namespace ID (see mounts).
	mnts map[model.NSID]*mntState
	// noHandles is set once the kernel turns down nsfs file handles
	// (before 6.18): namespaces are then identified by readlink + open.
	noHandles atomic.Bool
	// fallback identity state (NoNSGetID or ENOTTY): see identity.go.
	fb fallbackState
	// last is when the snapshot the tables above describe was taken;
	// Rescan only builds on that snapshot.
	last time.Time
	// recheck lists the processes the last scan could not read whole
	// (zombies, mostly): Rescan reads them again, because no event says
	// when a zombie is reaped.
	recheck []int
	// zombies counts the zombies among them: while there are any, the
	// snapshot holds namespaces that will vanish without an event.
	zombies int
}

// New returns a Collector with the given options.
func New(opts Options) *Collector {
	if opts.ProcRoot == "" {
		opts.ProcRoot = "/proc"
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	c := &Collector{opts: opts, sockets: map[uint64]uint64{}}
	c.noHandles.Store(opts.NoFileHandles)
	return c
}

// nsFiles are the entries of /proc/PID/ns read for every process, in one
// pass. The *_for_children ones are holders, not memberships.
var nsFiles = []struct {
	name     string
	typ      model.NSType
	children bool
}{
	{"user", model.User, false},
	{"pid", model.PID, false},
	{"net", model.Net, false},
	{"mnt", model.Mnt, false},
	{"uts", model.UTS, false},
	{"ipc", model.IPC, false},
	{"cgroup", model.Cgroup, false},
	{"time", model.Time, false},
	{"pid_for_children", model.PID, true},
	{"time_for_children", model.Time, true},
}

// scan is the state of one Scan call.
type scan struct {
	c    *Collector
	proc string
	ctx  context.Context
	self int // our own PID under proc, or -1

	noID atomic.Bool // NS_GET_ID unavailable: IDs are inodes until remapped

	mu       sync.Mutex
	byIno    map[uint64]*model.Namespace
	procs    map[int]*model.Process
	conts    map[string]*model.Container
	gaps     []model.Gap
	zombies  []int            // processes seen dead but not yet reaped
	mntPIDs  map[uint64][]int // mount ns inode → member PIDs, for mountinfo
	sockets  []sockRef        // socket fds to resolve after the process pass
	holds    map[holdKey]bool // dedupes holders
	sockSeen map[uint64]uint64
	mntSeen  map[model.NSID]*mntState
}

type sockRef struct {
	pid, fd int
	ino     uint64 // socket inode
	netIno  uint64 // the process's own netns inode
}

type holdKey struct {
	ino uint64
	h   model.Holder
}

// Scan takes one snapshot of the host.
func (c *Collector) Scan(ctx context.Context) (*model.Snapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.scanLocked(ctx)
}

// newScan returns the empty state of one scan.
func (c *Collector) newScan(ctx context.Context) *scan {
	s := &scan{
		c:        c,
		proc:     c.opts.ProcRoot,
		ctx:      ctx,
		byIno:    map[uint64]*model.Namespace{},
		procs:    map[int]*model.Process{},
		conts:    map[string]*model.Container{},
		mntPIDs:  map[uint64][]int{},
		holds:    map[holdKey]bool{},
		sockSeen: map[uint64]uint64{},
		mntSeen:  map[model.NSID]*mntState{},
		self:     -1,
	}
	if s.proc == "/proc" {
		s.self = os.Getpid()
	}
	if c.opts.NoNSGetID {
		s.noID.Store(true)
	}
	return s
}

// scanLocked is Scan with c.mu held.
func (c *Collector) scanLocked(ctx context.Context) (*model.Snapshot, error) {
	s := c.newScan(ctx)
	snap := &model.Snapshot{Taken: time.Now()}
	snap.Host, _ = os.Hostname()
	var uts unix.Utsname
	if unix.Uname(&uts) == nil {
		snap.Kernel = unix.ByteSliceToString(uts.Release[:])
	}
	if euid := os.Geteuid(); euid != 0 {
		snap.Partial = true
		snap.Reason = fmt.Sprintf("running as uid %d, not root: namespaces of other users' processes are not readable", euid)
	}

	pids, err := listPIDs(s.proc)
	if err != nil {
		return nil, err
	}
	s.parallel(len(pids), func(w *worker, i int) { s.process(w, pids[i]) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Mount namespaces are known now: read each one's mountinfo once.
	mnts := make([]uint64, 0, len(s.mntPIDs))
	for ino := range s.mntPIDs {
		mnts = append(mnts, ino)
	}
	s.parallel(len(mnts), func(w *worker, i int) { s.mounts(w, mnts[i]) })
	if !c.opts.NoSockets && s.proc == "/proc" { // pidfds need the real PIDs
		s.resolveSockets()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.sockets = s.sockSeen
	s.finish(snap)
	c.last, c.recheck, c.zombies = snap.Taken, s.zombies, len(s.zombies)
	if s.noID.Load() {
		c.fb.remap(snap)
		c.known, c.mnts = nil, nil
	} else {
		c.mnts = s.mntSeen
		c.known = make(map[model.NSID]*model.Namespace, len(snap.Namespaces))
		for id, ns := range snap.Namespaces {
			c.known[id] = knownOf(ns)
		}
	}
	return snap, nil
}

// Unsettled reports whether the last scan saw zombies: processes whose
// namespaces (their PID namespace, at least) vanish when their parent
// reaps them, which no process event reports. A caller that wants the
// view exact calls Rescan again, with no PIDs, a little later.
func (c *Collector) Unsettled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.zombies > 0
}

// knownOf keeps the immutable facts of a namespace for the next scan.
func knownOf(ns *model.Namespace) *model.Namespace {
	return &model.Namespace{ID: ns.ID, Type: ns.Type, Inode: ns.Inode, Dev: ns.Dev,
		Parent: ns.Parent, Owner: ns.Owner, OwnerUID: ns.OwnerUID}
}

// listPIDs returns the numeric entries of the proc root.
func listPIDs(proc string) ([]int, error) {
	d, err := os.Open(proc)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", proc, err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", proc, err)
	}
	pids := make([]int, 0, len(names))
	for _, n := range names {
		if n[0] < '0' || n[0] > '9' {
			continue
		}
		if pid, err := strconv.Atoi(n); err == nil {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids, nil
}
