package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// Stats are the hub's counters since it started, for benchmarks and
// metrics.
type Stats struct {
	Messages uint64 // messages written to clients
	Bytes    uint64 // bytes of those messages (payload, before compression)
	Resyncs  uint64 // times a slow client's backlog was replaced by a snapshot
	Refused  uint64 // connections refused because MaxClients was reached
}

type counters struct {
	messages, bytes, resyncs, refused atomic.Uint64
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	return Stats{
		Messages: h.stats.messages.Load(), Bytes: h.stats.bytes.Load(),
		Resyncs: h.stats.resyncs.Load(), Refused: h.stats.refused.Load(),
	}
}

// closeError ends a connection with a websocket close status.
type closeError struct {
	code   websocket.StatusCode
	reason string
}

func (e *closeError) Error() string { return fmt.Sprintf("close %d: %s", e.code, e.reason) }

// client is one websocket connection.
type client struct {
	h      *Hub
	conn   *websocket.Conn
	log    *slog.Logger
	remote string // the client's address without its port (Request.Client)
	cancel context.CancelCauseFunc
	notify chan struct{} // cap 1: "the queue has something"
	hello  atomic.Bool   // a hello was accepted
	// revealed is set once a hello's reveal was acted on: each costs a
	// layout of the whole view, so a connection gets one (the page sends
	// it only in its first hello anyway) and later ones are ignored.
	revealed bool

	mu    sync.Mutex
	queue [][]byte
	sub   *sub
	// A replay (replay.go) holds the patches aside while it reads the
	// history: they follow its events.
	replayGen uint64 // hellos with replay, and what ends a replay
	atGen     uint64 // hellos: a past moment is shown only for the last
	holding   bool
	held      [][]byte
	atNext    *atRequest // the past moment asked for last, not yet shown
	atBusy    bool       // a goroutine rebuilds past moments
}

// wake tells the writer that the queue changed.
func (c *client) wake() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// send queues a patch of sb. If the queue is full the client is not keeping
// up: its backlog is dropped and replaced by sb's current snapshot, which
// already includes this patch. Called with sb.mu held.
func (c *client) send(msg []byte, sb *sub) {
	c.mu.Lock()
	if c.holding {
		if len(c.held) >= c.h.cfg.QueueLen {
			c.held = append(c.held[:0], sb.snapshotMsg())
			c.h.stats.resyncs.Add(1)
		} else {
			c.held = append(c.held, msg)
		}
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.h.cfg.QueueLen {
		c.queue = append(c.queue[:0], sb.snapshotMsg())
		c.h.stats.resyncs.Add(1)
		c.log.Debug("stream: slow client gets a fresh snapshot instead of its backlog", "seq", sb.seq)
	} else {
		c.queue = append(c.queue, msg)
	}
	c.mu.Unlock()
	c.wake()
}

// reset replaces the queue by one message (a snapshot).
func (c *client) reset(msg []byte) {
	c.mu.Lock()
	c.held = nil
	c.queue = append(c.queue[:0], msg)
	c.mu.Unlock()
	c.wake()
}

// sendError queues an error message. A client that lets errors pile up
// past its queue bound is misbehaving and is disconnected.
func (c *client) sendError(text string) {
	c.refuse(wire.Error{Type: wire.TypeError, Error: text})
}

// refuse queues the answer to a refused message; e names the field and
// the value when the refusal is about one field of a hello.
func (c *client) refuse(e wire.Error) {
	msg, _ := json.Marshal(e) // strings only: cannot fail
	c.mu.Lock()
	full := len(c.queue) >= c.h.cfg.QueueLen
	if !full {
		c.queue = append(c.queue, msg)
	}
	c.mu.Unlock()
	if full {
		c.cancel(&closeError{websocket.StatusPolicyViolation, "too many invalid messages"})
		return
	}
	c.wake()
}

func (c *client) take() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue = nil
	return q
}

// subscribe switches the client to the subscription its hello asks for and
// queues what it needs: the missed patches when it reconnects with since
// and they are still in the ring, else a fresh snapshot.
func (c *client) subscribe(hello *wire.Hello) error {
	_, err := c.subscribePicture(hello)
	return err
}

// subscribePicture is subscribe that returns the snapshot whose picture it
// queued (nil when it queued patches, or nothing before the first scan).
func (c *client) subscribePicture(hello *wire.Hello) (*model.Snapshot, error) {
	req := Request{View: hello.View, Group: hello.Group, Q: hello.Q, Expand: hello.Expand, Reveal: hello.Reveal, Client: c.remote}
	if c.revealed && req.Reveal != "" {
		if !validGroupID(req.Reveal) {
			return nil, &BadRequestError{Field: "reveal", Value: req.Reveal, Err: fmt.Errorf("reveal: invalid node ID %q", truncate(req.Reveal, 64))}
		}
		req.Reveal = ""
	}
	r, err := c.h.resolve(req)
	if err != nil {
		return nil, err
	}
	if req.Reveal != "" {
		c.revealed = true
	}
	sb, err := c.h.acquire(r)
	if err != nil {
		return nil, err
	}
	c.unsubscribe()
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.catchUp()
	var msgs [][]byte
	var pictured *model.Snapshot
	if sb.gen != 0 { // else the first Publish sends the snapshot
		patches, ok := sb.since(hello.Since)
		if ok && len(patches) <= c.h.cfg.QueueLen {
			msgs = patches
		} else {
			msgs = [][]byte{sb.snapshotMsg()}
			pictured = sb.snap
		}
	}
	c.mu.Lock()
	// Whatever was queued for the previous subscription is moot now.
	c.queue = msgs
	c.held = nil
	c.sub = sb
	c.mu.Unlock()
	sb.clients[c] = struct{}{}
	c.wake()
	return pictured, nil
}

// unsubscribe leaves the current subscription, if any.
func (c *client) unsubscribe() {
	c.mu.Lock()
	old := c.sub
	c.sub = nil
	c.mu.Unlock()
	if old == nil {
		return
	}
	old.mu.Lock()
	delete(old.clients, c)
	old.mu.Unlock()
	c.h.release(old, c.remote)
}

// Admit counts one more websocket connection, or refuses it: ErrClosed
// once the hub is shutting down, a *LimitError when MaxClients
// connections are open. Every admission is ended by calling leave, after
// Serve returned or when the connection could not be opened.
func (h *Hub) Admit() (leave func(), err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closed:
		return nil, ErrClosed
	case h.clients >= h.cfg.MaxClients:
		h.stats.refused.Add(1)
		return nil, &LimitError{"too many live clients (at most " + strconv.Itoa(h.cfg.MaxClients) + "); close another nsweb tab or try again later"}
	}
	h.clients++
	h.conns.Add(1)
	return sync.OnceFunc(func() {
		h.mu.Lock()
		h.clients--
		h.mu.Unlock()
		h.conns.Done()
	}), nil
}

// AcceptOptions are the websocket options a connection for the hub is
// accepted with.
func (h *Hub) AcceptOptions() *websocket.AcceptOptions {
	opts := &websocket.AcceptOptions{}
	if h.cfg.Compression {
		// No context takeover: each message is compressed by a flate
		// writer from a pool, so an idle connection holds none. Context
		// takeover keeps a 1.2 MB writer per connection (256 clients:
		// 300 MB) to compress small patches better, which are mostly
		// under the library's 512-byte threshold anyway.
		opts.CompressionMode = websocket.CompressionNoContextTakeover
	}
	return opts
}

// Serve speaks the stream protocol (docs/protocol.md) on conn, a websocket
// accepted for an admitted connection (Admit), until it ends or the hub
// shuts down, and closes it. addr is the client's address for the log,
// who its name for the per-client limit of views (Request.Client).
func (h *Hub) Serve(conn *websocket.Conn, addr, who string) {
	conn.SetReadLimit(h.cfg.ReadLimit)
	ctx, cancel := context.WithCancelCause(h.ctx)
	defer cancel(nil)
	c := &client{
		h: h, conn: conn, cancel: cancel, notify: make(chan struct{}, 1),
		log: h.log.With("remote", addr), remote: who,
	}
	c.log.Debug("stream: client connected")
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		// Not ctx: the websocket library closes a connection whose read
		// context ends, and a closing connection must still send its
		// close status. Closing the connection below ends the read.
		c.readLoop(context.Background())
	}()
	err := c.writeLoop(ctx)
	cancel(err)
	var ce *closeError
	switch {
	case h.ctx.Err() != nil:
		_ = conn.Close(websocket.StatusGoingAway, "nsweb is shutting down")
	case errors.As(context.Cause(ctx), &ce):
		_ = conn.Close(ce.code, ce.reason)
	default:
		_ = conn.CloseNow()
	}
	<-readDone
	c.unsubscribe()
	c.log.Debug("stream: client gone", "why", context.Cause(ctx))
}

// readLoop reads client messages until the connection fails or ends. A
// message over the read limit makes the websocket library close the
// connection with status 1009 (message too big).
func (c *client) readLoop(ctx context.Context) {
	for {
		typ, data, err := c.conn.Read(ctx)
		if err != nil {
			c.cancel(fmt.Errorf("read: %w", err))
			return
		}
		if typ != websocket.MessageText {
			c.sendError("binary messages are not understood; send a JSON hello as text")
			continue
		}
		hello, err := decodeHello(data)
		if err != nil {
			c.sendError(err.Error())
			continue
		}
		if hello.Type != wire.TypeHello {
			c.sendError(fmt.Sprintf("unknown message type %q (want %q)", hello.Type, wire.TypeHello))
			continue
		}
		if hello.Reveal != "" && !c.revealed && c.h.Latest() == nil {
			// Before the first scan there is nothing to find the node in,
			// and the client waits for that snapshot anyway: a page opened
			// by a link while nsweb starts still opens on its node.
			if err := c.h.waitReady(ctx); err != nil && ctx.Err() != nil {
				return
			}
		}
		if err := c.handleHello(ctx, hello); err != nil {
			e := wire.Error{Type: wire.TypeError, Error: err.Error()}
			if bad, ok := errors.AsType[*BadRequestError](err); ok {
				e.Field, e.Value = bad.Field, bad.Value
			}
			c.refuse(e)
			continue
		}
		c.hello.Store(true)
	}
}

// decodeHello reads a client message. Its errors speak of the protocol's
// fields and JSON types (docs/protocol.md), not of the Go types behind
// them: the person reading them writes a client, not nsweb.
func decodeHello(data []byte) (*wire.Hello, error) {
	var hello wire.Hello
	err := json.Unmarshal(data, &hello)
	if err == nil {
		return &hello, nil
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		switch te.Field {
		case "":
			return nil, fmt.Errorf(`invalid message: %s, want a JSON object such as {"type":"hello"}`, jsonKind(te.Value))
		case "since":
			return nil, errors.New("invalid message: since: must be a non-negative integer (the seq of the last message received, or 0)")
		case "expand":
			return nil, errors.New("invalid message: expand: must be a list of group IDs (strings)")
		case "type", "view", "group", "q", "replay", "at":
			return nil, fmt.Errorf("invalid message: %s: must be a string, not %s", te.Field, jsonKind(te.Value))
		}
		return nil, fmt.Errorf("invalid message: %s: %s is not allowed here", te.Field, jsonKind(te.Value))
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return nil, fmt.Errorf("invalid message: not JSON: %v (at byte %d)", se, se.Offset)
	}
	return nil, fmt.Errorf("invalid message: %w", err)
}

// jsonKind names the JSON kind of an UnmarshalTypeError's Value ("number
// -1", "string", "array") with its article, without the number itself.
func jsonKind(v string) string {
	kind, _, _ := strings.Cut(v, " ")
	if kind == "array" || kind == "object" {
		return "an " + kind
	}
	return "a " + kind
}

// writeLoop writes queued messages and keepalive pings until ctx ends or a
// write fails.
func (c *client) writeLoop(ctx context.Context) error {
	cfg := &c.h.cfg
	ping := time.NewTicker(cfg.PingInterval)
	defer ping.Stop()
	helloTimer := time.NewTimer(cfg.HelloTimeout)
	defer helloTimer.Stop()
	// One ping at a time waits for its pong beside the writer, so that a
	// client slow to answer never holds up the writes.
	var (
		pongs     = make(chan error, 1)
		pongTimer *time.Timer
		pongWait  <-chan time.Time
	)
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-helloTimer.C:
			if !c.hello.Load() {
				return &closeError{websocket.StatusPolicyViolation, "no valid hello within " + cfg.HelloTimeout.String()}
			}
		case <-ping.C:
			if pongWait != nil {
				continue // the last ping is still waiting for its pong
			}
			pongTimer = time.NewTimer(cfg.PongTimeout)
			pongWait = pongTimer.C
			// The library's Ping drops the connection when its context
			// ends; this one ends only with the connection, so that the
			// handler can send the close frame itself.
			go func() { pongs <- c.conn.Ping(context.Background()) }()
		case err := <-pongs:
			pongTimer.Stop()
			pongWait = nil
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
		case <-pongWait:
			return &closeError{websocket.StatusPolicyViolation, "no answer to ping within " + cfg.PongTimeout.String()}
		case <-c.notify:
			for _, msg := range c.take() {
				wctx, cancel := context.WithTimeout(ctx, cfg.WriteTimeout)
				err := c.conn.Write(wctx, websocket.MessageText, msg)
				cancel()
				if err != nil {
					return fmt.Errorf("write: %w", err)
				}
				c.h.stats.messages.Add(1)
				c.h.stats.bytes.Add(uint64(len(msg)))
			}
		}
	}
}

// Shutdown refuses new connections, closes every open one with status 1001
// (going away) and waits for them to finish, or for ctx. The websocket
// connections are hijacked from net/http, so http.Server.Shutdown does not
// wait for them: call this beside it.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	done := make(chan struct{})
	go func() {
		h.conns.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stream: shutdown: %w", ctx.Err())
	}
}
