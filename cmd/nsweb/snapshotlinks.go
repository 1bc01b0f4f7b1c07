package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/netinfo"
	"github.com/nsweb/nsweb/internal/render"
)

// writeSVGSnapshot writes the picture of r; the network view carries the
// wiring between its network namespaces, as /snapshot.svg?view=network does.
// A wiring that cannot be read leaves the picture without links and says
// so on stderr (warn).
func writeSVGSnapshot(w io.Writer, s *model.Snapshot, r *layout.Result, q string, warn io.Writer) error {
	opts := render.SVGOptions{Filter: q}
	if r.View == layout.Network {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		wr, err := netinfo.NewReader().Wiring(ctx, s)
		if err != nil {
			fmt.Fprintf(warn, "nsweb snapshot: no wiring in the picture: %v\n", err)
		} else {
			for _, e := range wr.Edges {
				opts.Links = append(opts.Links, render.Link{A: e.A.NS, B: e.B.NS, Kind: e.Kind, Label: e.A.Iface + " ↔ " + e.B.Iface})
			}
		}
	}
	return render.SVG(w, s, r, opts)
}
