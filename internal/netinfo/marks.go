// Marks: the changes the kernel reported since the cache last looked, as
// netnsids of nsweb's own network namespace. Kept apart from reading so
// that the listener never waits for a read in progress.

package netinfo

import (
	"sync"

	"github.com/nsweb/nsweb/internal/model"
)

// marks collects change notices until the next refresh takes them. A
// notice that arrives during a refresh stays for the one after, so none
// is lost.
type marks struct {
	mu    sync.Mutex
	home  bool           // nsweb's own namespace changed
	all   bool           // notices were lost: everything may have changed
	nsids map[int32]bool // namespaces with these netnsids changed
	heard uint64         // notices in all, for tests and metrics
}

// note records one notice: from the namespace with netnsid nsid, or from
// nsweb's own namespace when ok is false (the kernel sets no netnsid then).
func (m *marks) note(nsid int32, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.heard++
	switch {
	case !ok:
		m.home = true
	case len(m.nsids) >= maxMarks:
		m.all = true
	default:
		if m.nsids == nil {
			m.nsids = map[int32]bool{}
		}
		m.nsids[nsid] = true
	}
}

// maxMarks bounds the netnsids kept between two refreshes; beyond, the
// whole cache is marked.
const maxMarks = 4096

// lost records that notices were dropped (the socket's buffer overflowed).
func (m *marks) lost() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.heard++
	m.all = true
}

// take returns the notices since the last take and forgets them.
func (m *marks) take() (home, all bool, nsids map[int32]bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	home, all, nsids = m.home, m.all, m.nsids
	m.home, m.all, m.nsids = false, false, nil
	return home, all, nsids
}

// pending reports whether a notice from netnsid nsid waits for a refresh.
func (m *marks) pending(nsid int32) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.all || m.nsids[nsid]
}

// count is how many notices were heard.
func (m *marks) count() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.heard
}

// staleSet says which cached namespaces the notices make stale, given each
// one's netnsid in nsweb's namespace (negative: none when it was read).
// A netnsid no cached namespace had may belong to one read before it was
// given that netnsid: every namespace read without a netnsid is stale then.
// all (or home) true means every namespace (or nsweb's own) is.
func staleSet(nsidOf map[model.NSID]int32, self model.NSID, home, all bool, nsids map[int32]bool) map[model.NSID]bool {
	out := map[model.NSID]bool{}
	if all {
		for k := range nsidOf {
			out[k] = true
		}
		return out
	}
	if home {
		if _, ok := nsidOf[self]; ok {
			out[self] = true
		}
	}
	if len(nsids) == 0 {
		return out
	}
	byNsid := make(map[int32]model.NSID, len(nsidOf))
	for k, id := range nsidOf {
		if id >= 0 {
			byNsid[id] = k
		}
	}
	unknown := false
	for id := range nsids {
		if k, ok := byNsid[id]; ok {
			out[k] = true
		} else {
			unknown = true
		}
	}
	if unknown {
		for k, id := range nsidOf {
			if id < 0 && k != self {
				out[k] = true
			}
		}
	}
	return out
}
