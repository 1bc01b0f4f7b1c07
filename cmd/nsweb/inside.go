package main

import (
	"context"
	"net/http"

	"github.com/nsweb/nsweb/internal/inspect"
	"github.com/nsweb/nsweb/internal/model"
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
