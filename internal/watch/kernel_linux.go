package watch

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nsweb/nsweb/internal/kevents"
	"golang.org/x/sys/unix"
)

// kernel is the BPF event source: the tracer, or why there is none.
type kernel struct {
	tr    *kevents.Tracer
	why   string // the reason BPF is not used, when tr is nil
	hostM uint64 // inode of the mount namespace whose table the watcher polls
}

// openKernel attaches the BPF programs unless they are turned off.
func openKernel(opt Options, log *slog.Logger) kernel {
	if opt.NoBPF {
		return kernel{why: "bpf off"}
	}
	tr, err := kevents.Open()
	if err != nil {
		return kernel{why: "bpf unavailable: " + err.Error()}
	}
	for _, n := range tr.Notes() {
		log.Info("watch: bpf events limited", "note", n)
	}
	k := kernel{tr: tr}
	if opt.MountInfo != "-" {
		// The mount table polled is /proc/<self|PID>/mountinfo: with BPF on,
		// its changes reread that one mount namespace instead of the host.
		k.hostM = nsInode(filepath.Join(filepath.Dir(opt.MountInfo), "ns", "mnt"))
	}
	return k
}

// nsInode is the inode of a namespace file, 0 when it cannot be read.
func nsInode(path string) uint64 {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0
	}
	return st.Ino
}

// runKernel reads BPF events until the tracer is closed and hands each
// read's events to out as one batch.
func (s *sources) runKernel(ctx context.Context, out chan<- batch, log *slog.Logger) {
	buf := make([]kevents.Event, 0, 512)
	var lost uint64
	for {
		evs, err := s.kern.tr.Read(buf)
		if err != nil {
			if !errors.Is(err, os.ErrClosed) && ctx.Err() == nil {
				log.Error("watch: bpf events failed; relying on the proc connector and the rescan", "err", err)
			}
			return
		}
		b := kernelBatch(evs)
		// Records the full ring had no room for: anything may have
		// changed, as when the proc connector drops events.
		if n, err := s.kern.tr.Lost(); err == nil && n > lost {
			log.Info("watch: bpf events lost; scanning everything", "lost", n-lost) // recovered by the full scan, counted as an overflow signal
			lost = n
			b.reasons |= Overflow
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return
		}
	}
}

// kernelBatch turns BPF events into a batch: the processes that changed
// namespaces, the mount namespaces whose tables changed.
func kernelBatch(evs []kevents.Event) batch {
	var b batch
	for _, e := range evs {
		b.events++
		switch {
		case e.Kind == kevents.Clone:
			b.reasons |= Proc
			b.pids = append(b.pids, e.PID)
		case e.Kind.Mounts():
			m := e.MntNS
			if m == 0 { // no BTF: ask the process, which may be gone
				m = nsInode("/proc/" + strconv.Itoa(e.PID) + "/ns/mnt")
			}
			if m == 0 {
				b.reasons |= Mount // unknown mount namespace: read them all
				continue
			}
			b.reasons |= MountNS
			b.mnts = append(b.mnts, m)
		default:
			b.reasons |= Switch
			b.pids = append(b.pids, e.PID)
		}
	}
	if len(b.pids) > MaxPIDs || len(b.mnts) > MaxPIDs {
		b.overflow, b.pids, b.mnts = true, nil, nil
	}
	return b
}

// events says where namespace events come from.
func (s *sources) events() string {
	if s.kern.tr != nil {
		return "bpf"
	}
	var fb []string
	if s.nl >= 0 {
		fb = append(fb, "proc connector")
	}
	if s.mnt >= 0 {
		fb = append(fb, "mount changes")
	}
	if len(fb) == 0 {
		fb = append(fb, "safety rescan only")
	}
	return strings.Join(fb, ", ") + " (" + s.kern.why + ")"
}

func (s *sources) bpfOn() bool { return s.kern.tr != nil }
