package layout

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// TestFolds: Result.Folds names, for every group node, exactly what it
// hides (namespaces, containers or pods), so that the stream can say what
// started or ended inside a folded group, where no node of its own comes
// or goes.
func TestFolds(t *testing.T) {
	s := snap(1, user(1, 0),
		file(2, model.Net, 1), file(3, model.Net, 1), file(4, model.Net, 1),
		used(file(5, model.UTS, 1), "a"), used(file(6, model.UTS, 1), "b"), used(file(7, model.UTS, 1), "c"),
		used(file(8, model.Mnt, 1), "x"), used(file(9, model.Mnt, 1), "y"), used(file(10, model.Mnt, 1), "z"))
	s.Containers = map[string]*model.Container{"a": {ID: "a"}, "b": {ID: "b"}, "c": {ID: "c"}}
	for i, id := range []string{"x", "y", "z"} {
		s.Containers[id] = &model.Container{ID: id, Pod: fmt.Sprintf("p%d", i), PodNamespace: "default"}
	}
	net := GroupID("ns:1", model.Net)
	cases := []struct {
		name string
		opt  Options
		want []string // "<group ID>=<what>:<members, sorted>"
	}{
		{"none", Options{FoldThreshold: 2},
			[]string{"grp:ns:1:mnt=file:10,8,9", net + "=file:2,3,4", "grp:ns:1:uts=file:5,6,7"}},
		{"container", Options{FoldThreshold: 2, Group: GroupContainer},
			[]string{"grp:ns:1:ctr=container:a,b,c,x,y,z", net + "=file:2,3,4"}},
		{"pod", Options{FoldThreshold: 2, Group: GroupPod},
			[]string{"grp:ns:1:ctr=container:a,b,c", net + "=file:2,3,4", "grp:ns:1:pod=pod:default/p0,default/p1,default/p2"}},
		{"net opened", Options{FoldThreshold: 2, Group: GroupContainer, Expanded: map[string]bool{net: true}},
			[]string{"grp:ns:1:ctr=container:a,b,c,x,y,z"}},
		{"filtered", Options{FoldThreshold: 2, Keep: func(ns *model.Namespace) bool { return ns.Type == model.UTS }},
			[]string{"grp:ns:1:uts=file:5,6,7"}},
		{"no folding", Options{FoldThreshold: -1, Group: GroupPod}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Compute(s, c.opt)
			groups := map[string]int{}
			for _, n := range r.Nodes {
				if n.Kind == Group {
					groups[n.ID] = n.Count
				}
			}
			var got []string
			for _, f := range r.Folds {
				var m []string
				for _, id := range f.NS {
					m = append(m, fmt.Sprint(id))
				}
				m = append(m, f.Refs...)
				slices.Sort(m)
				got = append(got, fmt.Sprintf("%s=%s:%s", f.ID, f.What, strings.Join(m, ",")))
				if cnt, ok := groups[f.ID]; !ok || cnt != len(m) {
					t.Errorf("fold %s: %d members, group node count %d (present %v)", f.ID, len(m), cnt, ok)
				}
				delete(groups, f.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("folds\n got %q\nwant %q", got, c.want)
			}
			if len(groups) > 0 {
				t.Errorf("group nodes without a fold: %v", groups)
			}
		})
	}
}
