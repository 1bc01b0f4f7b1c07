package wire

import (
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/nsweb/nsweb/internal/layout"
)

// State is a client's copy of one view, built from a snapshot and kept
// current by patches. It is what the browser does, written in Go so that
// tests and tools can check that a stream converges to the server's state.
type State struct {
	Seq   uint64
	Meta  Meta
	Nodes map[string]Node
}

// Reset replaces the state by a snapshot.
func (st *State) Reset(s *Snapshot) {
	st.Seq = s.Seq
	st.Meta = s.Meta
	st.Nodes = make(map[string]Node, len(s.Nodes))
	for _, n := range s.Nodes {
		st.Nodes[n.ID] = n
	}
}

// Apply applies a patch, refusing one that does not follow the state's
// sequence number or that names nodes the state does not have: either means
// the client missed a message and must ask again with since. A patch whose
// Ended names a node it does not remove, whose Born names a node it does
// not add, or whose Folded names no group of the state it speaks of (or
// more than the group counts) is refused too: the server broke the
// protocol.
func (st *State) Apply(p *Patch) error {
	if st.Nodes == nil {
		return fmt.Errorf("patch %d before any snapshot", p.Seq)
	}
	if p.Seq != st.Seq+1 {
		return fmt.Errorf("patch %d does not follow %d", p.Seq, st.Seq)
	}
	removed := make(map[string]bool, len(p.Remove))
	for _, id := range p.Remove {
		removed[id] = true
	}
	for _, id := range p.Ended {
		if !removed[id] {
			return fmt.Errorf("patch %d says %q ended but does not remove it", p.Seq, id)
		}
	}
	if err := st.checkBorn(p, removed); err != nil {
		return err
	}
	for _, id := range p.Remove {
		if _, ok := st.Nodes[id]; !ok {
			return fmt.Errorf("patch %d removes unknown node %q", p.Seq, id)
		}
		delete(st.Nodes, id)
	}
	for _, n := range p.Add {
		if _, ok := st.Nodes[n.ID]; ok {
			return fmt.Errorf("patch %d adds existing node %q", p.Seq, n.ID)
		}
		st.Nodes[n.ID] = n
	}
	for _, n := range p.Update {
		if _, ok := st.Nodes[n.ID]; !ok {
			return fmt.Errorf("patch %d updates unknown node %q", p.Seq, n.ID)
		}
		st.Nodes[n.ID] = n
	}
	for _, c := range p.Counts {
		n, ok := st.Nodes[c.ID]
		if !ok || n.Inode == 0 {
			return fmt.Errorf("patch %d counts unknown namespace node %q", p.Seq, c.ID)
		}
		n.Procs = c.Procs
		st.Nodes[c.ID] = n
	}
	for _, m := range p.Move {
		n, ok := st.Nodes[m.ID]
		if !ok {
			return fmt.Errorf("patch %d moves unknown node %q", p.Seq, m.ID)
		}
		n.X, n.Y = m.X, m.Y
		st.Nodes[m.ID] = n
	}
	st.Seq = p.Seq
	st.Meta = p.Meta
	return nil
}

// checkBorn checks Born and Folded against the state before p and the
// nodes p brings, before anything is changed.
func (st *State) checkBorn(p *Patch, removed map[string]bool) error {
	if len(p.Born) == 0 && len(p.Folded) == 0 {
		return nil
	}
	brought := make(map[string]*Node, len(p.Add)+len(p.Update))
	for _, nodes := range [][]Node{p.Add, p.Update} {
		for i := range nodes {
			brought[nodes[i].ID] = &nodes[i]
		}
	}
	added := make(map[string]bool, len(p.Add))
	for i := range p.Add {
		added[p.Add[i].ID] = true
	}
	for _, id := range p.Born {
		if !added[id] {
			return fmt.Errorf("patch %d says %q was born but does not add it", p.Seq, id)
		}
	}
	group := func(n *Node, ok bool, want int) bool {
		return ok && n.Kind == layout.Group && n.Count >= want
	}
	for _, f := range p.Folded {
		if f.Born < 0 || f.Ended < 0 || f.Born+f.Ended == 0 {
			return fmt.Errorf("patch %d: folded %q counts nothing (born %d, ended %d)", p.Seq, f.ID, f.Born, f.Ended)
		}
		if f.Ended > 0 {
			if n, ok := st.Nodes[f.ID]; !group(&n, ok, f.Ended) {
				return fmt.Errorf("patch %d says %d ended in %q, not a group of as many before it", p.Seq, f.Ended, f.ID)
			}
		}
		if f.Born > 0 {
			n, ok := brought[f.ID]
			if !ok {
				if old, was := st.Nodes[f.ID]; was && !removed[f.ID] {
					n, ok = &old, true
				}
			}
			if !group(n, ok, f.Born) {
				return fmt.Errorf("patch %d says %d were born in %q, not a group of as many after it", p.Seq, f.Born, f.ID)
			}
		}
	}
	return nil
}

// EqualNodes reports whether the state holds exactly nodes (in any order),
// and if not, names the first difference.
func (st *State) EqualNodes(nodes []Node) (bool, string) {
	if len(st.Nodes) != len(nodes) {
		want := make(map[string]bool, len(nodes))
		var missing []string
		for i := range nodes {
			want[nodes[i].ID] = true
			if _, ok := st.Nodes[nodes[i].ID]; !ok {
				missing = append(missing, nodes[i].ID)
			}
		}
		var extra []string
		for _, id := range st.IDs() {
			if !want[id] {
				extra = append(extra, id)
			}
		}
		return false, fmt.Sprintf("%d nodes, want %d (extra %s; missing %s)", len(st.Nodes), len(nodes),
			firstFew(extra), firstFew(missing))
	}
	for i := range nodes {
		n, ok := st.Nodes[nodes[i].ID]
		if !ok {
			return false, fmt.Sprintf("missing node %q", nodes[i].ID)
		}
		if !sameContent(&n, &nodes[i]) || n.X != nodes[i].X || n.Y != nodes[i].Y {
			return false, fmt.Sprintf("node %q differs", n.ID)
		}
	}
	return true, ""
}

// firstFew lists up to five IDs, for a readable difference.
func firstFew(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	if len(ids) > 5 {
		return fmt.Sprintf("%s and %d more", strings.Join(ids[:5], ", "), len(ids)-5)
	}
	return strings.Join(ids, ", ")
}

// IDs returns the state's node IDs, sorted.
func (st *State) IDs() []string {
	ids := sort.StringSlice(nil)
	for id := range maps.Keys(st.Nodes) {
		ids = append(ids, id)
	}
	ids.Sort()
	return ids
}
