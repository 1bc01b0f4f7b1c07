package history

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// change is one row of the changes table: what one published snapshot
// changed against the previous one, and the events that says. Namespaces
// are stored without their member list (Procs), which every fork of the
// host's own namespaces would change: it is rebuilt from the processes'
// namespaces.
type change struct {
	stateChange
	Ev []Event `json:"e,omitempty"`
}

func (c *change) empty() bool {
	return c.Meta == nil && len(c.NS) == 0 && len(c.NSGone) == 0 && len(c.P) == 0 &&
		len(c.PGone) == 0 && len(c.C) == 0 && len(c.CGone) == 0 && len(c.Ev) == 0
}

// snapMeta is what a snapshot says of itself besides its content.
type snapMeta struct {
	Host    string     `json:"host,omitempty"`
	Kernel  string     `json:"kernel,omitempty"`
	Root    model.NSID `json:"root,omitempty"`
	Partial bool       `json:"partial,omitempty"`
	Reason  string     `json:"reason,omitempty"`
}

func metaOf(s *model.Snapshot) snapMeta {
	return snapMeta{Host: s.Host, Kernel: s.Kernel, Root: s.Root, Partial: s.Partial, Reason: s.Reason}
}

// checkpoint is a whole snapshot in the same form.
type checkpoint struct {
	Meta snapMeta           `json:"m"`
	NS   []*model.Namespace `json:"n"`
	P    []*model.Process   `json:"p"`
	C    []*model.Container `json:"c,omitempty"`
}

// stripped is ns without its member list, sharing the rest.
func stripped(ns *model.Namespace) *model.Namespace {
	cp := *ns
	cp.Procs = nil
	return &cp
}

func newCheckpoint(s *model.Snapshot) *checkpoint {
	cp := &checkpoint{Meta: metaOf(s), NS: make([]*model.Namespace, 0, len(s.Namespaces)),
		P: make([]*model.Process, 0, len(s.Processes))}
	for _, ns := range s.Namespaces {
		cp.NS = append(cp.NS, stripped(ns))
	}
	for _, p := range s.Processes {
		cp.P = append(cp.P, p)
	}
	for _, c := range s.Containers {
		cp.C = append(cp.C, c)
	}
	return cp
}

// Kind says what an event is.
type Kind string

// The kinds of events.
const (
	Born    Kind = "born"    // a namespace was first seen
	Ended   Kind = "ended"   // a namespace is gone
	Started Kind = "started" // a container runs its first process
	Stopped Kind = "stopped" // a container runs no process any more
	Members Kind = "members" // processes started and exited, summarised per scan
	Held    Kind = "held"    // what keeps a namespace alive changed
)

// Event is one thing that happened, as the history lists it.
type Event struct {
	T     time.Time    `json:"t"`
	Kind  Kind         `json:"kind"`
	NS    model.NSID   `json:"ns,omitempty"`
	Type  model.NSType `json:"type,omitempty"`
	Inode uint64       `json:"inode,omitempty"`
	// PID and Comm are the namespace's leader (its first process seen for
	// born, the last for ended).
	PID  int    `json:"pid,omitempty"`
	Comm string `json:"comm,omitempty"`
	// Container is a container's ID (of the namespace's first container
	// for born and ended); Name, Image, Runtime and Pod describe it.
	Container string `json:"container,omitempty"`
	Name      string `json:"name,omitempty"`
	Image     string `json:"image,omitempty"`
	Runtime   string `json:"runtime,omitempty"`
	Pod       string `json:"pod,omitempty"`
	// Namespaces counts the namespaces a started container brought and a
	// stopped one took along.
	Namespaces int `json:"namespaces,omitempty"`
	// ProcsStarted and ProcsExited count processes (Members).
	ProcsStarted int `json:"procsStarted,omitempty"`
	ProcsExited  int `json:"procsExited,omitempty"`
	// Holders says what keeps the namespace alive now (Held).
	Holders string `json:"holders,omitempty"`
	// Cursor names the event for paging (GET /api/v1/history?cursor=).
	Cursor string `json:"cursor,omitempty"`
	// Summary is Text, for clients (set when listed, not stored).
	Summary string `json:"text,omitempty"`
}

// diff returns what turns prev into next; prev nil means nothing before.
// It costs a pass over next's maps; collect's Rescan shares unchanged
// records with prev, so most compare by pointer.
func diff(prev, next *model.Snapshot) *change {
	c := &change{}
	if prev == nil {
		prev = &model.Snapshot{}
	}
	if m := metaOf(next); m != metaOf(prev) {
		c.Meta = &m
	}
	cname := func(s *model.Snapshot, ns *model.Namespace) (string, string) {
		if len(ns.Containers) == 0 {
			return "", ""
		}
		id := ns.Containers[0]
		if ct := s.Containers[id]; ct != nil {
			return id, ct.DisplayName()
		}
		return id, ""
	}
	nsEvent := func(k Kind, s *model.Snapshot, ns *model.Namespace) Event {
		e := Event{Kind: k, NS: ns.ID, Type: ns.Type, Inode: ns.Inode, PID: ns.Leader}
		if p := s.Processes[ns.Leader]; p != nil && ns.Leader != 0 {
			e.Comm = p.Comm
		}
		e.Container, e.Name = cname(s, ns)
		if k != Held {
			e.Holders = holders(ns.HeldBy)
		}
		return e
	}
	// Maps are walked in any order (sorting 30,000 IDs per scan would cost
	// more than the rest); what changed is sorted afterwards.
	var born, ended []Event
	for id, ns := range next.Namespaces {
		p := prev.Namespaces[id]
		switch {
		case p == nil || p.Type != ns.Type || p.Inode != ns.Inode:
			if p != nil { // an NSID seen again after a reboot
				ended = append(ended, nsEvent(Ended, prev, p))
			}
			c.NS = append(c.NS, stripped(ns))
			born = append(born, nsEvent(Born, next, ns))
		case p != ns && !sameNS(p, ns):
			c.NS = append(c.NS, stripped(ns))
			if holders(p.HeldBy) != holders(ns.HeldBy) {
				e := nsEvent(Held, next, ns)
				e.Holders = holders(ns.HeldBy)
				c.Ev = append(c.Ev, e)
			}
		}
	}
	for id, ns := range prev.Namespaces {
		if _, ok := next.Namespaces[id]; !ok {
			c.NSGone = append(c.NSGone, id)
			ended = append(ended, nsEvent(Ended, prev, ns))
		}
	}
	byNS := func(a, b Event) int { return cmp.Compare(a.NS, b.NS) }
	slices.SortFunc(born, byNS)
	slices.SortFunc(ended, byNS)
	slices.SortFunc(c.Ev, byNS)
	slices.SortFunc(c.NS, func(a, b *model.Namespace) int { return cmp.Compare(a.ID, b.ID) })
	slices.Sort(c.NSGone)
	started, exited := 0, 0
	for pid, p := range next.Processes {
		q := prev.Processes[pid]
		if q == nil || q.Start != p.Start {
			started++
		}
		if q == nil || (q != p && !sameProc(q, p)) {
			c.P = append(c.P, p)
		}
		if q != nil && q.Start != p.Start {
			exited++
		}
	}
	for pid := range prev.Processes {
		if _, ok := next.Processes[pid]; !ok {
			c.PGone = append(c.PGone, pid)
			exited++
		}
	}
	slices.SortFunc(c.P, func(a, b *model.Process) int { return a.PID - b.PID })
	slices.Sort(c.PGone)
	// Namespaces born and ended per container, counted once (a start of
	// thousands of containers would otherwise count them per container).
	perCtr := func(evs []Event) map[string]int {
		m := map[string]int{}
		for _, e := range evs {
			if e.Container != "" {
				m[e.Container]++
			}
		}
		return m
	}
	nBorn, nEnded := perCtr(born), perCtr(ended)
	var cev []Event
	for id, ct := range next.Containers {
		q := prev.Containers[id]
		if q == nil {
			cev = append(cev, ctrEvent(Started, ct, nBorn[id]))
		}
		if q == nil || (q != ct && !sameCtr(q, ct)) {
			c.C = append(c.C, ct)
		}
	}
	for id, ct := range prev.Containers {
		if _, ok := next.Containers[id]; !ok {
			c.CGone = append(c.CGone, id)
			cev = append(cev, ctrEvent(Stopped, ct, nEnded[id]))
		}
	}
	slices.SortFunc(cev, func(a, b Event) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Container, b.Container))
	})
	slices.SortFunc(c.C, func(a, b *model.Container) int { return cmp.Compare(a.ID, b.ID) })
	slices.Sort(c.CGone)
	// A namespace's container is known by its name in the events (the ID
	// is in the container's own event and record).
	for _, evs := range [][]Event{born, ended} {
		for i := range evs {
			if evs[i].Name != "" {
				evs[i].Container = ""
			}
		}
	}
	c.Ev = append(append(append(cev, born...), ended...), c.Ev...)
	if len(prev.Processes) > 0 && started+exited > 0 {
		c.Ev = append(c.Ev, Event{Kind: Members, ProcsStarted: started, ProcsExited: exited})
	}
	return c
}

func ctrEvent(k Kind, ct *model.Container, n int) Event {
	return Event{Kind: k, Container: ct.ID, Name: ct.DisplayName(), Image: ct.Image, Runtime: ct.Runtime, Pod: ct.Pod, Namespaces: n}
}

func sameNS(a, b *model.Namespace) bool {
	return a.Type == b.Type && a.Inode == b.Inode && a.Dev == b.Dev && a.Parent == b.Parent &&
		a.Owner == b.Owner && sameUID(a.OwnerUID, b.OwnerUID) && a.Leader == b.Leader &&
		slices.Equal(a.HeldBy, b.HeldBy) && slices.Equal(a.Containers, b.Containers)
}

func sameUID(a, b *uint32) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func sameProc(a, b *model.Process) bool {
	return a.PPID == b.PPID && a.Comm == b.Comm && a.Cmdline == b.Cmdline && a.UID == b.UID &&
		a.Start == b.Start && a.Container == b.Container && a.Err == b.Err &&
		maps.Equal(a.NS, b.NS) && slices.Equal(a.NSpid, b.NSpid)
}

func sameCtr(a, b *model.Container) bool {
	return a.ID == b.ID && a.Runtime == b.Runtime && a.Name == b.Name && a.Image == b.Image &&
		a.Pod == b.Pod && a.PodNamespace == b.PodNamespace && maps.Equal(a.Labels, b.Labels)
}

// holders summarises what keeps a namespace alive besides its processes
// for a person: bind mounts (ip netns add), open file descriptors and
// sockets, which a person made and looks for. Threads, children and owned
// namespaces come and go with processes and are left out, so that a
// thread's start does not make an event.
func holders(hs []model.Holder) string {
	out, n := "", 0
	seen := map[string]bool{}
	for _, h := range hs {
		var s string
		switch h.Kind {
		case model.HeldByBindMount:
			s = "bind mount " + h.Path
		case model.HeldByFD:
			s = "fd " + itoa(h.FD) + " of pid " + itoa(h.PID)
		case model.HeldBySocket:
			s = "socket of pid " + itoa(h.PID)
		default:
			continue
		}
		if seen[s] { // a bind mount seen in several mount namespaces
			continue
		}
		seen[s] = true
		if n == 3 {
			out += ", …"
			break
		}
		if n > 0 {
			out += ", "
		}
		out += s
		n++
	}
	return out
}

func itoa(n int) string {
	return formatInt(int64(n))
}
