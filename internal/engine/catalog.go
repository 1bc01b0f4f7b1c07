// Package engine names containers by asking the container engines that run
// them. Cgroups tell nsweb that a process belongs to container 3f2a…; only
// the engine knows that the container is "web-1" running nginx:1.27 in pod
// api-7f9c. Docker and podman both serve the Docker Engine HTTP API on a
// unix socket, so one small client of that documented API (GET /_ping,
// /containers/json, /events) covers both without an SDK.
//
// A Catalog keeps, per engine socket, the engine's list of containers up to
// date from its event stream, and reconnects with backoff when the engine
// restarts. An absent or dead engine is not an error, only less
// information: the catalogue then names fewer containers. containerd and
// CRI-O are not asked: they speak gRPC (CRI), not this API; their
// containers keep the runtime and ID that cgroups give.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// Config says which engines to ask and how patiently. The zero value asks
// the engines at the usual socket paths with sensible limits.
type Config struct {
	// Sockets are the unix socket paths of the engines to ask. Empty means
	// DefaultSockets(). A socket that does not exist yet is polled with
	// backoff, so an engine started after nsweb is found. Sockets named
	// here are expected to answer: the first time one does not, that is a
	// warning, where an absent default socket is only a debug line.
	Sockets []string
	// Logger gets one line when an engine connects or goes away, never one
	// per retry; nil means slog.Default().
	Logger *slog.Logger
	// Timeout bounds dialling and every request except the event stream
	// (default 10 s).
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between reconnects
	// (defaults 250 ms and 30 s).
	MinBackoff, MaxBackoff time.Duration
	// LookupTimeout bounds the questions Enrich asks an engine about
	// containers that cgroups show but the catalogue does not know yet
	// (default 500 ms; negative: never ask). podman announces a container
	// only once it runs, after its processes are visible: without the
	// question its namespaces would show unnamed for a scan or two.
	LookupTimeout time.Duration
	// MaxListBytes caps one container list answer (default 32 MiB);
	// MaxEventBytes caps one event (default 1 MiB).
	MaxListBytes  int64
	MaxEventBytes int
	// Sources name the containers no engine knows (the CRI: see Source).
	Sources []Source
}

// DefaultSockets lists where Docker and podman put their API sockets:
// Docker's, rootful podman's, and the rootless podman of the user whose
// $XDG_RUNTIME_DIR is set. containerd's socket is left out on purpose: it
// speaks gRPC, not the Docker Engine API.
func DefaultSockets() []string {
	s := []string{"/var/run/docker.sock", "/run/docker.sock", "/run/podman/podman.sock"}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		s = append(s, filepath.Join(d, "podman", "podman.sock"))
	}
	return s
}

// EngineStatus says what nsweb knows about one engine socket, for the
// dashboard's "what could not be seen" list.
type EngineStatus struct {
	Socket     string `json:"socket"`
	Runtime    string `json:"runtime,omitempty"` // docker or podman, once the engine answered
	Connected  bool   `json:"connected"`
	Containers int    `json:"containers"`
	// Err is the last problem with this engine ("" when none): an absent
	// socket, a refused connection, malformed JSON, a dropped entry.
	Err string `json:"err,omitempty"`
}

// Catalog is the live list of containers of every engine nsweb can reach.
// Create it with New, start it with Run; its other methods are safe to call
// from any goroutine at any time, also before Run.
type Catalog struct {
	cfg     Config
	log     *slog.Logger
	changes chan struct{}
	// named: the sockets came from the caller (--engine-socket), not
	// from DefaultSockets, so one that does not answer is a mistake
	// worth a warning rather than a host without that engine.
	named bool

	mu      sync.RWMutex
	engines []*engineState // one per distinct socket, in Config order
}

// engineState is what the catalogue knows about one engine. Guarded by
// Catalog.mu.
type engineState struct {
	socket     string
	runtime    string
	connected  bool
	everUp     bool                        // it answered once, so its loss is worth an info line
	loggedDown bool                        // its being down has been logged once already
	err        string                      // of the connection or the last list
	eventErr   string                      // the last event that could not be read, until the next connection
	containers map[string]*model.Container // by lowercase ID
	// lookup asks about single containers for Enrich; missed remembers
	// when it last asked in vain, so that a container this engine does not
	// run costs one question per missTTL, not one per scan.
	lookup *client
	missed map[string]time.Time
}

// missTTL is how long Enrich does not ask an engine again about a
// container it did not know; maxMissed bounds that memory.
const (
	missTTL   = 30 * time.Second
	maxMissed = 4096
	// lookupParallel bounds the questions in flight during one Enrich.
	lookupParallel = 8
)

// New returns a catalogue of the engines cfg names. Sockets that resolve to
// the same file (/var/run/docker.sock and /run/docker.sock) are asked once.
func New(cfg Config) *Catalog {
	named := len(cfg.Sockets) > 0
	if !named {
		cfg.Sockets = DefaultSockets()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 250 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(30*time.Second, cfg.MinBackoff)
	}
	if cfg.LookupTimeout == 0 {
		cfg.LookupTimeout = 500 * time.Millisecond
	}
	if cfg.MaxListBytes <= 0 {
		cfg.MaxListBytes = 32 << 20
	}
	if cfg.MaxEventBytes <= 0 {
		cfg.MaxEventBytes = 1 << 20
	}
	c := &Catalog{cfg: cfg, log: cfg.Logger.With("component", "engine"), changes: make(chan struct{}, 1), named: named}
	seen := map[string]bool{}
	for _, s := range cfg.Sockets {
		key := s
		if r, err := filepath.EvalSymlinks(s); err == nil {
			key = r
		} else if d, err := filepath.EvalSymlinks(filepath.Dir(s)); err == nil {
			key = filepath.Join(d, filepath.Base(s))
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		c.engines = append(c.engines, &engineState{socket: s, containers: map[string]*model.Container{},
			lookup: newLookupClient(s, cfg.Timeout), missed: map[string]time.Time{}})
	}
	return c
}

// Run follows every engine until ctx is done, then returns nil once all of
// its goroutines have ended. Engines that are absent or fail are retried
// with backoff; they never make Run fail.
func (c *Catalog) Run(ctx context.Context) error {
	defer c.runSources(ctx)()
	var wg sync.WaitGroup
	for _, e := range c.engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.follow(ctx, e)
		}()
	}
	wg.Wait()
	for _, e := range c.engines {
		e.lookup.close()
	}
	return nil
}

// Changes signals that the catalogue changed or that an engine reported a
// container starting or stopping: time to rescan and relabel. Signals
// coalesce (capacity one), so a slow reader sees one signal for a burst.
// There is one channel per Catalog: give it one reader.
func (c *Catalog) Changes() <-chan struct{} { return c.changes }

func (c *Catalog) signal() {
	select {
	case c.changes <- struct{}{}:
	default:
	}
}

// fullIDLen is the length of the IDs Docker and podman give containers.
const fullIDLen = 64

// Lookup finds a container by runtime and ID. runtime "" matches any
// engine. id may be the full ID (as cgroups give it) or a unique prefix (as
// people type it); an ambiguous prefix finds nothing. The result is a copy
// the caller may keep.
func (c *Catalog) Lookup(runtime, id string) (*model.Container, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	x := c.lookupLocked(runtime, strings.ToLower(id))
	if x == nil {
		return nil, false
	}
	return copyContainer(x), true
}

// lookupLocked is Lookup without the copy, for callers holding c.mu. The
// entry it returns is never changed in place: replace and apply install new
// entries instead, so sharing its Labels map with a snapshot is safe.
func (c *Catalog) lookupLocked(runtime, id string) *model.Container {
	if id == "" {
		return nil
	}
	for _, e := range c.engines {
		if runtime != "" && e.runtime != runtime {
			continue
		}
		if x, ok := e.containers[id]; ok {
			return x
		}
	}
	if len(id) >= fullIDLen {
		// A full ID is never a prefix of another: skip the scan, which
		// Enrich would otherwise pay for every container no engine knows.
		return nil
	}
	var found *model.Container
	for _, e := range c.engines {
		if runtime != "" && e.runtime != runtime {
			continue
		}
		for full, x := range e.containers {
			if strings.HasPrefix(full, id) {
				if found != nil && found != x {
					return nil
				}
				found = x
			}
		}
	}
	return found
}

// Enrich fills Name, Image, Labels, Pod and PodNamespace of the snapshot's
// containers that an engine knows, matching first by runtime and ID and then
// by ID alone (a Kubernetes node's cgroups may say "kubernetes" for a
// container Docker runs). Fields the engine leaves empty keep what the
// snapshot had. Call it while building the snapshot, before it is shared;
// the snapshot's Labels maps are shared with the catalogue and, like the
// rest of a snapshot, must not be changed.
func (c *Catalog) Enrich(s *model.Snapshot) {
	if s == nil {
		return
	}
	c.askUnknown(s)
	c.mu.RLock()
	defer c.mu.RUnlock()
	for key, sc := range s.Containers {
		if sc == nil {
			continue
		}
		id := sc.ID
		if id == "" {
			id = key
		}
		id = strings.ToLower(id)
		x := c.lookupLocked(sc.Runtime, id)
		if x == nil && len(id) >= 32 {
			x = c.lookupLocked("", id)
		}
		if x == nil {
			x = c.fromSources(id, sc.Runtime)
		}
		if x == nil {
			continue
		}
		if x.Name != "" {
			sc.Name = x.Name
		}
		if x.Image != "" {
			sc.Image = x.Image
		}
		if x.Pod != "" {
			sc.Pod = x.Pod
		}
		if x.PodNamespace != "" {
			sc.PodNamespace = x.PodNamespace
		}
		if len(x.Labels) > 0 {
			sc.Labels = x.Labels
		}
	}
}

// askUnknown asks the connected engines about the snapshot's Docker and
// podman containers the catalogue does not know yet, and adds what they
// answer. It waits at most LookupTimeout.
func (c *Catalog) askUnknown(s *model.Snapshot) {
	if c.cfg.LookupTimeout < 0 {
		return
	}
	type question struct {
		e           *engineState
		runtime, id string
	}
	var qs []question
	now := time.Now()
	c.mu.RLock()
	for key, sc := range s.Containers {
		if sc == nil || (sc.Runtime != RuntimeDocker && sc.Runtime != RuntimePodman) {
			continue
		}
		id := sc.ID
		if id == "" {
			id = key
		}
		id = strings.ToLower(id)
		if checkID(id) != nil || c.lookupLocked(sc.Runtime, id) != nil {
			continue
		}
		for _, e := range c.engines {
			if t, ok := e.missed[id]; e.connected && e.runtime == sc.Runtime && (!ok || now.Sub(t) >= missTTL) {
				qs = append(qs, question{e, e.runtime, id})
			}
		}
	}
	c.mu.RUnlock()
	if len(qs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.LookupTimeout)
	defer cancel()
	sem := make(chan struct{}, lookupParallel)
	var wg sync.WaitGroup
	for _, q := range qs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			a, err := q.e.lookup.inspect(ctx, q.id)
			var x *model.Container
			if err == nil {
				x, err = toContainer(q.runtime, a)
			}
			if err == nil && x.ID != q.id {
				err = fmt.Errorf("asked %s about container %s, it answered about %s", q.e.socket, q.id, x.ID)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if err != nil {
				if len(q.e.missed) >= maxMissed {
					for id, t := range q.e.missed {
						if now.Sub(t) >= missTTL {
							delete(q.e.missed, id)
						}
					}
					if len(q.e.missed) >= maxMissed {
						clear(q.e.missed)
					}
				}
				q.e.missed[q.id] = now
				if !errors.Is(err, errNotFound) {
					c.log.Debug("could not ask engine about a container", "socket", q.e.socket, "id", q.id, "err", err)
				}
				return
			}
			// The runtime check keeps an answer that raced with a
			// reconnection to another engine out of this one's list.
			if _, known := q.e.containers[q.id]; !known && q.e.runtime == q.runtime {
				q.e.containers[q.id] = x
			}
		}()
	}
	wg.Wait()
}

// Containers returns a copy of every container the catalogue knows, for a
// JSON API or a test comparing with a fresh discovery.
func (c *Catalog) Containers() []*model.Container {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*model.Container
	for _, e := range c.engines {
		for _, x := range e.containers {
			out = append(out, copyContainer(x))
		}
	}
	return out
}

// Engines reports the state of every engine socket, in Config order.
func (c *Catalog) Engines() []EngineStatus {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]EngineStatus, 0, len(c.engines))
	for _, e := range c.engines {
		out = append(out, EngineStatus{
			Socket: e.socket, Runtime: e.runtime, Connected: e.connected,
			Containers: len(e.containers), Err: joinErr(e.err, e.eventErr),
		})
	}
	return out
}

func joinErr(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// follow keeps one engine's containers up to date until ctx is done.
func (c *Catalog) follow(ctx context.Context, e *engineState) {
	cl := newClient(e.socket, c.cfg.Timeout, c.cfg.MaxListBytes, c.cfg.MaxEventBytes)
	defer cl.close()
	backoff := c.cfg.MinBackoff
	for {
		began := time.Now()
		err := c.session(ctx, cl, e)
		if ctx.Err() != nil {
			return
		}
		c.down(e, err)
		// A session that lasted resets the backoff: the engine restarted
		// rather than failing over and over.
		if time.Since(began) > c.cfg.MaxBackoff {
			backoff = c.cfg.MinBackoff
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, c.cfg.MaxBackoff)
	}
}

// session connects to the engine once: subscribe to events, list, then
// apply events until the stream ends. It returns why it ended.
func (c *Catalog) session(ctx context.Context, cl *client, e *engineState) error {
	if _, err := os.Stat(e.socket); err != nil {
		return err
	}
	runtime, err := cl.ping(ctx)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Subscribe before listing, so that nothing that happens between the
	// list and the subscription is missed.
	stream, err := cl.events(sctx)
	if err != nil {
		return err
	}
	defer stream.Close()
	list, err := cl.list(sctx)
	if err != nil {
		return err
	}
	c.replace(e, runtime, list, true)

	// Events say what happened but not a container's labels, so each burst
	// of events is followed by a fresh list; relist coalesces the requests
	// and a list that raced with an event is followed by another.
	relist := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-sctx.Done():
				return
			case <-relist:
			}
			list, err := cl.list(sctx)
			if err != nil {
				if sctx.Err() == nil {
					c.setErr(e, err)
				}
				continue
			}
			c.replace(e, runtime, list, false)
		}
	}()
	for {
		ev, err := stream.next()
		if errors.Is(err, errMalformed) {
			// One bad line says nothing about the containers: note it, and
			// list again so that whatever it meant is not lost.
			c.mu.Lock()
			e.eventErr = err.Error()
			c.mu.Unlock()
			c.log.Debug("skipped engine event", "socket", e.socket, "err", err)
			select {
			case relist <- struct{}{}:
			default:
			}
			continue
		}
		if err != nil {
			return err
		}
		c.apply(e, runtime, ev)
		select {
		case relist <- struct{}{}:
		default:
		}
	}
}

// lifecycle lists the container events (Docker's and podman's words) that
// change which processes run in containers or what they are called.
var lifecycle = map[string]bool{
	"create": true, "start": true, "restart": true, "stop": true, "kill": true,
	"die": true, "died": true, "oom": true, "destroy": true, "remove": true,
	"rename": true, "pause": true, "unpause": true, "init": true, "cleanup": true,
	"update": true,
}

// apply makes the catalogue follow one event at once: a removed container
// leaves it, an unknown one enters it with what the event says (its labels
// come with the next list).
func (c *Catalog) apply(e *engineState, runtime string, ev apiEvent) {
	if ev.Type != "" && ev.Type != "container" {
		return
	}
	action := ev.action()
	id := strings.ToLower(ev.containerID())
	changed := false
	c.mu.Lock()
	switch action {
	case "destroy", "remove":
		if _, ok := e.containers[id]; ok {
			delete(e.containers, id)
			changed = true
		}
	default:
		if _, ok := e.containers[id]; !ok && checkID(id) == nil && action != "" {
			attrs := ev.Actor.Attributes
			e.containers[id] = &model.Container{
				ID: id, Runtime: runtime,
				Name:  clean(attrs["name"], maxNameLen),
				Image: clean(attrs["image"], maxNameLen),
			}
			changed = true
		}
	}
	c.mu.Unlock()
	if changed || lifecycle[action] {
		c.signal()
	}
}

// replace installs a fresh list of one engine's containers. first marks the
// list of a new connection, which also marks the engine as up.
func (c *Catalog) replace(e *engineState, runtime string, list []apiContainer, first bool) {
	next := make(map[string]*model.Container, len(list))
	var problems []error
	for _, a := range list {
		x, err := toContainer(runtime, a)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		next[x.ID] = x
	}
	c.mu.Lock()
	changed := !equalContainers(e.containers, next) || e.runtime != runtime
	e.containers = next
	e.runtime = runtime
	wasUp := e.connected
	e.connected = true
	e.everUp = true
	e.loggedDown = false
	e.err = ""
	if first {
		e.eventErr = ""
	}
	if len(problems) > 0 {
		// Entries without a usable ID cannot be matched with any cgroup;
		// say so instead of dropping them silently.
		e.err = errors.Join(problems...).Error()
	}
	// next is the engine's map now, which Enrich's answers may extend.
	n, errText := len(next), e.err
	c.mu.Unlock()
	if first && !wasUp {
		c.log.Info("container engine connected", "socket", e.socket, "runtime", runtime, "containers", n)
	}
	if len(problems) > 0 {
		c.log.Debug("engine listed unusable containers", "socket", e.socket, "err", errText)
	}
	if changed {
		c.signal()
	}
}

func (c *Catalog) setErr(e *engineState, err error) {
	c.mu.Lock()
	e.err = err.Error()
	c.mu.Unlock()
}

// down records that an engine cannot be reached. It logs once per outage:
// at info when a connected engine goes away, at debug when an engine was
// never there (most hosts have no podman), at warn when a socket the
// caller named never answered (a typo, an engine not started: nsweb goes
// on, showing those containers by ID), and not at all while it stays
// away. Its containers stay in the catalogue: they usually still run, and
// the next connection replaces them with a fresh list.
func (c *Catalog) down(e *engineState, err error) {
	c.mu.Lock()
	wasUp, everUp, logged := e.connected, e.everUp, e.loggedDown
	e.connected = false
	e.loggedDown = true
	e.err = err.Error()
	c.mu.Unlock()
	switch {
	case wasUp:
		c.log.Info("container engine lost; reconnecting", "socket", e.socket, "err", err)
	case logged:
	case !everUp && c.named && errors.Is(err, fs.ErrNotExist):
		c.log.Warn("container engine socket does not exist; its containers show by ID until it appears", "socket", e.socket)
	case !everUp && c.named:
		c.log.Warn("container engine does not answer; its containers show by ID until it does", "socket", e.socket, "err", err)
	case !everUp && errors.Is(err, fs.ErrNotExist):
		c.log.Debug("no container engine at socket", "socket", e.socket)
	case !everUp:
		c.log.Info("container engine not reachable; retrying quietly", "socket", e.socket, "err", err)
	}
}
