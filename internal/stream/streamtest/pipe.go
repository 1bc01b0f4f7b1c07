package streamtest

import (
	"context"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// Pipes is an in-memory network for one server: a net.Listener whose
// connections are pipes, and the dialer of their other ends. Everything
// it makes is goroutines, channels and timers, so a server and its
// clients started inside a testing/synctest bubble run on the bubble's
// clock: a 30 s timeout takes no time and fires at exactly 30 s.
//
// Unlike net.Pipe, a write never waits for the reader (a socket's
// buffers, unbounded): a client that reads nothing does not stall the
// server's writer, as with TCP until its buffers fill.
type Pipes struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once

	mu     sync.Mutex
	port   int         // of the next client
	closes []time.Time // when the server sent websocket close frames
}

// NewPipes makes an in-memory network.
func NewPipes() *Pipes {
	return &Pipes{conns: make(chan net.Conn), done: make(chan struct{}), port: 40000}
}

// Addr is the server's address on every Pipes: a loopback one, so that a
// server's guard takes it as it takes a real listener's.
var Addr net.Addr = addr

var addr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}

// Accept waits for a client's DialContext.
func (p *Pipes) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting; connections made stay open.
func (p *Pipes) Close() error {
	p.once.Do(func() { close(p.done) })
	return nil
}

// Addr is 127.0.0.1:8080.
func (p *Pipes) Addr() net.Addr { return addr }

// DialContext connects to the server, whatever the address.
func (p *Pipes) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	p.mu.Lock()
	p.port++
	client := &net.TCPAddr{IP: addr.IP, Port: p.port}
	p.mu.Unlock()
	a, b := net.Pipe()
	srv, cli := newBufConn(a, addr, client), newBufConn(b, client, addr)
	srv.written = p.written
	select {
	case p.conns <- srv:
		return cli, nil
	case <-p.done:
	case <-ctx.Done():
	}
	_ = srv.Close()
	_ = cli.Close()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, net.ErrClosed
}

// written notes when the server sends a websocket close frame: a write
// that starts with an unmasked final close frame header (RFC 6455 5.2).
func (p *Pipes) written(b []byte) {
	if len(b) >= 2 && b[0] == 0x88 && b[1]&0x80 == 0 {
		p.mu.Lock()
		p.closes = append(p.closes, time.Now())
		p.mu.Unlock()
	}
}

// CloseFrames returns when the server wrote websocket close frames, in
// order: on the bubble's clock inside a synctest test. A client that
// reads nothing (and so answers no ping) still shows when it was closed.
func (p *Pipes) CloseFrames() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.closes)
}

// Serve serves h on a new in-memory network until the test ends, and
// returns the base URL and the HTTP client that reach it. Call it inside
// the bubble of a synctest test, or outside any.
func Serve(t testing.TB, h http.Handler) (string, *http.Client, *Pipes) {
	p := NewPipes()
	srv := &http.Server{Handler: h}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(p)
	}()
	tr := &http.Transport{DialContext: p.DialContext}
	t.Cleanup(func() {
		_ = srv.Close()
		<-served
		tr.CloseIdleConnections()
	})
	return "http://" + addr.String(), &http.Client{Transport: tr}, p
}

// bufConn is one end of a pipe whose writes are queued for a goroutine
// that feeds the pipe, so that they never wait for the reader. Reads,
// deadlines and closing are the pipe's; what was written before Close is
// still delivered, as a socket's would be.
type bufConn struct {
	net.Conn
	local, remote net.Addr
	written       func([]byte) // if set, sees each write

	mu     sync.Mutex
	buf    []byte
	closed bool
	more   chan struct{} // cap 1: buf has something, or closed
}

func newBufConn(c net.Conn, local, remote net.Addr) *bufConn {
	b := &bufConn{Conn: c, local: local, remote: remote, more: make(chan struct{}, 1)}
	go b.pump()
	return b
}

func (b *bufConn) LocalAddr() net.Addr  { return b.local }
func (b *bufConn) RemoteAddr() net.Addr { return b.remote }

func (b *bufConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, net.ErrClosed
	}
	b.buf = append(b.buf, p...)
	b.mu.Unlock()
	if b.written != nil {
		b.written(p)
	}
	b.signal()
	return len(p), nil
}

func (b *bufConn) signal() {
	select {
	case b.more <- struct{}{}:
	default:
	}
}

// Close lets the queued writes go, then closes the pipe.
func (b *bufConn) Close() error {
	b.mu.Lock()
	already := b.closed
	b.closed = true
	b.mu.Unlock()
	if already {
		return net.ErrClosed
	}
	b.signal()
	return nil
}

// pump feeds the pipe with what was written, and closes it after Close.
func (b *bufConn) pump() {
	defer b.Conn.Close()
	for range b.more {
		b.mu.Lock()
		data, closed := b.buf, b.closed
		b.buf = nil
		b.mu.Unlock()
		if len(data) > 0 {
			if _, err := b.Conn.Write(data); err != nil {
				return
			}
		}
		if closed {
			return
		}
	}
}
