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
	return "grp:" + parent + ":" + string(t)
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
	return "grp:" + parent + ":" + foldedContainers
}

// DirsGroupID is the ID of the group node that folds the Dirs (user
// namespaces; PID namespaces in the PID view) under the node with ID
// parent, e.g. "grp:ns:5:dirs".
func DirsGroupID(parent string) string {
	return "grp:" + parent + ":" + foldedDirs
}

// PodsGroupID is the ID of the group node that folds the Pod nodes of the
// Dir with ID parent, e.g. "grp:ns:5:pod".
func PodsGroupID(parent string) string {
	return "grp:" + parent + ":" + foldedPods
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

// writeParentID appends to t.text the node ID of parent slot slot: the ID
// that the IDs of folded groups and buckets in it start from.
func (t *treeBuilder) writeParentID(slot int32) {
	if slot == 0 {
		t.text = append(t.text, UnownedID...)
		return
	}
	t.text = append(t.text, "ns:"...)
	t.text = appendUint(t.text, uint64(t.ents[slot-2].id))
}

// writeGroupID appends to t.text the ID of the group that folds what,
// files of a type or "ctr" / "pod" / "dirs" (see GroupID,
// ContainersGroupID), under arena node v, whose parent slot is slot (-1
// for a bucket).
func (t *treeBuilder) writeGroupID(v, slot int32, what string) {
	t.text = append(t.text, "grp:"...)
	if slot >= 0 {
		t.writeParentID(slot)
	} else {
		// A bucket's ID is in text already.
		in := &t.info[v]
		t.text = append(t.text, t.text[in.idLo:in.labelLo]...)
	}
	t.text = append(t.text, ':')
	t.text = append(t.text, what...)
}

// writeBucketID appends to t.text the ID of the node of bucket bk
// (ContainerID, PodID).
func (t *treeBuilder) writeBucketID(bk *bucket) {
	if bk.pod {
		t.text = append(t.text, "pod:"...)
	} else {
		t.text = append(t.text, "ctr:"...)
	}
	t.writeParentID(bk.slot)
	t.text = append(t.text, ':')
	t.text = append(t.text, bk.ref...)
}
