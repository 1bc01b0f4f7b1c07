package kevents

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"
)

// ringSize is the ring buffer's size in bytes (a power of two pages):
// room for about 11,000 records, a burst far beyond what a container
// start produces, while nsweb reads them within a millisecond.
const ringSize = 256 << 10

// tracepoints are the syscalls/… tracepoints attached, with what their
// records report. Required ones must attach, or Open fails.
var tracepoints = []struct {
	name     string
	kind     Kind
	required bool
}{
	{"sys_exit_unshare", Unshare, true},
	{"sys_exit_setns", Setns, true},
	{"sys_exit_mount", Mount, true},
	{"sys_exit_umount", Umount, true},
	{"sys_exit_move_mount", MoveMount, false}, // Linux 5.2
	{"sys_exit_clone", Clone, false},
	{"sys_exit_clone3", Clone, false}, // Linux 5.3
}

// Tracer is the attached programs and the ring buffer they write to.
type Tracer struct {
	ring     *ebpf.Map
	lost     *ebpf.Map // one counter: records the ring had no room for
	progs    []*ebpf.Program
	links    []link.Link
	rd       *ringbuf.Reader
	attached []string
	notes    []string
	rec      ringbuf.Record
	once     sync.Once
	closeErr error
	// mu keeps Close from freeing the lost counter under a Lost call
	// (the reader goroutine asks after every read, also while closing).
	mu     sync.RWMutex
	closed bool
}

// Open loads and attaches the programs. It fails, saying why, when BPF
// cannot be used here; nothing is left behind then.
func Open() (t *Tracer, err error) {
	mounted, err := ensureTracefs()
	if err != nil {
		return nil, err
	}
	t = &Tracer{}
	if mounted {
		t.notes = append(t.notes, "mounted tracefs at "+tracefsDirs[0])
	}
	defer func() {
		if err != nil {
			t.Close()
			t = nil
		}
	}()
	off, oerr := kernelOffsets()
	if oerr != nil {
		t.notes = append(t.notes, fmt.Sprintf("mount events name no mount namespace (%v)", oerr))
	}
	t.ring, err = ebpf.NewMap(&ebpf.MapSpec{Name: "nsweb_events", Type: ebpf.RingBuf, MaxEntries: ringSize})
	if err != nil {
		return nil, explain("create ring buffer", err)
	}
	t.lost, err = ebpf.NewMap(&ebpf.MapSpec{Name: "nsweb_lost", Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1})
	if err != nil {
		return nil, explain("create lost counter", err)
	}
	for _, tp := range tracepoints {
		prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
			Name:         "nsweb_" + strings.TrimPrefix(tp.name, "sys_exit_"),
			Type:         ebpf.TracePoint,
			License:      "Dual MIT/GPL",
			Instructions: program(tp.kind, t.ring.FD(), t.lost.FD(), off),
		})
		if err != nil {
			return nil, explain("load program for "+tp.name, err)
		}
		t.progs = append(t.progs, prog)
		l, err := link.Tracepoint("syscalls", tp.name, prog, nil)
		if err != nil {
			if tp.required {
				return nil, explain("attach syscalls/"+tp.name, err)
			}
			t.notes = append(t.notes, fmt.Sprintf("no %s (%v)", tp.name, err))
			continue
		}
		t.links = append(t.links, l)
		t.attached = append(t.attached, tp.name)
	}
	t.rd, err = ringbuf.NewReader(t.ring)
	if err != nil {
		return nil, explain("ring buffer reader", err)
	}
	return t, nil
}

// Attached names the tracepoints in use.
func (t *Tracer) Attached() []string { return append([]string(nil), t.attached...) }

// Notes are the limits Open met but worked around (an optional tracepoint
// missing, no BTF for mount namespaces), for the log.
func (t *Tracer) Notes() []string { return append([]string(nil), t.notes...) }

// Read blocks until at least one event arrived, then returns it with every
// other event already waiting, appended to buf[:0], up to cap(buf) (at
// least one). After Close it returns an error wrapping os.ErrClosed.
func (t *Tracer) Read(buf []Event) ([]Event, error) {
	buf = buf[:0]
	// Block for the first record, then drain what is there: a deadline in
	// the past makes the reader return os.ErrDeadlineExceeded once the ring
	// is empty. (Reader.AvailableBytes would race with Close.)
	t.rd.SetDeadline(time.Time{})
	for {
		err := t.rd.ReadInto(&t.rec)
		if errors.Is(err, os.ErrDeadlineExceeded) && len(buf) > 0 {
			return buf, nil
		}
		if err != nil {
			return buf, fmt.Errorf("kevents: read ring buffer: %w", err)
		}
		if e, err := decode(t.rec.RawSample); err == nil {
			buf = append(buf, e)
		}
		if len(buf) > 0 {
			if len(buf) >= max(cap(buf), 1) {
				return buf, nil
			}
			t.rd.SetDeadline(time.Now())
		}
	}
}

// Lost is how many events the ring buffer had no room for since Open:
// when it grows, changes went unreported and everything must be looked at.
func (t *Tracer) Lost() (uint64, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.closed {
		return 0, fmt.Errorf("kevents: read lost counter: %w", os.ErrClosed)
	}
	var n uint64
	if err := t.lost.Lookup(uint32(0), &n); err != nil {
		return 0, fmt.Errorf("kevents: read lost counter: %w", err)
	}
	return n, nil
}

// Close detaches the programs and frees the ring buffer; a Read in
// progress returns. It may be called more than once, and concurrently with
// Read.
func (t *Tracer) Close() error {
	t.once.Do(func() { t.closeErr = t.release() })
	return t.closeErr
}

func (t *Tracer) release() error {
	var errs []error
	if t.rd != nil {
		errs = append(errs, t.rd.Close())
	}
	for _, l := range t.links {
		errs = append(errs, l.Close())
	}
	for _, p := range t.progs {
		errs = append(errs, p.Close())
	}
	if t.ring != nil {
		errs = append(errs, t.ring.Close())
	}
	t.mu.Lock()
	t.closed = true
	if t.lost != nil {
		errs = append(errs, t.lost.Close())
	}
	t.mu.Unlock()
	return errors.Join(errs...)
}

// explain adds the likely cause to a failure to load or attach.
func explain(what string, err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		if os.Geteuid() != 0 {
			return fmt.Errorf("%s: %w (needs root, or CAP_BPF and CAP_PERFMON)", what, err)
		}
		if lockdown() {
			return fmt.Errorf("%s: %w (kernel lockdown is on)", what, err)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// lockdown reports whether the kernel is locked down against BPF that
// reads kernel memory.
func lockdown() bool {
	b, err := os.ReadFile("/sys/kernel/security/lockdown")
	return err == nil && !strings.Contains(string(b), "[none]")
}

// tracefsDirs are where tracefs is found (cilium/ebpf looks in both).
var tracefsDirs = []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}

// ensureTracefs makes sure the syscall tracepoints can be found: when
// tracefs is not mounted (some hosts and containers leave it out), root
// mounts it at /sys/kernel/tracing, as perf and bpftrace users do.
func ensureTracefs() (mounted bool, err error) {
	const probe = "/events/syscalls/sys_exit_unshare"
	for _, d := range tracefsDirs {
		_, err := os.Stat(d + probe)
		if err == nil {
			return false, nil
		}
		if errors.Is(err, os.ErrPermission) {
			return false, fmt.Errorf("tracefs: %w (needs root)", err)
		}
	}
	if os.Geteuid() != 0 {
		return false, errors.New("tracefs is not mounted and only root may mount it")
	}
	if _, err := os.Stat(tracefsDirs[0] + "/events"); err == nil {
		return false, errors.New("no syscall tracepoints (kernel built without CONFIG_FTRACE_SYSCALLS)")
	}
	if err := unix.Mount("tracefs", tracefsDirs[0], "tracefs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return false, fmt.Errorf("tracefs is not mounted and mounting it at %s failed: %w", tracefsDirs[0], err)
	}
	if _, err := os.Stat(tracefsDirs[0] + probe); err != nil {
		return true, fmt.Errorf("no syscall tracepoints: %w", err)
	}
	return true, nil
}
