package render

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

// The SVG tooltip and the text tree say the same things about a namespace;
// these helpers build those facts once, from raw host data. Callers clean or
// escape the results for their medium.

// maxMarkers bounds how many holders a node lists: a namespace held by a
// thousand file descriptors must not produce a thousand-line tooltip.
const maxMarkers = 3

// maxNames bounds the container names listed per node.
const maxNames = 5

// leader returns the leader's PID and command line (its comm when the
// command line is empty, as for kernel threads); pid 0 if there is none.
func leader(s *model.Snapshot, ns *model.Namespace) (int, string) {
	if ns.Leader == 0 {
		return 0, ""
	}
	p := s.Processes[ns.Leader]
	if p == nil {
		return ns.Leader, ""
	}
	if p.Cmdline != "" {
		return ns.Leader, p.Cmdline
	}
	return ns.Leader, p.Comm
}

// containerNames returns the display names of the namespace's containers
// in the namespace's (sorted) order, at most maxNames, with the number left
// out.
func containerNames(s *model.Snapshot, ns *model.Namespace) ([]string, int) {
	var names []string
	for i, id := range ns.Containers {
		if i == maxNames {
			return names, len(ns.Containers) - maxNames
		}
		if c := s.Containers[id]; c != nil {
			names = append(names, c.DisplayName())
		} else {
			names = append(names, (&model.Container{ID: id}).DisplayName())
		}
	}
	return names, 0
}

// nsRef names another namespace the way people know it: type and inode,
// with the NSID when the snapshot does not hold it.
func nsRef(s *model.Snapshot, id model.NSID) string {
	if o := s.Namespaces[id]; o != nil {
		return string(o.Type) + " ns " + strconv.FormatUint(o.Inode, 10)
	}
	return "ns id " + strconv.FormatUint(uint64(id), 10)
}

// HolderText describes one holder of a namespace of type t ("held by bind
// mount /run/netns/x in mnt ns …"); "" for member processes, which the
// process count already shows. The snapshot text and `nsweb inspect` say
// holders this one way.
func HolderText(s *model.Snapshot, t model.NSType, h model.Holder) string {
	pid := strconv.Itoa(h.PID)
	switch h.Kind {
	case model.HeldByProcess:
		return ""
	case model.HeldByBindMount:
		t := "held by bind mount " + h.Path
		if h.MntNS != 0 {
			t += " in " + nsRef(s, h.MntNS)
		}
		return t
	case model.HeldByFD:
		return "held by fd " + strconv.Itoa(h.FD) + " of pid " + pid
	case model.HeldBySocket:
		return "held by a socket of pid " + pid
	case model.HeldByChildren:
		return "held as the " + forChildren(t) + " namespace of pid " + pid
	case model.HeldByThread:
		return "held by thread " + strconv.Itoa(h.TID) + " of pid " + pid
	case model.HeldByChild:
		return "parent of " + nsRef(s, h.NS)
	case model.HeldByOwned:
		return "owner of " + nsRef(s, h.NS)
	}
	return "held by " + string(h.Kind)
}

// forChildren names the /proc/PID/ns link through which a process holds a
// namespace of type t for its future children: the model has one holder
// kind for both, and only pid and time namespaces have such a link, so the
// type says which one a person should look at.
func forChildren(t model.NSType) string {
	if t == model.Time {
		return "time_for_children"
	}
	return "pid_for_children"
}

// markers returns what lsns does not show about a namespace: what keeps a
// process-less namespace alive, bind mounts and descriptors that hold it.
// The first marker of a namespace without processes starts "no process: ".
func markers(s *model.Snapshot, ns *model.Namespace) []string {
	var out []string
	more := 0
	for _, h := range ns.HeldBy {
		t := HolderText(s, ns.Type, h)
		if t == "" {
			continue
		}
		if len(out) == maxMarkers {
			more++
			continue
		}
		out = append(out, t)
	}
	if more > 0 {
		out = append(out, "and "+strconv.Itoa(more)+" more holders")
	}
	if len(ns.Procs) == 0 {
		if len(out) == 0 {
			return []string{"no process and no holder seen"}
		}
		out[0] = "no process: " + out[0]
	}
	return out
}

// plural writes "1 process" / "2 processes".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// groupFacts describes a Container or Pod node in lines: what it is and its
// name, then runtime, image, ID, pod and labels for a container, the
// number of containers for a pod. Strings are raw host data.
func groupFacts(s *model.Snapshot, n *layout.Node) []string {
	ref := n.Ref()
	if n.Kind == layout.Pod {
		k := 0
		for _, c := range s.Containers {
			if c != nil && c.Pod != "" && c.PodNamespace+"/"+c.Pod == ref {
				k++
			}
		}
		return []string{"pod " + ref, plural(k, "container", "containers")}
	}
	c := s.Containers[ref]
	if c == nil {
		c = &model.Container{ID: ref}
	}
	out := []string{"container " + c.DisplayName()}
	rt := c.Runtime
	if rt == "" {
		rt = "unknown runtime"
	}
	if c.Image != "" {
		rt += ", image " + c.Image
	}
	out = append(out, rt, "id "+c.ID)
	if c.Pod != "" {
		out = append(out, "pod "+c.PodNamespace+"/"+c.Pod)
	}
	if len(c.Labels) > 0 {
		keys := slices.Sorted(maps.Keys(c.Labels))
		more := len(keys) - maxNames
		keys = keys[:min(len(keys), maxNames)]
		for i, k := range keys {
			keys[i] = k + "=" + c.Labels[k]
		}
		l := "labels: " + strings.Join(keys, ", ")
		if more > 0 {
			l += " and " + strconv.Itoa(more) + " more"
		}
		out = append(out, l)
	}
	return out
}
