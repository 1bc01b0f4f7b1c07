package server

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/nsweb/nsweb/internal/inspect"
)

// param reads a path parameter, unescaped once whichever path chi routed
// on (the raw one when the request escaped characters).
func param(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if r.URL.RawPath != "" {
		if u, err := url.PathUnescape(v); err == nil {
			return u
		}
	}
	return v
}

// container serves GET /api/v1/container/{id}: the container's processes
// with their PIDs inside, and every namespace it uses with who else does.
func (s *Server) container(w http.ResponseWriter, r *http.Request) {
	snap, ok := s.latest(w)
	if !ok {
		return
	}
	id := param(r, "id")
	b := inspect.ContainerBox(snap, id)
	if b == nil {
		writeError(w, http.StatusNotFound, "no container "+quote(id)+" (it may have ended)")
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// pod serves GET /api/v1/pod/{namespace}/{name}: the same for the
// containers of a Kubernetes pod.
func (s *Server) pod(w http.ResponseWriter, r *http.Request) {
	snap, ok := s.latest(w)
	if !ok {
		return
	}
	ns, name := param(r, "ns"), param(r, "name")
	b := inspect.PodBox(snap, ns, name)
	if b == nil {
		writeError(w, http.StatusNotFound, "no pod "+quote(ns+"/"+name)+" (it may have ended)")
		return
	}
	writeJSON(w, http.StatusOK, b)
}
