package stream

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/watch"
)

// Runner turns the watcher's signals into scans and publishes each to the
// hub. Scans run one at a time; signals that arrive meanwhile are merged by
// the watcher into one, so a slow scan never builds a queue.
type Runner struct {
	Scan ScanFunc
	// Rescan, if set, updates the previous snapshot for the given
	// processes only: the cheaper scan after process events, whose cost
	// grows with what changed instead of with the host. The runner uses it
	// when a signal has only process events and names their PIDs; every
	// other signal (mounts, the safety rescan, dropped events) gets a full
	// Scan.
	Rescan RescanFunc
	// RescanMounts, if set, is Rescan that also rereads the mount tables
	// of the mount namespaces (by inode) kernel events name; signals that
	// name mount namespaces get a full Scan without it.
	RescanMounts func(ctx context.Context, prev *model.Snapshot, pids []int, mnts []uint64) (*model.Snapshot, error)
	// Relabel, if set, returns the previous snapshot with its containers
	// named anew, for signals that say only that a container engine's
	// names changed (watch.Names). It must not modify prev. Without it,
	// such signals get a full Scan.
	Relabel func(prev *model.Snapshot) *model.Snapshot
	// Unsettled, if set, reports whether the last scan saw processes
	// whose end no event will announce (zombies: their namespaces go when
	// they are reaped). The runner then rescans again by itself, after
	// 50 ms and at doubling intervals up to 2 s, until it is settled, so
	// that a dead container never lingers until the safety rescan.
	Unsettled func() bool
	Hub       *Hub
	// Published, if set, is given every snapshot after the hub published
	// it (the history recorder); it must not block.
	Published func(*model.Snapshot)
	// ScanTimeout bounds one scan (default 30 s).
	ScanTimeout time.Duration
	// Logger; nil means slog.Default().
	Logger *slog.Logger

	full, partial atomic.Int64
	audit         audit
}

// Scans reports how many full scans and partial rescans the runner has
// published, for tests and metrics.
func (r *Runner) Scans() (full, partial int64) { return r.full.Load(), r.partial.Load() }

// Stats reports the runner's counters, among them the changes only the
// safety rescan found (see RunnerStats.SafetyOnlyChanges).
func (r *Runner) Stats() RunnerStats {
	rescans, only := r.audit.counts()
	return RunnerStats{FullScans: r.full.Load(), PartialScans: r.partial.Load(), SafetyRescans: rescans, SafetyOnlyChanges: only}
}

// RescanFunc updates prev for the processes pids (created, exec'd or
// exited) and returns the new snapshot; prev must not be modified.
type RescanFunc func(ctx context.Context, prev *model.Snapshot, pids []int) (*model.Snapshot, error)

// Run scans once at once, then once per signal, until ctx ends or signals
// is closed. A failed scan is logged and the previous state kept: the next
// signal (at the latest the watcher's safety rescan) tries again.
func (r *Runner) Run(ctx context.Context, signals <-chan watch.Signal) {
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	r.scan(ctx, log, watch.Signal{Reasons: watch.Rescan, First: time.Now()})
	// A follow-up for unsettled scans: a partial rescan naming no PID,
	// which looks again at what the collector wants rechecked.
	followUp := time.NewTimer(time.Hour)
	followUp.Stop()
	defer followUp.Stop()
	var delay time.Duration
	settle := func() {
		if r.Unsettled == nil || !r.Unsettled() {
			delay = 0
			followUp.Stop()
			return
		}
		delay = min(max(2*delay, minFollowUp), maxFollowUp)
		followUp.Reset(delay)
	}
	settle()
	// The judgement of a safety rescan's audit, after its grace period.
	judge := time.NewTimer(time.Hour)
	judge.Stop()
	defer judge.Stop()
	armJudge := func() {
		if due := r.audit.dueAt(); !due.IsZero() {
			judge.Reset(time.Until(due))
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-judge.C:
			logOnly(log, r.audit.judge(now))
			armJudge()
		case sig, ok := <-signals:
			if !ok {
				return
			}
			r.audit.note(sig, time.Now())
			r.scan(ctx, log, sig)
			armJudge()
			if sig.Reasons&watch.Proc != 0 {
				delay = 0 // new process events: start the backoff afresh
			}
			settle()
		case now := <-followUp.C:
			r.scan(ctx, log, watch.Signal{Reasons: watch.Proc, PIDs: []int{}, First: now})
			settle()
		}
	}
}

// The bounds of the follow-up rescans' backoff.
const (
	minFollowUp = 50 * time.Millisecond
	maxFollowUp = 2 * time.Second
)

func (r *Runner) scan(ctx context.Context, log *slog.Logger, sig watch.Signal) {
	timeout := r.ScanTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	var s *model.Snapshot
	var err error
	kind := "full"
	prev := r.Hub.Latest()
	switch {
	case r.Relabel != nil && prev != nil && sig.Reasons == watch.Names:
		kind = "relabel"
		s = r.Relabel(prev)
	case r.RescanMounts != nil && prev != nil && sig.Reasons&^watch.Partial == 0 && sig.PIDs != nil && len(sig.MntNS) > 0:
		kind = "partial"
		s, err = r.RescanMounts(sctx, prev, sig.PIDs, sig.MntNS)
	case r.Rescan != nil && prev != nil && sig.Reasons&^watch.Partial == 0 && sig.PIDs != nil && len(sig.MntNS) == 0:
		kind = "partial"
		s, err = r.Rescan(sctx, prev, sig.PIDs)
	default:
		s, err = r.Scan(sctx)
	}
	if err != nil {
		if ctx.Err() == nil {
			log.Error("scan failed; keeping the previous state", "kind", kind, "reason", sig.Reasons, "err", err)
		}
		return
	}
	scanned := time.Now()
	if kind == "full" && sig.Reasons&watch.Rescan != 0 && prev != nil {
		r.audit.safety(prev, s, start, scanned)
	}
	r.Hub.Publish(s)
	if r.Published != nil {
		r.Published(s)
	}
	switch kind {
	case "partial":
		r.partial.Add(1)
	case "full":
		r.full.Add(1)
	}
	log.Debug("scan published", "kind", kind, "reason", sig.Reasons, "events", sig.Events,
		"scan", scanned.Sub(start), "publish", time.Since(scanned), "sinceEvent", time.Since(sig.First))
}
