package server

import (
	"context"
	"net/http"
	"time"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/netinfo"
	"github.com/nsweb/nsweb/internal/render"
)

// WiringFunc reads the links between the network namespaces of a
// snapshot (netinfo.Reader.Wiring).
type WiringFunc func(ctx context.Context, s *model.Snapshot) (*netinfo.Wiring, error)

// wiring serves GET /api/v1/wiring: the edges between the network
// namespaces of the latest scan (veth pairs, macvlan/ipvlan parents).
func (s *Server) wiring(w http.ResponseWriter, r *http.Request) {
	snap, ok := s.latest(w)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	wr, err := s.cfg.Wiring(ctx, snap)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "read network namespaces: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, wr)
}

// links is the wiring of snap for the SVG (?wiring=1); none when the
// server has no wiring reader or it fails (the picture is still drawn,
// and the failure logged).
func (s *Server) links(ctx context.Context, snap *model.Snapshot) []render.Link {
	if s.cfg.Wiring == nil {
		return nil
	}
	wr, err := s.cfg.Wiring(ctx, snap)
	if err != nil {
		s.log.Warn("wiring for the SVG", "err", err)
		return nil
	}
	out := make([]render.Link, 0, len(wr.Edges))
	for _, e := range wr.Edges {
		out = append(out, render.Link{A: e.A.NS, B: e.B.NS, Kind: e.Kind, Label: e.A.Iface + " ↔ " + e.B.Iface})
	}
	return out
}
