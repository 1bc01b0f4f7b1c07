package stream

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/watch"
)

// RunnerStats are the runner's counters, for tests, /healthz and metrics.
type RunnerStats struct {
	// FullScans and PartialScans count the scans published.
	FullScans, PartialScans int64
	// SafetyRescans counts the safety rescans (alone or merged with
	// events, whose hints then say what they announced).
	SafetyRescans int64
	// SafetyOnlyChanges counts the changes such rescans found that no
	// event announced, before or shortly after: processes that changed
	// namespaces (or came or went), nsfs bind mounts that came or went,
	// namespaces held by neither that came or went. With kernel events on,
	// the goal is zero.
	SafetyOnlyChanges int64
}

// auditGrace is how long after a safety rescan an event may still arrive
// to claim a change the rescan found: the event was on its way while the
// rescan read the host.
const auditGrace = time.Second

// SafetyChange is one difference a safety rescan found, with what an
// event would have named for it.
type SafetyChange struct {
	Kind  string   // "process", "bindmount", "namespace"
	PIDs  []int    // processes whose events announce it
	MntNS []uint64 // mount namespace inodes whose mount events announce it
	// What describes it for people: a process's command line, a bind
	// mount's path.
	What string
	// host: a bind mount in the mount namespace of PID 1, whose table
	// nsweb polls (a Mount signal announces it).
	host bool
}

// audit counts what only the safety rescan found: it remembers what
// signals named, diffs each safety rescan against the snapshot before
// it, and, after auditGrace, counts the differences no signal named.
type audit struct {
	mu        sync.Mutex
	pids      map[int]time.Time    // named by a signal, when
	mnts      map[uint64]time.Time // mount namespaces named by a signal
	mountsAll time.Time            // a signal that rereads every mount table
	all       time.Time            // dropped events: anything may have changed
	pending   []SafetyChange
	since     time.Time // the pending changes may be claimed from then on
	due       time.Time // judged then
	rescans   int64
	only      int64
}

// note records what a signal names.
func (a *audit) note(sig watch.Signal, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pids == nil {
		a.pids, a.mnts = map[int]time.Time{}, map[uint64]time.Time{}
	}
	if sig.Reasons&watch.Overflow != 0 {
		a.all = now
	}
	if sig.Reasons&watch.Mount != 0 {
		a.mountsAll = now
	}
	for _, p := range sig.PIDs {
		a.pids[p] = now
	}
	for _, m := range sig.MntNS {
		a.mnts[m] = now
	}
	// Forget what no pending audit can need.
	old := now.Add(-time.Minute)
	maps.DeleteFunc(a.pids, func(_ int, t time.Time) bool { return t.Before(old) })
	maps.DeleteFunc(a.mnts, func(_ uint64, t time.Time) bool { return t.Before(old) })
}

// safety records the differences a safety rescan that started at
// start found between prev and next, to be judged after auditGrace.
func (a *audit) safety(prev, next *model.Snapshot, start, now time.Time) {
	cs := diff(prev, next)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rescans++
	// A previous audit not yet judged is judged now, with what was named
	// so far: its grace has nearly passed (rescans are seconds apart).
	a.judgeLocked()
	// A signal that arrived just before the scan started may still have
	// been merging in the watcher: it may claim too.
	a.pending, a.since, a.due = cs, start.Add(-100*time.Millisecond), now.Add(auditGrace)
}

// judge counts the pending changes if their grace has passed, and returns
// the ones it counted now (for the log).
func (a *audit) judge(now time.Time) []SafetyChange {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.pending) == 0 || now.Before(a.due) {
		return nil
	}
	return a.judgeLocked()
}

func (a *audit) judgeLocked() []SafetyChange {
	var only []SafetyChange
	claimed := func(t time.Time) bool { return !t.IsZero() && !t.Before(a.since) }
	for _, c := range a.pending {
		ok := claimed(a.all)
		for _, p := range c.PIDs {
			ok = ok || claimed(a.pids[p])
		}
		for _, m := range c.MntNS {
			ok = ok || claimed(a.mnts[m])
		}
		ok = ok || (c.host && claimed(a.mountsAll))
		if !ok {
			only = append(only, c)
		}
	}
	a.only += int64(len(only))
	a.pending = nil
	return only
}

// due reports when the pending changes are to be judged; zero when none.
func (a *audit) dueAt() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.pending) == 0 {
		return time.Time{}
	}
	return a.due
}

func (a *audit) counts() (rescans, only int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rescans, a.only
}

// logOnly says what only the safety rescan found.
func logOnly(log *slog.Logger, only []SafetyChange) {
	if len(only) == 0 {
		return
	}
	by := map[string]int{}
	var what []string
	for _, c := range only {
		by[c.Kind]++
		if len(what) < 5 {
			what = append(what, fmt.Sprintf("%s %v %q", c.Kind, c.PIDs, c.What))
		}
	}
	log.Info("safety rescan found changes no event announced", "changes", len(only),
		"processes", by["process"], "bindmounts", by["bindmount"], "namespaces", by["namespace"],
		"first", what)
}

// diff lists the differences between two snapshots that events should
// have announced. Processes that could not be read whole (zombies, races)
// on either side are left out: their settling is followed up without
// events.
func diff(prev, next *model.Snapshot) []SafetyChange {
	if prev == nil || next == nil {
		return nil
	}
	var cs []SafetyChange
	inode := func(id model.NSID) uint64 {
		if ns := next.Namespaces[id]; ns != nil {
			return ns.Inode
		}
		if ns := prev.Namespaces[id]; ns != nil {
			return ns.Inode
		}
		return 0
	}
	for pid, p := range next.Processes {
		q := prev.Processes[pid]
		switch {
		case q == nil:
			if p.Err == "" && len(p.NS) > 0 {
				cs = append(cs, SafetyChange{Kind: "process", PIDs: []int{pid, p.PPID}, What: p.Cmdline})
			}
		case q.Err == "" && p.Err == "" && len(q.NS) > 0 && len(p.NS) > 0 && !maps.Equal(p.NS, q.NS):
			cs = append(cs, SafetyChange{Kind: "process", PIDs: []int{pid}, What: p.Cmdline})
		}
	}
	for pid, q := range prev.Processes {
		if next.Processes[pid] == nil && q.Err == "" && len(q.NS) > 0 {
			cs = append(cs, SafetyChange{Kind: "process", PIDs: []int{pid}, What: q.Cmdline})
		}
	}
	type bind struct {
		ns, mnt model.NSID
		path    string
	}
	binds := func(s *model.Snapshot) map[bind]bool {
		m := map[bind]bool{}
		for id, ns := range s.Namespaces {
			for _, h := range ns.HeldBy {
				if h.Kind == model.HeldByBindMount {
					m[bind{id, h.MntNS, h.Path}] = true
				}
			}
		}
		return m
	}
	var hostMnt model.NSID
	if p := next.Processes[1]; p != nil {
		hostMnt = p.NS[model.Mnt]
	}
	b0, b1 := binds(prev), binds(next)
	for _, pair := range [][2]map[bind]bool{{b0, b1}, {b1, b0}} {
		for b := range pair[0] {
			if !pair[1][b] {
				cs = append(cs, SafetyChange{Kind: "bindmount", MntNS: []uint64{inode(b.mnt)}, What: b.path, host: hostMnt != 0 && b.mnt == hostMnt})
			}
		}
	}
	// Namespaces that came or went held by neither a process nor a bind
	// mount (an open file descriptor, a socket): claimed by an event of a
	// process that holds (or held) them.
	for _, pair := range [][2]*model.Snapshot{{prev, next}, {next, prev}} {
		for id, ns := range pair[0].Namespaces {
			if pair[1].Namespaces[id] != nil || len(ns.Procs) > 0 ||
				slices.ContainsFunc(ns.HeldBy, func(h model.Holder) bool { return h.Kind == model.HeldByBindMount }) {
				continue
			}
			c := SafetyChange{Kind: "namespace", What: fmt.Sprintf("%s:[%d]", ns.Type, ns.Inode)}
			for _, h := range ns.HeldBy {
				if h.PID > 0 {
					c.PIDs = append(c.PIDs, h.PID)
				}
			}
			if len(c.PIDs) > 0 {
				cs = append(cs, c)
			}
		}
	}
	return cs
}

// Audit scans the host in full and returns how it differs from the last
// published snapshot: what a safety rescan would find now that no event
// announced. It publishes nothing and counts nothing (a test's check at
// the end of a churn, where a rescan must not hide a stale node).
func (r *Runner) Audit(ctx context.Context) ([]SafetyChange, error) {
	prev := r.Hub.Latest()
	next, err := r.Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit scan: %w", err)
	}
	return diff(prev, next), nil
}
