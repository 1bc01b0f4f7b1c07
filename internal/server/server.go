// Package server wires nsweb's HTTP surface: the dashboard page, its static
// assets, the health check and the APIs. It holds no namespace logic of its
// own; it asks the packages behind it and writes what they answer.
package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/nsweb/nsweb/internal/filter"
	"github.com/nsweb/nsweb/internal/history"
	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/render"
	"github.com/nsweb/nsweb/internal/stream"
	"github.com/nsweb/nsweb/web"
	"github.com/nsweb/nsweb/web/templates"
)

// SnapshotFunc returns the current snapshot of the host. The server calls it
// per request and never caches, so the function decides how fresh it is.
type SnapshotFunc func(ctx context.Context) (*model.Snapshot, error)

// Config is what the server needs from its caller.
type Config struct {
	// Version is shown on the page and by /healthz.
	Version string
	// Snapshot gives the current state of the host.
	Snapshot SnapshotFunc
	// Logger receives request errors; nil means slog.Default().
	Logger *slog.Logger
	// Guard is the access policy applied to every request. Its zero value
	// refuses every Host, so a caller must say where it listens.
	Guard Guard
	// Stream is the live hub behind the websocket, the laid-out snapshot,
	// namespace details and the state the SVG export draws. Without it
	// only the page, the health check and the model answer.
	Stream *stream.Hub
	// Inspect, with Stream, adds what a namespace holds to its details;
	// nil leaves "inside" out.
	Inspect InspectFunc
	// Unprivileged says that nsweb cannot see the whole host, and why; the
	// page shows it in a banner. Empty when nsweb runs as root.
	Unprivileged string
	// FullCmdline reads the whole command line of a live process, which
	// snapshots keep only the start of (collect.FullCmdline); with Stream
	// it serves /api/v1/proc/{pid}/cmdline.
	FullCmdline func(pid int, start uint64) (string, error)
	// Wiring reads the links between network namespaces for
	// /api/v1/wiring; nil leaves that endpoint out.
	Wiring WiringFunc
	// Metrics, if set, serves GET /metrics (Prometheus) behind the same
	// guard; the page does not link it.
	Metrics http.Handler
	// SlowEvents says that kernel events are unavailable and what the live
	// view relies on instead; the page shows it in a banner. Empty when
	// they are in use.
	SlowEvents string
	// Health, if set, adds fields to /healthz (event source, counters).
	Health func() map[string]any
	// History, if set, serves the past: /api/v1/history, at= on the
	// snapshot and the SVG, lifetimes in the namespace details.
	History *history.Store
	// HistoryStatus, if set, says whether history is recorded and why not
	// (/api/v1/history/status, /healthz).
	HistoryStatus func() HistoryStatus
}

// Server is nsweb's HTTP handler.
type Server struct {
	cfg    Config
	log    *slog.Logger
	static fs.FS
	router chi.Router
	host   string
	api    []string // the API endpoints mounted, for the 404 answer
}

// New builds the handler with every route mounted.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, log: cfg.Logger, static: web.Static()}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.host, _ = os.Hostname()
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Use(s.cfg.Guard.Middleware)
	// The guard lets HEAD through ("only GET and HEAD are served"): answer
	// it as GET without the body rather than with 405.
	r.Use(middleware.GetHead)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)
	r.Get("/", s.page)
	r.Get("/healthz", s.healthz)
	r.Handle("/static/*", staticHandler(s.static))
	r.Get("/api/v1/model", s.model)
	s.api = []string{"/api/v1/model"}
	if cfg.Metrics != nil {
		r.Get("/metrics", cfg.Metrics.ServeHTTP)
	}
	if cfg.Stream != nil {
		r.Get("/api/v1/stream", s.stream)
		r.Get("/api/v1/snapshot", s.snapshot)
		r.Get("/api/v1/ns/{id}", s.namespace)
		r.Get("/snapshot.svg", s.svg)
		s.api = append([]string{"/api/v1/stream", "/api/v1/snapshot", "/api/v1/ns/{ref}"}, s.api...)
		if cfg.FullCmdline != nil {
			r.Get("/api/v1/proc/{pid}/cmdline", s.cmdline)
			s.api = append(s.api, "/api/v1/proc/{pid}/cmdline")
		}
		if cfg.Wiring != nil {
			r.Get("/api/v1/wiring", s.wiring)
			s.api = append(s.api, "/api/v1/wiring")
		}
		r.Get("/api/v1/container/{id}", s.container)
		r.Get("/api/v1/pod/{ns}/{name}", s.pod)
	}
	if cfg.Stream != nil && (cfg.History != nil || cfg.HistoryStatus != nil) {
		s.historyRoutes(r)
		s.compareRoutes(r)
	}
	s.router = r
	return s
}

// ServeHTTP makes the Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}

// notFound answers a path no route serves. API clients get the JSON error
// every other API answer uses (docs/protocol.md), naming the endpoints that
// exist; other paths get the usual plain 404, as browsers expect.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if !isAPI(r) {
		http.NotFound(w, r)
		return
	}
	msg := "no API endpoint " + quote(r.URL.Path) + "; nsweb serves GET " + strings.Join(s.api, ", ")
	if r.URL.Path == "/api/v1/ns/" && s.cfg.Stream != nil {
		msg = "no namespace named: want /api/v1/ns/{ref}, where ref is " + stream.RefForms
	}
	writeError(w, http.StatusNotFound, msg)
}

// methodNotAllowed answers a method a route does not serve; the guard has
// already refused everything but GET and HEAD, so this is a safety net that
// keeps API errors JSON.
func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	if !isAPI(r) {
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	writeError(w, http.StatusMethodNotAllowed, r.Method+" is not served at "+quote(r.URL.Path)+": nsweb is read-only, use GET")
}

// isAPI says whether a request is for the JSON API, whose every answer,
// errors included, is JSON.
func isAPI(r *http.Request) bool {
	return r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/")
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	data := templates.PageData{Host: s.host, Version: s.cfg.Version, History: s.cfg.HistoryStatus != nil}
	if s.cfg.Unprivileged != "" {
		data.Unprivileged = true
		data.Reason = s.cfg.Unprivileged
	}
	data.Slow = s.cfg.SlowEvents
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	if err := templates.Page(data).Render(r.Context(), w); err != nil {
		s.log.Error("render page", "err", err)
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	h := map[string]any{"status": "ok", "version": s.cfg.Version}
	if s.cfg.Health != nil {
		for k, v := range s.cfg.Health() {
			if _, taken := h[k]; !taken {
				h[k] = v
			}
		}
	}
	if s.cfg.HistoryStatus != nil {
		h["history"] = s.status(r.Context())
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) model(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Stream != nil {
		// The hub holds the latest scan; a scan per request would let any
		// client make nsweb read all of /proc at will.
		if snap := s.cfg.Stream.Latest(); snap != nil {
			s.writeModel(w, snap)
			return
		}
	}
	if s.cfg.Snapshot == nil {
		writeError(w, http.StatusServiceUnavailable, "no snapshot source configured")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	snap, err := s.cfg.Snapshot(ctx)
	if err != nil {
		s.log.Error("snapshot", "err", err)
		writeError(w, http.StatusInternalServerError, "scan failed: "+err.Error())
		return
	}
	s.writeModel(w, snap)
}

// writeModel streams the snapshot as JSON (see writeModel in modeljson.go).
func (s *Server) writeModel(w http.ResponseWriter, snap *model.Snapshot) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := writeModel(w, snap); err != nil {
		s.log.Debug("write model", "err", err) // the client may be gone
	}
}

// svg serves /snapshot.svg?view=…&q=…: the picture the dashboard shows for
// the same view and filter, as a standalone file, gzipped when the client
// takes it.
func (s *Server) svg(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	v, err := s.current(ctx, r)
	if err != nil {
		var bad *stream.BadRequestError
		if errors.As(err, &bad) {
			writeError(w, http.StatusBadRequest, bad.Error())
			return
		}
		if limit, ok := errors.AsType[*stream.LimitError](err); ok {
			w.Header().Set("Retry-After", "5")
			writeError(w, http.StatusServiceUnavailable, limit.Error())
			return
		}
		writeError(w, http.StatusServiceUnavailable, "no snapshot yet: "+err.Error())
		return
	}
	var buf bytes.Buffer
	opts := render.SVGOptions{Filter: canonicalFilter(r.URL.Query().Get("q"))}
	if r.URL.Query().Get("wiring") == "1" || v.Result.View == layout.Network {
		opts.Links = s.links(ctx, v.Snapshot)
	}
	if err := render.SVG(&buf, v.Snapshot, v.Result, opts); err != nil {
		s.log.Error("render svg", "err", err)
		writeError(w, http.StatusInternalServerError, "render svg: "+err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Content-Disposition", `attachment; filename="nsweb-`+safeName(v.Snapshot.Host)+`-`+string(v.Result.View)+`.svg"`)
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		_, _ = zw.Write(buf.Bytes())
		_ = zw.Close() // the client may be gone; nothing left to tell it
		return
	}
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// canonicalFilter is the filter text written into the picture's
// description; Current has already refused a filter that does not parse.
func canonicalFilter(q string) string {
	f, err := filter.Parse(q)
	if err != nil {
		return q
	}
	return f.String()
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// safeName keeps a host name usable in a download file name.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || len(b) > 64 {
		return "host"
	}
	return string(b)
}

// writeJSON answers v as JSON. API answers describe the host as it is
// now: none is stored by a cache.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v) // the client may be gone; nothing left to tell it
}

// errorBody is the JSON shape of every error answer, so that clients parse
// one form.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{Error: msg})
}
