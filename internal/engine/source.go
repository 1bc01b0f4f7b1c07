package engine

import (
	"context"

	"github.com/nsweb/nsweb/internal/model"
)

// Source is another place that names containers, asked when no Docker API
// engine knows a container: the CRI of containerd and CRI-O on Kubernetes
// nodes (internal/cri). The catalogue runs its sources, passes their change
// signals on and consults them in Enrich, so every caller of the catalogue
// names those containers too.
type Source interface {
	// Run follows the source until ctx ends.
	Run(ctx context.Context) error
	// Changes signals that the source's containers changed.
	Changes() <-chan struct{}
	// Lookup finds a container by its full ID; the result is a copy.
	Lookup(id string) (*model.Container, bool)
	// Settled reports whether the source has been asked once, well or not.
	Settled() bool
}

// runSources runs the sources and forwards their signals until ctx ends.
func (c *Catalog) runSources(ctx context.Context) func() {
	done := make(chan struct{})
	n := len(c.cfg.Sources)
	if n == 0 {
		return func() {}
	}
	finished := make(chan struct{}, 2*n)
	for _, s := range c.cfg.Sources {
		go func() { _ = s.Run(ctx); finished <- struct{}{} }()
		go func() {
			defer func() { finished <- struct{}{} }()
			for {
				select {
				case <-ctx.Done():
					return
				case <-s.Changes():
					c.signal()
				}
			}
		}()
	}
	go func() {
		for range 2 * n {
			<-finished
		}
		close(done)
	}()
	return func() { <-done }
}

// fromSources names a container from the first source that knows it. A
// short ID (LXC's machine names, ctr's "web") could be another runtime's
// container: it counts only when the source's runtime is the one its
// cgroup named.
func (c *Catalog) fromSources(id, runtime string) *model.Container {
	for _, s := range c.cfg.Sources {
		if x, ok := s.Lookup(id); ok && (len(id) >= 32 || runtime != "" && x.Runtime == runtime) {
			return x
		}
	}
	return nil
}
