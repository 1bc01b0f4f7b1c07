// Package compare tells what changed between two moments of a host: the
// namespaces that appeared and ended, those that moved between containers,
// and the containers started and stopped. It reads two model snapshots
// (from history or live) and nothing else, so it is pure: the server, the
// CLI and the tests call it alike. Namespaces are matched by NSID, never by
// inode, which the kernel reuses.
//
// Its answer is bounded: the totals count everything, the lists hold at
// most Limit items from Offset on, so that comparing a host that churned
// 60k namespaces is not a 60k-item answer unless the caller pages.
package compare

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// Default and largest page sizes of the lists.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Options bound the lists of a Diff.
type Options struct {
	// Limit is how many items each list holds at most (DefaultLimit when
	// 0, at most MaxLimit).
	Limit int
	// Offset skips that many items of each list (paging).
	Offset int
	// Keep, if set, limits the comparison to the namespaces it keeps (the
	// dashboard's filter): a namespace that appeared or ended counts if
	// kept in the snapshot that has it, one that moved if kept in either;
	// a process or container counts if one of its namespaces does.
	Keep func(*model.Snapshot, *model.Namespace) bool
}

// Namespace is a namespace that appeared or ended, as the snapshot that
// has it saw it.
type Namespace struct {
	ID    model.NSID   `json:"id"`
	Type  model.NSType `json:"type"`
	Inode uint64       `json:"inode"`
	// PID and Comm are its leading member process; 0 and "" without one.
	PID  int    `json:"pid,omitempty"`
	Comm string `json:"comm,omitempty"`
	// Containers are the containers whose processes are members.
	Containers []Owner `json:"containers,omitempty"`
	// Held says what keeps a namespace without processes alive, e.g.
	// "bind mount /run/netns/x".
	Held string `json:"held,omitempty"`
}

// Owner is a container a namespace or process belongs to.
type Owner struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Pod  string `json:"pod,omitempty"`
}

// Move is a namespace or a process whose container changed: From and To
// list the containers before and after; empty means the host (none, or a
// member process that is no container's).
type Move struct {
	// Kind is "namespace" or "process".
	Kind string `json:"kind"`
	// NS, Type and Inode name a namespace that moved.
	NS    model.NSID   `json:"ns,omitempty"`
	Type  model.NSType `json:"type,omitempty"`
	Inode uint64       `json:"inode,omitempty"`
	// PID and Comm name a process that moved (or a namespace's leader).
	PID  int     `json:"pid,omitempty"`
	Comm string  `json:"comm,omitempty"`
	From []Owner `json:"from"`
	To   []Owner `json:"to"`
}

// Container is a container started or stopped between the two moments.
type Container struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Runtime      string `json:"runtime,omitempty"`
	Image        string `json:"image,omitempty"`
	Pod          string `json:"pod,omitempty"`
	PodNamespace string `json:"podNamespace,omitempty"`
}

// Containers are the containers started and stopped.
type Containers struct {
	Started []Container `json:"started"`
	Stopped []Container `json:"stopped"`
}

// Totals count everything that changed, whatever the lists hold.
type Totals struct {
	Appeared int `json:"appeared"`
	Ended    int `json:"ended"`
	Moved    int `json:"moved"`
	// MovedNamespaces and MovedProcesses split Moved.
	MovedNamespaces int `json:"movedNamespaces"`
	MovedProcesses  int `json:"movedProcesses"`
	Started         int `json:"started"`
	Stopped         int `json:"stopped"`
	// AppearedByType and EndedByType count namespaces per type.
	AppearedByType map[model.NSType]int `json:"appearedByType"`
	EndedByType    map[model.NSType]int `json:"endedByType"`
}

// Diff is what changed from snapshot A to snapshot B.
type Diff struct {
	// From and To are the moments compared (the snapshots' times unless
	// the caller sets them); Live says that To is the present.
	From       time.Time   `json:"from"`
	To         time.Time   `json:"to"`
	Live       bool        `json:"live,omitempty"`
	Appeared   []Namespace `json:"appeared"`
	Ended      []Namespace `json:"ended"`
	Moved      []Move      `json:"moved"`
	Containers Containers  `json:"containers"`
	Totals     Totals      `json:"totals"`
	// Offset and Limit are the page of each list given.
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
	// Truncated says that a list holds more than this page: ask again
	// with Next as the offset.
	Truncated bool `json:"truncated"`
	Next      int  `json:"next,omitempty"`
}

// Compare tells what changed from a to b. A nil snapshot counts as an
// empty host. Lists are in creation order (NSID), processes by PID,
// containers by name.
func Compare(a, b *model.Snapshot, opt Options) *Diff {
	if a == nil {
		a = &model.Snapshot{}
	}
	if b == nil {
		b = &model.Snapshot{}
	}
	limit := opt.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	off := max(opt.Offset, 0)
	d := &Diff{From: a.Taken, To: b.Taken, Offset: off, Limit: limit,
		Appeared: []Namespace{}, Ended: []Namespace{}, Moved: []Move{},
		Containers: Containers{Started: []Container{}, Stopped: []Container{}},
		Totals:     Totals{AppearedByType: map[model.NSType]int{}, EndedByType: map[model.NSType]int{}}}

	keep := func(s *model.Snapshot, ns *model.Namespace) bool {
		return opt.Keep == nil || ns != nil && opt.Keep(s, ns)
	}
	var appeared, ended []model.NSID
	var movedNS []model.NSID
	for id, ns := range b.Namespaces {
		if ns == nil {
			continue
		}
		old := a.Namespaces[id]
		if old == nil {
			if keep(b, ns) {
				appeared = append(appeared, id)
				d.Totals.AppearedByType[ns.Type]++
			}
			continue
		}
		if !sameOwners(owners(a, old), owners(b, ns)) && (keep(a, old) || keep(b, ns)) {
			movedNS = append(movedNS, id)
		}
	}
	for id, ns := range a.Namespaces {
		if ns != nil && b.Namespaces[id] == nil && keep(a, ns) {
			ended = append(ended, id)
			d.Totals.EndedByType[ns.Type]++
		}
	}
	var movedP []int
	for pid, p := range b.Processes {
		if p == nil {
			continue
		}
		if q := a.Processes[pid]; q != nil && q.Start == p.Start && q.Container != p.Container && (opt.Keep == nil || keptProcess(b, p, keep)) {
			movedP = append(movedP, pid)
		}
	}
	slices.Sort(appeared)
	slices.Sort(ended)
	slices.Sort(movedNS)
	slices.Sort(movedP)
	started := containersOnlyIn(b, a, keptContainers(b, opt.Keep))
	stopped := containersOnlyIn(a, b, keptContainers(a, opt.Keep))

	d.Totals.Appeared, d.Totals.Ended = len(appeared), len(ended)
	d.Totals.MovedNamespaces, d.Totals.MovedProcesses = len(movedNS), len(movedP)
	d.Totals.Moved = len(movedNS) + len(movedP)
	d.Totals.Started, d.Totals.Stopped = len(started), len(stopped)

	for _, id := range page(appeared, off, limit) {
		d.Appeared = append(d.Appeared, describe(b, b.Namespaces[id]))
	}
	for _, id := range page(ended, off, limit) {
		d.Ended = append(d.Ended, describe(a, a.Namespaces[id]))
	}
	// Namespaces first, then processes: one list, one page.
	moves := make([]Move, 0, min(limit, d.Totals.Moved))
	for i := off; i < d.Totals.Moved && len(moves) < limit; i++ {
		if i < len(movedNS) {
			id := movedNS[i]
			ns := b.Namespaces[id]
			m := Move{Kind: "namespace", NS: id, Type: ns.Type, Inode: ns.Inode,
				From: named(a, owners(a, a.Namespaces[id])), To: named(b, owners(b, ns))}
			m.PID, m.Comm = leader(b, ns)
			moves = append(moves, m)
			continue
		}
		pid := movedP[i-len(movedNS)]
		p, q := b.Processes[pid], a.Processes[pid]
		moves = append(moves, Move{Kind: "process", PID: pid, Comm: p.Comm,
			From: named(a, single(q.Container)), To: named(b, single(p.Container))})
	}
	d.Moved = moves
	d.Containers.Started = page(started, off, limit)
	d.Containers.Stopped = page(stopped, off, limit)
	if most := max(len(appeared), len(ended), d.Totals.Moved, len(started), len(stopped)); most > off+limit {
		d.Truncated, d.Next = true, off+limit
	}
	return d
}

// page is the items of s from off, at most limit of them, in a new slice.
func page[T any](s []T, off, limit int) []T {
	if off >= len(s) {
		return []T{}
	}
	return slices.Clone(s[off:min(len(s), off+limit)])
}

// owners are the container IDs a namespace belongs to: those whose
// processes are members, sorted. A namespace that also has a member
// process of the host's belongs to the host (nil): the host's own
// namespaces, which every container that shares them joins, do not move
// each time one starts.
func owners(s *model.Snapshot, ns *model.Namespace) []string {
	if ns == nil || len(ns.Containers) == 0 {
		return nil
	}
	for _, pid := range ns.Procs {
		if p := s.Processes[pid]; p != nil && p.Container == "" {
			return nil
		}
	}
	if sortedUnique(ns.Containers) { // as collect makes them: no copy
		return ns.Containers
	}
	out := slices.Clone(ns.Containers)
	slices.Sort(out)
	return slices.Compact(out)
}

func sortedUnique(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}

func sameOwners(a, b []string) bool { return slices.Equal(a, b) }

func single(id string) []string {
	if id == "" {
		return nil
	}
	return []string{id}
}

// named turns container IDs into owners with the names s knows.
func named(s *model.Snapshot, ids []string) []Owner {
	out := make([]Owner, 0, len(ids))
	for _, id := range ids {
		o := Owner{ID: id}
		if c := s.Containers[id]; c != nil {
			o.Name = c.DisplayName()
			o.Pod = podOf(c)
		} else {
			o.Name = (&model.Container{ID: id}).DisplayName()
		}
		out = append(out, o)
	}
	return out
}

func podOf(c *model.Container) string {
	switch {
	case c.Pod == "":
		return ""
	case c.PodNamespace == "":
		return c.Pod
	}
	return c.PodNamespace + "/" + c.Pod
}

func leader(s *model.Snapshot, ns *model.Namespace) (int, string) {
	if ns.Leader == 0 {
		return 0, ""
	}
	if p := s.Processes[ns.Leader]; p != nil {
		return p.PID, p.Comm
	}
	return ns.Leader, ""
}

// describe is ns as the list of what appeared or ended shows it.
func describe(s *model.Snapshot, ns *model.Namespace) Namespace {
	out := Namespace{ID: ns.ID, Type: ns.Type, Inode: ns.Inode}
	out.PID, out.Comm = leader(s, ns)
	if ids := slices.Clone(ns.Containers); len(ids) > 0 {
		slices.Sort(ids)
		out.Containers = named(s, slices.Compact(ids))
	}
	if len(ns.Procs) == 0 && out.PID == 0 {
		out.Held = held(ns.HeldBy)
	}
	return out
}

// held says briefly what keeps a namespace without processes alive: its
// first holder.
func held(hs []model.Holder) string {
	if len(hs) == 0 {
		return ""
	}
	h := hs[0]
	switch h.Kind {
	case model.HeldByBindMount:
		return "bind mount " + h.Path
	case model.HeldByFD:
		return "an open file of pid " + strconv.Itoa(h.PID)
	case model.HeldBySocket:
		return "a socket"
	case model.HeldByChild, model.HeldByOwned:
		return "a namespace below it"
	}
	if h.PID != 0 {
		return string(h.Kind) + " of pid " + strconv.Itoa(h.PID)
	}
	return string(h.Kind)
}

// keptProcess says whether one of p's namespaces is kept.
func keptProcess(s *model.Snapshot, p *model.Process, keep func(*model.Snapshot, *model.Namespace) bool) bool {
	for _, id := range p.NS {
		if ns := s.Namespaces[id]; ns != nil && keep(s, ns) {
			return true
		}
	}
	return false
}

// keptContainers are the containers of s with a namespace Keep keeps; nil
// (every container) without Keep.
func keptContainers(s *model.Snapshot, keep func(*model.Snapshot, *model.Namespace) bool) map[string]bool {
	if keep == nil {
		return nil
	}
	out := map[string]bool{}
	for _, ns := range s.Namespaces {
		if ns != nil && len(ns.Containers) > 0 && keep(s, ns) {
			for _, id := range ns.Containers {
				out[id] = true
			}
		}
	}
	return out
}

// containersOnlyIn lists the containers of a that b does not have (and
// that kept holds, unless it is nil), by name then ID.
func containersOnlyIn(a, b *model.Snapshot, kept map[string]bool) []Container {
	var out []Container
	for id, c := range a.Containers {
		if c == nil || b.Containers[id] != nil || kept != nil && !kept[id] {
			continue
		}
		out = append(out, Container{ID: id, Name: c.DisplayName(), Runtime: c.Runtime, Image: c.Image,
			Pod: c.Pod, PodNamespace: c.PodNamespace})
	}
	slices.SortFunc(out, func(x, y Container) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID))
	})
	return out
}
