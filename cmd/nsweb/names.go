package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/cri"
	"github.com/nsweb/nsweb/internal/engine"
	"github.com/nsweb/nsweb/internal/model"
)

// namedScan is nsweb snapshot's one scan, its containers named by the
// engines as the server names them. The engines are asked while /proc is
// read, and waited for at most o.engineWait in all: an engine that is
// absent or slow leaves its containers shown by ID, never a failed
// snapshot.
func namedScan(ctx context.Context, o snapshotOptions, stderr io.Writer) (*model.Snapshot, error) {
	if o.engineWait <= 0 {
		return collect.Scan(ctx, collect.Options{})
	}
	deadline := time.Now().Add(o.engineWait)
	// A quarter of the budget is kept for asking about containers the
	// lists did not have yet (podman lists a container once it runs).
	lookup := max(o.engineWait/4, time.Millisecond)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cat := engine.New(engine.Config{Sockets: o.engineSockets, Logger: log, LookupTimeout: lookup,
		Timeout: o.engineWait, MaxBackoff: o.engineWait,
		Sources: []engine.Source{cri.New(cri.Config{Sockets: o.criSockets, Logger: log, Timeout: o.engineWait})}})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = cat.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()

	snap, err := collect.Scan(ctx, collect.Options{})
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithDeadline(ctx, deadline.Add(-lookup))
	settled := cat.WaitSettled(wctx)
	cancel()
	if !settled {
		for _, e := range cat.Engines() {
			if !e.Connected && e.Err == "" {
				fmt.Fprintf(stderr, "nsweb snapshot: container engine at %s did not answer within --engine-wait %s; its containers show by ID\n", e.Socket, o.engineWait)
			}
		}
	}
	cat.Enrich(snap)
	return snap, nil
}
