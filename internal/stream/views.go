// Views: the subscriptions clients share, their admission under the
// global and per-client limits, and eviction of idle or costly ones.

package stream

import (
	"fmt"
	"time"

	"github.com/coder/websocket"
)

// LimitError is a request refused because views are at their limit: not
// the request's fault, and not a missing snapshot. HTTP handlers answer
// it with 503 and its message.
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return e.Msg }

// acquire returns the subscription for r, creating it if needed, and counts
// one more user so that it is not dropped while in use. Every acquire is
// paired with a release(sb, r.client).
func (h *Hub) acquire(r resolved) (*sub, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	sb := h.subs[r.key]
	if sb == nil && !r.key.isDefault() {
		if err := h.admitLocked(r.client); err != nil {
			return nil, err
		}
	}
	if sb == nil {
		sb = h.newSubLocked(r)
		h.subs[r.key] = sb
	}
	sb.users++
	sb.by[r.client]++
	sb.lastUsed = time.Now()
	return sb, nil
}

func (h *Hub) release(sb *sub, client string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sb.users--
	if sb.by[client]--; sb.by[client] <= 0 {
		delete(sb.by, client)
	}
	sb.lastUsed = time.Now()
}

// admitLocked makes room for one more subscription of client, or says
// which limit stands in the way.
func (h *Hub) admitLocked(client string) error {
	views := map[string]int{} // views held, by client
	n := 0
	for _, sb := range h.subs {
		if sb.key.isDefault() {
			continue
		}
		n++
		for c := range sb.by {
			views[c]++
		}
	}
	if views[client] >= h.cfg.MaxKeysPerClient {
		return &LimitError{fmt.Sprintf("this client (%s) has %d views open, at most %d per client: close a tab or clear a filter", clientName(client), views[client], h.cfg.MaxKeysPerClient)}
	}
	if n < h.cfg.MaxKeys || h.evictIdleLocked() {
		return nil
	}
	// Every view is in use: take one from the client that holds the most,
	// its costliest, if that is fairer than refusing.
	top := ""
	for c, k := range views {
		if k > views[top] || (k == views[top] && c < top) {
			top = c
		}
	}
	if views[top] < views[client]+2 {
		return &LimitError{fmt.Sprintf("too many distinct views in use by all clients (at most %d, shared fairly); try again later", h.cfg.MaxKeys)}
	}
	var victim *sub
	for _, sb := range h.subs {
		if sb.key.isDefault() || sb.by[top] == 0 {
			continue
		}
		if victim == nil || sb.cost.Load() > victim.cost.Load() {
			victim = sb
		}
	}
	delete(h.subs, victim.key)
	victim.evict()
	return nil
}

// clientName shows a client in messages.
func clientName(c string) string {
	if c == "" {
		return "local"
	}
	return c
}

// evict closes the connections of a subscription dropped to make room.
// Called with h.mu held; the clients' handlers unsubscribe on their own.
func (sb *sub) evict() {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	for c := range sb.clients {
		c.cancel(&closeError{websocket.StatusTryAgainLater, "this view was closed to make room for other clients' views (too many in use); reload to try again"})
	}
}

// evictIdleLocked drops the least recently used subscription without users.
func (h *Hub) evictIdleLocked() bool {
	var victim *sub
	for _, sb := range h.subs {
		if sb.users == 0 && (victim == nil || sb.lastUsed.Before(victim.lastUsed)) {
			victim = sb
		}
	}
	if victim == nil {
		return false
	}
	delete(h.subs, victim.key)
	return true
}
