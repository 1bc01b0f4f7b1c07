// Package wire defines the JSON messages nsweb's live stream and snapshot API
// speak (docs/protocol.md), builds them from a snapshot and its layout, and
// computes the patch between two laid-out states. It is pure: the same inputs
// give the same bytes, so a change is computed once and every client of a
// view receives identical messages.
package wire

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

// Message types, the value of every message's "type" field.
const (
	TypeSnapshot = "snapshot"
	TypePatch    = "patch"
	TypeError    = "error"
	TypeHello    = "hello"
)

// Bounds on a container node's details, so that its size stays small no
// matter how an engine labels it.
const (
	MaxLabels     = 20  // engine labels in ContainerInfo.Labels
	MaxLabelValue = 256 // bytes of one label value
)

// Node is one laid-out box as the browser draws it: layout.Node and the
// little the page needs besides (the inode, the member count, whether the
// filter keeps it only as context). It carries no details: the side panel
// asks GET /api/v1/ns/{ref} for them when it opens, so a snapshot of 60k
// namespaces costs about 150 bytes a node rather than 375, and no view
// keeps a copy of every namespace's process sample.
type Node struct {
	ID     string          `json:"id"`
	Kind   layout.NodeKind `json:"kind"`
	Type   model.NSType    `json:"type"`
	NS     model.NSID      `json:"ns,omitempty"`
	Label  string          `json:"label"`
	Parent string          `json:"parent,omitempty"`
	Count  int             `json:"count,omitempty"`
	// Folds says what a group node folds (layout.Node.Folds): "file"
	// (namespaces of its Type), "dir", "container" or "pod"; absent on
	// other nodes. With Parent and Type it is all a client needs to know
	// which group a node folds into, so no client takes IDs apart.
	Folds layout.NodeKind `json:"folds,omitempty"`
	X     float64         `json:"x"`
	Y     float64         `json:"y"`
	W     float64         `json:"w"`
	H     float64         `json:"h"`
	// Inode is the namespace's nsfs inode, as lsns and /proc print it
	// (namespace nodes only): the one number the page shows.
	Inode uint64 `json:"ino,omitempty"`
	// Procs is the number of member processes (namespace nodes only).
	Procs int `json:"procs,omitempty"`
	// Context is true for a namespace node that the filter does not match,
	// kept only because a match lies below it; the page veils it.
	Context bool `json:"ctx,omitempty"`
	// Container describes a container or pod node, so that the browser
	// can show what it groups without another request.
	Container *ContainerInfo `json:"container,omitempty"`
}

// ContainerInfo is what a container or pod node shows: the engine's names
// for it. For a pod only Pod, PodNamespace and Containers are set.
type ContainerInfo struct {
	ID           string            `json:"id,omitempty"`
	Runtime      string            `json:"runtime,omitempty"`
	Name         string            `json:"name,omitempty"`
	Image        string            `json:"image,omitempty"`
	Pod          string            `json:"pod,omitempty"`
	PodNamespace string            `json:"podNamespace,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	// Containers is the number of the pod's containers in the snapshot.
	Containers int `json:"containers,omitempty"`
	// Truncated is true when Labels were cut to MaxLabels (by key order)
	// or a value to MaxLabelValue bytes.
	Truncated bool `json:"truncated,omitempty"`
}

// Equal reports whether two container infos carry the same details.
func (a *ContainerInfo) Equal(b *ContainerInfo) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.ID == b.ID && a.Runtime == b.Runtime && a.Name == b.Name && a.Image == b.Image &&
		a.Pod == b.Pod && a.PodNamespace == b.PodNamespace && a.Containers == b.Containers &&
		a.Truncated == b.Truncated && maps.Equal(a.Labels, b.Labels)
}

// NewContainerInfo describes container id of s; an engine that never named
// it leaves only the ID.
func NewContainerInfo(s *model.Snapshot, id string) *ContainerInfo {
	c := s.Containers[id]
	if c == nil {
		return &ContainerInfo{ID: id}
	}
	ci := &ContainerInfo{ID: id, Runtime: c.Runtime, Name: c.Name, Image: c.Image, Pod: c.Pod, PodNamespace: c.PodNamespace}
	if len(c.Labels) > 0 {
		keys := slices.Sorted(maps.Keys(c.Labels))
		if len(keys) > MaxLabels {
			keys, ci.Truncated = keys[:MaxLabels], true
		}
		ci.Labels = make(map[string]string, len(keys))
		for _, k := range keys {
			v := c.Labels[k]
			if len(v) > MaxLabelValue {
				v, ci.Truncated = truncateUTF8(v, MaxLabelValue), true
			}
			ci.Labels[k] = v
		}
	}
	return ci
}

// podInfos describes the pods of the Pod nodes of r, which it finds by
// their Ref, "<namespace>/<name>".
func podInfos(s *model.Snapshot, r *layout.Result) map[string]*ContainerInfo {
	var pods map[string]*ContainerInfo
	for _, n := range r.Nodes {
		if n.Kind == layout.Pod {
			if pods == nil {
				pods = map[string]*ContainerInfo{}
			}
			ref := n.Ref()
			ns, name, _ := strings.Cut(ref, "/")
			pods[ref] = &ContainerInfo{Pod: name, PodNamespace: ns}
		}
	}
	if pods == nil {
		return nil
	}
	for _, c := range s.Containers {
		if c != nil && c.Pod != "" {
			if p := pods[c.PodNamespace+"/"+c.Pod]; p != nil {
				p.Containers++
			}
		}
	}
	return pods
}

// Counts are the totals of the whole snapshot (not only what a filter shows).
type Counts struct {
	Namespaces int `json:"namespaces"`
	Processes  int `json:"processes"`
	Containers int `json:"containers"`
	// Gaps counts what the scan could not read; processes that exited
	// while it read them are not counted (model.Gap.Vanished).
	Gaps int `json:"gaps"`
}

// Meta describes the scan and the drawing a message belongs to.
type Meta struct {
	Host    string `json:"host"`
	Kernel  string `json:"kernel"`
	Taken   string `json:"taken"` // RFC 3339 with nanoseconds, UTC
	Partial bool   `json:"partial"`
	Reason  string `json:"reason"`
	Counts  Counts `json:"counts"`
	// Width and Height are the size of the drawing in server coordinates.
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

// SameContent reports whether two metas differ in more than the scan time,
// which changes on every scan and alone is no reason to send a patch.
func (m Meta) SameContent(o Meta) bool {
	m.Taken, o.Taken = "", ""
	return m == o
}

// Snapshot is the full state of one view; the first message of a stream and
// the body of GET /api/v1/snapshot.
type Snapshot struct {
	Type   string          `json:"type"` // "snapshot"
	Seq    uint64          `json:"seq"`
	View   layout.View     `json:"view"`
	Group  layout.Grouping `json:"group"`
	Q      string          `json:"q"`
	Expand []string        `json:"expand"`
	Meta   Meta            `json:"meta"`
	Nodes  []Node          `json:"nodes"`
}

// Move is a position-only change of a node.
type Move struct {
	ID string  `json:"id"`
	X  float64 `json:"x"`
	Y  float64 `json:"y"`
}

// Count is a change of a namespace node's member count alone (Procs).
// It is the most frequent change on a live host: every fork and exit
// anywhere changes the count of the host's own namespaces, and sending
// those nodes whole (with their process samples) would cost a container
// start tens of kilobytes instead of a few.
type Count struct {
	ID    string `json:"id"`
	Procs int    `json:"procs"`
}

// Patch turns the state of sequence number Seq-1 into that of Seq. Apply
// order: Remove, Add, Update, Counts, Move.
type Patch struct {
	Type string `json:"type"` // "patch"
	Seq  uint64 `json:"seq"`
	Meta Meta   `json:"meta"`
	Add  []Node `json:"add"`
	// Born lists the IDs in Add whose namespace, container or pod did not
	// exist on the host in the scan before (see Born). The others only
	// entered the view: a namespace started to match the filter, or a
	// group unfolded because fewer siblings are left. A change log that
	// calls the fifty survivors of an unfolded group "appeared", and marks
	// them new, tells the user that fifty things started.
	Born   []string `json:"born,omitempty"`
	Remove []string `json:"remove"`
	// Ended lists the IDs in Remove whose namespace, container or pod no
	// longer exists on the host (see Ended). The others only left the
	// view: the filter no longer keeps them, or they folded into a group.
	// A client cannot tell the two apart from the IDs, and a change log
	// that calls the host's user namespace "vanished" because a filter
	// stopped matching it misleads.
	Ended  []string `json:"ended,omitempty"`
	Update []Node   `json:"update"`
	Counts []Count  `json:"counts"`
	Move   []Move   `json:"move"`
	// Folded says what started or ended inside folded groups (see
	// Folded): there no node comes or goes, only a count changes, and
	// seven network namespaces deleted from a group of 57 would otherwise
	// go unreported.
	Folded []FoldChange `json:"folded,omitempty"`
}

// FoldChange counts what started or ended inside one folded group: the
// namespaces of a group of namespaces, the containers or pods of a group
// of those (what the group's count counts).
type FoldChange struct {
	ID string `json:"id"` // the group node
	// Born is how many of what the group holds after the patch did not
	// exist on the host before it.
	Born int `json:"born,omitempty"`
	// Ended is how many of what the group held before the patch no longer
	// exist on the host.
	Ended int `json:"ended,omitempty"`
}

// Empty reports whether the patch changes no node.
func (p *Patch) Empty() bool {
	return len(p.Add) == 0 && len(p.Remove) == 0 && len(p.Update) == 0 && len(p.Counts) == 0 && len(p.Move) == 0
}

// Ended returns the IDs among removed whose namespace (node "ns:<NSID>"),
// container ("ctr:…") or pod ("pod:…") is no longer in s, the snapshot the
// removal comes from; nil when none is. Groups and the synthetic root
// never end: a group that goes away was opened or emptied.
func Ended(s *model.Snapshot, removed []string) []string {
	var out []string
	now := host{s: s}
	for _, id := range removed {
		if alive, known := now.node(id); known && !alive {
			out = append(out, id)
		}
	}
	return out
}

// Born returns the IDs among added whose namespace, container or pod was
// not in prev, the snapshot before the one the nodes come from; nil when
// none is, or when there is no prev (a first picture says nothing about
// what is new). Groups and the synthetic root are never born: a group that
// comes was folded or filled.
func Born(prev *model.Snapshot, added []Node) []string {
	if prev == nil {
		return nil
	}
	var out []string
	was := host{s: prev}
	for i := range added {
		if alive, known := was.node(added[i].ID); known && !alive {
			out = append(out, added[i].ID)
		}
	}
	return out
}

// Folded counts, for each folded group of the pictures before (of prev)
// and after (of s), what it held that is gone from s and what it holds
// that was not in prev; groups with neither are left out. The result is
// sorted by group ID, so that every client of a view gets the same bytes.
// It costs a map lookup per folded member, against the layout's work per
// namespace.
func Folded(prev *model.Snapshot, before *layout.Result, s *model.Snapshot, after *layout.Result) []FoldChange {
	if prev == nil || before == nil || after == nil {
		return nil
	}
	var out []FoldChange
	at := map[string]int{}
	entry := func(id string) *FoldChange {
		i, ok := at[id]
		if !ok {
			i = len(out)
			at[id] = i
			out = append(out, FoldChange{ID: id})
		}
		return &out[i]
	}
	now, was := host{s: s}, host{s: prev}
	for i := range before.Folds {
		if n := now.missing(&before.Folds[i]); n > 0 {
			entry(before.Folds[i].ID).Ended = n
		}
	}
	for i := range after.Folds {
		if n := was.missing(&after.Folds[i]); n > 0 {
			entry(after.Folds[i].ID).Born = n
		}
	}
	slices.SortFunc(out, func(a, b FoldChange) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// host answers whether a namespace, container or pod exists in one
// snapshot.
type host struct {
	s    *model.Snapshot
	pods map[string]bool // made when a pod is asked about
}

// node reports whether what node id stands for exists; known is false for
// nodes that stand for no namespace, container or pod (groups, the
// synthetic root).
func (h *host) node(id string) (alive, known bool) {
	switch {
	case strings.HasPrefix(id, "ns:"):
		n, err := strconv.ParseUint(id[len("ns:"):], 10, 64)
		return err == nil && h.s.Namespaces[model.NSID(n)] != nil, err == nil
	case strings.HasPrefix(id, "ctr:"):
		n := layout.Node{ID: id, Kind: layout.Container}
		return h.s.Containers[n.Ref()] != nil, n.Ref() != ""
	case strings.HasPrefix(id, "pod:"):
		n := layout.Node{ID: id, Kind: layout.Pod}
		return h.pod(n.Ref()), n.Ref() != ""
	}
	return false, false
}

// pod reports whether any container of the snapshot is in pod ref,
// "<namespace>/<name>".
func (h *host) pod(ref string) bool {
	if h.pods == nil {
		h.pods = podsOf(h.s)
	}
	return h.pods[ref]
}

// missing counts what fold f hides that the snapshot lacks.
func (h *host) missing(f *layout.Fold) int {
	n := 0
	for _, id := range f.NS {
		if h.s.Namespaces[id] == nil {
			n++
		}
	}
	for _, ref := range f.Refs {
		var alive bool
		if f.What == layout.Pod {
			alive = h.pod(ref)
		} else {
			alive = h.s.Containers[ref] != nil
		}
		if !alive {
			n++
		}
	}
	return n
}

// podsOf returns the pods the containers of s belong to, as
// "<namespace>/<name>".
func podsOf(s *model.Snapshot) map[string]bool {
	pods := map[string]bool{}
	for _, c := range s.Containers {
		if c != nil && c.Pod != "" {
			pods[c.PodNamespace+"/"+c.Pod] = true
		}
	}
	return pods
}

// Error tells a client that its last message was refused; the connection
// stays open.
type Error struct {
	Type  string `json:"type"` // "error"
	Error string `json:"error"`
	// Field names the field of the hello that was refused ("view",
	// "group", "q", "expand" or "reveal"), empty when the message was no
	// hello at all or the refusal is not about one field. With it a client
	// knows what to take back: a page opened from a link with a bad filter
	// drops the filter and asks again instead of showing nothing.
	Field string `json:"field,omitempty"`
	// Value is the refused value as the client sent it (for expand, the
	// one refused group ID), so that a client that has sent another hello
	// since can tell that the refusal is about an older one.
	Value string `json:"value,omitempty"`
}

// Hello is the client's subscription: sent first on connect and again
// whenever the view, filter or expanded groups change.
type Hello struct {
	Type   string   `json:"type"` // "hello"
	Since  uint64   `json:"since"`
	View   string   `json:"view"`
	Group  string   `json:"group"` // "" means layout.DefaultGrouping
	Q      string   `json:"q"`
	Expand []string `json:"expand"`
	// Reveal is a node ID to show: the server adds the folded groups that
	// hide it to Expand (the snapshot's expand lists them), so that a link
	// to a namespace inside a folded group opens on it.
	Reveal string `json:"reveal,omitempty"`
	// Replay asks for the recorded events after that time (RFC 3339, or
	// a duration before now), sent after the snapshot and before the
	// patches that follow it (docs/protocol.md, Replay in the stream).
	Replay string `json:"replay,omitempty"`
	// At asks for the picture of that past moment instead of the live
	// one; no patch follows until a hello without At.
	At string `json:"at,omitempty"`
}

// NewMeta summarises a snapshot and the size of its drawing.
func NewMeta(s *model.Snapshot, r *layout.Result) Meta {
	m := Meta{
		Host:    s.Host,
		Kernel:  s.Kernel,
		Taken:   s.Taken.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"),
		Partial: s.Partial,
		Reason:  s.Reason,
		Counts: Counts{
			Namespaces: len(s.Namespaces),
			Processes:  len(s.Processes),
			Containers: len(s.Containers),
			Gaps:       unreadable(s.Gaps),
		},
	}
	if r != nil {
		m.Width, m.Height = r.Width, r.Height
	}
	return m
}

// unreadable counts the gaps that are blind spots of the scan, leaving out
// the processes that exited while it read them: on a busy host those come
// and go with every scan (1, then 7, then 35), hide nothing, and would make
// the count, and with it the meta, change on every scan.
func unreadable(gaps []model.Gap) int {
	n := 0
	for i := range gaps {
		if !gaps[i].Vanished {
			n++
		}
	}
	return n
}

// BuildNodes turns a layout of s into wire nodes, in the layout's
// pre-order. keep is the filter the layout was made with (nil for none):
// a namespace node it does not match is marked Context.
func BuildNodes(s *model.Snapshot, r *layout.Result, keep func(*model.Namespace) bool) []Node {
	if r == nil {
		return []Node{}
	}
	out := make([]Node, len(r.Nodes))
	var pods map[string]*ContainerInfo
	for i, n := range r.Nodes {
		out[i] = Node{
			ID: n.ID, Kind: n.Kind, Type: n.Type, NS: n.NS, Label: n.Label,
			Parent: n.Parent, Count: n.Count, Folds: n.Folds(), X: n.X, Y: n.Y, W: n.W, H: n.H,
		}
		switch n.Kind {
		case layout.Container:
			out[i].Container = NewContainerInfo(s, n.Ref())
			continue
		case layout.Pod:
			if pods == nil {
				pods = podInfos(s, r)
			}
			out[i].Container = pods[n.Ref()]
			continue
		}
		if n.NS != 0 && n.Kind != layout.Group {
			if ns := s.Namespaces[n.NS]; ns != nil {
				out[i].Inode, out[i].Procs = ns.Inode, len(ns.Procs)
				out[i].Context = keep != nil && !keep(ns)
			}
		}
	}
	return out
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// sameContent reports whether two nodes differ at most in position.
func sameContent(a, b *Node) bool {
	return a.ID == b.ID && a.Kind == b.Kind && a.Type == b.Type && a.NS == b.NS &&
		a.Label == b.Label && a.Parent == b.Parent && a.Count == b.Count && a.Folds == b.Folds &&
		a.W == b.W && a.H == b.H && a.Inode == b.Inode && a.Procs == b.Procs && a.Context == b.Context &&
		a.Container.Equal(b.Container)
}

// onlyCountDiffers reports whether two namespace nodes differ in content
// only in their member count.
func onlyCountDiffers(a, b *Node) bool {
	if a.Procs == b.Procs || a.Inode == 0 || b.Inode == 0 {
		return false
	}
	x := *a
	x.Procs = b.Procs
	return sameContent(&x, b)
}

// Diff computes the patch from the nodes prev to the nodes next (both in
// pre-order). Nodes are matched by ID, which is NSID-based, so a namespace
// that died and a new one that got its inode are a removal and an addition,
// never an update. A node whose member count is all that changed goes in
// Counts, not Update. The patch's Type, Seq and Meta are left for the
// caller.
func Diff(prev, next []Node) Patch {
	p := Patch{Type: TypePatch, Add: []Node{}, Remove: []string{}, Update: []Node{}, Counts: []Count{}, Move: []Move{}}
	old := make(map[string]*Node, len(prev))
	for i := range prev {
		old[prev[i].ID] = &prev[i]
	}
	seen := make(map[string]bool, len(next))
	for i := range next {
		n := &next[i]
		seen[n.ID] = true
		o := old[n.ID]
		switch {
		case o == nil:
			p.Add = append(p.Add, *n)
		case sameContent(o, n):
			if o.X != n.X || o.Y != n.Y {
				p.Move = append(p.Move, Move{ID: n.ID, X: n.X, Y: n.Y})
			}
		case onlyCountDiffers(o, n):
			p.Counts = append(p.Counts, Count{ID: n.ID, Procs: n.Procs})
			if o.X != n.X || o.Y != n.Y {
				p.Move = append(p.Move, Move{ID: n.ID, X: n.X, Y: n.Y})
			}
		default:
			p.Update = append(p.Update, *n)
		}
	}
	for i := range prev {
		if !seen[prev[i].ID] {
			p.Remove = append(p.Remove, prev[i].ID)
		}
	}
	return p
}

// NamespaceDetails is the body of GET /api/v1/ns/{id}: one namespace with
// every member process and container, unbounded, for a side panel.
type NamespaceDetails struct {
	Taken      string             `json:"taken"`
	Namespace  *model.Namespace   `json:"namespace"`
	Processes  []*model.Process   `json:"processes"`
	Containers []*model.Container `json:"containers"`
	// Inside is what the namespace holds, by type (internal/inspect's
	// Details): interfaces, ID maps and capabilities, PID chains, host
	// name, mounts…; absent where the server has no inspector.
	Inside any `json:"inside,omitempty"`
}
