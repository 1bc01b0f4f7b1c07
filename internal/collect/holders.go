// Holders other than member processes: threads whose namespaces differ
// from their process, and open nsfs file descriptors.

package collect

import (
	"bytes"
	"errors"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/model"
)

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
