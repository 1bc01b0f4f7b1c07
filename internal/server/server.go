// Package server wires nsweb's HTTP surface: the dashboard page, its static
// assets, the health check and the APIs. It holds no namespace logic of its
// own; it asks the packages behind it and writes what they answer.
package server

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/nsweb/nsweb/internal/model"
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
	// Unprivileged says that nsweb cannot see the whole host, and why; the
	// page shows it in a banner. Empty when nsweb runs as root.
	Unprivileged string
}

// Server is nsweb's HTTP handler.
type Server struct {
	cfg    Config
	log    *slog.Logger
	static fs.FS
	router chi.Router
	host   string
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
	r.Get("/", s.page)
	r.Get("/healthz", s.healthz)
	r.Handle("/static/*", http.StripPrefix("/static/", http.FileServerFS(s.static)))
	r.Get("/api/v1/model", s.model)
	s.router = r
	return s
}

// ServeHTTP makes the Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	data := templates.PageData{Host: s.host, Version: s.cfg.Version}
	if s.cfg.Unprivileged != "" {
		data.Unprivileged = true
		data.Reason = s.cfg.Unprivileged
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	if err := templates.Page(data).Render(r.Context(), w); err != nil {
		s.log.Error("render page", "err", err)
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

func (s *Server) model(w http.ResponseWriter, r *http.Request) {
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
	writeJSON(w, http.StatusOK, snap)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
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
