package layout

import (
	"fmt"
	"slices"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// TestHiding: for every node of a layout without folding, opening the
// groups Hiding names (and no others) shows it in the folded picture;
// a node the folded picture shows needs none. It runs over nested user
// namespaces, containers, folded containers and pods with folded
// containers, in both views and every grouping, with a filter too.
func TestHiding(t *testing.T) {
	pods, _ := bucketHost(7, 5, 4)
	hosts := map[string]*model.Snapshot{
		"random":  randomForest(7, 600, true).s,
		"buckets": pods,
		"star":    star(40, model.Net).s,
	}
	netOnly := func(ns *model.Namespace) bool { return ns.Type == model.Net }
	for name, s := range hosts {
		for _, view := range []View{Owner, PIDTree} {
			for _, g := range []Grouping{GroupNone, GroupContainer, GroupPod} {
				for _, keep := range []func(*model.Namespace) bool{nil, netOnly} {
					opt := Options{View: view, Group: g, FoldThreshold: 3, Keep: keep}
					what := fmt.Sprintf("%s %s %s filtered=%v", name, view, g, keep != nil)
					checkHiding(t, what, s, opt)
				}
			}
		}
	}
}

func checkHiding(t *testing.T, what string, s *model.Snapshot, opt Options) {
	t.Helper()
	full := opt
	full.FoldThreshold = -1
	all := Compute(s, full)
	shown := map[string]bool{}
	for _, n := range Compute(s, opt).Nodes {
		shown[n.ID] = true
	}
	hidden := 0
	for _, n := range all.Nodes {
		groups := Hiding(all, n.ID, opt)
		if shown[n.ID] {
			if groups != nil {
				t.Errorf("%s: %s is shown, yet Hiding names %v", what, n.ID, groups)
			}
			continue
		}
		hidden++
		if len(groups) == 0 {
			t.Errorf("%s: %s is folded away, but Hiding names no group", what, n.ID)
			continue
		}
		open := opt
		open.Expanded = map[string]bool{}
		for _, g := range groups {
			open.Expanded[g] = true
		}
		r := Compute(s, open)
		if !slices.ContainsFunc(r.Nodes, func(x Node) bool { return x.ID == n.ID }) {
			t.Errorf("%s: opening %v does not show %s", what, groups, n.ID)
		}
		// Outermost first: each group but the first is inside the ones
		// before it, so it is not in the picture until they are open.
		if outer := groups[0]; !slices.ContainsFunc(Compute(s, opt).Nodes, func(x Node) bool { return x.ID == outer }) {
			t.Errorf("%s: the outermost group %s of %s is not in the picture", what, outer, n.ID)
		}
	}
	if Hiding(all, "ns:999999999", opt) != nil {
		t.Errorf("%s: a node not in the view is hidden by groups", what)
	}
	t.Logf("%s: %d of %d nodes folded away", what, hidden, len(all.Nodes))
}

// TestHidingExpandedAndOff: groups already open are not named again, and
// a picture that never folds hides nothing.
func TestHidingExpandedAndOff(t *testing.T) {
	s := star(10, model.Net).s
	opt := Options{FoldThreshold: 3}
	full := Compute(s, Options{FoldThreshold: -1})
	var last string
	for _, n := range full.Nodes {
		if n.Type == model.Net {
			last = n.ID
		}
	}
	grp := GroupID(NodeID(s.Root), model.Net)
	if got := Hiding(full, last, opt); !slices.Equal(got, []string{grp}) {
		t.Fatalf("Hiding %s = %v, want [%s]", last, got, grp)
	}
	opt.Expanded = map[string]bool{grp: true}
	if got := Hiding(full, last, opt); got != nil {
		t.Errorf("with %s open: %v, want nil", grp, got)
	}
	if got := Hiding(full, last, Options{FoldThreshold: -1}); got != nil {
		t.Errorf("never folding: %v, want nil", got)
	}
}
