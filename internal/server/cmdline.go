package server

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
)

// cmdlineAnswer is the JSON of /api/v1/proc/{pid}/cmdline.
type cmdlineAnswer struct {
	PID     int    `json:"pid"`
	Cmdline string `json:"cmdline"`
}

// cmdline serves GET /api/v1/proc/{pid}/cmdline: the whole command line
// of a process of the latest scan, read from /proc while it lives.
// Snapshots keep only its first model.MaxCmdline bytes (and its length,
// cmdlineLen), so that a process's arguments cannot make nsweb big.
func (s *Server) cmdline(w http.ResponseWriter, r *http.Request) {
	pid, err := strconv.Atoi(chi.URLParam(r, "pid"))
	if err != nil || pid <= 0 {
		writeError(w, http.StatusBadRequest, "invalid PID "+quote(chi.URLParam(r, "pid"))+": want a positive decimal number")
		return
	}
	snap, ok := s.latest(w)
	if !ok {
		return
	}
	p := snap.Processes[pid]
	if p == nil {
		writeError(w, http.StatusNotFound, "no process "+strconv.Itoa(pid)+" in the latest scan")
		return
	}
	line, err := s.cfg.FullCmdline(pid, p.Start)
	if err != nil {
		writeError(w, http.StatusGone, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, cmdlineAnswer{PID: pid, Cmdline: line})
}
