package history

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// TestRebuildCache: moments asked for in any order, again and again, as a
// scrubber asks for them, are the same snapshots as rebuilt from their
// checkpoint alone; repeated ones come from the cache, later ones of the
// same checkpoint from an earlier one; the cache stays within its bounds;
// and nobody's copy is changed by a later rebuild.
func TestRebuildCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := newHost()
	base := time.Now().Add(-time.Hour)
	var snaps []*model.Snapshot
	rng := rand.New(rand.NewPCG(3, 4))
	live := []int{}
	for i := range 60 {
		if len(live) > 0 && rng.IntN(3) == 0 {
			j := rng.IntN(len(live))
			h.stop(live[j])
			live = append(live[:j], live[j+1:]...)
		} else {
			pid := 100 + i
			ctr := ""
			if i%2 == 0 {
				ctr = "c" + itoa(i)
			}
			h.start(pid, model.NSID(500+i), "sleep", ctr)
			live = append(live, pid)
		}
		s := h.snap()
		s.Taken = base.Add(time.Duration(i) * time.Second)
		snaps = append(snaps, s)
	}
	recordAll(t, st, snaps...)
	ctx := context.Background()
	fresh, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	kept := map[int]*model.Snapshot{}
	for q := range 200 {
		i := rng.IntN(len(snaps))
		at := snaps[i].Taken.Add(time.Duration(rng.IntN(900)) * time.Millisecond)
		got, err := st.At(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		fresh.cache.drop()
		want, err := fresh.At(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("query %d, moment %d: the cached rebuild differs from the checkpoint's", q, i)
		}
		if len(got.Namespaces) != len(snaps[i].Namespaces) || len(got.Processes) != len(snaps[i].Processes) {
			t.Fatalf("moment %d: %d namespaces, %d processes; recorded %d, %d", i,
				len(got.Namespaces), len(got.Processes), len(snaps[i].Namespaces), len(snaps[i].Processes))
		}
		if prev := kept[i]; prev != nil && !reflect.DeepEqual(prev, want) {
			t.Fatalf("moment %d: a snapshot handed out earlier was changed since", i)
		}
		kept[i] = got
	}
	cs := st.CacheStats()
	if cs.Hits == 0 || cs.Partial == 0 || cs.Entries > CacheEntries || cs.Bytes > CacheBytes {
		t.Errorf("cache %+v: want hits and partial rebuilds within %d entries", cs, CacheEntries)
	}
}

// TestCacheBounds: the LRU drops the least recently used past its count
// and byte bounds, and keeps what is used.
func TestCacheBounds(t *testing.T) {
	var c rebuildCache
	small := &model.Snapshot{Namespaces: map[model.NSID]*model.Namespace{1: {}}}
	for i := range CacheEntries + 3 {
		c.put(cacheKey{cp: 1, last: int64(i)}, small)
		if i == CacheEntries-1 {
			c.get(cacheKey{cp: 1, last: 0}) // used: kept
		}
	}
	if len(c.entries) != CacheEntries {
		t.Fatalf("%d entries, want %d", len(c.entries), CacheEntries)
	}
	if e, _, _ := c.get(cacheKey{cp: 1, last: 0}); e == nil {
		t.Error("the entry used was dropped")
	}
	if e, _, _ := c.get(cacheKey{cp: 1, last: 1}); e != nil {
		t.Error("the least recently used entry was kept")
	}
	big := &model.Snapshot{Namespaces: map[model.NSID]*model.Namespace{}}
	for i := range CacheBytes / 220 / 3 {
		big.Namespaces[model.NSID(i)] = nil
	}
	for i := range 4 {
		c.put(cacheKey{cp: 2, last: int64(i)}, big)
	}
	if c.bytes > CacheBytes || len(c.entries) > 3 {
		t.Errorf("%d bytes in %d entries, bound %d", c.bytes, len(c.entries), CacheBytes)
	}
	_, b, last := c.get(cacheKey{cp: 2, last: 10})
	if b == nil || last != 3 {
		t.Errorf("base for a later moment: last %d, want the newest (3)", last)
	}
}
