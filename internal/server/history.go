package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/nsweb/nsweb/internal/history"
	"github.com/nsweb/nsweb/internal/stream"
)

// HistoryStatus says whether nsweb records history and what the page
// should tell about it.
type HistoryStatus struct {
	// Enabled: a store is open and recorded into (or read, offline).
	Enabled bool   `json:"enabled"`
	Path    string `json:"path,omitempty"`
	// Error says why there is no history (a corrupt or foreign file, a
	// state directory nsweb may not write) or the last write that failed.
	Error string `json:"error,omitempty"`
	// Offline names the saved model nsweb shows instead of the host
	// (nsweb serve --open FILE).
	Offline string `json:"offline,omitempty"`
	// Oldest and Newest bound the moments that can be shown.
	Oldest *time.Time `json:"oldest,omitempty"`
	Newest *time.Time `json:"newest,omitempty"`
	history.RecorderStats
}

// historyRoutes mounts the history API.
func (s *Server) historyRoutes(r chi.Router) {
	r.Get("/api/v1/history", s.history)
	r.Get("/api/v1/history/timeline", s.timeline)
	r.Get("/api/v1/history/status", s.historyStatus)
	s.api = append(s.api, "/api/v1/history", "/api/v1/history/timeline", "/api/v1/history/status")
}

func (s *Server) status(ctx context.Context) HistoryStatus {
	var st HistoryStatus
	if s.cfg.HistoryStatus != nil {
		st = s.cfg.HistoryStatus()
	}
	if h := s.cfg.History; h != nil && st.Error == "" {
		if o, n, err := h.Range(ctx); err == nil && !o.IsZero() {
			st.Oldest, st.Newest = &o, &n
		}
	}
	return st
}

func (s *Server) historyStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.status(r.Context()))
}

// parseTime reads an API time: RFC 3339, or a duration before now ("10m").
func parseTime(field, v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(strings.TrimPrefix(v, "-")); err == nil && d >= 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("invalid %s %q: want an RFC 3339 time such as 2026-11-28T13:00:00Z, or a duration before now such as 10m", field, truncate(v, 64))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (s *Server) noHistory(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.History != nil {
		return false
	}
	msg := "nsweb records no history (--no-history)"
	if st := s.status(r.Context()); st.Error != "" {
		msg = "no history: " + st.Error
	}
	writeError(w, http.StatusNotFound, msg)
	return true
}

// history serves GET /api/v1/history?since=&until=&q=&limit=&cursor=&order=.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	if s.noHistory(w, r) {
		return
	}
	v := r.URL.Query()
	var q history.Query
	var err error
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"since", &q.Since}, {"until", &q.Until}} {
		if x := v.Get(f.name); x != "" {
			if *f.dst, err = parseTime(f.name, x); err != nil {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
		}
	}
	q.Q, q.Cursor = v.Get("q"), v.Get("cursor")
	if l := v.Get("limit"); l != "" {
		if q.Limit, err = strconv.Atoi(l); err != nil || q.Limit <= 0 || q.Limit > 1000 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid limit %q: want 1 to 1000", truncate(l, 20)))
			return
		}
	}
	switch v.Get("order") {
	case "", "asc":
	case "desc":
		q.Desc = true
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid order %q: want asc or desc", truncate(v.Get("order"), 20)))
		return
	}
	q.Members = v.Get("members") == "1" || v.Get("members") == "true"
	page, err := s.cfg.History.Events(r.Context(), q)
	if err != nil {
		code := http.StatusInternalServerError
		if strings.HasPrefix(err.Error(), "invalid cursor") {
			code = http.StatusBadRequest
		}
		writeError(w, code, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// timeline serves GET /api/v1/history/timeline?since=&until=&buckets=:
// namespaces born and ended per interval and type.
func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	if s.noHistory(w, r) {
		return
	}
	v := r.URL.Query()
	until, since := time.Now(), time.Time{}
	var err error
	if x := v.Get("until"); x != "" {
		if until, err = parseTime("until", x); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	if x := v.Get("since"); x != "" {
		if since, err = parseTime("since", x); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	} else {
		since = until.Add(-time.Hour)
	}
	n := 60
	if x := v.Get("buckets"); x != "" {
		if n, err = strconv.Atoi(x); err != nil || n <= 0 || n > 1000 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid buckets %q: want 1 to 1000", truncate(x, 20)))
			return
		}
	}
	if !until.After(since) {
		writeError(w, http.StatusBadRequest, "until must be after since")
		return
	}
	b, err := s.cfg.History.Timeline(r.Context(), since, until, n)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"since": since.UTC(), "until": until.UTC(), "buckets": b})
}

// current is the picture a request asks for: the live one, or with at=
// the one of that moment, rebuilt from history.
func (s *Server) current(ctx context.Context, r *http.Request) (*stream.View, error) {
	at := r.URL.Query().Get("at")
	if at == "" {
		return s.cfg.Stream.Current(ctx, requestFromQuery(r))
	}
	t, err := parseTime("at", at)
	if err != nil {
		return nil, &stream.BadRequestError{Field: "at", Value: at, Err: err}
	}
	if s.cfg.History == nil {
		return nil, &stream.BadRequestError{Field: "at", Value: at, Err: errors.New("nsweb records no history: only the present can be shown")}
	}
	if t.After(time.Now().Add(time.Second)) {
		return nil, &stream.BadRequestError{Field: "at", Value: at, Err: fmt.Errorf("at %s is in the future", t.UTC().Format(time.RFC3339))}
	}
	snap, err := s.cfg.History.At(ctx, t)
	if err != nil {
		if _, ok := errors.AsType[*history.NotRecordedError](err); ok {
			return nil, &stream.BadRequestError{Field: "at", Value: at, Err: err}
		}
		return nil, err
	}
	return s.cfg.Stream.ViewOf(snap, requestFromQuery(r), t)
}
