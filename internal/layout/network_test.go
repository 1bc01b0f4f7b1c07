package layout

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// TestNetworkView: the network view shows every network namespace and no
// other namespace but the user namespaces that own them (their frame), keeps
// the layout invariants, is deterministic and keeps the aspect bound of the
// other views.
func TestNetworkView(t *testing.T) {
	cases := []struct {
		name string
		f    *forest
	}{
		{"containers-300", containers(300)},
		{"userns-500", userNamespaced(500)},
		{"small-10", small(10)},
	}
	for seed := uint64(1); seed <= 4; seed++ {
		cases = append(cases, struct {
			name string
			f    *forest
		}{fmt.Sprintf("random-%d", seed), randomForest(seed, 400+int(seed)*300, seed%2 == 0)})
	}
	opts := []Options{{FoldThreshold: -1}, {FoldThreshold: -1, Group: GroupContainer}, {FoldThreshold: -1, Group: GroupPod}, {}, {Group: GroupContainer}}
	for _, c := range cases {
		for _, o := range []Orientation{TopDown, LeftRight} {
			for _, opt := range opts {
				opt.View, opt.Orientation = Network, o
				r := Compute(c.f.s, opt)
				what := fmt.Sprintf("%s %s fold %d group %q", c.name, o, opt.FoldThreshold, opt.Group)
				if r.View != Network {
					t.Fatalf("%s: view %q", what, r.View)
				}
				if err := checkResult(r); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if r2 := Compute(c.f.s, opt); !reflect.DeepEqual(r, r2) {
					t.Fatalf("%s: two runs differ", what)
				}
				// The bound holds from 10 nodes (TestAspect); fewer may
				// be a lone chain, as long as it is deep.
				if w, h := r.Width/r.Height, r.Height/r.Width; len(r.Nodes) >= 10 && (w > maxPictureAspect || h > maxPictureAspect) {
					t.Errorf("%s: %d nodes, %.0f × %.0f", what, len(r.Nodes), r.Width, r.Height)
				}
				checkNetOnly(t, what, c.f.s, r, opt.FoldThreshold < 0)
			}
		}
	}
}

// checkNetOnly checks that r shows network namespaces and, as their frame,
// user namespaces with a network namespace below them; and, if all, every
// network namespace of s.
func checkNetOnly(t *testing.T, what string, s *model.Snapshot, r *Result, all bool) {
	t.Helper()
	shown := map[model.NSID]bool{}
	hasNet := map[string]bool{} // node IDs with a network namespace at or below them
	byID := map[string]*Node{}
	for i := range r.Nodes {
		byID[r.Nodes[i].ID] = &r.Nodes[i]
	}
	for i := range r.Nodes {
		n := &r.Nodes[i]
		if n.Kind == Group {
			if n.Type != model.Net && n.Type != model.User && n.Type != "" {
				t.Fatalf("%s: group %+v", what, *n)
			}
			for p := n.ID; p != ""; p = byID[p].Parent {
				hasNet[p] = true
			}
			continue
		}
		if n.NS == 0 {
			continue
		}
		shown[n.NS] = true
		switch n.Type {
		case model.Net:
			for p := n.ID; p != ""; p = byID[p].Parent {
				hasNet[p] = true
			}
		case model.User:
			if n.Kind != Dir {
				t.Fatalf("%s: user namespace %+v not a Dir", what, *n)
			}
		default:
			t.Fatalf("%s: %+v in the network view", what, *n)
		}
	}
	for _, n := range r.Nodes {
		if n.Type == model.User && n.Kind == Dir && !hasNet[n.ID] {
			t.Fatalf("%s: user namespace %s holds no network namespace", what, n.ID)
		}
	}
	if !all {
		return
	}
	for id, ns := range s.Namespaces {
		if ns.Type == model.Net && !shown[id] {
			t.Fatalf("%s: network namespace %d not shown", what, id)
		}
	}
}

// TestNetworkViewKeep: a filter narrows the network view as it does the
// others, and a filter that keeps only non-network namespaces leaves it
// empty of namespaces rather than showing them.
func TestNetworkViewKeep(t *testing.T) {
	f := containers(20)
	var first model.NSID
	for id, ns := range f.s.Namespaces {
		if ns.Type == model.Net && (first == 0 || id < first) {
			first = id
		}
	}
	r := Compute(f.s, Options{View: Network, FoldThreshold: -1, Keep: func(ns *model.Namespace) bool { return ns.ID == first }})
	nets := 0
	for _, n := range r.Nodes {
		if n.Type == model.Net {
			nets++
			if n.NS != first {
				t.Fatalf("kept %d, shown %+v", first, n)
			}
		}
	}
	if nets != 1 {
		t.Fatalf("%d network nodes, want 1", nets)
	}
	r = Compute(f.s, Options{View: Network, Keep: func(ns *model.Namespace) bool { return ns.Type == model.UTS }})
	for _, n := range r.Nodes {
		if n.NS != 0 {
			t.Fatalf("a uts-only filter shows %+v in the network view", n)
		}
	}
	if err := (Options{View: Network}).Check(); err != nil {
		t.Fatal(err)
	}
	if err := (Options{View: "netwrk"}).Check(); err == nil {
		t.Fatal("unknown view accepted")
	}
}
