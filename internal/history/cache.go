package history

import (
	"sync"

	"github.com/nsweb/nsweb/internal/model"
)

// Scrubbing the timeline back and forth asks for the same few moments
// again and again, and moments a little after one already rebuilt: the
// store keeps the last snapshots it rebuilt, by the checkpoint and the last
// change row they were made of (every moment between two rows is the same
// snapshot), and rebuilds a later moment of the same checkpoint from the
// nearest one before it, applying only the rows in between.

// Bounds of the rebuild cache. A snapshot of a 30,000-namespace host is
// about 11 MB by the estimate below, so the byte bound keeps about five.
const (
	CacheEntries = 8
	CacheBytes   = 64 << 20
)

type cacheKey struct{ cp, last int64 }

type cacheEntry struct {
	key  cacheKey
	snap *model.Snapshot
	size int64
}

// rebuildCache is a small LRU of rebuilt snapshots, bounded in count and
// estimated bytes. The snapshots are shared: nobody modifies one.
type rebuildCache struct {
	mu      sync.Mutex
	entries []*cacheEntry // least recently used first
	bytes   int64
	hits    int64
	partial int64 // rebuilt from an older entry of the same checkpoint
	misses  int64
}

// snapSize estimates the memory a rebuilt snapshot holds: its records,
// their lists and the maps' entries.
func snapSize(s *model.Snapshot) int64 {
	return int64(len(s.Namespaces))*220 + int64(len(s.Processes))*300 + int64(len(s.Containers))*300
}

// get returns the snapshot of k, or else the newest one of the same
// checkpoint made of fewer rows (base), or nothing.
func (c *rebuildCache) get(k cacheKey) (exact, base *model.Snapshot, baseLast int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b *cacheEntry
	for i, e := range c.entries {
		if e.key == k {
			c.entries = append(append(c.entries[:i:i], c.entries[i+1:]...), e)
			c.hits++
			return e.snap, nil, 0
		}
		if e.key.cp == k.cp && e.key.last < k.last && (b == nil || e.key.last > b.key.last) {
			b = e
		}
	}
	if b != nil {
		c.partial++
		return nil, b.snap, b.key.last
	}
	c.misses++
	return nil, nil, 0
}

// put adds s as k's, dropping the least recently used past the bounds.
func (c *rebuildCache) put(k cacheKey, s *model.Snapshot) {
	size := snapSize(s)
	if size > CacheBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.key == k {
			return
		}
	}
	c.entries = append(c.entries, &cacheEntry{key: k, snap: s, size: size})
	c.bytes += size
	for len(c.entries) > CacheEntries || c.bytes > CacheBytes {
		c.bytes -= c.entries[0].size
		c.entries[0] = nil
		c.entries = c.entries[1:]
	}
}

// drop empties the cache (retention deleted what it was made of).
func (c *rebuildCache) drop() {
	c.mu.Lock()
	c.entries, c.bytes = nil, 0
	c.mu.Unlock()
}

// CacheStats counts the rebuilds answered from the cache (Hits), made
// from an earlier cached moment (Partial) and made from a checkpoint
// (Misses).
type CacheStats struct {
	Entries               int
	Bytes                 int64
	Hits, Partial, Misses int64
}

// CacheStats returns the rebuild cache's counters.
func (st *Store) CacheStats() CacheStats {
	c := &st.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Entries: len(c.entries), Bytes: c.bytes, Hits: c.hits, Partial: c.partial, Misses: c.misses}
}
