package engine

import (
	"context"
	"time"
)

// Settled reports whether every engine has answered its first list or
// failed to once: a one-shot caller (nsweb snapshot) then knows all the
// names it will get without waiting out a retry.
func (c *Catalog) Settled() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, e := range c.engines {
		if !e.everUp && !e.loggedDown {
			return false
		}
	}
	for _, s := range c.cfg.Sources {
		if !s.Settled() {
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
