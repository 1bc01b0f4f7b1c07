package collect

import (
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
}

// Scan takes one snapshot of the host with a fresh Collector. Callers that
// scan repeatedly should keep a Collector instead: it remembers socket
// namespaces and, on kernels without NS_GET_ID, namespace generations.
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
	// fallback identity state (NoNSGetID or ENOTTY): see identity.go.
	fb fallbackState
}

// New returns a Collector with the given options.
func New(opts Options) *Collector {
	if opts.ProcRoot == "" {
		opts.ProcRoot = "/proc"
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	return &Collector{opts: opts, sockets: map[uint64]uint64{}}
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

	noID atomic.Bool // NS_GET_ID unavailable: IDs are inodes until remapped

	mu       sync.Mutex
	byIno    map[uint64]*model.Namespace
	procs    map[int]*model.Process
	conts    map[string]*model.Container
	gaps     []model.Gap
	mntPIDs  map[uint64][]int // mount ns inode → member PIDs, for mountinfo
	sockets  []sockRef        // socket fds to resolve after the process pass
	holds    map[holdKey]bool // dedupes holders
	sockSeen map[uint64]uint64
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
	}
	if c.opts.NoNSGetID {
		s.noID.Store(true)
	}
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
	if s.noID.Load() {
		c.fb.remap(snap)
	}
	return snap, nil
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

// readFile reads a whole small /proc file into the worker's buffer. The
// result is valid until the next call.
func (w *worker) readFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
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
	}
}

// readlink reads a symlink into the worker's buffer.
func (w *worker) readlink(path string) (string, error) {
	for {
		n, err := unix.Readlink(path, w.lbuf)
		if err != nil {
			return "", err
		}
		if n < len(w.lbuf) {
			return string(w.lbuf[:n]), nil
		}
		w.lbuf = make([]byte, 2*len(w.lbuf))
	}
}

// readdirnames lists a directory without sorting or stat'ing entries.
func readdirnames(path string) ([]string, error) {
	d, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}

// gap records something the scan could not read; with pid > 0 it also
// flags the process.
func (s *scan) gap(p *model.Process, what string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := model.Gap{What: what, Err: errText(err)}
	if p != nil {
		g.PID = p.PID
		msg := strings.TrimPrefix(what, s.proc+"/"+strconv.Itoa(p.PID)+"/") + ": " + g.Err
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

	if data, err := w.readFile(base + "/stat"); err != nil {
		s.gap(p, base+"/stat", err)
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) {
			return // gone: nothing else will be readable
		}
	} else if st, err := ParseStat(data); err != nil {
		s.gap(p, base+"/stat", err)
	} else {
		p.PPID, p.Comm, p.Start = st.PPID, st.Comm, st.Start
	}
	threads := 0
	if data, err := w.readFile(base + "/status"); err != nil {
		s.gap(p, base+"/status", err)
	} else if st, err := ParseStatus(data); err != nil {
		s.gap(p, base+"/status", err)
	} else {
		p.UID, p.NSpid, threads = st.UID, st.NSpid, st.Threads
	}
	if data, err := w.readFile(base + "/cmdline"); err != nil {
		s.gap(p, base+"/cmdline", err)
	} else {
		p.Cmdline = ParseCmdline(data)
	}
	if data, err := w.readFile(base + "/cgroup"); err != nil {
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
	for _, f := range nsFiles {
		path := base + "/ns/" + f.name
		ns, ino, err := s.nsAt(w, path, f.typ)
		if err != nil {
			if errors.Is(err, unix.ENOENT) && f.typ == model.Time && ino == 0 && !processGone(base) {
				continue // kernel without time namespaces
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
		} else if ns.Inode != own[f.typ] {
			s.hold(ns, model.Holder{Kind: model.HeldByChildren, PID: pid})
		}
	}
	if threads > 1 && len(own) > 0 { // no own namespaces: the threads' are as unreadable
		s.threads(w, p, base, own)
	}
	s.fds(w, p, base, own[model.Net])
}

// processGone reports whether a process directory has disappeared.
func processGone(base string) bool {
	_, err := os.Lstat(base)
	return err != nil
}

// nsAt returns the namespace a /proc ns link (or nsfs fd link) points at,
// opening and resolving it only when the scan has not seen its inode yet.
func (s *scan) nsAt(w *worker, path string, typ model.NSType) (*model.Namespace, uint64, error) {
	target, err := w.readlink(path)
	if err != nil {
		return nil, 0, err
	}
	t, ino, err := ParseNSLink(target)
	if err != nil {
		return nil, 0, err
	}
	if typ != "" && t != typ {
		return nil, ino, fmt.Errorf("%s is a %s namespace, want %s", path, t, typ)
	}
	s.mu.Lock()
	ns := s.byIno[ino]
	s.mu.Unlock()
	if ns != nil {
		return ns, ino, nil
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, ino, err
	}
	defer unix.Close(fd)
	ns, err = s.resolve(fd, t)
	return ns, ino, err
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
	if ns != nil {
		return ns, nil
	}
	ns = &model.Namespace{Type: typ, Inode: ino, Dev: dev}
	if !s.noID.Load() {
		id, err := nsGetID(fd)
		switch {
		case err == nil:
			ns.ID = model.NSID(id)
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
	if old := s.byIno[ino]; old != nil {
		return old, nil // another worker got there first
	}
	s.byIno[ino] = ns
	return ns, nil
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
func (s *scan) threads(w *worker, p *model.Process, base string, own map[model.NSType]uint64) {
	tids, err := readdirnames(base + "/task")
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
			path := base + "/task/" + t + "/ns/" + f.name
			target, err := w.readlink(path)
			if err != nil {
				if errors.Is(err, unix.ENOENT) {
					continue // thread exited: normal
				}
				s.gap(p, path, err)
				return // the other threads will answer the same
			}
			if _, ino, err := ParseNSLink(target); err == nil && ino == own[f.typ] {
				continue
			}
			ns, _, err := s.nsAt(w, path, f.typ)
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
func (s *scan) fds(w *worker, p *model.Process, base string, netIno uint64) {
	names, err := readdirnames(base + "/fd")
	if err != nil {
		s.gap(p, base+"/fd", err)
		return
	}
	for _, n := range names {
		path := base + "/fd/" + n
		target, err := w.readlink(path)
		if err != nil {
			continue // closed since the listing: normal
		}
		fd, _ := strconv.Atoi(n)
		if rest, ok := strings.CutPrefix(target, "socket:["); ok {
			if ino, err := strconv.ParseUint(strings.TrimSuffix(rest, "]"), 10, 64); err == nil {
				s.mu.Lock()
				s.sockets = append(s.sockets, sockRef{pid: p.PID, fd: fd, ino: ino, netIno: netIno})
				s.mu.Unlock()
			}
			continue
		}
		if !strings.HasSuffix(target, "]") || strings.HasPrefix(target, "/") {
			continue
		}
		typ, _, err := ParseNSLink(target)
		if err != nil {
			continue // anon_inode:[eventfd], pipe:[…] and the like
		}
		ns, _, err := s.nsAt(w, path, typ)
		if err != nil {
			s.gap(p, path, err)
			continue
		}
		s.hold(ns, model.Holder{Kind: model.HeldByFD, PID: p.PID, FD: fd})
	}
}

// mounts reads the mountinfo of one mount namespace, through the first of
// its member processes that lets us, and records its nsfs bind mounts.
func (s *scan) mounts(w *worker, mntIno uint64) {
	s.mu.Lock()
	pids := s.mntPIDs[mntIno]
	mnt := s.byIno[mntIno]
	s.mu.Unlock()
	var lastErr error
	for _, pid := range pids {
		base := s.proc + "/" + strconv.Itoa(pid)
		data, err := w.readFile(base + "/mountinfo")
		if err != nil {
			lastErr = err
			continue
		}
		ms, err := ParseMountinfo(data)
		if err != nil {
			s.gap(nil, base+"/mountinfo", err)
		}
		for _, m := range ms {
			s.mu.Lock()
			ns := s.byIno[m.Inode]
			s.mu.Unlock()
			if ns == nil {
				path := base + "/root" + m.MountPoint
				fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
				if err != nil {
					s.gap(nil, path, err)
					continue
				}
				ns, err = s.resolve(fd, m.Type)
				unix.Close(fd)
				if err != nil {
					s.gap(nil, path, err)
					continue
				}
			}
			s.hold(ns, model.Holder{Kind: model.HeldByBindMount, PID: pid, Path: m.MountPoint, MntNS: mnt.ID})
		}
		return
	}
	if lastErr != nil {
		s.gap(nil, fmt.Sprintf("mountinfo of mnt:[%d]", mntIno), lastErr)
	}
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
	slices.SortFunc(snap.Gaps, func(a, b model.Gap) int {
		if a.PID != b.PID {
			return a.PID - b.PID
		}
		return strings.Compare(a.What, b.What)
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
