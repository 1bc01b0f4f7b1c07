// Node and group IDs: the grammar of every ID the layout makes, written
// and read here only, so that the server, the CLI and the tests agree.
//
//	ns:<namespace ID>                 a namespace (NodeID)
//	unowned                           the Dir of namespaces without a known owner (UnownedID)
//	ctr:<dir ID>:<container ID>       a Container node (ContainerID)
//	pod:<dir ID>:<pod ns>/<pod name>  a Pod node (PodID)
//	grp:<parent ID>:<what>            a Group node (GroupID, ContainersGroupID, PodsGroupID, DirsGroupID)

package layout

import (
	"strconv"
	"strings"

	"github.com/nsweb/nsweb/internal/model"
)

// NodeID is the ID of the node that shows namespace id: "ns:<decimal ID>".
// It is built on the never-reused namespace ID, not the inode, so a client
// can keep state per node across snapshots.
func NodeID(id model.NSID) string {
	return "ns:" + strconv.FormatUint(uint64(id), 10)
}

// GroupID is the ID of the group node that folds the files of type t under
// the node with ID parent, e.g. "grp:ns:5:net". It depends only on parent and
// type, so a client can name a group in Options.Expanded before and after
// its count changes.
func GroupID(parent string, t model.NSType) string {
	return groupPrefix + parent + ":" + string(t)
}

// Group ID suffixes of the group nodes that fold Container and Pod nodes,
// in place of a namespace type: no namespace type has these names.
const (
	foldedContainers = "ctr"
	foldedPods       = "pod"
	foldedDirs       = "dirs"
)

// ContainersGroupID is the ID of the group node that folds the Container
// nodes under the node with ID parent (a Dir, or a Pod node), e.g.
// "grp:ns:5:ctr". Like GroupID it depends only on the parent, so a client
// names it in Options.Expanded whatever the number of containers.
func ContainersGroupID(parent string) string {
	return groupPrefix + parent + ":" + foldedContainers
}

// DirsGroupID is the ID of the group node that folds the Dirs (user
// namespaces; PID namespaces in the PID view) under the node with ID
// parent, e.g. "grp:ns:5:dirs".
func DirsGroupID(parent string) string {
	return groupPrefix + parent + ":" + foldedDirs
}

// PodsGroupID is the ID of the group node that folds the Pod nodes of the
// Dir with ID parent, e.g. "grp:ns:5:pod".
func PodsGroupID(parent string) string {
	return groupPrefix + parent + ":" + foldedPods
}

// Folds says what a Group node folds: Container or Pod nodes (their group
// has no namespace type and an ID from ContainersGroupID or PodsGroupID),
// Dir for user or PID namespaces (DirsGroupID), or File for namespaces of
// the node's Type; "" for other kinds. Like Ref,
// it is read from the node rather than kept in a field.
func (n *Node) Folds() NodeKind {
	if n.Kind != Group {
		return ""
	}
	if n.Type == "" {
		switch {
		case strings.HasSuffix(n.ID, ":"+foldedContainers):
			return Container
		case strings.HasSuffix(n.ID, ":"+foldedPods):
			return Pod
		}
	}
	if strings.HasSuffix(n.ID, ":"+foldedDirs) {
		return Dir
	}
	return File
}

// FoldsInto is the ID of the group node n folds into with its siblings of
// its kind when they are too many: files by type (GroupID), Dirs
// (DirsGroupID), Container and Pod nodes (ContainersGroupID, PodsGroupID);
// "" for nodes that never fold (roots, groups).
func (n *Node) FoldsInto() string {
	if n.Parent == "" {
		return ""
	}
	switch n.Kind {
	case Dir:
		return DirsGroupID(n.Parent)
	case File:
		return GroupID(n.Parent, n.Type)
	case Container:
		return ContainersGroupID(n.Parent)
	case Pod:
		return PodsGroupID(n.Parent)
	}
	return ""
}

// Ref names what a Container or Pod node stands for: the container ID, or
// "<pod namespace>/<pod name>"; "" for other nodes. Consumers look up
// names and images in the snapshot. It is read from the node's ID (see
// ContainerID, PodID) rather than kept in a field: a view holds tens of
// thousands of nodes, and a wider Node costs every layout.
func (n *Node) Ref() string {
	var rest string
	var ok bool
	switch n.Kind {
	case Container:
		rest, ok = strings.CutPrefix(n.ID, "ctr:")
	case Pod:
		rest, ok = strings.CutPrefix(n.ID, "pod:")
	}
	if !ok {
		return ""
	}
	// The Dir's ID: "unowned" or "ns:<digits>", then ":".
	if r, ok := strings.CutPrefix(rest, UnownedID+":"); ok {
		return r
	}
	if r, ok := strings.CutPrefix(rest, "ns:"); ok {
		i := 0
		for i < len(r) && '0' <= r[i] && r[i] <= '9' {
			i++
		}
		if i > 0 && i < len(r) && r[i] == ':' {
			return r[i+1:]
		}
	}
	return ""
}

// ContainerID is the ID of the Container node of container cid in the Dir
// with node ID dir, e.g. "ctr:ns:4026531837:3f2a…". It depends on neither
// the container's name nor its namespaces, so the node keeps its ID while
// the engine renames it or its namespaces come and go.
func ContainerID(dir, cid string) string {
	return "ctr:" + dir + ":" + cid
}

// PodID is the ID of the Pod node of pod (the pod's namespace, "/", its
// name) in the Dir with node ID dir, e.g. "pod:ns:4026531837:default/web".
func PodID(dir, pod string) string {
	return "pod:" + dir + ":" + pod
}

// UnownedID is the ID of the synthetic root Dir that holds the namespaces
// whose owning user namespace is unknown.
const UnownedID = "unowned"

// writeParentID appends to b.text the node ID of parent slot slot: the ID
// that the IDs of folded groups and buckets in it start from.
func (b *builder) writeParentID(slot int32) {
	if slot == 0 {
		b.text = append(b.text, UnownedID...)
		return
	}
	b.text = append(b.text, "ns:"...)
	b.text = appendUint(b.text, uint64(b.ents[slot-2].id))
}

// writeGroupID appends to b.text the ID of the group that folds what,
// files of a type or "ctr" / "pod" / "dirs" (see GroupID,
// ContainersGroupID), under arena node v, whose parent slot is slot (-1
// for a bucket).
func (b *builder) writeGroupID(v, slot int32, what string) {
	b.text = append(b.text, groupPrefix...)
	if slot >= 0 {
		b.writeParentID(slot)
	} else {
		// A bucket's ID is in text already.
		in := &b.info[v]
		b.text = append(b.text, b.text[in.idLo:in.labelLo]...)
	}
	b.text = append(b.text, ':')
	b.text = append(b.text, what...)
}

// writeBucketID appends to b.text the ID of the node of bucket bk
// (ContainerID, PodID).
func (b *builder) writeBucketID(bk *bucket) {
	if bk.pod {
		b.text = append(b.text, "pod:"...)
	} else {
		b.text = append(b.text, "ctr:"...)
	}
	b.writeParentID(bk.slot)
	b.text = append(b.text, ':')
	b.text = append(b.text, bk.ref...)
}

// GroupRef is a group ID taken apart by ParseGroupID: the group node with
// ID GroupID(Parent, What) (ContainersGroupID and the others likewise).
type GroupRef struct {
	// Parent is the ID of the node the group is in: NodeID of a Dir,
	// UnownedID, or the ID of a Container or Pod node.
	Parent string
	// What is what the group folds: a namespace type (files of that
	// type), "ctr" (Container nodes), "pod" (Pod nodes) or "dirs" (user
	// namespaces; PID namespaces in the PID view).
	What string
}

// String is the group's ID, as the constructors make it.
func (g GroupRef) String() string {
	return groupPrefix + g.Parent + ":" + g.What
}

// Folds says what kind of node the group folds: Container, Pod, Dir, or
// File for a namespace type.
func (g GroupRef) Folds() NodeKind {
	switch g.What {
	case foldedContainers:
		return Container
	case foldedPods:
		return Pod
	case foldedDirs:
		return Dir
	}
	return File
}

// GroupIDError says why ParseGroupID rejected an ID.
type GroupIDError struct {
	ID     string // the ID given, cut to 64 bytes
	Reason string
}

// Error quotes the ID, so that an ID with odd bytes is visible as sent.
func (e *GroupIDError) Error() string {
	return "layout: group ID " + strconv.Quote(e.ID) + ": " + e.Reason
}

// groupPrefix starts every folded group's ID: the grammar's one owner.
const groupPrefix = "grp:"

// IsGroupID reports whether id names a folded group rather than a
// namespace or a container (it may still be malformed: ParseGroupID says).
func IsGroupID(id string) bool { return strings.HasPrefix(id, groupPrefix) }

// ParseGroupID takes apart a group ID as the layout makes it (GroupID,
// ContainersGroupID, PodsGroupID, DirsGroupID):
// "grp:<parent node ID>:<what>". It checks the grammar, not whether such a
// group exists in some picture: at most MaxGroupIDLen bytes, no control
// byte, a parent that is a namespace node ("ns:<decimal ID>"), UnownedID,
// or a Container or Pod node of one of those ("ctr:<dir>:<container ID>",
// "pod:<dir>:<pod namespace>/<pod name>"), and a what that is "ctr",
// "pod", "dirs" or a namespace type name (lower-case letters, digits and
// "_"). Its work is linear in the length of id, which it bounds first.
func ParseGroupID(id string) (GroupRef, error) {
	fail := func(reason string) (GroupRef, error) {
		short := id
		if len(short) > 64 {
			short = short[:64]
		}
		return GroupRef{}, &GroupIDError{ID: short, Reason: reason}
	}
	if len(id) > MaxGroupIDLen {
		return fail("longer than " + strconv.Itoa(MaxGroupIDLen) + " bytes")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c == 0x7f {
			return fail("control byte at " + strconv.Itoa(i))
		}
	}
	rest, ok := strings.CutPrefix(id, groupPrefix)
	if !ok {
		return fail(`no "grp:" prefix`)
	}
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return fail(`no ":" between parent and what`)
	}
	g := GroupRef{Parent: rest[:i], What: rest[i+1:]}
	if !validWhat(g.What) {
		return fail("what " + strconv.Quote(g.What) + " is no namespace type, ctr, pod or dirs")
	}
	if !validParent(g.Parent) {
		return fail("parent " + strconv.Quote(g.Parent) + " is no node ID")
	}
	return g, nil
}

// validWhat reports whether s can be a namespace type name (what the
// kernel names /proc/PID/ns entries: lower-case letters, digits, "_"),
// which "ctr", "pod" and "dirs" are too.
func validWhat(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// validParent reports whether s is the ID of a node a group can be in: a
// Dir (validDir), or a Container or Pod node in one.
func validParent(s string) bool {
	if validDir(s) {
		return true
	}
	var rest string
	if r, ok := strings.CutPrefix(s, "ctr:"); ok {
		rest = r
	} else if r, ok := strings.CutPrefix(s, "pod:"); ok {
		rest = r
	} else {
		return false
	}
	// "<dir>:<ref>": the dir has at most one ":" ("ns:<digits>").
	if r, ok := strings.CutPrefix(rest, UnownedID+":"); ok {
		return r != ""
	}
	j := strings.IndexByte(rest, ':')
	if j < 0 {
		return false
	}
	k := strings.IndexByte(rest[j+1:], ':')
	return k > 0 && validDir(rest[:j+1+k]) && j+1+k+1 < len(rest)
}

// validDir reports whether s is UnownedID or a namespace node ID, "ns:"
// and a decimal namespace ID as NodeID writes it (no sign, no leading
// zero).
func validDir(s string) bool {
	if s == UnownedID {
		return true
	}
	d, ok := strings.CutPrefix(s, "ns:")
	if !ok || d == "" || len(d) > 20 || d[0] == '0' && len(d) > 1 {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	_, err := strconv.ParseUint(d, 10, 64)
	return err == nil
}
