// Sockets: the network namespace of each socket fd, where it differs
// from its process's own.

package collect

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/model"
)

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
