// Replay: a hello may ask for the recorded events since a time (the change
// log of a reloaded page), sent between the picture and the live patches
// that follow it, or for the picture of a past moment (the timeline's
// scrubber), with live patches paused until a hello without it.

package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nsweb/nsweb/internal/history"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// TypeHistory is the message of replayed events.
const TypeHistory = "history"

// ReplayMax bounds the events one replay sends: the newest ones, as many
// as the browser's change log shows; the message counts the rest.
const ReplayMax = 100

// replayCountPages bounds the pages of 1000 events read to count what a
// replay leaves out; past it the count is a lower bound.
const replayCountPages = 10

// syncWait bounds the wait for the recorder to commit the changes up to
// the picture a replaying client gets (it commits at once when asked; a
// busy store may take longer).
const syncWait = 5 * time.Second

// HistoryMessage is the answer to a hello's replay: the recorded events
// after Since up to the moment of the picture the client was just sent
// (Until), oldest first, at most ReplayMax of them (the newest); More
// counts the older ones left out (at least that many when MoreAtLeast).
type HistoryMessage struct {
	Type        string          `json:"type"` // "history"
	Since       string          `json:"since"`
	Until       string          `json:"until,omitempty"`
	Events      []history.Event `json:"events"`
	More        int             `json:"more,omitempty"`
	MoreAtLeast bool            `json:"moreAtLeast,omitempty"`
	// Error says why there is nothing to replay (no history recorded).
	Error string `json:"error,omitempty"`
}

// historySource is the store replays read and the recorder that tells
// their boundary.
type historySource struct {
	store *history.Store
	rec   *history.Recorder // nil: nothing is recorded (a read-only store)
}

// hubHistory is the hub's history, set once by SetHistory.
type hubHistory = atomic.Pointer[historySource]

// SetHistory gives the hub the history store that hellos with replay or
// at read, and the recorder that records the hub's snapshots into it (nil
// when none does). Without it such hellos are answered that nsweb records
// no history.
func (h *Hub) SetHistory(st *history.Store, rec *history.Recorder) {
	if st == nil {
		h.history.Store(nil)
		return
	}
	h.history.Store(&historySource{store: st, rec: rec})
}

// parseMoment reads a hello's time: RFC 3339, or a duration before now
// ("10m"), as the HTTP API's.
func parseMoment(field, v string, now time.Time) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		d, derr := time.ParseDuration(strings.TrimPrefix(v, "-"))
		if derr != nil || d < 0 {
			return time.Time{}, &BadRequestError{Field: field, Value: v, Err: fmt.Errorf(
				"%s: invalid time %q: want an RFC 3339 time such as 2026-11-28T13:00:00Z, or a duration before now such as 10m", field, truncate(v, 64))}
		}
		t = now.Add(-d)
	}
	if t.After(now.Add(time.Second)) {
		return time.Time{}, &BadRequestError{Field: field, Value: v, Err: fmt.Errorf("%s: %s is in the future", field, t.UTC().Format(time.RFC3339))}
	}
	return t, nil
}

// handleHello acts on a valid hello: the picture of a past moment (at),
// or a subscription, with the events since a time (replay) before its
// patches.
func (c *client) handleHello(ctx context.Context, hello *wire.Hello) error {
	if hello.At != "" {
		return c.showAt(ctx, hello)
	}
	if hello.Replay == "" {
		err := c.subscribe(hello)
		if err == nil {
			c.mu.Lock()
			c.atGen++ // back to live: a past moment still on its way is moot
			c.mu.Unlock()
		}
		return err
	}
	since, err := parseMoment("replay", hello.Replay, time.Now())
	if err != nil {
		return err
	}
	if c.h.Latest() == nil {
		// The events lead to the first picture: wait for it.
		if err := c.h.waitReady(ctx); err != nil && ctx.Err() != nil {
			return err
		}
	}
	fresh := *hello
	fresh.Since = 0 // the events lead to a picture, not to patches
	gen := c.hold()
	snap, err := c.subscribePicture(&fresh)
	if err != nil {
		c.release(gen, nil)
		return err
	}
	if snap == nil {
		b, _ := json.Marshal(&HistoryMessage{Type: TypeHistory, Since: since.UTC().Format(time.RFC3339Nano), Events: []history.Event{},
			Error: "no scan of the host has finished yet: the events follow the first picture"})
		c.release(gen, b)
		return nil
	}
	c.startReplay(ctx, gen, since, snap)
	return nil
}

// hold makes the client keep the patches sent to it aside until release:
// a replay goes between its picture and them. It returns the replay's
// number; a later hold supersedes it.
func (c *client) hold() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.replayGen++
	c.atGen++
	c.holding = true
	c.held = nil
	return c.replayGen
}

// release queues msg (if any) and then the patches held, unless a later
// hello superseded replay number gen.
func (c *client) release(gen uint64, msg []byte) {
	c.mu.Lock()
	if gen != c.replayGen {
		c.mu.Unlock()
		return
	}
	if msg != nil {
		c.queue = append(c.queue, msg)
	}
	c.queue = append(c.queue, c.held...)
	c.held, c.holding = nil, false
	c.mu.Unlock()
	c.wake()
}

// startReplay sends the events after since up to the picture of snap, in
// the background (it waits for the recorder), then the held patches.
func (c *client) startReplay(ctx context.Context, gen uint64, since time.Time, snap *model.Snapshot) {
	c.h.conns.Add(1) // the connection holds one: Shutdown waits for this too
	go func() {
		defer c.h.conns.Done()
		msg := c.h.replay(ctx, since, snap)
		b, err := json.Marshal(msg)
		if err != nil {
			b = errorMsg("internal error: cannot encode the history")
		}
		c.release(gen, b)
	}()
}

// replay reads the events after since that lead to snap.
func (h *Hub) replay(ctx context.Context, since time.Time, snap *model.Snapshot) *HistoryMessage {
	msg := &HistoryMessage{Type: TypeHistory, Since: since.UTC().Format(time.RFC3339Nano), Events: []history.Event{}}
	src := h.history.Load()
	if src == nil {
		msg.Error = "nsweb records no history: there is nothing to replay"
		return msg
	}
	until := snap.Taken
	if src.rec != nil {
		sctx, cancel := context.WithTimeout(ctx, syncWait)
		t, err := src.rec.Sync(sctx, snap)
		cancel()
		if err != nil {
			// What is committed up to the picture's scan time is the best
			// bound left; a change the recorder dropped may be missing.
			h.log.Debug("stream: replay: the recorder could not tell the picture's boundary", "err", err)
		} else {
			until = t
		}
	}
	msg.Until = until.UTC().Format(time.RFC3339Nano)
	if !until.After(since) {
		return msg
	}
	q := history.Query{Since: since.Add(time.Microsecond), Until: until, Desc: true, Limit: ReplayMax}
	page, err := src.store.Events(ctx, q)
	if err != nil {
		msg.Error = "cannot read the history: " + err.Error()
		return msg
	}
	msg.Events = page.Events
	slices.Reverse(msg.Events)
	for i := 0; page.Next != ""; i++ {
		if i == replayCountPages {
			msg.MoreAtLeast = true
			break
		}
		q.Cursor, q.Limit = page.Next, 1000
		if page, err = src.store.Events(ctx, q); err != nil {
			msg.MoreAtLeast = true
			break
		}
		msg.More += len(page.Events)
	}
	return msg
}

// showAt answers a hello with at: the picture of that moment rebuilt
// from history, in the background; the client leaves its live
// subscription, so no patch follows until a hello without at. A later
// hello supersedes it: while one moment is rebuilt, the next one asked
// for waits, those in between are skipped (a scrubber sends many).
func (c *client) showAt(ctx context.Context, hello *wire.Hello) error {
	src := c.h.history.Load()
	if src == nil {
		return &BadRequestError{Field: "at", Value: hello.At, Err: errors.New("at: nsweb records no history: only the present can be shown")}
	}
	at, err := parseMoment("at", hello.At, time.Now())
	if err != nil {
		return err
	}
	req := Request{View: hello.View, Group: hello.Group, Q: hello.Q, Expand: hello.Expand, Client: c.remote}
	if _, err := c.h.resolve(req); err != nil {
		return err
	}
	c.unsubscribe()
	c.mu.Lock()
	c.atGen++
	c.replayGen++ // a replay on its way is moot: no patch follows
	c.holding, c.held = false, nil
	c.queue = c.queue[:0] // the live picture's messages are moot
	c.atNext = &atRequest{gen: c.atGen, at: at, value: hello.At, req: req}
	busy := c.atBusy
	c.atBusy = true
	c.mu.Unlock()
	if !busy {
		c.h.conns.Add(1)
		go c.atWorker(ctx, src)
	}
	return nil
}

type atRequest struct {
	gen   uint64
	at    time.Time
	value string
	req   Request
}

// atWorker rebuilds the moments asked for, the newest request each time,
// until none waits.
func (c *client) atWorker(ctx context.Context, src *historySource) {
	defer c.h.conns.Done()
	for {
		c.mu.Lock()
		r := c.atNext
		c.atNext = nil
		if r == nil || ctx.Err() != nil {
			c.atBusy = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		msg := c.h.atMessage(ctx, src, r)
		c.mu.Lock()
		if r.gen == c.atGen {
			c.queue = append(c.queue, msg)
		}
		c.mu.Unlock()
		c.wake()
	}
}

// atMessage is the snapshot message of moment r.at, or the error that
// refuses it.
func (h *Hub) atMessage(ctx context.Context, src *historySource, r *atRequest) []byte {
	refuse := func(err error) []byte {
		e := wire.Error{Type: wire.TypeError, Error: err.Error(), Field: "at", Value: r.value}
		if bad, ok := errors.AsType[*BadRequestError](err); ok {
			e.Field, e.Value = bad.Field, bad.Value
		}
		b, _ := json.Marshal(e)
		return b
	}
	snap, err := src.store.At(ctx, r.at)
	if err != nil {
		if _, ok := errors.AsType[*history.NotRecordedError](err); ok {
			return refuse(fmt.Errorf("at: %w", err))
		}
		h.log.Error("stream: rebuild a past moment", "at", r.at, "err", err)
		return refuse(fmt.Errorf("at: cannot rebuild %s: %w", r.at.UTC().Format(time.RFC3339), err))
	}
	v, err := h.ViewOf(snap, r.req, r.at)
	if err != nil {
		return refuse(err)
	}
	return v.Message
}
