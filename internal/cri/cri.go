// Package cri names the containers of Kubernetes nodes. On a node, kubelet
// has containerd or CRI-O run the pods; they do not speak the Docker Engine
// API that internal/engine asks, but the Container Runtime Interface: gRPC
// on a unix socket. This package asks that interface for every pod sandbox,
// container and image, so that a pod's containers get their names, image,
// labels, pod and Kubernetes namespace, and feeds them into the engine
// catalogue (it is an engine.Source), which names the snapshot's
// containers from both.
//
// The CRI of containerd 1.6 has no event stream, so the runtimes are
// polled (every second by default): a list is a few kilobytes per pod.
package cri

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtime "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/nsweb/nsweb/internal/model"
)

// Config says which runtimes to ask. The zero value asks the default
// sockets.
type Config struct {
	// Sockets are the CRI unix sockets; empty means DefaultSockets().
	// Sockets named here are expected to answer: one that does not is a
	// warning, where an absent default socket is only a debug line.
	Sockets []string
	// Interval between polls (default 1 s).
	Interval time.Duration
	// Timeout bounds one poll (default 5 s).
	Timeout time.Duration
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// DefaultSockets are where containerd and CRI-O serve the CRI.
func DefaultSockets() []string {
	return []string{"/run/containerd/containerd.sock", "/run/crio/crio.sock"}
}

// maxBackoff bounds the wait between polls of a runtime that fails.
const maxBackoff = 30 * time.Second

// maxMsg bounds one CRI answer: a node of 1000 pods lists in a few MiB.
const maxMsg = 32 << 20

// Catalog is the live list of the containers of every CRI runtime nsweb
// can reach. Its methods are safe for concurrent use, also before Run.
type Catalog struct {
	cfg     Config
	log     *slog.Logger
	named   bool
	changes chan struct{}

	mu       sync.RWMutex
	runtimes []*runtimeState
}

type runtimeState struct {
	socket     string
	name       string // "containerd", "cri-o", from the Version answer
	tried      bool   // one poll finished, well or not
	err        string
	containers map[string]*model.Container
}

// New returns a catalogue of the runtimes cfg names.
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
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Catalog{cfg: cfg, log: cfg.Logger.With("component", "cri"), named: named, changes: make(chan struct{}, 1)}
	seen := map[string]bool{}
	for _, s := range cfg.Sockets {
		if seen[s] {
			continue
		}
		seen[s] = true
		c.runtimes = append(c.runtimes, &runtimeState{socket: s})
	}
	return c
}

// Changes signals that a container or pod appeared, ended or was renamed.
// Signals coalesce; give it one reader.
func (c *Catalog) Changes() <-chan struct{} { return c.changes }

// Run polls every runtime until ctx ends.
func (c *Catalog) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, r := range c.runtimes {
		wg.Go(func() { c.follow(ctx, r) })
	}
	wg.Wait()
	return nil
}

// follow polls one runtime. An absent socket is checked again each
// interval, so a runtime started after nsweb is found.
func (c *Catalog) follow(ctx context.Context, r *runtimeState) {
	var conn *grpc.ClientConn
	defer func() {
		if conn != nil {
			_ = conn.Close()
		}
	}()
	t := time.NewTimer(c.cfg.Interval)
	defer t.Stop()
	logged := false
	// A runtime that fails (absent, or a containerd without its CRI
	// plugin, as Docker's own) is asked less and less often, up to every
	// 30 s; one that answers is polled every Interval.
	wait := c.cfg.Interval
	for {
		err := func() error {
			if _, err := os.Stat(r.socket); err != nil {
				return err
			}
			if conn == nil {
				cc, err := grpc.NewClient("unix://"+r.socket,
					grpc.WithTransportCredentials(insecure.NewCredentials()),
					grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsg)))
				if err != nil {
					return fmt.Errorf("dial %s: %w", r.socket, err)
				}
				conn = cc
			}
			pctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
			defer cancel()
			return c.poll(pctx, runtime.NewRuntimeServiceClient(conn), runtime.NewImageServiceClient(conn), r)
		}()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			c.mu.Lock()
			r.tried, r.err = true, err.Error()
			c.mu.Unlock()
			switch {
			case logged:
			case c.named:
				c.log.Warn("CRI runtime does not answer; its containers show by ID until it does", "socket", r.socket, "err", err)
			case errors.Is(err, os.ErrNotExist):
				c.log.Debug("no CRI runtime at socket", "socket", r.socket)
			default:
				c.log.Info("CRI runtime not reachable; retrying quietly", "socket", r.socket, "err", err)
			}
			logged = true
			wait = min(2*wait, max(maxBackoff, c.cfg.Interval))
		} else {
			logged = false
			wait = c.cfg.Interval
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// poll lists one runtime's sandboxes, containers and images and installs
// them, signalling when anything changed.
func (c *Catalog) poll(ctx context.Context, rs runtime.RuntimeServiceClient, is runtime.ImageServiceClient, r *runtimeState) error {
	v, err := rs.Version(ctx, &runtime.VersionRequest{})
	if err != nil {
		return fmt.Errorf("CRI version of %s: %w", r.socket, err)
	}
	var l lists
	sb, err := rs.ListPodSandbox(ctx, &runtime.ListPodSandboxRequest{})
	if err != nil {
		return fmt.Errorf("list pod sandboxes of %s: %w", r.socket, err)
	}
	l.sandboxes = sb.Items
	ct, err := rs.ListContainers(ctx, &runtime.ListContainersRequest{})
	if err != nil {
		return fmt.Errorf("list containers of %s: %w", r.socket, err)
	}
	l.containers = ct.Containers
	// Images only name what the containers' image IDs refer to: a failure
	// there leaves the IDs, not the whole list.
	if im, err := is.ListImages(ctx, &runtime.ListImagesRequest{}); err == nil {
		l.images = im.Images
	}
	name := runtimeName(v.GetRuntimeName())
	next := convert(name, l)
	c.mu.Lock()
	changed := !maps.EqualFunc(r.containers, next, sameContainer)
	first := r.name == "" || r.err != ""
	r.containers, r.name, r.tried, r.err = next, name, true, ""
	c.mu.Unlock()
	if first {
		c.log.Info("CRI runtime connected", "socket", r.socket, "runtime", name, "version", v.GetRuntimeVersion(), "containers", len(next))
	}
	if changed {
		select {
		case c.changes <- struct{}{}:
		default:
		}
	}
	return nil
}

// runtimeName is the runtime's name as cgroups spell it.
func runtimeName(s string) string {
	switch strings.ToLower(s) {
	case "containerd":
		return "containerd"
	case "cri-o", "crio":
		return "crio"
	}
	return "kubernetes"
}

func sameContainer(a, b *model.Container) bool {
	return a.ID == b.ID && a.Runtime == b.Runtime && a.Name == b.Name && a.Image == b.Image &&
		a.Pod == b.Pod && a.PodNamespace == b.PodNamespace && maps.Equal(a.Labels, b.Labels)
}

// Lookup finds a container or sandbox by its full ID. The result is a copy
// the caller may keep (its Labels map is shared and must not be changed).
func (c *Catalog) Lookup(id string) (*model.Container, bool) {
	id = strings.ToLower(id)
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, r := range c.runtimes {
		if x, ok := r.containers[id]; ok {
			cp := *x
			return &cp, true
		}
	}
	return nil, false
}

// Settled reports whether every runtime has been polled once, well or not.
func (c *Catalog) Settled() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, r := range c.runtimes {
		if !r.tried {
			return false
		}
	}
	return true
}

// Status says per socket whether the runtime answered, for logs and tests.
type Status struct {
	Socket     string
	Runtime    string
	Containers int
	Err        string
}

// Runtimes reports every runtime socket's state.
func (c *Catalog) Runtimes() []Status {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Status, 0, len(c.runtimes))
	for _, r := range c.runtimes {
		out = append(out, Status{Socket: r.socket, Runtime: r.name, Containers: len(r.containers), Err: r.err})
	}
	return out
}
