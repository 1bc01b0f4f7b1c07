package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/cri"
	"github.com/nsweb/nsweb/internal/ctrd"
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
	ctr := ctrd.New(ctrd.Config{Sockets: o.containerdSockets, Logger: log, Timeout: o.engineWait})
	cat := engine.New(engine.Config{Sockets: o.engineSockets, Logger: log, LookupTimeout: lookup,
		Timeout: o.engineWait, MaxBackoff: o.engineWait,
		Sources: []engine.Source{cri.New(cri.Config{Sockets: o.criSockets, Logger: log, Timeout: o.engineWait}), ctr}})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = cat.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()

	// containerd's tasks tie processes to containers through their
	// cgroups (ctr's IDs are no hex a cgroup layout names): its answer is
	// needed before /proc is read. A containerd that is absent settles at
	// once; one that is slow leaves its containers by ID.
	cctx, ccancel := context.WithDeadline(ctx, deadline.Add(-lookup))
	ctr.WaitSettled(cctx)
	ccancel()
	snap, err := collect.Scan(ctx, collect.Options{Cgroups: ctr.Resolve})
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

// containerdSocketHelp describes --containerd-socket, which serve and
// snapshot share.
var containerdSocketHelp = "containerd API socket to ask for the names of containers not made by Kubernetes (ctr, nerdctl, Docker's moby namespace; repeatable; replaces the defaults " +
	strings.Join(ctrd.DefaultSockets(), " and ") + ")"
