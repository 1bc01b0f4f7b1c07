// Requests: what a client asks to see, checked and turned into the key
// of the subscription that draws it (reveal included).

package stream

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

// Key identifies a subscription: clients with equal keys see the same
// picture and share its computation.
type Key struct {
	View   layout.View
	Group  layout.Grouping
	Q      string // canonical filter
	Expand string // sorted group IDs joined by "\n"
}

// Request is a subscription as a client asks for it.
type Request struct {
	View   string
	Group  string // "" means layout.DefaultGrouping
	Q      string
	Expand []string
	// Reveal names a node whose hiding groups (layout.Hiding) are added
	// to Expand.
	Reveal string
	// Client names who asks (the remote address without its port), for
	// the per-client limit of views; "" is one anonymous client.
	Client string
}

// resolved is a checked request.
type resolved struct {
	key    Key
	expand []string
	match  func(*model.Snapshot, *model.Namespace) bool
	client string
}

// isDefault reports whether k is the view a page opens with: owner view,
// default grouping, no filter, no group opened. It is always served.
func (k Key) isDefault() bool {
	return k.View == layout.Owner && k.Group == layout.DefaultGrouping && k.Q == "" && k.Expand == ""
}

// resolve checks a request and computes its key. Its errors are
// *BadRequestError, naming the field refused.
func (h *Hub) resolve(r Request) (resolved, error) {
	var res resolved
	bad := func(field, value string, err error) (resolved, error) {
		return res, &BadRequestError{Field: field, Value: value, Err: err}
	}
	v := layout.View(r.View)
	if v == "" {
		v = layout.Owner
	}
	if !v.Valid() {
		return bad("view", r.View, fmt.Errorf("unknown view %q (want %q, %q or %q)", r.View, layout.Owner, layout.PIDTree, layout.Network))
	}
	g, err := layout.ParseGrouping(r.Group)
	if err != nil {
		return bad("group", r.Group, fmt.Errorf("unknown group %q (want %q, %q or %q)", r.Group, layout.GroupNone, layout.GroupContainer, layout.GroupPod))
	}
	var canon string
	if q := strings.TrimSpace(r.Q); q != "" {
		match, c, err := h.cfg.ParseFilter(q)
		if err != nil {
			return bad("q", r.Q, err)
		}
		res.match, canon = match, c
	}
	if len(r.Expand) > layout.MaxExpand {
		return bad("expand", "", fmt.Errorf("expand: %d groups, at most %d", len(r.Expand), layout.MaxExpand))
	}
	exp := make([]string, 0, len(r.Expand))
	for _, g := range r.Expand {
		if !validGroupID(g) {
			return bad("expand", g, fmt.Errorf("expand: invalid group ID %q", truncate(g, 64)))
		}
		exp = append(exp, g)
	}
	if r.Reveal != "" {
		if !validGroupID(r.Reveal) {
			return bad("reveal", r.Reveal, fmt.Errorf("reveal: invalid node ID %q", truncate(r.Reveal, 64)))
		}
		exp = append(exp, h.hiding(v, g, res.match, canon, exp, r.Reveal)...)
		if len(exp) > layout.MaxExpand {
			exp = exp[:len(r.Expand)] // revealing would open too many: show what was asked
		}
	}
	slices.Sort(exp)
	exp = slices.Compact(exp)
	res.expand = exp
	res.key = Key{View: v, Group: g, Q: canon, Expand: strings.Join(exp, "\n")}
	res.client = r.Client
	return res, nil
}

// validGroupID reports whether id may name a group in expand (or a node
// to reveal): not empty, at most layout.MaxGroupIDLen bytes, no newline
// (the key joins IDs with newlines).
func validGroupID(id string) bool {
	return id != "" && len(id) <= layout.MaxGroupIDLen && !strings.Contains(id, "\n")
}

// hiding returns the folded groups that hide node id in the latest
// snapshot's picture of view v, grouping g, filter match and the groups
// expand opens (see layout.Hiding); nil before the first scan or when no
// group hides it. It costs a layout of the whole view with folding off, so
// only a hello that asks for it pays it, once per connection, and
// connections that reveal in the same picture of the same snapshot share
// it (a page reloaded by many people, a link opened twice).
func (h *Hub) hiding(v layout.View, g layout.Grouping, match func(*model.Snapshot, *model.Namespace) bool, canon string, expand []string, id string) []string {
	s := h.Latest()
	if s == nil {
		return nil
	}
	opts := h.cfg.Base
	opts.View, opts.Group = v, g
	if match != nil {
		opts.Keep = func(ns *model.Namespace) bool { return match(s, ns) }
	}
	key := unfoldedKey{snap: s, view: v, group: g, q: canon}
	h.unfoldedMu.Lock()
	defer h.unfoldedMu.Unlock()
	var res *layout.Result
	if u := h.unfolded.Load(); u != nil && u.key == key {
		res = u.res
	} else {
		full := opts
		full.FoldThreshold = -1
		res = h.cfg.Layout(s, full)
		h.unfolded.Store(&unfolded{key: key, res: res})
	}
	opts.Expanded = make(map[string]bool, len(expand))
	for _, e := range expand {
		opts.Expanded[e] = true
	}
	return layout.Hiding(res, id, opts)
}

// unfolded is a layout made with folding off, for the picture key names.
type unfolded struct {
	key unfoldedKey
	res *layout.Result
}

// unfoldedKey names the picture an unfolded layout was made for.
type unfoldedKey struct {
	snap  *model.Snapshot
	view  layout.View
	group layout.Grouping
	q     string
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
