// The hub's answers to one-off questions (the picture of a subscription,
// one namespace, one folded group) and the errors they end in, typed so
// that a server can tell the asker's mistake from a missing answer.

package stream

import (
	"context"
	"errors"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// firstScanWait bounds how long a question waits for the first scan after
// startup.
const firstScanWait = 30 * time.Second

// ErrNotReady is returned when no scan of the host has finished within
// the wait for the first one.
var ErrNotReady = errors.New("no scan of the host has finished yet; try again shortly")

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
		return ErrNotReady
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

// BadRequestError is an error caused by the request (bad view, filter,
// group or namespace reference): HTTP handlers answer it with 400, the
// stream with an error message naming Field and Value.
type BadRequestError struct {
	// Field is the part of the request refused: "view", "group", "q",
	// "expand", "reveal" or "ref".
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

// NotFoundError says that what was asked for is not in the picture: a
// namespace that ended or never was, a group that is not folded. HTTP
// handlers answer it with 404.
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

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

// Namespace returns everything the latest snapshot knows of the namespace
// ref names (see RefForms and lookupNamespace), and that snapshot. It
// waits for the first scan (bounded) if there has been none. Its errors
// are a *BadRequestError (ref is not a reference), a *NotFoundError, an
// *AmbiguousRefError, or the wait's.
func (h *Hub) Namespace(ctx context.Context, ref string) (*model.Snapshot, *wire.NamespaceDetails, error) {
	parsed, err := parseRef(ref)
	if err != nil {
		return nil, nil, &BadRequestError{Field: "ref", Value: ref, Err: err}
	}
	if err := h.waitReady(ctx); err != nil {
		return nil, nil, err
	}
	s := h.Latest()
	ns, err := lookupNamespace(s, parsed)
	if err != nil {
		return nil, nil, err
	}
	return s, Details(s, ns.ID), nil
}

// Group returns the details of the folded group id in the picture r
// names (a group's members depend on the view, the filter and what is
// open). Its errors are Current's, or a *NotFoundError when the picture
// has no such folded group.
func (h *Hub) Group(ctx context.Context, r Request, id string) (*GroupDetails, error) {
	v, err := h.Current(ctx, r)
	if err != nil {
		return nil, err
	}
	d, ok := Group(v.Snapshot, v.Result, id)
	if !ok {
		return nil, &NotFoundError{"no folded group " + truncate(id, 80) + " in this view (it opened, or the view has no such group)"}
	}
	return d, nil
}
