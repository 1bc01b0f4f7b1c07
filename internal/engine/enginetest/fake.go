// Package enginetest is a fake container engine for tests: an HTTP server on
// a unix socket that speaks the subset of the Docker Engine API that
// internal/engine uses (GET /_ping, /containers/json, /events). Tests use it
// for what real engines cannot be made to do on demand: answer garbage,
// hostile names, or vanish and come back on the same socket. Real drives the
// real engines scripts/engines-up starts, for the tests that need them.
package enginetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Container is one entry of the fake's container list, in the API's field
// names.
type Container struct {
	ID     string            `json:"Id"`
	Names  []string          `json:"Names"`
	Image  string            `json:"Image"`
	Labels map[string]string `json:"Labels"`
	State  string            `json:"State"`
}

// Engine is a running fake engine. Its methods are safe for concurrent use.
type Engine struct {
	// Path is the unix socket the engine listens on.
	Path string
	// Podman makes /_ping answer as podman's compat service does.
	Podman bool

	mu         sync.Mutex
	containers []Container
	listBody   []byte // when set, /containers/json answers exactly this
	subs       map[chan []byte]struct{}
	srv        *http.Server
	done       chan struct{} // closed when srv's Serve returned
	lists      int
	inspects   int
	// unlisted containers answer inspect but are neither listed nor
	// announced: a podman container between its start and its events.
	unlisted []Container
	// inspectDelay holds every inspect answer back: a stuck engine.
	inspectDelay time.Duration
}

// Start starts a fake engine on a socket in a fresh temporary directory and
// stops it when the test ends.
func Start(t testing.TB, podman bool) *Engine {
	t.Helper()
	e := &Engine{Path: shortSocket(t), Podman: podman, subs: map[chan []byte]struct{}{}}
	if err := e.Up(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Down)
	return e
}

// shortSocket returns a socket path short enough for sun_path (108 bytes),
// which t.TempDir under a long test name can exceed.
func shortSocket(t testing.TB) string {
	d, err := os.MkdirTemp("", "nsweb-fake-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d + "/engine.sock"
}

// Up (re)starts serving on Path, as an engine does after a restart.
func (e *Engine) Up() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.srv != nil {
		return errors.New("fake engine already up")
	}
	os.Remove(e.Path)
	ln, err := net.Listen("unix", e.Path)
	if err != nil {
		return fmt.Errorf("listen %s: %w", e.Path, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_ping", e.ping)
	mux.HandleFunc("GET /containers/json", e.list)
	mux.HandleFunc("GET /events", e.events)
	mux.HandleFunc("GET /containers/{id}/json", e.inspect)
	e.srv = &http.Server{Handler: mux}
	e.done = make(chan struct{})
	srv, done := e.srv, e.done
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	return nil
}

// Down stops the engine as a crash or restart would: the socket goes away
// and every open connection, event streams included, is cut.
func (e *Engine) Down() {
	e.mu.Lock()
	srv, done := e.srv, e.done
	e.srv = nil
	for ch := range e.subs {
		close(ch)
		delete(e.subs, ch)
	}
	e.mu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Close()
	<-done
	os.Remove(e.Path)
}

// Set replaces the container list without any event, as if they had been
// there before anyone subscribed.
func (e *Engine) Set(cs ...Container) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.containers = append([]Container(nil), cs...)
}

// Add adds a container and sends create and start events.
func (e *Engine) Add(c Container) {
	e.mu.Lock()
	e.containers = append(e.containers, c)
	e.mu.Unlock()
	e.Emit("create", c)
	e.Emit("start", c)
}

// Remove removes a container and sends die and destroy events.
func (e *Engine) Remove(id string) {
	e.mu.Lock()
	var gone *Container
	for i, c := range e.containers {
		if c.ID == id {
			gone = &c
			e.containers = append(e.containers[:i], e.containers[i+1:]...)
			break
		}
	}
	e.mu.Unlock()
	if gone != nil {
		e.Emit("die", *gone)
		e.Emit("destroy", *gone)
	}
}

// Emit sends one container event, in Docker's format, to every subscriber.
func (e *Engine) Emit(action string, c Container) {
	attrs := map[string]string{"image": c.Image}
	if len(c.Names) > 0 {
		attrs["name"] = c.Names[0]
	}
	for k, v := range c.Labels {
		attrs[k] = v
	}
	ev := map[string]any{
		"status": action, "id": c.ID, "from": c.Image, "Type": "container", "Action": action,
		"Actor": map[string]any{"ID": c.ID, "Attributes": attrs},
	}
	b, _ := json.Marshal(ev)
	e.EmitRaw(append(b, '\n'))
}

// EmitRaw sends bytes as they are to every subscriber: for malformed or
// oversized events.
func (e *Engine) EmitRaw(b []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for ch := range e.subs {
		ch <- b // buffered; tests emit far fewer than the buffer holds
	}
}

// SetListBody makes /containers/json answer exactly b (nil: the list).
func (e *Engine) SetListBody(b []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.listBody = b
}

// Subscribers is the number of open event streams.
func (e *Engine) Subscribers() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.subs)
}

// AddUnlisted adds a container that only GET /containers/{id}/json knows:
// no list shows it and no event announces it, as with podman between a
// container's start and its events.
func (e *Engine) AddUnlisted(c Container) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.unlisted = append(e.unlisted, c)
}

// SetInspectDelay makes every inspect answer wait d (or until the client
// gives up), as a stuck engine would.
func (e *Engine) SetInspectDelay(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inspectDelay = d
}

// Inspects is how many times a single container was asked about.
func (e *Engine) Inspects() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.inspects
}

// Lists is how many times the container list was asked for.
func (e *Engine) Lists() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lists
}

func (e *Engine) ping(w http.ResponseWriter, _ *http.Request) {
	if e.Podman {
		w.Header().Set("Libpod-Api-Version", "4.3.1")
		w.Header().Set("Server", "Libpod/4.3.1 (linux)")
	}
	w.Header().Set("Api-Version", "1.41")
	_, _ = w.Write([]byte("OK"))
}

func (e *Engine) list(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("all") != "1" {
		http.Error(w, "fake engine: expected all=1", http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	e.lists++
	body := e.listBody
	if body == nil {
		cs := e.containers
		if cs == nil {
			cs = []Container{}
		}
		body, _ = json.Marshal(cs)
	}
	e.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// inspect answers GET /containers/{id}/json with the fields of Docker's
// answer that nsweb reads; a unique ID prefix or the name finds it too.
func (e *Engine) inspect(w http.ResponseWriter, r *http.Request) {
	want := r.PathValue("id")
	e.mu.Lock()
	e.inspects++
	var found *Container
	for _, c := range append(append([]Container(nil), e.containers...), e.unlisted...) {
		if c.ID == want || (len(want) >= 12 && strings.HasPrefix(c.ID, want)) || slices.Contains(c.Names, "/"+want) {
			found = &c
			break
		}
	}
	delay := e.inspectDelay
	e.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if found == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = fmt.Fprintf(w, `{"message":"No such container: %s"}`+"\n", want)
		return
	}
	name := ""
	if len(found.Names) > 0 {
		name = found.Names[0]
	}
	body, _ := json.Marshal(map[string]any{
		"Id": found.ID, "Name": name, "Image": "sha256:0000",
		"Config": map[string]any{"Image": found.Image, "Labels": found.Labels},
		"State":  map[string]any{"Status": found.State},
	})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func (e *Engine) events(w http.ResponseWriter, r *http.Request) {
	var f map[string][]string
	if err := json.Unmarshal([]byte(r.URL.Query().Get("filters")), &f); err != nil || len(f["type"]) != 1 || f["type"][0] != "container" {
		http.Error(w, `fake engine: expected filters={"type":["container"]}`, http.StatusBadRequest)
		return
	}
	ch := make(chan []byte, 1024)
	e.mu.Lock()
	if e.srv == nil {
		e.mu.Unlock()
		return
	}
	e.subs[ch] = struct{}{}
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.subs, ch)
		e.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	if fl != nil {
		fl.Flush()
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case b, ok := <-ch:
			if !ok {
				return
			}
			if _, err := w.Write(b); err != nil {
				return
			}
			if fl != nil {
				fl.Flush()
			}
		}
	}
}
