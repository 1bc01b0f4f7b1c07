package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// firstScanWait bounds how long an HTTP request waits for the first scan
// after startup.
const firstScanWait = 30 * time.Second

// RequestFromQuery reads a subscription from URL parameters: view, group,
// q and expand (repeated, or comma-separated).
func RequestFromQuery(r *http.Request) Request {
	q := r.URL.Query()
	var exp []string
	for _, v := range q["expand"] {
		for g := range strings.SplitSeq(v, ",") {
			if g = strings.TrimSpace(g); g != "" {
				exp = append(exp, g)
			}
		}
	}
	return Request{View: q.Get("view"), Group: q.Get("group"), Q: q.Get("q"), Expand: exp}
}

// waitReady waits for the first published snapshot.
func (h *Hub) waitReady(ctx context.Context) error {
	t := time.NewTimer(firstScanWait)
	defer t.Stop()
	select {
	case <-h.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return errors.New("no scan of the host has finished yet; try again shortly")
	}
}

// View is the current state of one subscription, for consumers that draw
// it once (the SVG export) instead of streaming it.
type View struct {
	Seq      uint64
	Snapshot *model.Snapshot
	Result   *layout.Result
	Message  []byte // the encoded snapshot message
}

// BadRequestError is an error caused by the request (bad view, filter or
// group): HTTP handlers answer it with 400, the stream with an error
// message naming Field and Value.
type BadRequestError struct {
	// Field is the part of the request refused: "view", "group", "q",
	// "expand" or "reveal".
	Field string
	// Value is the refused value as sent: for expand the one refused
	// group ID, empty when the list as a whole is refused.
	Value string
	Err   error
}

// Error returns the cause's message, written for the person who sent it.
func (e *BadRequestError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *BadRequestError) Unwrap() error { return e.Err }

// Current returns the current state of the subscription r, computing it
// once and sharing it with the stream's clients of the same key. It waits
// for the first scan (bounded) if there has been none.
func (h *Hub) Current(ctx context.Context, r Request) (*View, error) {
	res, err := h.resolve(r)
	if err != nil {
		return nil, err // a *BadRequestError
	}
	if err := h.waitReady(ctx); err != nil {
		return nil, err
	}
	sb, err := h.acquire(res)
	if err != nil {
		return nil, err
	}
	defer h.release(sb)
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.catchUp()
	return &View{Seq: sb.seq, Snapshot: sb.snap, Result: sb.result, Message: sb.snapshotMsg()}, nil
}

// Snapshot serves GET /api/v1/snapshot?view=…&q=…&expand=…: the same
// object as the stream's snapshot message, so a client may continue from
// it on the stream with since=seq.
func (h *Hub) Snapshot(w http.ResponseWriter, r *http.Request) {
	v, err := h.Current(r.Context(), RequestFromQuery(r))
	if err != nil {
		code := http.StatusServiceUnavailable
		if _, ok := errors.AsType[*BadRequestError](err); ok {
			code = http.StatusBadRequest
		}
		writeError(w, code, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(v.Message) // the client may be gone; nothing left to tell it
}

// Namespace serves GET /api/v1/ns/{id}: everything the latest snapshot
// knows of one namespace. The ID is the last path element, an NSID in
// decimal, optionally written as a node ID ("ns:4026531993").
func (h *Hub) Namespace(w http.ResponseWriter, r *http.Request) {
	raw := path.Base(r.URL.Path)
	id, err := strconv.ParseUint(strings.TrimPrefix(raw, "ns:"), 10, 64)
	if err != nil || id == 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid namespace ID %q: want a number such as 4026531993", truncate(raw, 64)))
		return
	}
	if err := h.waitReady(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	d := Details(h.Latest(), model.NSID(id))
	if d == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("namespace %d not found (it may have ended)", id))
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// Details returns everything s knows of namespace id, nil if s has no such
// namespace. Member processes missing from s (which collect should not
// produce) are listed with an error rather than dropped.
func Details(s *model.Snapshot, id model.NSID) *wire.NamespaceDetails {
	if s == nil || s.Namespaces[id] == nil {
		return nil
	}
	ns := s.Namespaces[id]
	d := &wire.NamespaceDetails{
		Taken: wire.NewMeta(s, nil).Taken, Namespace: ns,
		Processes: make([]*model.Process, 0, len(ns.Procs)), Containers: []*model.Container{},
	}
	for _, pid := range ns.Procs {
		p := s.Processes[pid]
		if p == nil {
			p = &model.Process{PID: pid, Err: "process not in snapshot"}
		}
		d.Processes = append(d.Processes, p)
	}
	sort.Slice(d.Processes, func(i, j int) bool { return d.Processes[i].PID < d.Processes[j].PID })
	for _, cid := range ns.Containers {
		c := s.Containers[cid]
		if c == nil {
			c = &model.Container{ID: cid}
		}
		d.Containers = append(d.Containers, c)
	}
	return d
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing left to tell it
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
