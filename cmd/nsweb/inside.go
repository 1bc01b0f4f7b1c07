package main

import (
	"context"
	"net/url"

	"github.com/nsweb/nsweb/internal/inspect"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/netinfo"
	"github.com/nsweb/nsweb/internal/server"
)

// inspectFunc makes /api/v1/ns/{ref} say what the namespace holds;
// ?mounts=1 adds a mount namespace's mount table.
func inspectFunc(ins *inspect.Inspector) server.InspectFunc {
	return func(ctx context.Context, s *model.Snapshot, id model.NSID, q url.Values) any {
		return ins.Details(ctx, s, id, inspect.Options{Mounts: q.Get("mounts") == "1"})
	}
}

// briefs summarises what each namespace of snap holds, for the text tree.
func briefs(ctx context.Context, snap *model.Snapshot) func(model.NSID) string {
	ins := inspect.New(netinfo.NewReader())
	return func(id model.NSID) string { return ins.Brief(ctx, snap, id) }
}
