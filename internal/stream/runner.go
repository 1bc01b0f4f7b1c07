package stream

import (
	"context"
	"log/slog"
	"time"

	"github.com/nsweb/nsweb/internal/watch"
)

// Runner turns the watcher's signals into scans and publishes each to the
// hub. Scans run one at a time; signals that arrive meanwhile are merged by
// the watcher into one, so a slow scan never builds a queue.
type Runner struct {
	Scan ScanFunc
	Hub  *Hub
	// ScanTimeout bounds one scan (default 30 s).
	ScanTimeout time.Duration
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Run scans once at once, then once per signal, until ctx ends or signals
// is closed. A failed scan is logged and the previous state kept: the next
// signal (at the latest the watcher's safety rescan) tries again.
func (r *Runner) Run(ctx context.Context, signals <-chan watch.Signal) {
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	r.scan(ctx, log, watch.Signal{Reasons: watch.Rescan, First: time.Now()})
	for {
		select {
		case <-ctx.Done():
			return
		case sig, ok := <-signals:
			if !ok {
				return
			}
			r.scan(ctx, log, sig)
		}
	}
}

func (r *Runner) scan(ctx context.Context, log *slog.Logger, sig watch.Signal) {
	timeout := r.ScanTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	s, err := r.Scan(sctx)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("scan failed; keeping the previous state", "reason", sig.Reasons, "err", err)
		}
		return
	}
	scanned := time.Now()
	r.Hub.Publish(s)
	log.Debug("scan published", "reason", sig.Reasons, "events", sig.Events,
		"scan", scanned.Sub(start), "publish", time.Since(scanned), "sinceEvent", time.Since(sig.First))
}
