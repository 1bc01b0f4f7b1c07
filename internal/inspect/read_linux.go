package inspect

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/netinfo"
)

// mountsMaxAge bounds how long another mount namespace's mount table is
// reused for finding peer groups (the namespace asked about is always read
// afresh). Peer groups change rarely, and rereading a thousand containers'
// tables costs ~50 ms, so the answer to the panel's refresh each second
// stays within a few milliseconds.
const mountsMaxAge = 10 * time.Second

// Inspector reads namespaces' contents. Its zero value is not usable: make
// one with New.
type Inspector struct {
	// Net reads network namespaces; shared with the wiring endpoint so
	// that both use one cache.
	Net *netinfo.Reader

	selfMnt model.NSID
	proc    string

	mu     sync.Mutex
	mounts map[model.NSID]mountEntry
}

type mountEntry struct {
	ms   []Mount
	read time.Time
}

// New returns an Inspector that reads network namespaces through net.
func New(net *netinfo.Reader) *Inspector {
	return &Inspector{Net: net, selfMnt: netinfo.SelfID(model.Mnt), proc: "/proc", mounts: map[model.NSID]mountEntry{}}
}

// Options say what else to read.
type Options struct {
	// Mounts includes a mount namespace's mount table.
	Mounts bool
}

// notRoot is the Missing line of every section that needs root.
const notRoot = "nsweb does not run as root: "

// Details reads what namespace id of snapshot s holds.
func (in *Inspector) Details(ctx context.Context, s *model.Snapshot, id model.NSID, o Options) *Details {
	ns := s.Namespaces[id]
	if ns == nil {
		return nil
	}
	d := &Details{Type: ns.Type}
	miss := func(format string, a ...any) {
		m := fmt.Sprintf(format, a...)
		if os.Geteuid() != 0 {
			m = notRoot + m
		}
		d.Missing = append(d.Missing, m)
	}
	switch ns.Type {
	case model.Net:
		n, err := in.Net.Namespace(ctx, s, id)
		if err != nil {
			miss("interfaces: %v", err)
			break
		}
		d.Net = n
		if n.Error != "" {
			miss("interfaces: %s", n.Error)
		}
	case model.User:
		d.User = in.user(s, ns, miss)
	case model.PID:
		d.PID = PIDs(s, ns)
	case model.UTS:
		err := in.enter(s, ns, unix.CLONE_NEWUTS, func() error {
			var u unix.Utsname
			if err := unix.Uname(&u); err != nil {
				return fmt.Errorf("uname: %w", err)
			}
			d.UTS = &UTS{Hostname: unix.ByteSliceToString(u.Nodename[:]), Domainname: unix.ByteSliceToString(u.Domainname[:])}
			return nil
		})
		if err != nil {
			miss("host name: %v", err)
		}
	case model.Time:
		t, err := in.timeNS(s, ns)
		if err != nil {
			miss("clock offsets: %v", err)
		}
		d.Time = t
	case model.Cgroup:
		c, err := in.cgroup(s, ns)
		if err != nil {
			miss("cgroup root: %v", err)
		}
		d.Cgroup = c
	case model.Mnt:
		m, err := in.mnt(s, ns, o)
		if err != nil {
			miss("mounts: %v", err)
		}
		d.Mnt = m
	}
	return d
}

func (in *Inspector) read(pid int, name string) (string, error) {
	b, err := os.ReadFile(in.proc + "/" + strconv.Itoa(pid) + "/" + name)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// enter runs f on a locked OS thread that joined namespace ns (setns
// with nstype), found through the snapshot's paths and checked by ID.
// Afterwards the thread goes back to its own namespace; only when that
// worked is it unlocked, else it stays locked and ends with the goroutine,
// so no other goroutine ever runs in the wrong namespace. (Always ending
// the thread would be simpler, but a thread's end sends PR_SET_PDEATHSIG
// to the children it started, and Go starts children from any thread.)
func (in *Inspector) enter(s *model.Snapshot, ns *model.Namespace, nstype int, f func() error) error {
	if netinfo.SelfID(ns.Type) == ns.ID {
		return f() // nsweb's own: nothing to enter (and no privilege needed)
	}
	fd, err := netinfo.Open(ns, netinfo.Paths(s, ns, in.selfMnt))
	if err != nil {
		return err
	}
	defer fd.Close()
	ch := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		home, err := unix.Open("/proc/thread-self/ns/"+string(ns.Type), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- fmt.Errorf("open own %s namespace: %w", ns.Type, err)
			return
		}
		defer unix.Close(home)
		if err := unix.Setns(int(fd), nstype); err != nil {
			runtime.UnlockOSThread()
			ch <- fmt.Errorf("setns: %w", err)
			return
		}
		err = f()
		if unix.Setns(home, nstype) == nil {
			runtime.UnlockOSThread()
		} // else: never unlocked, the thread exits with this goroutine
		ch <- err
	}()
	return <-ch
}

func (in *Inspector) user(s *model.Snapshot, ns *model.Namespace, miss func(string, ...any)) *User {
	u := &User{UIDMap: []IDMap{}, GIDMap: []IDMap{}, Caps: []ProcCaps{}}
	if ns.Leader == 0 {
		miss("ID maps: no member process to read them from")
	} else {
		var errs []error
		for _, f := range []struct {
			name string
			dst  *[]IDMap
		}{{"uid_map", &u.UIDMap}, {"gid_map", &u.GIDMap}} {
			data, err := in.read(ns.Leader, f.name)
			if err == nil {
				*f.dst, err = ParseIDMap(data)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s of pid %d: %w", f.name, ns.Leader, err))
			}
		}
		if data, err := in.read(ns.Leader, "setgroups"); err == nil {
			u.Setgroups = trimNL(data)
		}
		if err := errors.Join(errs...); err != nil {
			miss("ID maps: %v", err)
		}
	}
	for _, pid := range ns.Procs {
		if len(u.Caps) == maxList {
			u.CapsMore++
			continue
		}
		c := ProcCaps{PID: pid, Caps: []string{}}
		if p := s.Processes[pid]; p != nil {
			c.Comm = p.Comm
		}
		data, err := in.read(pid, "status")
		var st Status
		if err == nil {
			st, err = ParseStatus(data)
		}
		if err != nil {
			c.Error = err.Error()
		} else {
			c.CapEff = fmt.Sprintf("%016x", st.CapEff)
			c.Caps = CapNames(st.CapEff)
			c.Full = st.CapEff&(1<<CapAll-1) == 1<<CapAll-1
			if len(st.UID) > 1 {
				c.UID = st.UID[1]
			}
		}
		u.Caps = append(u.Caps, c)
	}
	return u
}

func trimNL(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	return s
}

// timeNS reads the offsets from /proc/PID/timens_offsets, which shows the
// process's time namespace for children: so from a process whose
// time_for_children is ns (a member, usually, or a holder).
func (in *Inspector) timeNS(s *model.Snapshot, ns *model.Namespace) (*Time, error) {
	pids := append([]int(nil), ns.Procs...)
	for _, h := range ns.HeldBy {
		if h.Kind == model.HeldByChildren {
			pids = append([]int{h.PID}, pids...)
		}
	}
	for i, pid := range pids {
		if i == 16 {
			break
		}
		fd, err := unix.Open(in.proc+"/"+strconv.Itoa(pid)+"/ns/time_for_children", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		id, err := netinfo.NSGetID(fd)
		unix.Close(fd)
		if err != nil || model.NSID(id) != ns.ID {
			continue
		}
		data, err := in.read(pid, "timens_offsets")
		if err != nil {
			return nil, err
		}
		offs, err := ParseTimensOffsets(data)
		if err != nil {
			return nil, fmt.Errorf("timens_offsets of pid %d: %w", pid, err)
		}
		return &Time{Offsets: offs}, nil
	}
	return nil, errors.New("no process whose time namespace for children it is")
}

// cgroup finds the root by reading a member's /proc/PID/cgroup twice: as
// nsweb sees it, and from a thread inside the namespace, which sees paths
// relative to the namespace's root.
func (in *Inspector) cgroup(s *model.Snapshot, ns *model.Namespace) (*Cgroup, error) {
	if ns.Leader == 0 {
		return nil, errors.New("no member process")
	}
	data, err := in.read(ns.Leader, "cgroup")
	if err != nil {
		return nil, err
	}
	outside, err := CgroupPath(data)
	if err != nil {
		return nil, err
	}
	var inside string
	err = in.enter(s, ns, unix.CLONE_NEWCGROUP, func() error {
		data, err := in.read(ns.Leader, "cgroup")
		if err == nil {
			inside, err = CgroupPath(data)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	root, ok := CgroupRoot(outside, inside)
	if !ok {
		return nil, fmt.Errorf("pid %d is at %s, outside its namespace's root (%s inside)", ns.Leader, outside, inside)
	}
	return &Cgroup{Root: root}, nil
}

func (in *Inspector) mountsOf(ns *model.Namespace, fresh bool) ([]Mount, error) {
	if ns.Leader == 0 {
		return nil, errors.New("no member process")
	}
	in.mu.Lock()
	e, ok := in.mounts[ns.ID]
	in.mu.Unlock()
	if ok && !fresh && time.Since(e.read) < mountsMaxAge {
		return e.ms, nil
	}
	data, err := in.read(ns.Leader, "mountinfo")
	if err != nil {
		return nil, err
	}
	ms, err := ParseMountinfo(data)
	if err != nil {
		return nil, fmt.Errorf("mountinfo of pid %d: %w", ns.Leader, err)
	}
	in.mu.Lock()
	in.mounts[ns.ID] = mountEntry{ms: ms, read: time.Now()}
	in.mu.Unlock()
	return ms, nil
}

func (in *Inspector) mnt(s *model.Snapshot, ns *model.Namespace, o Options) (*Mnt, error) {
	ms, err := in.mountsOf(ns, true)
	if err != nil {
		return nil, err
	}
	m := Summary(ms)
	if o.Mounts {
		m.Mounts = ms
	}
	all := map[model.NSID][]Mount{ns.ID: ms}
	for id, other := range s.Namespaces {
		if other.Type != model.Mnt || id == ns.ID {
			continue
		}
		if oms, err := in.mountsOf(other, false); err == nil {
			all[id] = oms
		}
	}
	in.mu.Lock()
	for id := range in.mounts {
		if s.Namespaces[id] == nil {
			delete(in.mounts, id)
		}
	}
	in.mu.Unlock()
	m.Peers = Peers(ns.ID, all)
	return m, nil
}

// Brief reads the cheap part of what namespace id holds and says it in a
// few words (see Brief): no capabilities, no peer groups.
func (in *Inspector) Brief(ctx context.Context, s *model.Snapshot, id model.NSID) string {
	ns := s.Namespaces[id]
	if ns == nil {
		return ""
	}
	switch ns.Type {
	case model.User:
		d := &Details{User: &User{}}
		if ns.Leader == 0 {
			return ""
		}
		data, err := in.read(ns.Leader, "uid_map")
		if err != nil {
			return ""
		}
		if d.User.UIDMap, err = ParseIDMap(data); err != nil {
			return ""
		}
		return Brief(d)
	case model.Mnt:
		ms, err := in.mountsOf(ns, false)
		if err != nil {
			return ""
		}
		return Brief(&Details{Mnt: &Mnt{Count: len(ms)}})
	case model.IPC:
		return ""
	}
	return Brief(in.Details(ctx, s, id, Options{}))
}
