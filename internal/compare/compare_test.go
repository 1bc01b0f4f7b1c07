package compare

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/model/modeltest"
)

const webID = "abcdef0123456789" // WebFront in modeltest.Small

func ids(ns []Namespace) []model.NSID {
	out := make([]model.NSID, 0, len(ns))
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return out
}

func names(cs []Container) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func moves(ms []Move) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		from, to := []string{}, []string{}
		for _, o := range m.From {
			from = append(from, o.Name)
		}
		for _, o := range m.To {
			to = append(to, o.Name)
		}
		what := fmt.Sprintf("ns:%d", m.NS)
		if m.Kind == "process" {
			what = fmt.Sprintf("pid:%d", m.PID)
		}
		out = append(out, fmt.Sprintf("%s %v>%v", what, from, to))
	}
	return out
}

func TestCompare(t *testing.T) {
	sidecar := func(s *model.Snapshot) {
		s.Containers["fedcba9876543210"] = &model.Container{ID: "fedcba9876543210", Runtime: "podman", Name: "Sidecar", Pod: "shop"}
	}
	for _, tc := range []struct {
		name             string
		edit             func(b *model.Snapshot)
		appeared, ended  []model.NSID
		moved            []string
		started, stopped []string
	}{
		{name: "nothing changed", edit: func(*model.Snapshot) {}},
		{
			name: "a netns added by ip netns add",
			edit: func(b *model.Snapshot) {
				b.Namespaces[9] = &model.Namespace{ID: 9, Type: model.Net, Inode: 4026532900,
					HeldBy: []model.Holder{{Kind: model.HeldByBindMount, Path: "/run/netns/compare-x"}}}
			},
			appeared: []model.NSID{9},
		},
		{
			name: "the same inode under another NSID is another namespace",
			edit: func(b *model.Snapshot) {
				ns := *b.Namespaces[5]
				ns.ID = 10
				delete(b.Namespaces, 5)
				b.Namespaces[10] = &ns
			},
			appeared: []model.NSID{10}, ended: []model.NSID{5},
		},
		{
			name: "the container stopped: its namespaces ended",
			edit: func(b *model.Snapshot) {
				delete(b.Namespaces, 3)
				delete(b.Namespaces, 4)
				delete(b.Processes, 100)
				delete(b.Containers, webID)
				b.Namespaces[1].Procs = []int{1}
			},
			ended: []model.NSID{3, 4}, stopped: []string{"WebFront"},
		},
		{
			name: "a sidecar joins the container's netns: it moved",
			edit: func(b *model.Snapshot) {
				sidecar(b)
				b.Processes[200] = &model.Process{PID: 200, Comm: "envoy", Container: "fedcba9876543210"}
				b.Namespaces[4].Procs = []int{100, 200}
				b.Namespaces[4].Containers = []string{"fedcba9876543210", webID}
			},
			moved: []string{"ns:4 [WebFront]>[WebFront Sidecar]"}, started: []string{"Sidecar"},
		},
		{
			name: "a host namespace that a new container shares does not move",
			edit: func(b *model.Snapshot) {
				sidecar(b)
				b.Processes[200] = &model.Process{PID: 200, Comm: "envoy", Container: "fedcba9876543210"}
				b.Namespaces[2].Procs = []int{1, 200}
				b.Namespaces[2].Containers = []string{"fedcba9876543210"}
			},
			started: []string{"Sidecar"},
		},
		{
			name: "the bind-mounted netns is taken by a container",
			edit: func(b *model.Snapshot) {
				b.Processes[100].NS = map[model.NSType]model.NSID{model.Net: 5}
				b.Namespaces[5].Procs = []int{100}
				b.Namespaces[5].Leader = 100
				b.Namespaces[5].Containers = []string{webID}
			},
			moved: []string{"ns:5 []>[WebFront]"},
		},
		{
			name: "a process moved into another container's cgroup",
			edit: func(b *model.Snapshot) {
				sidecar(b)
				b.Processes[100].Container = "fedcba9876543210"
			},
			moved: []string{"pid:100 [WebFront]>[Sidecar]"}, started: []string{"Sidecar"},
		},
		{
			name: "a PID reused by a new process is no move",
			edit: func(b *model.Snapshot) {
				b.Processes[100].Start = 99
				b.Processes[100].Container = "fedcba9876543210"
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := modeltest.Small(), modeltest.Small()
			tc.edit(b)
			d := Compare(a, b, Options{})
			if got := ids(d.Appeared); !slices.Equal(got, orEmpty(tc.appeared)) {
				t.Errorf("appeared %v, want %v", got, tc.appeared)
			}
			if got := ids(d.Ended); !slices.Equal(got, orEmpty(tc.ended)) {
				t.Errorf("ended %v, want %v", got, tc.ended)
			}
			if got := moves(d.Moved); !slices.Equal(got, orEmpty(tc.moved)) {
				t.Errorf("moved %q, want %q", got, tc.moved)
			}
			if got := names(d.Containers.Started); !slices.Equal(got, orEmpty(tc.started)) {
				t.Errorf("started %v, want %v", got, tc.started)
			}
			if got := names(d.Containers.Stopped); !slices.Equal(got, orEmpty(tc.stopped)) {
				t.Errorf("stopped %v, want %v", got, tc.stopped)
			}
			tot := d.Totals
			if tot.Appeared != len(tc.appeared) || tot.Ended != len(tc.ended) || tot.Moved != len(tc.moved) ||
				tot.Started != len(tc.started) || tot.Stopped != len(tc.stopped) || d.Truncated {
				t.Errorf("totals %+v (truncated %v) disagree with the lists", tot, d.Truncated)
			}
		})
	}
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func TestDescribe(t *testing.T) {
	a := modeltest.Small()
	d := Compare(&model.Snapshot{}, a, Options{})
	var web, bound Namespace
	for _, n := range d.Appeared {
		switch n.ID {
		case 4:
			web = n
		case 5:
			bound = n
		}
	}
	if web.PID != 100 || web.Comm != "nginx" || len(web.Containers) != 1 || web.Containers[0].Name != "WebFront" || web.Containers[0].Pod != "shop" {
		t.Errorf("net 4: %+v, want pid 100 nginx in WebFront of pod shop", web)
	}
	if bound.Held != "bind mount /run/netns/x" || bound.PID != 0 {
		t.Errorf("net 5: %+v, want held by its bind mount", bound)
	}
	if d.Totals.AppearedByType[model.Net] != 3 || d.Totals.AppearedByType[model.User] != 2 {
		t.Errorf("per type %v, want net 3, user 2", d.Totals.AppearedByType)
	}
	if Compare(nil, nil, Options{}).Totals.Appeared != 0 {
		t.Error("two empty hosts differ")
	}
}

// randomHost is a host of n namespaces drawn from ids 1..3n, processes in
// random containers of a few, so that two of them overlap in part.
func randomHost(r *rand.Rand, n int) *model.Snapshot {
	s := &model.Snapshot{Namespaces: map[model.NSID]*model.Namespace{}, Processes: map[int]*model.Process{},
		Containers: map[string]*model.Container{}}
	ctrs := []string{""}
	for i := range 4 {
		if r.IntN(2) == 0 {
			id := fmt.Sprintf("c%015d", i)
			s.Containers[id] = &model.Container{ID: id, Name: fmt.Sprintf("web-%d", i)}
			ctrs = append(ctrs, id)
		}
	}
	for pid := 1; pid <= n; pid++ {
		if r.IntN(2) == 0 {
			s.Processes[pid] = &model.Process{PID: pid, Start: uint64(r.IntN(2)), Container: ctrs[r.IntN(len(ctrs))]}
		}
	}
	for range n {
		id := model.NSID(1 + r.IntN(3*n))
		ns := &model.Namespace{ID: id, Type: model.Types[r.IntN(len(model.Types))], Inode: uint64(r.IntN(50))}
		for pid, p := range s.Processes {
			if r.IntN(8) == 0 {
				ns.Procs = append(ns.Procs, pid)
				if p.Container != "" && !slices.Contains(ns.Containers, p.Container) {
					ns.Containers = append(ns.Containers, p.Container)
				}
			}
		}
		slices.Sort(ns.Procs)
		s.Namespaces[id] = ns
	}
	return s
}

func TestCompareProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 2026))
	all := Options{Limit: MaxLimit}
	for i := range 300 {
		n := 1 + r.IntN(60)
		a, b := randomHost(r, n), randomHost(r, n)
		same := Compare(a, a, all)
		if same.Totals.Appeared+same.Totals.Ended+same.Totals.Moved+same.Totals.Started+same.Totals.Stopped != 0 || same.Truncated {
			t.Fatalf("case %d: compare(A, A) is not empty: %+v", i, same.Totals)
		}
		ab, ba := Compare(a, b, all), Compare(b, a, all)
		if !slices.Equal(ids(ab.Appeared), ids(ba.Ended)) || !slices.Equal(ids(ab.Ended), ids(ba.Appeared)) {
			t.Fatalf("case %d: appeared %v ended %v, backwards appeared %v ended %v", i, ids(ab.Appeared), ids(ab.Ended), ids(ba.Appeared), ids(ba.Ended))
		}
		if !slices.Equal(names(ab.Containers.Started), names(ba.Containers.Stopped)) || ab.Totals.Moved != ba.Totals.Moved {
			t.Fatalf("case %d: containers or moves are not symmetric: %+v vs %+v", i, ab.Totals, ba.Totals)
		}
		// Kept and appeared make B; kept and ended make A.
		kept := 0
		for id := range b.Namespaces {
			if a.Namespaces[id] != nil {
				kept++
			}
		}
		if kept+ab.Totals.Appeared != len(b.Namespaces) || kept+ab.Totals.Ended != len(a.Namespaces) {
			t.Fatalf("case %d: %d kept + %d appeared != %d, or + %d ended != %d", i, kept, ab.Totals.Appeared, len(b.Namespaces), ab.Totals.Ended, len(a.Namespaces))
		}
		// Paged with any limit, the pages make the whole list; no page
		// is longer than its limit.
		limit := 1 + r.IntN(7)
		var got []model.NSID
		var gotMoves []string
		for off := 0; ; {
			p := Compare(a, b, Options{Limit: limit, Offset: off})
			if len(p.Appeared) > limit || len(p.Ended) > limit || len(p.Moved) > limit || p.Totals.Appeared != ab.Totals.Appeared {
				t.Fatalf("case %d: a page of %d holds %d/%d/%d", i, limit, len(p.Appeared), len(p.Ended), len(p.Moved))
			}
			got = append(got, ids(p.Appeared)...)
			gotMoves = append(gotMoves, moves(p.Moved)...)
			if !p.Truncated {
				break
			}
			off = p.Next
		}
		if !slices.Equal(orEmpty(got), ids(ab.Appeared)) || !slices.Equal(orEmpty(gotMoves), moves(ab.Moved)) {
			t.Fatalf("case %d: pages of %d give %v, want %v", i, limit, got, ids(ab.Appeared))
		}
	}
}

// TestCompareBounded: a host that churned 60k namespaces gives a page of
// DefaultLimit items and the totals, not 60k items.
func TestCompareBounded(t *testing.T) {
	b := &model.Snapshot{Namespaces: map[model.NSID]*model.Namespace{}}
	for i := range 60000 {
		id := model.NSID(i + 1)
		b.Namespaces[id] = &model.Namespace{ID: id, Type: model.Net}
	}
	for _, tc := range []struct {
		opt       Options
		n, first  int
		truncated bool
		next      int
	}{
		{Options{}, DefaultLimit, 1, true, DefaultLimit},
		{Options{Limit: 1 << 30}, MaxLimit, 1, true, MaxLimit},
		{Options{Limit: 10, Offset: 59995}, 5, 59996, false, 0},
		{Options{Offset: 1 << 40}, 0, 0, false, 0},
		{Options{Limit: -5, Offset: -5}, DefaultLimit, 1, true, DefaultLimit},
	} {
		d := Compare(nil, b, tc.opt)
		if len(d.Appeared) != tc.n || d.Totals.Appeared != 60000 || d.Truncated != tc.truncated || d.Next != tc.next {
			t.Errorf("%+v: %d items of %d, truncated %v next %d; want %d, truncated %v next %d", tc.opt, len(d.Appeared), d.Totals.Appeared, d.Truncated, d.Next, tc.n, tc.truncated, tc.next)
		}
		if tc.n > 0 && int(d.Appeared[0].ID) != tc.first {
			t.Errorf("%+v: first %d, want %d", tc.opt, d.Appeared[0].ID, tc.first)
		}
	}
}

// TestCompareKeep: with the dashboard's filter, only what it keeps counts.
func TestCompareKeep(t *testing.T) {
	a, b := modeltest.Small(), modeltest.Small()
	b.Namespaces[9] = &model.Namespace{ID: 9, Type: model.Net, Inode: 4026532900}
	delete(b.Namespaces, 3)
	delete(b.Namespaces, 4)
	delete(b.Processes, 100)
	delete(b.Containers, webID)
	b.Namespaces[1].Procs = []int{1}
	ofType := func(typ model.NSType) func(*model.Snapshot, *model.Namespace) bool {
		return func(_ *model.Snapshot, ns *model.Namespace) bool { return ns.Type == typ }
	}
	for _, tc := range []struct {
		name            string
		keep            func(*model.Snapshot, *model.Namespace) bool
		appeared, ended []model.NSID
		stopped         []string
	}{
		{"everything", nil, []model.NSID{9}, []model.NSID{3, 4}, []string{"WebFront"}},
		{"keep all", func(*model.Snapshot, *model.Namespace) bool { return true }, []model.NSID{9}, []model.NSID{3, 4}, []string{"WebFront"}},
		{"net only", ofType(model.Net), []model.NSID{9}, []model.NSID{4}, []string{"WebFront"}},
		{"user only", ofType(model.User), nil, []model.NSID{3}, []string{"WebFront"}},
		{"uts only: the container had none", ofType(model.UTS), nil, nil, nil},
	} {
		d := Compare(a, b, Options{Keep: tc.keep})
		if !slices.Equal(ids(d.Appeared), orEmpty(tc.appeared)) || !slices.Equal(ids(d.Ended), orEmpty(tc.ended)) ||
			!slices.Equal(names(d.Containers.Stopped), orEmpty(tc.stopped)) || d.Totals.Appeared != len(tc.appeared) || d.Totals.Ended != len(tc.ended) {
			t.Errorf("%s: appeared %v ended %v stopped %v (totals %+v), want %v %v %v", tc.name, ids(d.Appeared), ids(d.Ended),
				names(d.Containers.Stopped), d.Totals, tc.appeared, tc.ended, tc.stopped)
		}
	}
}

// BenchmarkCompare30k compares two 30k-namespace hosts a third of whose
// namespaces differ, with 10k processes: the work of one /api/v1/compare
// besides rebuilding the moments.
func BenchmarkCompare30k(b *testing.B) {
	host := func(first int) *model.Snapshot {
		s := &model.Snapshot{Namespaces: map[model.NSID]*model.Namespace{}, Processes: map[int]*model.Process{},
			Containers: map[string]*model.Container{}}
		for pid := 1; pid <= 10000; pid++ {
			ctr := fmt.Sprintf("c%05d", pid%500)
			s.Containers[ctr] = &model.Container{ID: ctr, Name: "web-" + ctr}
			s.Processes[pid] = &model.Process{PID: pid, Comm: "sleep", Container: ctr}
		}
		for i := first; i < first+30000; i++ {
			id := model.NSID(i)
			pid := 1 + i%10000
			s.Namespaces[id] = &model.Namespace{ID: id, Type: model.Types[i%8], Procs: []int{pid}, Leader: pid,
				Containers: []string{s.Processes[pid].Container}}
		}
		return s
	}
	a, c := host(1), host(10001)
	b.ReportAllocs()
	for b.Loop() {
		d := Compare(a, c, Options{})
		if d.Totals.Appeared != 10000 {
			b.Fatal(d.Totals)
		}
	}
}
