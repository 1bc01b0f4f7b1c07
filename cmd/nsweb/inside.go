package main

import (
	"context"
	"net/http"

	"github.com/nsweb/nsweb/internal/inspect"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/netinfo"
	"github.com/nsweb/nsweb/internal/stream"
)

// withInspector makes the hub answer /api/v1/ns/{ref} with what the
// namespace holds; ?mounts=1 adds a mount namespace's mount table.
func withInspector(ins *inspect.Inspector) func(*stream.Config) {
	return func(c *stream.Config) {
		c.Inspect = func(ctx context.Context, s *model.Snapshot, id model.NSID, r *http.Request) any {
			return ins.Details(ctx, s, id, inspect.Options{Mounts: r.URL.Query().Get("mounts") == "1"})
		}
	}
}

// briefs summarises what each namespace of snap holds, for the text tree.
func briefs(ctx context.Context, snap *model.Snapshot) func(model.NSID) string {
	ins := inspect.New(netinfo.NewReader())
	return func(id model.NSID) string { return ins.Brief(ctx, snap, id) }
}
