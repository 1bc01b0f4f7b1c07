// Reading one process: stat, status, cmdline, cgroup, namespaces, and
// the gaps it leaves when something cannot be read.

package collect

import (
	"errors"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/cgroup"
	"github.com/nsweb/nsweb/internal/model"
)

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
	} else if ref, ok := cgroup.ParseWith(data, s.c.opts.Cgroups); ok {
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
