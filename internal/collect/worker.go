// The fd I/O worker: per-goroutine buffers and the raw reads of /proc
// files, links and directories a scan makes without allocating.

package collect

import (
	"bytes"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

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
