package watch

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Constants of the proc connector (linux/connector.h, linux/cn_proc.h),
// which golang.org/x/sys/unix does not carry.
const (
	cnIdxProc         = 1
	cnValProc         = 1
	procCnMcastListen = 1
	procEventFork     = 0x00000001
	procEventExec     = 0x00000002
	procEventComm     = 0x00000200
	procEventExit     = 0x80000000
	cnMsgLen          = 20 // struct cn_msg without data
	procEventHdrLen   = 16 // what, cpu, timestamp_ns
)

// sources holds the file descriptors the poll loop waits on: the proc
// connector socket, the mount table and a pipe that wakes the loop on Close.
type sources struct {
	nl int // -1 when unavailable
	// mnt is the mount table, a raw descriptor on purpose: an *os.File
	// would be registered with Go's netpoller, whose own epoll would then
	// consume the mount-change events the kernel reports only once.
	mnt     int
	wakeR   int
	wakeW   int
	buf     []byte
	mntPath string
	kern    kernel // BPF events, or why there are none
}

func openSources(opt Options) (*sources, []error) {
	s := &sources{nl: -1, mnt: -1, wakeR: -1, wakeW: -1, buf: make([]byte, 64<<10)}
	var errs []error
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return s, []error{fmt.Errorf("wake pipe: %w", err)}
	}
	s.wakeR, s.wakeW = p[0], p[1]
	if !opt.NoProcConnector {
		fd, err := openProcConnector()
		if err != nil {
			errs = append(errs, err)
		} else {
			s.nl = fd
		}
	}
	s.kern = openKernel(opt, opt.Logger)
	if opt.MountInfo != "-" {
		fd, err := unix.Open(opt.MountInfo, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errs = append(errs, fmt.Errorf("open %s: %w", opt.MountInfo, err))
		} else {
			s.mnt, s.mntPath = fd, opt.MountInfo
		}
	}
	return s, errs
}

// openProcConnector subscribes to the kernel's process events. It needs
// CAP_NET_ADMIN; without it bind or the subscription fails with EPERM.
func openProcConnector() (int, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_CONNECTOR)
	if err != nil {
		return -1, fmt.Errorf("proc connector: socket: %w", err)
	}
	fail := func(what string, err error) (int, error) {
		unix.Close(fd)
		return -1, fmt.Errorf("proc connector: %s: %w", what, err)
	}
	// A container start is a burst of hundreds of events; a large buffer
	// keeps the kernel from dropping them (ENOBUFS) while we are busy.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20); err != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 8<<20)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc}); err != nil {
		return fail("bind", err)
	}
	msg := make([]byte, unix.NLMSG_HDRLEN+cnMsgLen+4)
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))     // nlmsg_len
	ne.PutUint16(msg[4:], unix.NLMSG_DONE)      // nlmsg_type
	ne.PutUint32(msg[12:], uint32(os.Getpid())) // nlmsg_pid
	cn := msg[unix.NLMSG_HDRLEN:]
	ne.PutUint32(cn[0:], cnIdxProc)
	ne.PutUint32(cn[4:], cnValProc)
	ne.PutUint16(cn[16:], 4) // len of data
	ne.PutUint32(cn[cnMsgLen:], procCnMcastListen)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fail("subscribe", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		return fail("nonblock", err)
	}
	return fd, nil
}

func (s *sources) names() []string {
	var n []string
	if s.kern.tr != nil {
		n = append(n, "bpf ("+strings.Join(s.kern.tr.Attached(), ", ")+")")
	}
	if s.nl >= 0 {
		n = append(n, "proc connector")
	}
	if s.mnt >= 0 {
		n = append(n, "mount changes ("+s.mntPath+")")
	}
	return n
}

// wake makes the loops return: the poll loop through the pipe, the BPF
// reader by closing the tracer.
func (s *sources) wake() {
	if s.wakeW >= 0 {
		_, _ = unix.Write(s.wakeW, []byte{0})
	}
	if s.kern.tr != nil {
		_ = s.kern.tr.Close()
	}
}

func (s *sources) close() error {
	var errs []error
	if s.kern.tr != nil {
		errs = append(errs, s.kern.tr.Close())
	}
	for _, fd := range []*int{&s.nl, &s.mnt, &s.wakeR, &s.wakeW} {
		if *fd >= 0 {
			errs = append(errs, unix.Close(*fd))
			*fd = -1
		}
	}
	return errors.Join(errs...)
}

// run waits on the sources until ctx ends and hands each wake-up's events to
// out as one batch.
func (s *sources) run(ctx context.Context, out chan<- batch, log *slog.Logger) {
	if s.nl < 0 && s.mnt < 0 {
		<-ctx.Done()
		return
	}
	fds := []unix.PollFd{{Fd: int32(s.wakeR), Events: unix.POLLIN}}
	nlIdx, mntIdx := -1, -1
	if s.nl >= 0 {
		nlIdx = len(fds)
		fds = append(fds, unix.PollFd{Fd: int32(s.nl), Events: unix.POLLIN})
	}
	if s.mnt >= 0 {
		mntIdx = len(fds)
		fds = append(fds, unix.PollFd{Fd: int32(s.mnt), Events: unix.POLLPRI})
	}
	for ctx.Err() == nil {
		for i := range fds {
			fds[i].Revents = 0
		}
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			log.Error("watch: poll failed; events stop, the safety rescan goes on", "err", err)
			<-ctx.Done()
			return
		}
		if ctx.Err() != nil {
			return
		}
		var b batch
		if mntIdx >= 0 && fds[mntIdx].Revents&(unix.POLLPRI|unix.POLLERR) != 0 {
			// The kernel re-arms the event on the next poll; nothing to read.
			// With BPF on, mount calls anywhere are reported with their
			// mount namespace, and a change of this table (propagation
			// from elsewhere included) rereads just this namespace.
			if s.kern.tr != nil && s.kern.hostM != 0 {
				b.reasons |= MountNS
				b.mnts = append(b.mnts, s.kern.hostM)
			} else {
				b.reasons |= Mount
			}
			b.events++
		}
		if nlIdx >= 0 && fds[nlIdx].Revents&unix.POLLIN != 0 {
			if err := s.readProcEvents(&b); err != nil {
				log.Error("watch: proc connector failed; relying on mounts and the rescan", "err", err)
				unix.Close(s.nl)
				s.nl = -1
				fds[nlIdx].Fd = -1 // poll ignores negative descriptors
			}
		}
		if b.reasons == 0 {
			continue
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return
		}
	}
}

// readProcEvents drains the connector socket into b.
func (s *sources) readProcEvents(b *batch) error {
	for {
		n, _, err := unix.Recvfrom(s.nl, s.buf, 0)
		switch {
		case err == unix.EAGAIN:
			return nil
		case err == unix.EINTR:
			continue
		case err == unix.ENOBUFS:
			// The kernel dropped events: we cannot know which processes
			// changed, so ask for a full scan.
			b.reasons |= Overflow
			b.events++
			continue
		case err != nil:
			return fmt.Errorf("proc connector: recv: %w", err)
		}
		parseProcEvents(s.buf[:n], b)
	}
}

// parseProcEvents adds the process events of one netlink datagram to b.
// Thread creation and thread exit are skipped: they change no namespace
// membership nsweb shows.
func parseProcEvents(data []byte, b *batch) {
	msgs, err := syscall.ParseNetlinkMessage(data)
	if err != nil {
		return // a malformed datagram carries nothing we can use
	}
	ne := binary.NativeEndian
	for _, m := range msgs {
		if m.Header.Type != unix.NLMSG_DONE || len(m.Data) < cnMsgLen+procEventHdrLen {
			continue
		}
		if ne.Uint32(m.Data[0:]) != cnIdxProc || ne.Uint32(m.Data[4:]) != cnValProc {
			continue
		}
		ev := m.Data[cnMsgLen:]
		u := func(off int) int {
			if off+4 > len(ev) {
				return -1
			}
			return int(int32(ne.Uint32(ev[off:])))
		}
		var pid int
		switch ne.Uint32(ev[0:]) {
		case procEventFork:
			// parent_pid, parent_tgid, child_pid, child_tgid
			if cp, ct := u(procEventHdrLen+8), u(procEventHdrLen+12); cp > 0 && cp == ct {
				pid = ct
			}
		case procEventExec, procEventComm:
			pid = u(procEventHdrLen + 4) // process_tgid
		case procEventExit:
			if p, t := u(procEventHdrLen), u(procEventHdrLen+4); p > 0 && p == t {
				pid = t
			}
		}
		if pid <= 0 {
			continue
		}
		b.reasons |= Proc
		b.events++
		if !b.overflow {
			b.pids = append(b.pids, pid)
			if len(b.pids) > MaxPIDs {
				b.overflow, b.pids = true, nil
			}
		}
	}
}
