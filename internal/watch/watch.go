// Package watch tells nsweb when to scan the host again. Namespaces come and
// go with processes and mounts, so the watcher listens to the kernel's
// process events (fork, exec, exit through the proc connector) and to changes
// of the mount table (where `ip netns add` and CNI bind-mount namespaces),
// and adds a slow safety rescan for what no event reports (a running process
// calling unshare() or setns()). Bursts of events are coalesced into one
// "scan now" signal with a bounded delay, so that a container start with its
// dozens of forks costs one or two scans, and a steady stream of events still
// gets a scan at least every MaxDelay. The first event after a quiet spell is
// signalled at once (leading edge), because the namespaces of a new
// container exist from its first fork on; the rest of its burst follows in
// one debounced signal.
//
// As root the watcher also attaches eBPF programs (internal/kevents) to the
// system calls that change namespaces in place (unshare, setns) or mount
// tables in any mount namespace (mount, umount, move_mount), so those
// changes name their process or mount namespace within milliseconds
// instead of waiting for the safety rescan.
//
// The watcher and internal/collect are the only packages that make Linux
// calls. Without root the proc connector and BPF are unavailable; the
// watcher then runs on mount changes and the rescan alone and says so in
// Sources and Events.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Reason says what kind of event led to a signal; a signal coalesces
// several, so the values combine as bits.
type Reason uint8

// The reasons for a signal.
const (
	// Proc: the proc connector reported a process fork, exec or exit.
	Proc Reason = 1 << iota
	// Mount: the mount table changed (bind-mounted namespaces).
	Mount
	// Rescan: the safety interval passed.
	Rescan
	// Overflow: the kernel dropped process events (the socket buffer was
	// full), so any process may have changed: scan everything.
	Overflow
	// Names: a container engine named, renamed or forgot a container. No
	// namespace changed, only what nsweb calls them: relabelling the last
	// snapshot is enough.
	Names
	// Switch: a running process changed its namespaces in place (unshare,
	// setns; BPF).
	Switch
	// MountNS: something was mounted or unmounted in the mount namespaces
	// the signal names (BPF).
	MountNS
)

// Partial are the reasons whose signals name everything that changed
// (Signal.PIDs, Signal.MntNS), so a rescan of just that suffices.
const Partial = Proc | Switch | MountNS

// String names the reasons for logs, e.g. "proc|mount".
func (r Reason) String() string {
	var parts []string
	for _, x := range []struct {
		r Reason
		s string
	}{{Proc, "proc"}, {Mount, "mount"}, {Rescan, "rescan"}, {Overflow, "overflow"}, {Names, "names"}, {Switch, "ns"}, {MountNS, "mntns"}} {
		if r&x.r != 0 {
			parts = append(parts, x.s)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

// MaxPIDs bounds Signal.PIDs; past it the signal carries no PID hint.
const MaxPIDs = 256

// Signal asks for a scan. It carries what led to it, so a consumer may look
// only at the processes that changed, and logs can say why a scan ran.
type Signal struct {
	Reasons Reason
	// PIDs are the processes (thread-group IDs) that forked into being,
	// exec'd, exited or changed namespaces, without duplicates, in the
	// order first seen. Nil when there were more than MaxPIDs or the
	// reasons include anything outside Partial and Rescan: then everything
	// must be looked at. Never nil otherwise (empty for mount events
	// alone). With Rescan, everything is looked at anyway; the hints then
	// say what events announced.
	PIDs []int
	// MntNS are the inodes of the mount namespaces whose mount tables
	// changed (MountNS), without duplicates; nil whenever PIDs is.
	MntNS []uint64
	// Events is the number of kernel events coalesced into this signal.
	Events int
	// First is when the first coalesced event arrived, the start of the
	// latency a consumer adds to.
	First time.Time
}

// Options tune a Watcher. The zero value gives the defaults.
type Options struct {
	// Rescan is the safety rescan interval; 0 means 10 s, negative disables
	// it.
	Rescan time.Duration
	// Quiet is how long no event must arrive before a burst is considered
	// over; 0 means 25 ms.
	Quiet time.Duration
	// MaxDelay bounds the time from the first event of a burst to its
	// signal, however long the burst goes on; 0 means 100 ms.
	MaxDelay time.Duration
	// NoLeadingEdge turns off the immediate signal for the first event
	// after a quiet spell. By default that event is signalled at once (a
	// container's namespaces exist from its first fork on, so the scan that
	// runs meanwhile already finds them) and the rest of its burst is
	// debounced into the next signal; with NoLeadingEdge every burst waits
	// Quiet first.
	NoLeadingEdge bool
	// MountInfo is the mount table file to watch; empty means
	// /proc/self/mountinfo, "-" disables mount watching.
	MountInfo string
	// NoProcConnector disables process events (for tests and for hosts
	// where the connector is too chatty).
	NoProcConnector bool
	// NoBPF disables the kernel events of internal/kevents (nsweb serve
	// --no-bpf, and tests of the fallback).
	NoBPF bool
	// Logger receives source failures; nil means slog.Default().
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.Rescan == 0 {
		o.Rescan = 10 * time.Second
	}
	if o.Quiet <= 0 {
		o.Quiet = 25 * time.Millisecond
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 100 * time.Millisecond
	}
	if o.MaxDelay < o.Quiet {
		o.MaxDelay = o.Quiet
	}
	if o.MountInfo == "" {
		o.MountInfo = "/proc/self/mountinfo"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// batch is what the event sources hand to the debouncer: the events read in
// one wake-up.
type batch struct {
	reasons  Reason
	pids     []int
	mnts     []uint64 // mount namespace inodes
	events   int
	overflow bool // more PIDs than MaxPIDs
}

// Watcher delivers scan signals on C until it is closed or its context ends.
type Watcher struct {
	c       chan Signal
	sources []string
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	src     *sources
}

// Start opens the event sources and starts watching. A source that cannot
// be opened (no root for the proc connector) is logged and left out; Start
// fails only if no source at all is left, that is with the rescan disabled
// and neither events source available.
func Start(ctx context.Context, opt Options) (*Watcher, error) {
	opt.defaults()
	src, errs := openSources(opt)
	w := &Watcher{c: make(chan Signal), src: src}
	for _, err := range errs {
		opt.Logger.Warn("watch: event source unavailable, relying on the others", "err", err)
	}
	w.sources = src.names()
	if opt.Rescan > 0 {
		w.sources = append(w.sources, fmt.Sprintf("rescan every %s", opt.Rescan))
	}
	if len(w.sources) == 0 {
		src.close()
		return nil, fmt.Errorf("watch: no event source: %w", errors.Join(errs...))
	}
	ctx, w.cancel = context.WithCancel(ctx)
	in := make(chan batch)
	if src.bpfOn() {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			src.runKernel(ctx, in, opt.Logger)
		}()
	}
	w.wg.Add(2)
	go func() {
		defer w.wg.Done()
		src.run(ctx, in, opt.Logger)
	}()
	go func() {
		defer w.wg.Done()
		defer close(w.c)
		debounce(ctx, in, w.c, opt)
	}()
	return w, nil
}

// C returns the channel of signals. It holds at most one pending signal:
// while the consumer is busy scanning, new events merge into it, so a slow
// scan never builds a queue. It is closed when the watcher stops.
func (w *Watcher) C() <-chan Signal { return w.c }

// Sources names the event sources in use, for the log and the page.
func (w *Watcher) Sources() []string { return append([]string(nil), w.sources...) }

// Events says where the events about namespace changes come from, for the
// log, the banner and /healthz: "bpf", or the fallback and why BPF is not
// used, e.g. "proc connector (bpf unavailable: …)".
func (w *Watcher) Events() string { return w.src.events() }

// BPF reports whether the kernel events of internal/kevents are in use.
func (w *Watcher) BPF() bool { return w.src.bpfOn() }

// Close stops the watcher, releases its file descriptors and waits for its
// goroutines.
func (w *Watcher) Close() error {
	w.cancel()
	w.src.wake()
	w.wg.Wait()
	return w.src.close()
}

// debounce coalesces batches from in into signals on out: a signal is ready
// Quiet after the last event, or MaxDelay after the first, whichever comes
// first; it is held (and keeps merging) until the consumer takes it.
func debounce(ctx context.Context, in <-chan batch, out chan<- Signal, opt Options) {
	var (
		pending  Signal
		has      bool // pending holds events
		ready    bool // pending may be sent
		overflow bool
		seen     = map[int]bool{}
		seenMnt  = map[uint64]bool{}
		deadline time.Time
		last     time.Time // of the latest event
		timer    = time.NewTimer(time.Hour)
		tick     <-chan time.Time
	)
	timer.Stop()
	if opt.Rescan > 0 {
		t := time.NewTicker(opt.Rescan)
		defer t.Stop()
		tick = t.C
	}
	add := func(b batch) {
		now := time.Now()
		idle := now.Sub(last) >= opt.Quiet
		last = now
		if !has {
			pending = Signal{First: now}
			has, ready, overflow = true, false, false
			clear(seen)
			clear(seenMnt)
			deadline = now.Add(opt.MaxDelay)
			// Leading edge: after a quiet spell, signal at once.
			ready = idle && !opt.NoLeadingEdge
		}
		pending.Reasons |= b.reasons
		pending.Events += b.events
		overflow = overflow || b.overflow
		if !overflow {
			pending.PIDs, overflow = addNew(pending.PIDs, seen, b.pids)
		}
		if !overflow {
			pending.MntNS, overflow = addNew(pending.MntNS, seenMnt, b.mnts)
		}
		if overflow {
			pending.PIDs, pending.MntNS = nil, nil
		}
		// Kernel events name a change exactly and come seldom (a process
		// that unshares or joins a namespace, a mount): they are due at
		// once, not after the burst of process events around them goes
		// quiet, which on a busy host is MaxDelay.
		if b.reasons&(Switch|MountNS) != 0 && !opt.NoLeadingEdge {
			ready = true
		}
		if ready {
			return // already due: it goes out as soon as the consumer takes it
		}
		wait := min(opt.Quiet, time.Until(deadline))
		timer.Reset(max(wait, 0))
	}
	for {
		var send chan<- Signal
		if ready {
			send = out
			// A safety rescan merged with events keeps their hints: it
			// scans everything, but the hints say which changes events
			// announced (stream.Runner counts the others).
			if pending.Reasons&^(Partial|Rescan) != 0 || overflow {
				overflow, pending.PIDs, pending.MntNS = true, nil, nil
			} else if pending.PIDs == nil {
				pending.PIDs = []int{}
			}
		}
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case b := <-in:
			add(b)
		case <-tick:
			add(batch{reasons: Rescan})
		case <-timer.C:
			if has {
				ready = true
			}
		case send <- pending:
			has, ready = false, false
			pending = Signal{}
		}
	}
}

// addNew appends to list the values of vs that seen lacks, in order, and
// marks them seen. It stops and reports true once list holds more than
// MaxPIDs: the signal then carries no hint.
func addNew[T comparable](list []T, seen map[T]bool, vs []T) ([]T, bool) {
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			list = append(list, v)
		}
		if len(list) > MaxPIDs {
			return list, true
		}
	}
	return list, false
}
