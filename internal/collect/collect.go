package collect

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

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

// worker holds per-goroutine buffers so the hot loop does not allocate.
type worker struct {
	buf  []byte
	lbuf []byte
	ids  []uint64
}

// parallel runs f over 0..n-1 on the configured number of workers, stopping
// early when the context is cancelled.
func (s *scan) parallel(n int, f func(w *worker, i int)) {
	workers := min(s.c.opts.Workers, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w := &worker{buf: make([]byte, 64<<10), lbuf: make([]byte, 256)}
			for {
				i := int(next.Add(1) - 1)
				if i >= n || s.ctx.Err() != nil {
					return
				}
				f(w, i)
			}
		})
	}
	wg.Wait()
}

// readFile reads a whole small /proc file, name relative to dirfd, into
// the worker's buffer. The result is valid until the next call. Paths are
// resolved relative to an open /proc/PID directory: walking "/proc/PID" for
// every file costs as much as reading the file.
func (w *worker) readFile(dirfd int, name string) ([]byte, error) {
	return w.read(dirfd, name, false)
}

// readShort is readFile for the single-record /proc files (stat, status,
// cmdline, cgroup): the kernel hands them over whole in one read when the
// buffer is big enough, so a short read is the end and the empty read that
// would confirm it is skipped.
func (w *worker) readShort(dirfd int, name string) ([]byte, error) {
	return w.read(dirfd, name, true)
}

func (w *worker) read(dirfd int, name string, short bool) ([]byte, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	n := 0
	for {
		if n == len(w.buf) {
			w.buf = append(w.buf, make([]byte, len(w.buf))...)
		}
		m, err := unix.Read(fd, w.buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m == 0 {
			return w.buf[:n], nil
		}
		n += m
		if short && n < len(w.buf) {
			return w.buf[:n], nil
		}
	}
}

// readPrefix reads at most max bytes of a file and counts the rest
// without keeping it: the first max bytes and the length of the content
// without its trailing NULs (as ParseCmdline drops them). The worker's
// buffer does not grow, whatever the file holds.
func (w *worker) readPrefix(dirfd int, name string, max int) ([]byte, int, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, 0, err
	}
	defer unix.Close(fd)
	if len(w.buf) < 2*max {
		w.buf = make([]byte, 2*max)
	}
	prefix, scratch := w.buf[:max], w.buf[max:]
	n, total, nuls := 0, 0, 0
	for {
		dst := scratch
		if n < max {
			dst = prefix[n:]
		}
		m, err := unix.Read(fd, dst)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		if m == 0 {
			break
		}
		if n < max {
			n += m
		}
		total += m
		if k := len(bytes.TrimRight(dst[:m], "\x00")); k == 0 {
			nuls += m
		} else {
			nuls = m - k
		}
	}
	return prefix[:n], total - nuls, nil
}

// listmount returns the unique IDs of every mount in the mount namespace
// with the given ID (listmount(2), Linux 6.8+), or nil if the kernel will
// not say. The slice is the caller's.
func (w *worker) listmount(nsID uint64) []uint64 {
	req := struct {
		size, spare  uint32
		mntID, param uint64
		mntNsID      uint64
	}{size: 32, mntID: ^uint64(0) /* LSMT_ROOT: all mounts */, mntNsID: nsID}
	for {
		if len(w.ids) == 0 {
			w.ids = make([]uint64, 256)
		}
		r, _, e := unix.Syscall6(unix.SYS_LISTMOUNT, uintptr(unsafe.Pointer(&req)),
			uintptr(unsafe.Pointer(&w.ids[0])), uintptr(len(w.ids)), 0, 0, 0)
		if e != 0 {
			return nil
		}
		if int(r) < len(w.ids) {
			return slices.Clone(w.ids[:r])
		}
		w.ids = make([]uint64, 2*len(w.ids)) // may be truncated: ask again
	}
}

// readlink reads a symlink, name relative to dirfd, into the worker's
// buffer; the result is valid until the next call.
func (w *worker) readlink(dirfd int, name string) ([]byte, error) {
	for {
		n, err := unix.Readlinkat(dirfd, name, w.lbuf)
		if err != nil {
			return nil, err
		}
		if n < len(w.lbuf) {
			return w.lbuf[:n], nil
		}
		w.lbuf = make([]byte, 2*len(w.lbuf))
	}
}

// readdirnames lists a directory (name relative to dirfd) with raw
// getdents64: no sorting, no stat, no poller registration.
func (w *worker) readdirnames(dirfd int, name string) ([]string, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var names []string
	for {
		n, err := unix.Getdents(fd, w.buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(w.buf[:n], -1, names)
		if n < len(w.buf)-4096 {
			// procfs fills the buffer as far as entries go: a short
			// read is the end, and saves the empty getdents after it.
			return names, nil
		}
	}
}

// gap records something the scan could not read; with pid > 0 it also
// flags the process. A read that failed because the process exited
// meanwhile is marked Vanished: it hides nothing.
func (s *scan) gap(p *model.Process, what string, err error) {
	g := model.Gap{What: what, Err: errText(err)}
	if p != nil {
		g.Vanished = exited(s.proc+"/"+strconv.Itoa(p.PID), err)
	}
	s.record(p, g)
}

// record adds gap g, flagging process p (if not nil) with it.
func (s *scan) record(p *model.Process, g model.Gap) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p != nil {
		g.PID = p.PID
		msg := strings.TrimPrefix(g.What, s.proc+"/"+strconv.Itoa(p.PID)+"/") + ": " + g.Err
		if p.Err == "" {
			p.Err = msg
		} else if !strings.Contains(p.Err, msg) {
			p.Err += "; " + msg
		}
	}
	s.gaps = append(s.gaps, g)
}

func errText(err error) string {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return err.Error()
}

// process reads everything about one process: stat, status, cmdline,
// cgroup, its namespaces, its threads' namespaces if they differ, and its
// fds. Every failure becomes a gap; the process is always kept.
func (s *scan) process(w *worker, pid int) {
	p := &model.Process{PID: pid}
	base := s.proc + "/" + strconv.Itoa(pid)
	s.mu.Lock()
	s.procs[pid] = p
	s.mu.Unlock()
	dfd, err := unix.Open(base, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		s.gap(p, base, err)
		return
	}
	defer unix.Close(dfd)
	threads := 0

	if data, err := w.readShort(dfd, "stat"); err != nil {
		s.gap(p, base+"/stat", err)
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) {
			return // gone: nothing else will be readable
		}
	} else if st, err := ParseStat(data); err != nil {
		s.gap(p, base+"/stat", err)
	} else {
		p.PPID, p.Comm, p.Start = st.PPID, st.Comm, st.Start
		threads = st.Threads
		if st.State == 'Z' {
			s.mu.Lock()
			s.zombies = append(s.zombies, pid)
			s.mu.Unlock()
		}
	}
	if data, err := w.readShort(dfd, "status"); err != nil {
		s.gap(p, base+"/status", err)
	} else if st, err := ParseStatus(data); err != nil {
		s.gap(p, base+"/status", err)
	} else {
		p.UID, p.NSpid = st.UID, st.NSpid
	}
	if data, total, err := w.readPrefix(dfd, "cmdline", model.MaxCmdline); err != nil {
		s.gap(p, base+"/cmdline", err)
	} else {
		p.Cmdline = ParseCmdline(data)
		if total > len(data) {
			p.CmdlineLen = total
		}
	}
	if data, err := w.readShort(dfd, "cgroup"); err != nil {
		s.gap(p, base+"/cgroup", err)
	} else if ref, ok := cgroup.Parse(data); ok {
		p.Container = ref.ID
		s.mu.Lock()
		if _, seen := s.conts[ref.ID]; !seen {
			s.conts[ref.ID] = &model.Container{ID: ref.ID, Runtime: ref.Runtime, Pod: ref.Pod}
		}
		s.mu.Unlock()
	}

	// Namespaces: one readlink each; the nsfs file is opened only for a
	// namespace this scan has not met yet.
	own := map[model.NSType]uint64{}
	p.NS = make(map[model.NSType]model.NSID, 8)
	nsfd, err := unix.Openat(dfd, "ns", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		s.gap(p, base+"/ns", err)
		nsfd = -1
	} else {
		defer unix.Close(nsfd)
	}
	for _, f := range nsFiles {
		if nsfd < 0 {
			break
		}
		path := base + "/ns/" + f.name
		ns, _, err := s.nsAt(w, nsfd, f.name, f.typ)
		if err != nil {
			gone := errors.Is(err, unix.ENOENT) && exited(base, err)
			if errors.Is(err, unix.ENOENT) && f.typ == model.Time && !gone {
				continue // kernel without time namespaces
			}
			if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) || gone {
				// Every other link answers the same (an exited process,
				// even unreaped, has none left): one gap says it.
				s.gap(p, base+"/ns", err)
				break
			}
			s.gap(p, path, err)
			continue
		}
		if !f.children {
			own[f.typ] = ns.Inode
			p.NS[f.typ] = ns.ID
			s.mu.Lock()
			ns.Procs = append(ns.Procs, pid)
			if f.typ == model.Mnt {
				s.mntPIDs[ns.Inode] = append(s.mntPIDs[ns.Inode], pid)
			}
			s.mu.Unlock()
		} else if o, ok := own[f.typ]; ok && ns.Inode != o {
			s.hold(ns, model.Holder{Kind: model.HeldByChildren, PID: pid})
		}
	}
	if threads > 1 && len(own) > 0 { // no own namespaces: the threads' are as unreadable
		s.threads(w, p, dfd, base, own)
	}
	s.fds(w, p, dfd, base, own[model.Net])
}

// exited reports whether err, met reading the process directory base,
// means that the process has exited: ESRCH says so; ENOENT when the
// directory went with it, or when the process is exiting or dead but not
// yet reaped (its namespace links answer ENOENT from the moment it leaves
// its namespaces, early in exit). ENOENT alone may be a file this kernel
// lacks, and EACCES and the like are blind spots, not exits. It reads the
// process's stat, so it is for the error path only.
func exited(base string, err error) bool {
	switch {
	case errors.Is(err, unix.ESRCH):
		return true
	case errors.Is(err, unix.ENOENT):
		data, err := os.ReadFile(base + "/stat")
		if err != nil {
			return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH)
		}
		st, err := ParseStat(data)
		return err == nil && exiting(st)
	}
	return false
}

// pfExiting is the kernel's PF_EXITING task flag: the task is in exit().
const pfExiting = 0x4

// exiting reports whether st is that of a process in exit (PF_EXITING) or
// dead (state Z, X or x). A leader that is a zombie or exiting while other
// threads of its process run (pthread_exit in main, "Zl" in ps) looks the
// same, but the process lives on in those threads: that is no exit.
func exiting(st Stat) bool {
	dead := st.State == 'Z' || st.State == 'X' || st.State == 'x' || st.Flags&pfExiting != 0
	return dead && st.Threads <= 1
}

// nsAt returns the namespace a /proc ns link (or nsfs fd link) points at,
// opening and resolving it only when the scan has not seen its inode yet.
func (s *scan) nsAt(w *worker, dirfd int, name string, typ model.NSType) (*model.Namespace, uint64, error) {
	if !s.noID.Load() && !s.c.noHandles.Load() {
		id, t, ino, err := nsHandle(dirfd, name)
		switch {
		case err == nil:
			if typ != "" && t != typ {
				return nil, ino, fmt.Errorf("%s is a %s namespace, want %s", name, t, typ)
			}
			s.mu.Lock()
			ns := s.byIno[ino]
			s.mu.Unlock()
			if ns != nil && ns.ID == model.NSID(id) {
				return ns, ino, nil
			}
			if k := s.c.known[model.NSID(id)]; ns == nil && k != nil && k.Inode == ino && k.Type == t {
				return s.adopt(k), ino, nil
			}
			fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return nil, ino, err
			}
			defer unix.Close(fd)
			ns, err = s.resolve(fd, t)
			return ns, ino, err
		case errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) || errors.Is(err, errHandleFormat):
			s.c.noHandles.Store(true) // kernel before 6.18: readlink from now on
		default:
			return nil, 0, err
		}
	}
	target, err := w.readlink(dirfd, name)
	if err != nil {
		return nil, 0, err
	}
	t, ino, ok := parseNSLink(target)
	if !ok {
		return nil, 0, fmt.Errorf("%s: %q is not a namespace", name, target)
	}
	if typ != "" && t != typ {
		return nil, ino, fmt.Errorf("%s is a %s namespace, want %s", name, t, typ)
	}
	s.mu.Lock()
	ns := s.byIno[ino]
	s.mu.Unlock()
	if ns != nil {
		return ns, ino, nil
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, ino, err
	}
	defer unix.Close(fd)
	if !s.noID.Load() {
		if id, err := nsGetID(fd); err == nil {
			if k := s.c.known[model.NSID(id)]; k != nil && k.Inode == ino && k.Type == t {
				return s.adopt(k), ino, nil
			}
		}
	}
	ns, err = s.resolve(fd, t)
	return ns, ino, err
}

// adopt registers a namespace the previous scan knew, and its owner and
// parent chain, without reading them again. It is only called after
// NS_GET_ID proved the namespace still alive, which keeps its ancestors
// alive as well.
func (s *scan) adopt(k *model.Namespace) *model.Namespace {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.adoptLocked(k)
}

func (s *scan) adoptLocked(k *model.Namespace) *model.Namespace {
	if ns := s.byIno[k.Inode]; ns != nil {
		return ns
	}
	ns := &model.Namespace{ID: k.ID, Type: k.Type, Inode: k.Inode, Dev: k.Dev,
		Parent: k.Parent, Owner: k.Owner, OwnerUID: k.OwnerUID}
	s.byIno[ns.Inode] = ns
	for _, a := range []model.NSID{k.Owner, k.Parent} {
		if up := s.c.known[a]; a != 0 && up != nil {
			s.adoptLocked(up)
		}
	}
	return ns
}

// resolve returns the namespace behind an nsfs fd, registering it and
// (recursively) its owner and parent the first time it is seen: this is
// the hierarchy closure, which adds process-less ancestors and owners.
func (s *scan) resolve(fd int, typ model.NSType) (*model.Namespace, error) {
	dev, ino, err := fstatIno(fd)
	if err != nil {
		return nil, fmt.Errorf("fstat nsfs fd: %w", err)
	}
	s.mu.Lock()
	ns := s.byIno[ino]
	s.mu.Unlock()
	if ns != nil && (s.noID.Load() || s.sameID(fd, ns)) {
		return ns, nil
	}
	// Not met yet, or what this scan holds at the inode is a namespace
	// that died and whose inode the kernel gave to this one: resolved
	// anew, it takes the inode's place.
	ns = &model.Namespace{Type: typ, Inode: ino, Dev: dev}
	if !s.noID.Load() {
		id, err := nsGetID(fd)
		switch {
		case err == nil:
			ns.ID = model.NSID(id)
			if k := s.c.known[ns.ID]; k != nil && k.Inode == ino && k.Type == typ {
				return s.adopt(k), nil // met before: its owner and parent are known
			}
		case errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL):
			s.noID.Store(true) // old kernel: fall back for the whole scan
		default:
			return nil, fmt.Errorf("NS_GET_ID on %s:[%d]: %w", typ, ino, err)
		}
	}
	if s.noID.Load() {
		ns.ID = model.NSID(ino) // provisional; remapped at the end of the scan
	}
	if ufd, err := nsGetFD(fd, unix.NS_GET_USERNS); err == nil {
		owner, err := s.resolve(ufd, model.User)
		unix.Close(ufd)
		if err == nil {
			ns.Owner = owner.ID
		}
	}
	if typ == model.User || typ == model.PID {
		if pfd, err := nsGetFD(fd, unix.NS_GET_PARENT); err == nil {
			parent, err := s.resolve(pfd, typ)
			unix.Close(pfd)
			if err == nil {
				ns.Parent = parent.ID
			}
		}
	}
	if typ == model.User {
		if uid, err := nsGetOwnerUID(fd); err == nil {
			ns.OwnerUID = &uid
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.byIno[ino]; old != nil && (s.noID.Load() || old.ID == ns.ID) {
		return old, nil // another worker got there first
	}
	s.byIno[ino] = ns
	return ns, nil
}

// sameID reports whether the namespace behind fd is ns and not another
// that reuses its inode. When NS_GET_ID fails, the inode has to do.
func (s *scan) sameID(fd int, ns *model.Namespace) bool {
	id, err := nsGetID(fd)
	return err != nil || model.NSID(id) == ns.ID
}

// hold records that h keeps ns alive, once.
func (s *scan) hold(ns *model.Namespace, h model.Holder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := holdKey{ns.Inode, h}
	if s.holds[k] {
		return
	}
	s.holds[k] = true
	ns.HeldBy = append(ns.HeldBy, h)
}

// threads reads the namespaces of each thread of a multi-threaded process
// and records those that differ from the process's own (a thread may
// unshare() on its own).
func (s *scan) threads(w *worker, p *model.Process, dfd int, base string, own map[model.NSType]uint64) {
	tids, err := w.readdirnames(dfd, "task")
	if err != nil {
		s.gap(p, base+"/task", err)
		return
	}
	for _, t := range tids {
		tid, err := strconv.Atoi(t)
		if err != nil || tid == p.PID {
			continue
		}
		for _, f := range nsFiles {
			if f.children {
				continue
			}
			name := "task/" + t + "/ns/" + f.name
			path := base + "/" + name
			target, err := w.readlink(dfd, name)
			if err != nil {
				if errors.Is(err, unix.ENOENT) {
					continue // thread exited: normal
				}
				s.gap(p, path, err)
				return // the other threads will answer the same
			}
			if _, ino, ok := parseNSLink(target); ok && ino == own[f.typ] {
				continue
			}
			ns, _, err := s.nsAt(w, dfd, name, f.typ)
			if err != nil {
				s.gap(p, path, err)
				continue
			}
			s.hold(ns, model.Holder{Kind: model.HeldByThread, PID: p.PID, TID: tid})
		}
	}
}

// fds scans a process's open files for nsfs fds (holders) and sockets
// (resolved later, in one batch, because most are in the process's own
// network namespace and a cache answers them).
func (s *scan) fds(w *worker, p *model.Process, dfd int, base string, netIno uint64) {
	var socks []sockRef
	defer func() {
		if len(socks) > 0 {
			s.mu.Lock()
			s.sockets = append(s.sockets, socks...)
			s.mu.Unlock()
		}
	}()
	visit := func(fd int, name string, target []byte) {
		if len(target) == 0 || target[0] == '/' || target[len(target)-1] != ']' {
			return // files
		}
		if rest, ok := bytes.CutPrefix(target, []byte("socket:[")); ok {
			if ino, err := strconv.ParseUint(string(rest[:len(rest)-1]), 10, 64); err == nil {
				socks = append(socks, sockRef{pid: p.PID, fd: fd, ino: ino, netIno: netIno})
			}
			return
		}
		typ, _, ok := parseNSLink(target)
		if !ok {
			return // anon_inode:[eventfd], pipe:[…] and the like
		}
		if p.PID == s.self {
			// Our own nsfs fds are the ones this scan opens for a moment
			// to identify namespaces: they keep nothing alive and would
			// make namespaces look held by nsweb at random.
			return
		}
		ns, _, err := s.nsAt(w, dfd, name, typ)
		if err != nil {
			s.gap(p, base+"/"+name, err)
			return
		}
		s.hold(ns, model.Holder{Kind: model.HeldByFD, PID: p.PID, FD: fd})
	}

	names, err := w.readdirnames(dfd, "fd")
	if err != nil {
		s.gap(p, base+"/fd", err)
		return
	}
	for _, n := range names {
		fd, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		name := "fd/" + n
		target, err := w.readlink(dfd, name)
		if err != nil {
			continue // closed since the listing: normal
		}
		visit(fd, name, target)
	}
}

// mntState is what a Collector remembers of one mount namespace: the
// unique IDs of all its mounts (listmount(2)), which change whenever a
// mount comes or goes, and its nsfs mounts with their unique mount IDs.
type mntState struct {
	ids  []uint64
	nsfs []nsfsMount
}

type nsfsMount struct {
	NSMount
	mntID uint64 // unique mount ID, from statx STATX_MNT_ID_UNIQUE
	ns    model.NSID
}

// mounts finds the nsfs bind mounts of one mount namespace. When the
// namespace's mount IDs are those of the previous scan, nothing was
// mounted or unmounted: the remembered nsfs mounts are checked in place
// (one statx each: same mount, same namespace, still at that path) instead
// of rereading mountinfo. Otherwise mountinfo is read, through the first
// member process that lets us.
//
// Members are tried lowest PID first: the holder a bind mount names is the
// process it was read through, and parallel workers append members in no
// particular order, so without sorting two scans of the same host (the
// server's and a fresh one) would name different holders.
func (s *scan) mounts(w *worker, mntIno uint64) {
	s.mu.Lock()
	pids := slices.Sorted(slices.Values(s.mntPIDs[mntIno]))
	mnt := s.byIno[mntIno]
	s.mu.Unlock()
	var ids []uint64
	if !s.noID.Load() && len(pids) > 0 {
		ids = w.listmount(uint64(mnt.ID)) // nil when unsupported or denied
		if prev := s.c.mnts[mnt.ID]; ids != nil && prev != nil && slices.Equal(prev.ids, ids) && s.reuseMounts(pids[0], mnt, prev) {
			s.mu.Lock()
			s.mntSeen[mnt.ID] = prev
			s.mu.Unlock()
			return
		}
	}
	var lastErr error
	for _, pid := range pids {
		base := s.proc + "/" + strconv.Itoa(pid)
		data, err := w.readFile(unix.AT_FDCWD, base+"/mountinfo")
		if err != nil {
			lastErr = err
			continue
		}
		ms, err := ParseMountinfo(data)
		st := &mntState{ids: ids}
		if err != nil {
			s.gap(nil, base+"/mountinfo", err)
			st = nil
		}
		for _, m := range ms {
			path := base + "/root" + m.MountPoint
			s.mu.Lock()
			ns := s.byIno[m.Inode]
			s.mu.Unlock()
			if ns == nil {
				fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
				if err != nil {
					s.gap(nil, path, err)
					st = nil
					continue
				}
				ns, err = s.resolve(fd, m.Type)
				unix.Close(fd)
				if err != nil {
					s.gap(nil, path, err)
					st = nil
					continue
				}
				if ns.Inode != m.Inode {
					// Something is mounted over the nsfs mount: the path
					// leads elsewhere, and the namespace stays unopened.
					s.gap(nil, path, fmt.Errorf("over-mounted: %s:[%d] not reachable", m.Type, m.Inode))
					st = nil
					continue
				}
			}
			s.hold(ns, model.Holder{Kind: model.HeldByBindMount, PID: pid, Path: m.MountPoint, MntNS: mnt.ID})
			if st != nil {
				if mid, ok := mountID(path, m.Inode); ok {
					st.nsfs = append(st.nsfs, nsfsMount{NSMount: m, mntID: mid, ns: ns.ID})
				} else {
					st = nil // cannot be checked next time: always reread
				}
			}
		}
		if st != nil && ids != nil {
			s.mu.Lock()
			s.mntSeen[mnt.ID] = st
			s.mu.Unlock()
		}
		return
	}
	if lastErr != nil {
		// When every member exited while the scan read them, the mount
		// namespace went with them: nothing is hidden.
		gone := !slices.ContainsFunc(pids, func(pid int) bool { return !exited(s.proc+"/"+strconv.Itoa(pid), unix.ENOENT) })
		s.record(nil, model.Gap{What: fmt.Sprintf("mountinfo of mnt:[%d]", mntIno), Err: errText(lastErr), Vanished: gone})
	}
}

// reuseMounts records the remembered nsfs mounts of an unchanged mount
// namespace after checking that each is still the same mount of the same
// namespace at the same path. It reports false, recording nothing, if any
// check fails.
func (s *scan) reuseMounts(pid int, mnt *model.Namespace, prev *mntState) bool {
	base := s.proc + "/" + strconv.Itoa(pid)
	nss := make([]*model.Namespace, len(prev.nsfs))
	for i, m := range prev.nsfs {
		if mid, ok := mountID(base+"/root"+m.MountPoint, m.Inode); !ok || mid != m.mntID {
			return false
		}
		// The mount holds its namespace: the inode cannot have been reused.
		s.mu.Lock()
		ns := s.byIno[m.Inode]
		s.mu.Unlock()
		if ns == nil {
			k := s.c.known[m.ns]
			if k == nil || k.Inode != m.Inode {
				return false
			}
			ns = s.adopt(k)
		}
		nss[i] = ns
	}
	for i, m := range prev.nsfs {
		s.hold(nss[i], model.Holder{Kind: model.HeldByBindMount, PID: pid, Path: m.MountPoint, MntNS: mnt.ID})
	}
	return true
}

// mountID returns the unique ID of the mount at path, checking that the
// file there is the nsfs inode expected.
func mountID(path string, ino uint64) (uint64, bool) {
	var stx unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, path, unix.AT_STATX_DONT_SYNC, unix.STATX_INO|unix.STATX_MNT_ID_UNIQUE, &stx); err != nil {
		return 0, false
	}
	if stx.Mask&unix.STATX_MNT_ID_UNIQUE == 0 || stx.Ino != ino {
		return 0, false
	}
	return stx.Mnt_id, true
}

// resolveSockets finds the network namespace of every socket fd and
// records a holder where it differs from the owning process's own netns.
// Sockets the previous scan resolved, whose namespace this scan already
// knows, cost nothing; the rest cost a pidfd_getfd and an ioctl each.
func (s *scan) resolveSockets() {
	pidfds := map[int]int{}
	defer func() {
		for _, fd := range pidfds {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
	}()
	for _, r := range s.sockets {
		if s.ctx.Err() != nil {
			return
		}
		var ns *model.Namespace
		if netIno, ok := s.c.sockets[r.ino]; ok {
			ns = s.byIno[netIno]
		}
		if ns == nil {
			pidfd, ok := pidfds[r.pid]
			if !ok {
				fd, err := unix.PidfdOpen(r.pid, 0)
				if err != nil {
					fd = -1
					if !errors.Is(err, unix.ESRCH) {
						s.gap(s.procs[r.pid], fmt.Sprintf("pidfd_open(%d)", r.pid), err)
					}
				}
				pidfds[r.pid], pidfd = fd, fd
			}
			if pidfd < 0 {
				continue
			}
			nfd, err := socketNetns(pidfd, r.fd)
			if err != nil {
				if !errors.Is(err, unix.EBADF) && !errors.Is(err, unix.ESRCH) { // closed or exited: normal
					s.gap(s.procs[r.pid], fmt.Sprintf("socket fd %d of pid %d", r.fd, r.pid), err)
				}
				continue
			}
			ns, err = s.resolve(nfd, model.Net)
			unix.Close(nfd)
			if err != nil {
				s.gap(s.procs[r.pid], fmt.Sprintf("netns of socket fd %d of pid %d", r.fd, r.pid), err)
				continue
			}
		}
		s.sockSeen[r.ino] = ns.Inode
		if ns.Inode != r.netIno {
			// One holder per (process, namespace): a server with a
			// thousand sockets in one foreign netns is one reference.
			k := holdKey{ns.Inode, model.Holder{Kind: model.HeldBySocket, PID: r.pid}}
			if !s.holds[k] {
				s.holds[k] = true
				ns.HeldBy = append(ns.HeldBy, model.Holder{Kind: model.HeldBySocket, PID: r.pid, FD: r.fd})
			}
		}
	}
}

// finish fills the snapshot from the scan's tables: membership order,
// leaders, containers, and the parent/owner holders of process-less
// namespaces.
func (s *scan) finish(snap *model.Snapshot) {
	snap.Namespaces = make(map[model.NSID]*model.Namespace, len(s.byIno))
	for _, ns := range s.byIno {
		snap.Namespaces[ns.ID] = ns
	}
	snap.Processes = s.procs
	snap.Gaps = s.gaps
	if len(s.conts) > 0 {
		snap.Containers = s.conts
	}
	for _, ns := range snap.Namespaces {
		slices.Sort(ns.Procs)
		ns.Leader = 0
		var best *model.Process
		var conts []string
		for _, pid := range ns.Procs {
			p := s.procs[pid]
			if p == nil {
				continue // only a snapshot changed after the fact lacks it
			}
			if best == nil || p.Start < best.Start {
				best = p // Procs is sorted, so ties keep the lowest PID
			}
			if p.Container != "" {
				conts = append(conts, p.Container)
			}
		}
		if best != nil {
			ns.Leader = best.PID
		}
		slices.Sort(conts)
		ns.Containers = slices.Compact(conts)
		if ns.Type == model.User && ns.Parent == 0 && (snap.Root == 0 || ns.ID < snap.Root) {
			snap.Root = ns.ID
		}
	}
	for _, ns := range snap.Namespaces {
		if parent := snap.Namespaces[ns.Parent]; ns.Parent != 0 && parent != nil && len(parent.Procs) == 0 {
			parent.HeldBy = append(parent.HeldBy, model.Holder{Kind: model.HeldByChild, NS: ns.ID})
		}
		if owner := snap.Namespaces[ns.Owner]; ns.Owner != 0 && ns.Owner != ns.Parent && owner != nil && len(owner.Procs) == 0 {
			owner.HeldBy = append(owner.HeldBy, model.Holder{Kind: model.HeldByOwned, NS: ns.ID})
		}
	}
	for _, ns := range snap.Namespaces {
		sortHolders(ns.HeldBy)
	}
	sortGaps(snap.Gaps)
}

// sortGaps orders gaps by PID, then by what could not be read.
func sortGaps(gs []model.Gap) {
	slices.SortFunc(gs, func(a, b model.Gap) int {
		if a.PID != b.PID {
			return a.PID - b.PID
		}
		return cmp.Or(strings.Compare(a.What, b.What), strings.Compare(a.Err, b.Err))
	})
}

// sortHolders orders holders by kind, then PID, TID, FD, path and
// namespace, so that snapshots compare and render stably.
func sortHolders(hs []model.Holder) {
	slices.SortFunc(hs, func(a, b model.Holder) int {
		switch {
		case a.Kind != b.Kind:
			return strings.Compare(string(a.Kind), string(b.Kind))
		case a.PID != b.PID:
			return a.PID - b.PID
		case a.TID != b.TID:
			return a.TID - b.TID
		case a.FD != b.FD:
			return a.FD - b.FD
		case a.Path != b.Path:
			return strings.Compare(a.Path, b.Path)
		case a.MntNS != b.MntNS:
			return cmpID(a.MntNS, b.MntNS)
		}
		return cmpID(a.NS, b.NS)
	})
}

func cmpID(a, b model.NSID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
