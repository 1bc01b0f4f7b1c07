package stream

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
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
// q and expand. Each expand parameter is one group ID, taken as it is: a
// group inside a container node has the container's ID in its own, and
// container IDs from cgroups (LXC, systemd-nspawn machine names) may hold
// commas and spaces, so no separator within a value is unambiguous. An
// empty expand names no group.
func RequestFromQuery(r *http.Request) Request {
	q := r.URL.Query()
	var exp []string
	for _, g := range q["expand"] {
		if g != "" {
			exp = append(exp, g)
		}
	}
	return Request{View: q.Get("view"), Group: q.Get("group"), Q: q.Get("q"), Expand: exp, Client: ClientOf(r)}
}

// ClientOf names the client of r for the per-client limit of views: its
// remote address without the port.
func ClientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
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
	defer h.release(sb, res.client)
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.catchUp()
	return &View{Seq: sb.seq, Snapshot: sb.snap, Result: sb.result, Message: sb.snapshotMsg()}, nil
}

// currentFor is the picture the request's query names (view, group, q,
// expand), or false after answering the error: 400 for a request refused,
// 503 when there is no picture to give (not yet, or a view limit).
func (h *Hub) currentFor(w http.ResponseWriter, r *http.Request) (*View, bool) {
	v, err := h.Current(r.Context(), RequestFromQuery(r))
	if err != nil {
		code := http.StatusServiceUnavailable
		if _, ok := errors.AsType[*BadRequestError](err); ok {
			code = http.StatusBadRequest
		}
		writeError(w, code, err.Error())
		return nil, false
	}
	return v, true
}

// Snapshot serves GET /api/v1/snapshot?view=…&q=…&expand=…: the same
// object as the stream's snapshot message, so a client may continue from
// it on the stream with since=seq.
func (h *Hub) Snapshot(w http.ResponseWriter, r *http.Request) {
	v, ok := h.currentFor(w, r)
	if !ok {
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

// Namespace serves GET /api/v1/ns/{ref}: everything the latest snapshot
// knows of one namespace; for a folded group's ID ("grp:…", with the
// picture's view, group, q and expand in the query), what the group holds
// (see GroupDetails). The ref is the last path element: the namespace
// ID the API and node IDs use ("4098" or "ns:4098"), or the inode people
// see in labels, lsns and /proc/PID/ns ("4026531837", "net:4026531993",
// "net:[4026531993]"); see lookupNamespace. The ref is the route's {id}
// parameter, decoded: an escaped slash (x%2F1) is part of it and makes it
// invalid, never a path separator.
func (h *Hub) Namespace(w http.ResponseWriter, r *http.Request) {
	raw, err := refParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if strings.HasPrefix(raw, "grp:") {
		h.group(w, r, raw)
		return
	}
	ref, err := parseRef(raw)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := h.waitReady(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	s := h.Latest()
	ns, err := lookupNamespace(s, ref)
	if err != nil {
		code := http.StatusNotFound
		if _, ok := errors.AsType[*AmbiguousRefError](err); ok {
			code = http.StatusConflict
		}
		writeError(w, code, err.Error())
		return
	}
	d := Details(s, ns.ID)
	if h.cfg.Inspect != nil {
		d.Inside = h.cfg.Inspect(r.Context(), s, ns.ID, r)
	}
	writeJSON(w, http.StatusOK, d)
}

// RefForms lists, with examples, how /api/v1/ns/{ref} names a namespace.
const RefForms = "a namespace ID (4098 or ns:4098), an inode (4026531837), or a type and an inode (net:4026531993 or net:[4026531993])"

// nsRef is a parsed /api/v1/ns/{ref}.
type nsRef struct {
	n uint64
	// byID: n is a namespace ID ("ns:N"). typ: n is an inode of this
	// type ("TYPE:N"). Neither: n is an ID or an inode (a bare number).
	byID bool
	typ  model.NSType
}

// parseRef reads the forms RefForms lists.
func parseRef(raw string) (nsRef, error) {
	var ref nsRef
	num := raw
	if rest, ok := strings.CutPrefix(raw, "ns:"); ok {
		ref.byID, num = true, rest
	} else if t, rest, ok := strings.Cut(raw, ":"); ok {
		if !model.NSType(t).Valid() {
			return ref, fmt.Errorf("invalid namespace %q: unknown type %q (want one of %s); name it by %s",
				truncate(raw, 64), truncate(t, 20), typeNames(), RefForms)
		}
		ref.typ = model.NSType(t)
		// "net:[4026531993]" is what readlink /proc/PID/ns/net prints.
		if in, ok := strings.CutPrefix(rest, "["); ok {
			if in, ok = strings.CutSuffix(in, "]"); ok {
				rest = in
			}
		}
		num = rest
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil || n == 0 {
		return ref, fmt.Errorf("invalid namespace %q: name it by %s", truncate(raw, 64), RefForms)
	}
	ref.n = n
	return ref, nil
}

func typeNames() string {
	names := make([]string, len(model.Types))
	for i, t := range model.Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// AmbiguousRefError says that a bare number names more than one live
// namespace: the ID of one and the inode of another. HTTP handlers answer
// it with 409 and the forms that tell them apart.
type AmbiguousRefError struct {
	N       uint64
	Matches []*model.Namespace
}

// Error lists the namespaces the number names and the unambiguous "ns:ID"
// of each.
func (e *AmbiguousRefError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d names %d namespaces:", e.N, len(e.Matches))
	ids := make([]string, len(e.Matches))
	for i, ns := range e.Matches {
		if i > 0 {
			b.WriteString(",")
		}
		if uint64(ns.ID) == e.N {
			fmt.Fprintf(&b, " the %s namespace with ID %d", ns.Type, ns.ID)
		} else {
			fmt.Fprintf(&b, " the %s namespace with inode %d (ID %d)", ns.Type, ns.Inode, ns.ID)
		}
		ids[i] = "ns:" + strconv.FormatUint(uint64(ns.ID), 10)
	}
	b.WriteString("; ask for one by its ID: " + strings.Join(ids, " or "))
	return b.String()
}

// lookupNamespace finds the live namespace ref names in s. A bare number
// may be either an ID or an inode: people copy inodes from labels, lsns
// and /proc, programs use IDs from the API. It names a namespace when
// exactly one matches either way; when an ID of one and an inode of
// another coincide it is an *AmbiguousRefError rather than a guess. An
// inode names a namespace only while it lives (the kernel reuses inodes),
// so it is looked up in the latest snapshot only.
func lookupNamespace(s *model.Snapshot, ref nsRef) (*model.Namespace, error) {
	if s == nil {
		return nil, errors.New("no scan of the host has finished yet; try again shortly")
	}
	if ref.byID {
		if ns := s.Namespaces[model.NSID(ref.n)]; ns != nil {
			return ns, nil
		}
		return nil, fmt.Errorf("no namespace with ID %d (it may have ended)", ref.n)
	}
	var matches []*model.Namespace
	if ref.typ == "" {
		if ns := s.Namespaces[model.NSID(ref.n)]; ns != nil {
			matches = append(matches, ns)
		}
	}
	byID := len(matches)
	for _, ns := range s.Namespaces {
		// On kernels without NS_GET_ID an ID can be the inode itself:
		// the same namespace, matched twice.
		if ns.Inode == ref.n && (ref.typ == "" || ns.Type == ref.typ) && (byID == 0 || matches[0] != ns) {
			matches = append(matches, ns)
		}
	}
	// Map order must not decide the message: the ID match first, then by ID.
	slices.SortFunc(matches[byID:], func(a, b *model.Namespace) int { return cmp.Compare(a.ID, b.ID) })
	switch {
	case len(matches) == 1:
		return matches[0], nil
	case len(matches) > 1:
		return nil, &AmbiguousRefError{N: ref.n, Matches: matches}
	case ref.typ != "":
		return nil, fmt.Errorf("no %s namespace with inode %d (it may have ended)", ref.typ, ref.n)
	}
	return nil, fmt.Errorf("no namespace with ID or inode %d (it may have ended)", ref.n)
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

// Lookup finds the namespace raw names in s, in any of the forms
// /api/v1/ns/{ref} takes (RefForms), for callers outside HTTP (nsweb
// inspect).
func Lookup(s *model.Snapshot, raw string) (*model.Namespace, error) {
	ref, err := parseRef(raw)
	if err != nil {
		return nil, err
	}
	return lookupNamespace(s, ref)
}
