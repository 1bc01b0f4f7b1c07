package inspect

import (
	"cmp"
	"slices"

	"github.com/nsweb/nsweb/internal/model"
)

// Box is a container or a pod with everything it runs and uses: the body
// of GET /api/v1/container/{id} and /api/v1/pod/{namespace}/{name}.
type Box struct {
	Kind       string             `json:"kind"` // container or pod
	Containers []*model.Container `json:"containers"`
	// Processes are the member processes with their PIDs from the host's
	// PID namespace to the container's ("4242 → 1").
	Processes []PIDChain `json:"processes"`
	More      int        `json:"more,omitempty"`
	// Namespaces are all the namespaces its processes are in.
	Namespaces []BoxNS `json:"namespaces"`
}

// BoxNS is one namespace a container or pod uses, and who else does.
type BoxNS struct {
	NS    model.NSID   `json:"ns"`
	Type  model.NSType `json:"type"`
	Inode uint64       `json:"inode"`
	// SharedWith names the other containers whose processes are in it.
	SharedWith []string `json:"sharedWith,omitempty"`
	// Host is true when processes outside every container are in it too
	// (the host's own namespace, or one shared with a host process).
	Host bool `json:"host,omitempty"`
}

// ContainerBox gathers container id; nil if s has no such container.
func ContainerBox(s *model.Snapshot, id string) *Box {
	c := s.Containers[id]
	if c == nil {
		return nil
	}
	return box(s, "container", []*model.Container{c})
}

// PodBox gathers the containers of pod name in Kubernetes namespace ns;
// nil if s has none.
func PodBox(s *model.Snapshot, ns, name string) *Box {
	var cs []*model.Container
	for _, c := range s.Containers {
		if c.Pod == name && c.PodNamespace == ns {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return nil
	}
	return box(s, "pod", cs)
}

func box(s *model.Snapshot, kind string, cs []*model.Container) *Box {
	slices.SortFunc(cs, func(a, b *model.Container) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	in := map[string]bool{}
	for _, c := range cs {
		in[c.ID] = true
	}
	b := &Box{Kind: kind, Containers: cs, Processes: []PIDChain{}, Namespaces: []BoxNS{}}
	used := map[model.NSID]bool{}
	var pids []int
	for pid, p := range s.Processes {
		if in[p.Container] {
			pids = append(pids, pid)
			for _, id := range p.NS {
				used[id] = true
			}
		}
	}
	slices.Sort(pids)
	for _, pid := range pids {
		if len(b.Processes) == maxList {
			b.More++
			continue
		}
		p := s.Processes[pid]
		chain := p.NSpid
		if len(chain) == 0 {
			chain = []int{pid}
		}
		b.Processes = append(b.Processes, PIDChain{PID: pid, Comm: p.Comm, Chain: chain})
	}
	for id := range used {
		ns := s.Namespaces[id]
		if ns == nil {
			continue
		}
		e := BoxNS{NS: id, Type: ns.Type, Inode: ns.Inode}
		for _, cid := range ns.Containers {
			if in[cid] {
				continue
			}
			name := (&model.Container{ID: cid}).DisplayName()
			if c := s.Containers[cid]; c != nil {
				name = c.DisplayName()
			}
			e.SharedWith = append(e.SharedWith, name)
		}
		for _, pid := range ns.Procs {
			if p := s.Processes[pid]; p != nil && p.Container == "" {
				e.Host = true
				break
			}
		}
		b.Namespaces = append(b.Namespaces, e)
	}
	slices.SortFunc(b.Namespaces, func(x, y BoxNS) int {
		return cmp.Or(cmp.Compare(x.Type.Rank(), y.Type.Rank()), cmp.Compare(x.NS, y.NS))
	})
	return b
}
