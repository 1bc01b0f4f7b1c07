package netinfo

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/nsweb/nsweb/internal/model"
)

// DefaultDetailsMaxAge is how old the state of one namespace may be when
// its details are asked for: the panel asks about once a second, so each
// answer is fresh, while a burst of requests (or a namespace of a thousand
// interfaces, which takes ~100 ms to read) is served from the cache.
const DefaultDetailsMaxAge = 250 * time.Millisecond

// DefaultMaxAge is how long a namespace's state is served from the cache
// before the next request reads it again.
const DefaultMaxAge = 2 * time.Second

// Reader reads network namespaces and keeps what it read per namespace,
// so that the wiring of a thousand namespaces is a lookup while they are
// fresh. A namespace is read again when its entry is older than MaxAge,
// when Listen heard that it changed, or when its details are asked for;
// namespaces gone from the snapshot are dropped. The netnsid → namespace mapping, stable for as long as both
// namespaces live, is kept across reads.
type Reader struct {
	// MaxAge bounds the age of what Wiring serves; 0 means DefaultMaxAge.
	MaxAge time.Duration
	// Workers is how many namespaces are read at once; 0 means 2.
	Workers int
	// DetailsMaxAge bounds the age of what Namespace serves: older, the
	// namespace is read again. 0 means DefaultDetailsMaxAge; negative
	// reads it on every call.
	DetailsMaxAge time.Duration

	mu      sync.Mutex
	entries map[model.NSID]*entry
	home    model.NSID // nsweb's network namespace
	selfMnt model.NSID // nsweb's mount namespace
	now     func() time.Time

	marks     marks       // changes Listen heard, for the next refresh
	listening atomic.Bool // Listen runs: learn each namespace's netnsid
}

type entry struct {
	n    *NetNS
	read time.Time
	// nsid is the netnsid nsweb's namespace gives this one (what Listen's
	// notices carry); -1 when it had none or nobody listened.
	nsid int32
}

// NewReader returns an empty Reader.
func NewReader() *Reader {
	return &Reader{entries: map[model.NSID]*entry{}, home: SelfID(model.Net), selfMnt: SelfID(model.Mnt), now: time.Now}
}

// Missing says what the reader cannot see for want of privileges, empty
// as root.
func Missing() string {
	if os.Geteuid() == 0 {
		return ""
	}
	return "not root: only nsweb's own network namespace is read (entering another needs CAP_SYS_ADMIN and access to its processes); the others are listed as unreadable"
}

// opened is a namespace open during one refresh.
type opened struct {
	fd netns.NsHandle
	h  *netlink.Handle
}

// Wiring returns the edges between the network namespaces of s.
func (r *Reader) Wiring(ctx context.Context, s *model.Snapshot) (*Wiring, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	nets, err := r.refresh(ctx, s, 0, false)
	if err != nil {
		return nil, err
	}
	w := &Wiring{Taken: r.now().UTC().Format(time.RFC3339Nano), Namespaces: len(nets), Edges: Resolve(nets), Missing: Missing()}
	if w.Edges == nil {
		w.Edges = []Edge{}
	}
	for _, id := range slices.Sorted(maps.Keys(nets)) {
		if e := nets[id].Error; e != "" {
			w.Unreadable = append(w.Unreadable, Unreadable{NS: id, Error: e})
		}
	}
	return w, nil
}

// Namespace reads network namespace id (unless it was read less than
// DetailsMaxAge ago) and returns it with its peers resolved: a copy the
// caller owns.
func (r *Reader) Namespace(ctx context.Context, s *model.Snapshot, id model.NSID) (*NetNS, error) {
	ns := s.Namespaces[id]
	if ns == nil || ns.Type != model.Net {
		return nil, fmt.Errorf("no network namespace with ID %d", id)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.applyMarks()
	force := id
	age := r.DetailsMaxAge
	if age == 0 {
		age = DefaultDetailsMaxAge
	}
	if e := r.entries[id]; e != nil && age > 0 && r.now().Sub(e.read) < age {
		force = 0
	}
	nets, err := r.refresh(ctx, s, force, true)
	if err != nil {
		return nil, err
	}
	Resolve(nets)
	n := *nets[id]
	n.Ifaces = slices.Clone(n.Ifaces)
	for i := range n.Ifaces {
		f := &n.Ifaces[i]
		f.Addrs = slices.Clone(f.Addrs)
		f.Ports = slices.Clone(f.Ports)
		if f.Peer != nil {
			p := *f.Peer
			f.Peer = &p
		}
	}
	n.Routes = slices.Clone(n.Routes)
	n.NetnsIDs = maps.Clone(n.NetnsIDs)
	return &n, nil
}

// refresh brings the cache up to date with s: namespaces new or older
// than MaxAge (only new ones with keep: details need their peers' names,
// not their freshness) and force are read, gone ones dropped, unresolved
// netnsids of the namespaces read are matched. It returns every network
// namespace of s. r.mu is held.
func (r *Reader) refresh(ctx context.Context, s *model.Snapshot, force model.NSID, keep bool) (map[model.NSID]*NetNS, error) {
	maxAge := r.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	now := r.now()
	r.applyMarks()
	var stale []*model.Namespace
	live := map[model.NSID]bool{}
	for id, ns := range s.Namespaces {
		if ns.Type != model.Net {
			continue
		}
		live[id] = true
		if e := r.entries[id]; e == nil || id == force || !keep && now.Sub(e.read) >= maxAge {
			stale = append(stale, ns)
		}
	}
	for id := range r.entries {
		if !live[id] {
			delete(r.entries, id)
		}
	}
	slices.SortFunc(stale, func(a, b *model.Namespace) int { return cmp.Compare(a.ID, b.ID) })
	open := make(map[model.NSID]*opened, len(stale))
	defer func() {
		for _, o := range open {
			if o.h != nil {
				o.h.Close()
			}
			o.fd.Close()
		}
	}()
	results := make([]*NetNS, len(stale))
	handles := make([]*opened, len(stale))
	workers := r.Workers
	if workers <= 0 {
		workers = 2
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				results[i], handles[i] = r.read(s, stale[i])
			}
		})
	}
	for i := range stale {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		for _, o := range handles {
			if o != nil {
				o.h.Close()
				o.fd.Close()
			}
		}
		return nil, err
	}
	var home *netlink.Handle
	if r.listening.Load() && len(stale) > 0 {
		if h, err := netlink.NewHandle(unix.NETLINK_ROUTE); err == nil {
			home = h
			defer h.Close()
		}
	}
	for i, ns := range stale {
		n := results[i]
		if old := r.entries[ns.ID]; old != nil {
			for k, v := range old.n.NetnsIDs {
				if live[v] {
					n.NetnsIDs[k] = v
				}
			}
		}
		r.entries[ns.ID] = &entry{n: n, read: now, nsid: homeNsid(home, handles[i])}
		if handles[i] != nil {
			open[ns.ID] = handles[i]
		}
	}
	nets := make(map[model.NSID]*NetNS, len(r.entries))
	for id, e := range r.entries {
		nets[id] = e.n
	}
	for _, ns := range stale {
		if o := open[ns.ID]; o != nil {
			r.match(s, nets, ns.ID, o.h, open)
		}
	}
	return nets, nil
}

// applyMarks makes the namespaces Listen heard change since the last
// refresh stale. r.mu is held.
func (r *Reader) applyMarks() {
	self, all, nsids := r.marks.take()
	if !self && !all && len(nsids) == 0 {
		return
	}
	nsidOf := make(map[model.NSID]int32, len(r.entries))
	for id, e := range r.entries {
		nsidOf[id] = e.nsid
	}
	for id := range staleSet(nsidOf, r.home, self, all, nsids) {
		r.entries[id].read = time.Time{}
	}
}

// homeNsid asks nsweb's namespace (through home, nil when nobody listens)
// which netnsid it gives the namespace o is open on; -1 for none.
func homeNsid(home *netlink.Handle, o *opened) int32 {
	if home == nil || o == nil {
		return -1
	}
	id, err := home.GetNetNsIdByFd(int(o.fd))
	if err != nil || id < 0 {
		return -1
	}
	return int32(id)
}

// read opens and reads one namespace; the handle stays open for matching
// netnsids. A namespace that cannot be read is returned with Error set.
func (r *Reader) read(s *model.Snapshot, ns *model.Namespace) (*NetNS, *opened) {
	fail := func(err error) (*NetNS, *opened) {
		return &NetNS{ID: ns.ID, Ifaces: []Iface{}, Routes: []Route{}, Error: err.Error(), NetnsIDs: map[int]model.NSID{}}, nil
	}
	fd, err := Open(ns, Paths(s, ns, r.selfMnt))
	if err != nil {
		return fail(err)
	}
	var h *netlink.Handle
	if ns.ID == r.home {
		h, err = netlink.NewHandle(unix.NETLINK_ROUTE)
	} else {
		h, err = handleAt(fd, r.home)
	}
	if err != nil {
		fd.Close()
		return fail(err)
	}
	n, err := readNS(h, ns.ID)
	if err != nil {
		h.Close()
		fd.Close()
		return fail(err)
	}
	n.NetnsIDs = map[int]model.NSID{}
	return n, &opened{fd: fd, h: h}
}

// match resolves the netnsids of namespace a's links that are not yet
// known: each candidate namespace is opened and the kernel asked which
// netnsid a gives it (RTM_GETNSID with NETNSA_FD, which never assigns
// one). A veth pair matched from one end is matched for the other end too.
func (r *Reader) match(s *model.Snapshot, nets map[model.NSID]*NetNS, a model.NSID, h *netlink.Handle, open map[model.NSID]*opened) {
	n := nets[a]
	for i := range n.Ifaces {
		f := &n.Ifaces[i]
		if f.LinkNetnsID < 0 || f.ParentIndex <= 0 {
			continue
		}
		if _, ok := n.NetnsIDs[f.LinkNetnsID]; ok {
			continue
		}
		for _, b := range Candidates(nets, a, f) {
			if isVeth(f.Kind) {
				// A veth whose end in b is already matched to another
				// namespace is not this one's peer.
				p := nets[b].Iface(f.ParentIndex)
				if other, ok := nets[b].NetnsIDs[p.LinkNetnsID]; ok && other != a {
					continue
				}
			}
			o := open[b]
			if o == nil {
				ns := s.Namespaces[b]
				if ns == nil {
					continue
				}
				fd, err := Open(ns, Paths(s, ns, r.selfMnt))
				if err != nil {
					continue
				}
				o = &opened{fd: fd}
				open[b] = o
			}
			id, err := h.GetNetNsIdByFd(int(o.fd))
			if err != nil || id != f.LinkNetnsID {
				continue
			}
			n.NetnsIDs[f.LinkNetnsID] = b
			if isVeth(f.Kind) {
				if p := nets[b].Iface(f.ParentIndex); p != nil && p.LinkNetnsID >= 0 {
					nets[b].NetnsIDs[p.LinkNetnsID] = a
				}
			}
			break
		}
	}
}
