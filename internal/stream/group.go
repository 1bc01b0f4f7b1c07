// Folded groups: what a group of the picture holds, so that its details
// say more than a count.

package stream

import (
	"cmp"
	"slices"
	"strings"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

// topMembers is how many of a group's members its details list.
const topMembers = 10

// GroupDetails is the body of GET /api/v1/ns/{group ID}?view=…: what a
// folded group holds in that view, so that its details say more than a
// count.
type GroupDetails struct {
	ID    string `json:"id"`
	Group bool   `json:"group"` // always true: tells the body from a namespace's
	// Folds is what the members are: "file" (namespaces of Type), "dir"
	// (user or PID namespaces, each with what it holds), "container" or
	// "pod".
	Folds string       `json:"folds"`
	Type  model.NSType `json:"type,omitempty"`
	Count int          `json:"count"`
	// Processes is the number of processes in the members: in the
	// namespaces themselves, or in the containers (pods).
	Processes int `json:"processes"`
	// Top are the members with the most processes, at most ten, most
	// first (then by NSID or ID).
	Top []GroupMember `json:"top"`
}

// GroupMember is one member of a folded group.
type GroupMember struct {
	// Ref is the member's ID: "ns:<NSID>" for a namespace, the container
	// ID, or "<pod namespace>/<pod name>".
	Ref       string       `json:"ref"`
	NS        model.NSID   `json:"ns,omitempty"`
	Inode     uint64       `json:"inode,omitempty"`
	Type      model.NSType `json:"type,omitempty"`
	Name      string       `json:"name,omitempty"` // leader command, container name or pod
	Processes int          `json:"processes"`
}

// Group returns the details of the folded group id in result r of
// snapshot s; false when r has no such group.
func Group(s *model.Snapshot, r *layout.Result, id string) (*GroupDetails, bool) {
	if s == nil || r == nil {
		return nil, false
	}
	var f *layout.Fold
	for i := range r.Folds {
		if r.Folds[i].ID == id {
			f = &r.Folds[i]
		}
	}
	if f == nil {
		return nil, false
	}
	d := &GroupDetails{ID: id, Group: true, Folds: string(f.What), Top: []GroupMember{}}
	var all []GroupMember
	for _, nsid := range f.NS {
		ns := s.Namespaces[nsid]
		if ns == nil {
			continue
		}
		d.Type = ns.Type
		m := GroupMember{Ref: layout.NodeID(nsid), NS: nsid, Inode: ns.Inode, Type: ns.Type, Processes: len(ns.Procs)}
		if p := s.Processes[ns.Leader]; p != nil {
			m.Name = p.Comm
		}
		if len(ns.Containers) == 1 {
			m.Name = containerName(s, ns.Containers[0])
		}
		all = append(all, m)
	}
	if len(f.Refs) > 0 {
		// Processes per container, and per pod.
		per := map[string]int{}
		for _, p := range s.Processes {
			if p != nil && p.Container != "" {
				per[p.Container]++
				if f.What == layout.Pod {
					if c := s.Containers[p.Container]; c != nil && c.Pod != "" {
						per[c.PodNamespace+"/"+c.Pod]++
					}
				}
			}
		}
		for _, ref := range f.Refs {
			m := GroupMember{Ref: ref, Name: ref, Processes: per[ref]}
			if f.What == layout.Container {
				m.Name = containerName(s, ref)
			}
			all = append(all, m)
		}
	}
	d.Count = len(all)
	for _, m := range all {
		d.Processes += m.Processes
	}
	slices.SortFunc(all, func(a, b GroupMember) int {
		if c := cmp.Compare(b.Processes, a.Processes); c != 0 {
			return c
		}
		if c := cmp.Compare(a.NS, b.NS); c != 0 {
			return c
		}
		return strings.Compare(a.Ref, b.Ref)
	})
	d.Top = append(d.Top, all[:min(len(all), topMembers)]...)
	return d, true
}

// containerName is container id's name, or its short ID.
func containerName(s *model.Snapshot, id string) string {
	if c := s.Containers[id]; c != nil {
		return c.DisplayName()
	}
	return (&model.Container{ID: id}).DisplayName()
}
