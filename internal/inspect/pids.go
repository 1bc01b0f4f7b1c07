package inspect

import (
	"cmp"
	"maps"
	"slices"

	"github.com/nsweb/nsweb/internal/model"
)

// maxList bounds the processes listed per section.
const maxList = 200

// PIDs lists the members of PID namespace ns with their PID chains, from
// the snapshot alone.
func PIDs(s *model.Snapshot, ns *model.Namespace) *PIDNS {
	out := &PIDNS{Procs: []PIDChain{}}
	for p := s.Namespaces[ns.Parent]; p != nil && out.Level < 64; p = s.Namespaces[p.Parent] {
		out.Level++
	}
	for _, pid := range ns.Procs {
		if len(out.Procs) == maxList {
			out.More++
			continue
		}
		c := PIDChain{PID: pid, Chain: []int{pid}}
		if p := s.Processes[pid]; p != nil {
			c.Comm = p.Comm
			if len(p.NSpid) > 0 {
				c.Chain = p.NSpid
			}
		}
		out.Procs = append(out.Procs, c)
	}
	return out
}

// Peers finds the mount namespaces that share peer groups with self,
// given every mount namespace's mounts.
func Peers(self model.NSID, all map[model.NSID][]Mount) []PeerNS {
	shared := map[int]bool{} // our shared:N
	master := map[int]bool{} // our master:N
	for _, m := range all[self] {
		if m.Shared > 0 {
			shared[m.Shared] = true
		}
		if m.Master > 0 {
			master[m.Master] = true
		}
	}
	var out []PeerNS
	for _, id := range slices.Sorted(maps.Keys(all)) {
		if id == self {
			continue
		}
		groups := map[int]bool{}
		rel := map[string]bool{}
		n := 0
		for _, m := range all[id] {
			hit := false
			if m.Shared > 0 && shared[m.Shared] {
				groups[m.Shared], rel["peer"], hit = true, true, true
			}
			if m.Master > 0 && shared[m.Master] {
				groups[m.Master], rel["sends to"], hit = true, true, true
			}
			if m.Shared > 0 && master[m.Shared] {
				groups[m.Shared], rel["receives from"], hit = true, true, true
			}
			if hit {
				n++
			}
		}
		if n == 0 {
			continue
		}
		rs := slices.Sorted(maps.Keys(rel))
		r := rs[0]
		for _, x := range rs[1:] {
			r += ", " + x
		}
		out = append(out, PeerNS{NS: id, Groups: slices.Sorted(maps.Keys(groups)), Relation: r, Mounts: n})
	}
	slices.SortStableFunc(out, func(a, b PeerNS) int { return cmp.Compare(b.Mounts, a.Mounts) })
	return out
}

// Summary fills a Mnt's count, root and propagation from its mounts.
func Summary(ms []Mount) *Mnt {
	out := &Mnt{Count: len(ms), Propagation: map[string]int{}}
	for i := range ms {
		out.Propagation[ms[i].Propagation]++
		if ms[i].MountPoint == "/" {
			m := ms[i] // the last mount on "/" is the one seen
			out.Root = &m
		}
	}
	return out
}
