// Namespace references: the forms people and programs name a namespace
// by (an ID, an inode, a type and an inode), and what a snapshot knows of
// the namespace named.

package stream

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// RefForms lists, with examples, how /api/v1/ns/{ref} names a namespace.
const RefForms = "a namespace ID (4098 or ns:4098), an inode (4026531837), or a type and an inode (net:4026531993 or net:[4026531993])"

// nsRef is a parsed /api/v1/ns/{ref}.
type nsRef struct {
	n uint64
	// byID: n is a namespace ID ("ns:N"). typ: n is an inode of this
	// type ("TYPE:N"). Neither: n is an ID or an inode (a bare number).
	byID bool
	typ  model.NSType
}

// parseRef reads the forms RefForms lists.
func parseRef(raw string) (nsRef, error) {
	var ref nsRef
	num := raw
	if rest, ok := strings.CutPrefix(raw, "ns:"); ok {
		ref.byID, num = true, rest
	} else if t, rest, ok := strings.Cut(raw, ":"); ok {
		if !model.NSType(t).Valid() {
			return ref, fmt.Errorf("invalid namespace %q: unknown type %q (want one of %s); name it by %s",
				truncate(raw, 64), truncate(t, 20), typeNames(), RefForms)
		}
		ref.typ = model.NSType(t)
		// "net:[4026531993]" is what readlink /proc/PID/ns/net prints.
		if in, ok := strings.CutPrefix(rest, "["); ok {
			if in, ok = strings.CutSuffix(in, "]"); ok {
				rest = in
			}
		}
		num = rest
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil || n == 0 {
		return ref, fmt.Errorf("invalid namespace %q: name it by %s", truncate(raw, 64), RefForms)
	}
	ref.n = n
	return ref, nil
}

func typeNames() string {
	names := make([]string, len(model.Types))
	for i, t := range model.Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// AmbiguousRefError says that a bare number names more than one live
// namespace: the ID of one and the inode of another. HTTP handlers answer
// it with 409 and the forms that tell them apart.
type AmbiguousRefError struct {
	N       uint64
	Matches []*model.Namespace
}

// Error lists the namespaces the number names and the unambiguous "ns:ID"
// of each.
func (e *AmbiguousRefError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d names %d namespaces:", e.N, len(e.Matches))
	ids := make([]string, len(e.Matches))
	for i, ns := range e.Matches {
		if i > 0 {
			b.WriteString(",")
		}
		if uint64(ns.ID) == e.N {
			fmt.Fprintf(&b, " the %s namespace with ID %d", ns.Type, ns.ID)
		} else {
			fmt.Fprintf(&b, " the %s namespace with inode %d (ID %d)", ns.Type, ns.Inode, ns.ID)
		}
		ids[i] = "ns:" + strconv.FormatUint(uint64(ns.ID), 10)
	}
	b.WriteString("; ask for one by its ID: " + strings.Join(ids, " or "))
	return b.String()
}

// lookupNamespace finds the live namespace ref names in s. A bare number
// may be either an ID or an inode: people copy inodes from labels, lsns
// and /proc, programs use IDs from the API. It names a namespace when
// exactly one matches either way; when an ID of one and an inode of
// another coincide it is an *AmbiguousRefError rather than a guess. An
// inode names a namespace only while it lives (the kernel reuses inodes),
// so it is looked up in the latest snapshot only.
func lookupNamespace(s *model.Snapshot, ref nsRef) (*model.Namespace, error) {
	if s == nil {
		return nil, ErrNotReady
	}
	if ref.byID {
		if ns := s.Namespaces[model.NSID(ref.n)]; ns != nil {
			return ns, nil
		}
		return nil, &NotFoundError{fmt.Sprintf("no namespace with ID %d (it may have ended)", ref.n)}
	}
	var matches []*model.Namespace
	if ref.typ == "" {
		if ns := s.Namespaces[model.NSID(ref.n)]; ns != nil {
			matches = append(matches, ns)
		}
	}
	byID := len(matches)
	for _, ns := range s.Namespaces {
		// On kernels without NS_GET_ID an ID can be the inode itself:
		// the same namespace, matched twice.
		if ns.Inode == ref.n && (ref.typ == "" || ns.Type == ref.typ) && (byID == 0 || matches[0] != ns) {
			matches = append(matches, ns)
		}
	}
	// Map order must not decide the message: the ID match first, then by ID.
	slices.SortFunc(matches[byID:], func(a, b *model.Namespace) int { return cmp.Compare(a.ID, b.ID) })
	switch {
	case len(matches) == 1:
		return matches[0], nil
	case len(matches) > 1:
		return nil, &AmbiguousRefError{N: ref.n, Matches: matches}
	case ref.typ != "":
		return nil, &NotFoundError{fmt.Sprintf("no %s namespace with inode %d (it may have ended)", ref.typ, ref.n)}
	}
	return nil, &NotFoundError{fmt.Sprintf("no namespace with ID or inode %d (it may have ended)", ref.n)}
}

// Details returns everything s knows of namespace id, nil if s has no such
// namespace. Member processes missing from s (which collect should not
// produce) are listed with an error rather than dropped.
func Details(s *model.Snapshot, id model.NSID) *wire.NamespaceDetails {
	if s == nil || s.Namespaces[id] == nil {
		return nil
	}
	ns := s.Namespaces[id]
	d := &wire.NamespaceDetails{
		Taken: wire.NewMeta(s, nil).Taken, Namespace: ns,
		Processes: make([]*model.Process, 0, len(ns.Procs)), Containers: []*model.Container{},
	}
	for _, pid := range ns.Procs {
		p := s.Processes[pid]
		if p == nil {
			p = &model.Process{PID: pid, Err: "process not in snapshot"}
		}
		d.Processes = append(d.Processes, p)
	}
	sort.Slice(d.Processes, func(i, j int) bool { return d.Processes[i].PID < d.Processes[j].PID })
	for _, cid := range ns.Containers {
		c := s.Containers[cid]
		if c == nil {
			c = &model.Container{ID: cid}
		}
		d.Containers = append(d.Containers, c)
	}
	return d
}

// Lookup finds the namespace raw names in s, in any of the forms
// /api/v1/ns/{ref} takes (RefForms), for callers outside HTTP (nsweb
// inspect).
func Lookup(s *model.Snapshot, raw string) (*model.Namespace, error) {
	ref, err := parseRef(raw)
	if err != nil {
		return nil, err
	}
	return lookupNamespace(s, ref)
}
