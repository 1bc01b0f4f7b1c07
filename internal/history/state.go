package history

import (
	"maps"
	"slices"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// state is a snapshot being rebuilt: a checkpoint with changes applied.
type state struct {
	meta  snapMeta
	ns    map[model.NSID]*model.Namespace
	procs map[int]*model.Process
	ctrs  map[string]*model.Container
}

func fromCheckpoint(cp *checkpoint) *state {
	st := &state{meta: cp.Meta, ns: make(map[model.NSID]*model.Namespace, len(cp.NS)),
		procs: make(map[int]*model.Process, len(cp.P)), ctrs: make(map[string]*model.Container, len(cp.C))}
	for _, ns := range cp.NS {
		st.ns[ns.ID] = ns
	}
	for _, p := range cp.P {
		st.procs[p.PID] = p
	}
	for _, c := range cp.C {
		st.ctrs[c.ID] = c
	}
	return st
}

// fromSnapshot starts from a snapshot rebuilt earlier, which stays as it
// is: its namespaces are copied (snapshot fills their member lists anew),
// its processes and containers shared (apply replaces them, never
// modifies them).
func fromSnapshot(s *model.Snapshot) *state {
	st := &state{meta: metaOf(s), ns: make(map[model.NSID]*model.Namespace, len(s.Namespaces)),
		procs: maps.Clone(s.Processes), ctrs: maps.Clone(s.Containers)}
	if st.procs == nil {
		st.procs = map[int]*model.Process{}
	}
	if st.ctrs == nil {
		st.ctrs = map[string]*model.Container{}
	}
	copies := make([]model.Namespace, len(s.Namespaces))
	i := 0
	for id, ns := range s.Namespaces {
		copies[i] = *ns
		st.ns[id] = &copies[i]
		i++
	}
	return st
}

// stateChange is the part of a change row a rebuild applies: the events
// are skipped by the decoder rather than decoded.
type stateChange struct {
	Meta   *snapMeta          `json:"m,omitempty"`
	NS     []*model.Namespace `json:"n,omitempty"`
	NSGone []model.NSID       `json:"ng,omitempty"`
	P      []*model.Process   `json:"p,omitempty"`
	PGone  []int              `json:"pg,omitempty"`
	C      []*model.Container `json:"c,omitempty"`
	CGone  []string           `json:"cg,omitempty"`
}

func (st *state) apply(c *stateChange) {
	if c.Meta != nil {
		st.meta = *c.Meta
	}
	for _, id := range c.NSGone {
		delete(st.ns, id)
	}
	for _, ns := range c.NS {
		st.ns[ns.ID] = ns
	}
	for _, pid := range c.PGone {
		delete(st.procs, pid)
	}
	for _, p := range c.P {
		st.procs[p.PID] = p
	}
	for _, id := range c.CGone {
		delete(st.ctrs, id)
	}
	for _, ct := range c.C {
		st.ctrs[ct.ID] = ct
	}
}

// snapshot turns the state into a model snapshot taken at t, filling each
// namespace's member list from the processes. The state must not be used
// afterwards (its namespaces are the snapshot's).
func (st *state) snapshot(t time.Time) *model.Snapshot {
	for _, ns := range st.ns {
		ns.Procs = nil
	}
	// Processes in PID order fill sorted member lists: one sort of the
	// PIDs instead of one per namespace (the host's have them all).
	for _, pid := range slices.Sorted(maps.Keys(st.procs)) {
		for typ, id := range st.procs[pid].NS {
			if ns := st.ns[id]; ns != nil && ns.Type == typ {
				ns.Procs = append(ns.Procs, pid)
			}
		}
	}
	s := &model.Snapshot{Taken: t, Host: st.meta.Host, Kernel: st.meta.Kernel, Root: st.meta.Root,
		Partial: st.meta.Partial, Reason: st.meta.Reason, Namespaces: st.ns, Processes: st.procs}
	if len(st.ctrs) > 0 {
		s.Containers = st.ctrs
	}
	return s
}
