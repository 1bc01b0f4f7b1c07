// Package ctrd names the containers containerd runs for anyone but
// Kubernetes: those made with ctr or nerdctl, BuildKit's, Docker's in the
// "moby" namespace. The CRI (internal/cri) sees only the pods kubelet
// asked for; containerd's own gRPC API (the namespaces, tasks and
// containers services) sees every namespace. This package asks it, through
// the service definitions of github.com/containerd/containerd/api only,
// for the containers that have a running task, and gives each its ID, name
// (the nerdctl/name label, else the ID), image, labels and containerd
// namespace (label "containerd/namespace").
//
// Names are not enough when a container's ID is not the hex digits
// internal/cgroup recognises in cgroup paths: ctr run … web puts its task
// in /<namespace>/web. So the catalogue also reads the cgroup of each
// task's PID and answers the collector which container a cgroup path
// belongs to (Resolve, a cgroup.Resolver). A path is taken only when its
// last element holds the container's ID, so a task whose PID means another
// process here (containerd in another PID namespace) or that shares a
// cgroup claims nothing.
//
// Containers the CRI names (namespace k8s.io, io.kubernetes.* or
// io.cri-containerd.* labels) are left to it, so none shows twice.
// containerd is polled (every second by default): per namespace one task
// list, a few hundred bytes per task; a container record (with its OCI
// spec, some kilobytes) is fetched when its task appears and again every
// Refresh.
package ctrd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/nsweb/nsweb/internal/cgroup"
	"github.com/nsweb/nsweb/internal/model"
)

// Config says which containerd sockets to ask. The zero value asks the
// default sockets.
type Config struct {
	// Sockets are containerd's gRPC sockets; empty means
	// DefaultSockets(). Sockets named here are expected to answer: one
	// that does not is a warning, where an absent default socket is only a
	// debug line.
	Sockets []string
	// Interval between polls (default 1 s).
	Interval time.Duration
	// Timeout bounds one poll (default 5 s).
	Timeout time.Duration
	// Refresh is how long a container's name, image and labels are kept
	// before they are asked again (default 30 s); a new task's are asked
	// at once.
	Refresh time.Duration
	// ProcRoot is where procfs is mounted, to read tasks' cgroups; ""
	// means "/proc".
	ProcRoot string
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// DefaultSockets are where containerd serves its API: the system's
// containerd (Debian's, the one Kubernetes nodes and Docker share) and the
// one dockerd starts for itself when there is none.
func DefaultSockets() []string {
	return []string{"/run/containerd/containerd.sock", "/run/docker/containerd/containerd.sock"}
}

// maxBackoff bounds the wait between polls of a containerd that fails.
const maxBackoff = 30 * time.Second

// maxMsg bounds one answer: a task list of thousands is well under it.
const maxMsg = 32 << 20

// Catalog is the live list of the containers with running tasks of every
// containerd nsweb can reach. Its methods are safe for concurrent use,
// also before Run.
type Catalog struct {
	cfg     Config
	log     *slog.Logger
	named   bool
	changes chan struct{}
	rescans chan struct{}

	mu      sync.RWMutex
	sockets []*socketState
	// byID and byPath merge every socket's entries: containers by
	// lowercase ID, and the cgroup paths of their tasks.
	byID   map[string]*model.Container
	byPath map[string]cgroup.Ref
}

// socketState is one containerd. entries is written only by the
// goroutine that polls it, under Catalog.mu; entries are never changed in
// place.
type socketState struct {
	socket    string
	tried     bool // one poll finished, well or not
	err       string
	connected bool // it answered since it last failed
	entries   map[string]*entry
}

// New returns a catalogue of the containerd sockets cfg names.
func New(cfg Config) *Catalog {
	named := len(cfg.Sockets) > 0
	if !named {
		cfg.Sockets = DefaultSockets()
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = 30 * time.Second
	}
	if cfg.ProcRoot == "" {
		cfg.ProcRoot = "/proc"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Catalog{cfg: cfg, log: cfg.Logger.With("component", "containerd"), named: named,
		changes: make(chan struct{}, 1), rescans: make(chan struct{}, 1)}
	seen := map[string]bool{}
	for _, s := range cfg.Sockets {
		if seen[s] {
			continue
		}
		seen[s] = true
		c.sockets = append(c.sockets, &socketState{socket: s})
	}
	return c
}

// Changes signals that a container appeared, ended or was renamed: the
// names of the last snapshot need redoing. Signals coalesce; give it one
// reader.
func (c *Catalog) Changes() <-chan struct{} { return c.changes }

// Rescans signals that a task's cgroup became known: the processes in it
// were scanned before Resolve knew them, so the host needs scanning again
// for them to join their container. Signals coalesce; give it one reader.
func (c *Catalog) Rescans() <-chan struct{} { return c.rescans }

// Run polls every socket until ctx ends.
func (c *Catalog) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, s := range c.sockets {
		wg.Go(func() { c.follow(ctx, s) })
	}
	wg.Wait()
	return nil
}

// follow polls one socket. An absent socket is checked again each
// interval, so a containerd started after nsweb is found; one that fails
// is asked less and less often, up to every 30 s.
func (c *Catalog) follow(ctx context.Context, s *socketState) {
	var conn *grpc.ClientConn
	defer func() {
		if conn != nil {
			_ = conn.Close()
		}
	}()
	t := time.NewTimer(0)
	defer t.Stop()
	logged := false
	wait := c.cfg.Interval
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := func() error {
			if _, err := os.Stat(s.socket); err != nil {
				return err
			}
			if conn == nil {
				cc, err := grpc.NewClient("unix://"+s.socket,
					grpc.WithTransportCredentials(insecure.NewCredentials()),
					grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsg)))
				if err != nil {
					return fmt.Errorf("dial %s: %w", s.socket, err)
				}
				conn = cc
			}
			pctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
			defer cancel()
			next, err := c.poll(pctx, newAPI(conn), s.entries, time.Now())
			if err != nil {
				return err
			}
			c.install(s, next)
			return nil
		}()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			c.failed(s, err)
			switch {
			case logged:
			case c.named:
				c.log.Warn("containerd does not answer; its containers show by ID until it does", "socket", s.socket, "err", err)
			case errors.Is(err, os.ErrNotExist):
				c.log.Debug("no containerd at socket", "socket", s.socket)
			default:
				c.log.Info("containerd not reachable; retrying quietly", "socket", s.socket, "err", err)
			}
			logged = true
			wait = min(2*wait, max(maxBackoff, c.cfg.Interval))
		} else {
			logged = false
			wait = c.cfg.Interval
		}
		t.Reset(wait)
	}
}

// failed records a poll's error; the socket's containers are forgotten
// (a containerd that went away no longer runs them, as far as nsweb can
// tell).
func (c *Catalog) failed(s *socketState, err error) {
	c.mu.Lock()
	s.tried, s.err, s.connected = true, err.Error(), false
	gone := len(s.entries) > 0
	s.entries = nil
	names, paths := c.mergeLocked()
	c.mu.Unlock()
	if gone {
		c.signal(names, paths)
	}
}

// install makes one poll's entries the socket's, and signals what changed.
func (c *Catalog) install(s *socketState, next map[string]*entry) {
	c.mu.Lock()
	first := !s.connected
	s.entries, s.tried, s.err, s.connected = next, true, "", true
	names, paths := c.mergeLocked()
	n := len(c.byID)
	c.mu.Unlock()
	if first {
		c.log.Info("containerd connected", "socket", s.socket, "containers", n)
	}
	c.signal(names, paths)
}

func (c *Catalog) signal(names, paths bool) {
	if names {
		select {
		case c.changes <- struct{}{}:
		default:
		}
	}
	if paths {
		select {
		case c.rescans <- struct{}{}:
		default:
		}
	}
}

// mergeLocked rebuilds byID and byPath from every socket's entries and
// reports whether any container's names changed and whether a cgroup
// path was added. Sockets come in Config order, namespaces and IDs in
// name order, so the same ID in two namespaces is named by the first.
// Called with c.mu held.
func (c *Catalog) mergeLocked() (names, paths bool) {
	byID := map[string]*model.Container{}
	byPath := map[string]cgroup.Ref{}
	ambiguous := map[string]bool{}
	for _, s := range c.sockets {
		for _, k := range slices.Sorted(maps.Keys(s.entries)) {
			e := s.entries[k]
			if e.skip {
				continue
			}
			id := strings.ToLower(e.id)
			if _, dup := byID[id]; !dup {
				byID[id] = e.c
			}
			for _, p := range e.paths {
				if r, ok := byPath[p]; ok && r.ID != e.id {
					ambiguous[p] = true
				}
				byPath[p] = cgroup.Ref{Runtime: cgroup.Containerd, ID: e.id, Namespace: e.ns}
			}
		}
	}
	for p := range ambiguous {
		delete(byPath, p)
	}
	names = !maps.EqualFunc(c.byID, byID, sameContainer)
	for p := range byPath {
		if _, ok := c.byPath[p]; !ok {
			paths = true
			break
		}
	}
	c.byID, c.byPath = byID, byPath
	return names, paths
}

func sameContainer(a, b *model.Container) bool {
	return a.ID == b.ID && a.Runtime == b.Runtime && a.Name == b.Name && a.Image == b.Image &&
		maps.Equal(a.Labels, b.Labels)
}

// Lookup finds a container by its ID (any case). The result is a copy the
// caller may keep (its Labels map is shared and must not be changed).
func (c *Catalog) Lookup(id string) (*model.Container, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	x, ok := c.byID[strings.ToLower(id)]
	if !ok {
		return nil, false
	}
	cp := *x
	return &cp, true
}

// Resolve names the container whose task runs in cgroup path or in a
// cgroup below it. It is a cgroup.Resolver for collect.Options.Cgroups.
func (c *Catalog) Resolve(path string) (cgroup.Ref, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if len(c.byPath) == 0 {
		return cgroup.Ref{}, false
	}
	for p := path; len(p) > 1; {
		if r, ok := c.byPath[p]; ok {
			return r, true
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return cgroup.Ref{}, false
}

// Settled reports whether every socket has been polled once, well or not.
func (c *Catalog) Settled() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, s := range c.sockets {
		if !s.tried {
			return false
		}
	}
	return true
}

// WaitSettled waits until Settled or ctx ends, and reports whether the
// catalogue settled. Run must be running.
func (c *Catalog) WaitSettled(ctx context.Context) bool {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for !c.Settled() {
		select {
		case <-ctx.Done():
			return c.Settled()
		case <-t.C:
		}
	}
	return true
}

// Status says per socket whether containerd answered, for logs and tests.
type Status struct {
	Socket     string
	Connected  bool
	Containers int // with a running task, not left to the CRI
	Cgroups    int // of their tasks, known to Resolve
	Err        string
}

// Sockets reports every socket's state.
func (c *Catalog) Sockets() []Status {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Status, 0, len(c.sockets))
	for _, s := range c.sockets {
		st := Status{Socket: s.socket, Connected: s.connected, Err: s.err}
		for _, e := range s.entries {
			if !e.skip {
				st.Containers++
				st.Cgroups += len(e.paths)
			}
		}
		out = append(out, st)
	}
	return out
}
