package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/nsweb/nsweb/internal/compare"
	"github.com/nsweb/nsweb/internal/filter"
	"github.com/nsweb/nsweb/internal/history"
	"github.com/nsweb/nsweb/internal/model"
)

// compareRoutes mounts GET /api/v1/compare.
func (s *Server) compareRoutes(r chi.Router) {
	r.Get("/api/v1/compare", s.compare)
	s.api = append(s.api, "/api/v1/compare")
}

// badCompare is a compare request that cannot be answered as asked.
type badCompare struct{ msg string }

func (e *badCompare) Error() string { return e.msg }

// compare serves GET /api/v1/compare?from=&to=&q=&limit=&offset=: what
// appeared, ended and moved between two moments, to being the present when
// it is left out or "now"; q is the dashboard's filter.
func (s *Server) compare(w http.ResponseWriter, r *http.Request) {
	if s.noHistory(w, r) {
		return
	}
	d, err := s.compareOf(r.Context(), r)
	if err != nil {
		code := http.StatusInternalServerError
		if _, ok := errors.AsType[*badCompare](err); ok {
			code = http.StatusBadRequest
		} else if _, ok := errors.AsType[*history.NotRecordedError](err); ok {
			code = http.StatusBadRequest
		}
		writeError(w, code, err.Error())
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) compareOf(ctx context.Context, r *http.Request) (*compare.Diff, error) {
	v := r.URL.Query()
	now := time.Now()
	fromV, toV := v.Get("from"), v.Get("to")
	if fromV == "" {
		return nil, &badCompare{"from is required: the earlier moment, an RFC 3339 time such as 2026-11-28T13:00:00Z or a duration before now such as 10m; to is the later one (default now)"}
	}
	from, err := parseTime("from", fromV)
	if err != nil {
		return nil, &badCompare{err.Error()}
	}
	live := toV == "" || toV == "now"
	to := now
	if !live {
		if to, err = parseTime("to", toV); err != nil {
			return nil, &badCompare{err.Error()}
		}
	}
	if to.After(now.Add(time.Second)) {
		return nil, &badCompare{fmt.Sprintf("to %s is in the future", to.UTC().Format(time.RFC3339))}
	}
	if from.After(to) {
		return nil, &badCompare{fmt.Sprintf("from %s is after to %s: give the earlier moment as from", from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano))}
	}
	var opt compare.Options
	for _, p := range []struct {
		name string
		dst  *int
		max  int
	}{{"limit", &opt.Limit, compare.MaxLimit}, {"offset", &opt.Offset, 1 << 30}} {
		x := v.Get(p.name)
		if x == "" {
			continue
		}
		n, err := strconv.Atoi(x)
		if err != nil || n < 0 || n > p.max || (p.name == "limit" && n == 0) {
			lo := 0
			if p.name == "limit" {
				lo = 1
			}
			return nil, &badCompare{fmt.Sprintf("invalid %s %q: want %d to %d", p.name, truncate(x, 20), lo, p.max)}
		}
		*p.dst = n
	}
	if q := v.Get("q"); q != "" {
		f, err := filter.Parse(q)
		if err != nil {
			return nil, &badCompare{"invalid q: " + err.Error()}
		}
		opt.Keep = f.Match
	}
	a, err := s.cfg.History.At(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	var b *model.Snapshot
	if live {
		if b = s.cfg.Stream.Latest(); b == nil {
			return nil, errors.New("no scan of the present yet: try again in a moment")
		}
	} else if b, err = s.cfg.History.At(ctx, to); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	d := compare.Compare(a, b, opt)
	d.From, d.To, d.Live = from.UTC(), to.UTC(), live
	return d, nil
}
