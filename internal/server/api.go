// The live API over the stream hub: the websocket, the laid-out snapshot,
// and the details of one namespace or folded group. The hub answers in Go
// values and typed errors; this file speaks HTTP for it.

package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/history"
	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/stream"
	"github.com/nsweb/nsweb/internal/wire"
)

// InspectFunc reads what a namespace holds, for the "inside" of
// /api/v1/ns/{ref} (internal/inspect); q is the request's query, with
// its options (mounts=1).
type InspectFunc func(ctx context.Context, s *model.Snapshot, id model.NSID, q url.Values) any

// requestFromQuery reads a subscription from URL parameters: view, group,
// q and expand. Each expand parameter is one group ID, taken as it is: a
// group inside a container node has the container's ID in its own, and
// container IDs from cgroups (LXC, systemd-nspawn machine names) may hold
// commas and spaces, so no separator within a value is unambiguous. An
// empty expand names no group.
func requestFromQuery(r *http.Request) stream.Request {
	q := r.URL.Query()
	var exp []string
	for _, g := range q["expand"] {
		if g != "" {
			exp = append(exp, g)
		}
	}
	return stream.Request{View: q.Get("view"), Group: q.Get("group"), Q: q.Get("q"), Expand: exp, Client: clientOf(r)}
}

// clientOf names the client of r for the per-client limit of views: its
// remote address without the port.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// statusOf is the status code that answers an error of the hub: the
// asker's mistake (400), nothing of that name (404), a number that names
// two namespaces (409), else no answer to give now (503: no scan yet, a
// limit of views, a shutdown).
func statusOf(err error) int {
	switch {
	case errors.As(err, new(*stream.BadRequestError)):
		return http.StatusBadRequest
	case errors.As(err, new(*stream.NotFoundError)):
		return http.StatusNotFound
	case errors.As(err, new(*stream.AmbiguousRefError)):
		return http.StatusConflict
	}
	return http.StatusServiceUnavailable
}

// latest is the hub's latest snapshot, or false after answering 503 when
// there is none yet.
func (s *Server) latest(w http.ResponseWriter) (*model.Snapshot, bool) {
	snap := s.cfg.Stream.Latest()
	if snap == nil {
		writeError(w, http.StatusServiceUnavailable, stream.ErrNotReady.Error())
		return nil, false
	}
	return snap, true
}

// stream is the websocket endpoint (GET /api/v1/stream). Before the
// upgrade it refuses with a JSON error: 503 when the hub is shutting down
// or MaxClients connections are open, 426 to a request that is not a
// websocket handshake.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	hub := s.cfg.Stream
	leave, err := hub.Admit()
	if err != nil {
		if errors.Is(err, stream.ErrClosed) {
			writeError(w, http.StatusServiceUnavailable, "nsweb is shutting down")
			return
		}
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	defer leave()
	if !wantsWebsocket(r) {
		// Accept would answer in plain text; every /api/ error is JSON.
		w.Header().Set("Upgrade", "websocket")
		writeError(w, http.StatusUpgradeRequired,
			"this endpoint is a WebSocket: open it with a websocket client (docs/protocol.md); GET /api/v1/snapshot gives the same snapshot over plain HTTP")
		return
	}
	conn, err := websocket.Accept(w, r, hub.AcceptOptions())
	if err != nil {
		s.log.Debug("stream: upgrade failed", "remote", r.RemoteAddr, "err", err)
		return // Accept has answered the request
	}
	hub.Serve(conn, r.RemoteAddr, clientOf(r))
}

// snapshot serves GET /api/v1/snapshot?view=…&q=…&expand=…: the same
// object as the stream's snapshot message, so a client may continue from
// it on the stream with since=seq; with at=, the picture of that moment
// from history.
func (s *Server) snapshot(w http.ResponseWriter, r *http.Request) {
	v, err := s.current(r.Context(), r)
	if err != nil {
		code := statusOf(err)
		if r.URL.Query().Get("at") != "" && code != http.StatusBadRequest {
			code = http.StatusInternalServerError
		}
		writeError(w, code, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(v.Message) // the client may be gone; nothing left to tell it
}

// refParam reads the {ref} of /api/v1/ns/{ref}: the last segment of the
// path as sent (escaped), unescaped once. Routers disagree on whether a
// path value is escaped (net/http's mux decodes it, chi keeps what the
// client sent when it holds escapes such as the %3A browsers send for
// ":"), so the escaped path is read directly: an escaped slash (x%2F1) is
// part of the ref, never a separator, and makes it invalid.
func refParam(r *http.Request) (string, error) {
	p := r.URL.EscapedPath()
	seg := p[strings.LastIndexByte(p, '/')+1:]
	ref, err := url.PathUnescape(seg)
	if err != nil {
		return "", fmt.Errorf("invalid namespace reference %q: %w", truncate(seg, 64), err)
	}
	return ref, nil
}

// namespace serves GET /api/v1/ns/{ref}: everything the latest snapshot
// knows of one namespace, with what it holds (Config.Inspect) and its
// lifetime from history (also when it ended and the hub no longer knows
// it, if it is named by ID); for a folded group's ID ("grp:…", with the
// picture's view, group, q and expand in the query), what the group holds.
// The ref is the last path element: the namespace ID the API and node IDs
// use ("4098" or "ns:4098"), or the inode people see in labels, lsns and
// /proc/PID/ns ("4026531837", "net:4026531993", "net:[4026531993]"); see
// stream.RefForms. An escaped slash (x%2F1) is part of it and makes it
// invalid, never a path separator.
func (s *Server) namespace(w http.ResponseWriter, r *http.Request) {
	raw, err := refParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if layout.IsGroupID(raw) {
		s.group(w, r, raw)
		return
	}
	snap, d, err := s.cfg.Stream.Namespace(r.Context(), raw)
	if err == nil && s.cfg.Inspect != nil {
		d.Inside = s.cfg.Inspect(r.Context(), snap, d.Namespace.ID, r.URL.Query())
	}
	lt := s.lifetime(r.Context(), raw, d, err)
	switch {
	case err != nil && lt == nil:
		writeError(w, statusOf(err), err.Error())
	case err != nil:
		writeJSON(w, statusOf(err), struct {
			errorBody
			Lifetime *history.Lifetime `json:"lifetime"`
		}{errorBody{err.Error()}, lt})
	case lt == nil:
		writeJSON(w, http.StatusOK, d)
	default:
		writeJSON(w, http.StatusOK, struct {
			*wire.NamespaceDetails
			Lifetime *history.Lifetime `json:"lifetime"`
		}{d, lt})
	}
}

// lifetime is the recorded lifetime of the namespace of details d, or,
// when the hub knows no namespace of that name (err), of the namespace
// whose ID ref is; nil without history or a record.
func (s *Server) lifetime(ctx context.Context, ref string, d *wire.NamespaceDetails, err error) *history.Lifetime {
	if s.cfg.History == nil {
		return nil
	}
	var id model.NSID
	switch {
	case err == nil:
		id = d.Namespace.ID
	case errors.As(err, new(*stream.NotFoundError)):
		if n, err := strconv.ParseUint(strings.TrimPrefix(ref, "ns:"), 10, 64); err == nil {
			id = model.NSID(n)
		}
	}
	if id == 0 {
		return nil
	}
	lt, err := s.cfg.History.Lifetime(ctx, id)
	if err != nil {
		return nil
	}
	return lt
}

// group serves GET /api/v1/ns/{group ID}?view=…&group=…&q=…&expand=…: the
// details of a folded group of that picture (a group's members depend on
// the view, the filter and what is open).
func (s *Server) group(w http.ResponseWriter, r *http.Request, id string) {
	d, err := s.cfg.Stream.Group(r.Context(), requestFromQuery(r), id)
	if err != nil {
		writeError(w, statusOf(err), err.Error())
		return
	}
	writeJSON(w, http.StatusOK, d)
}
