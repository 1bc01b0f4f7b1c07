package netinfo

import (
	"maps"
	"slices"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

func TestStaleSet(t *testing.T) {
	// 1 is nsweb's namespace; 2 and 3 have netnsids 7 and 8; 4 and 5 none.
	nsidOf := map[model.NSID]int32{1: -1, 2: 7, 3: 8, 4: -1, 5: -1}
	for _, tc := range []struct {
		name      string
		home, all bool
		nsids     []int32
		want      []model.NSID
	}{
		{name: "nothing"},
		{name: "own namespace", home: true, want: []model.NSID{1}},
		{name: "one netnsid", nsids: []int32{8}, want: []model.NSID{3}},
		{name: "two netnsids", nsids: []int32{7, 8}, want: []model.NSID{2, 3}},
		{name: "unknown netnsid: those read without one", nsids: []int32{9}, want: []model.NSID{4, 5}},
		{name: "known and unknown", home: true, nsids: []int32{7, 9}, want: []model.NSID{1, 2, 4, 5}},
		{name: "lost notices", all: true, nsids: []int32{7}, want: []model.NSID{1, 2, 3, 4, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var nsids map[int32]bool
			for _, n := range tc.nsids {
				if nsids == nil {
					nsids = map[int32]bool{}
				}
				nsids[n] = true
			}
			got := slices.Sorted(maps.Keys(staleSet(nsidOf, 1, tc.home, tc.all, nsids)))
			if !slices.Equal(got, tc.want) {
				t.Errorf("stale %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMarks(t *testing.T) {
	var m marks
	m.note(3, true)
	m.note(0, false)
	if !m.pending(3) || m.pending(4) {
		t.Fatal("pending: want 3 only")
	}
	home, all, nsids := m.take()
	if !home || all || !slices.Equal(slices.Sorted(maps.Keys(nsids)), []int32{3}) {
		t.Fatalf("take: home %v all %v nsids %v", home, all, nsids)
	}
	if home, all, nsids := m.take(); home || all || nsids != nil {
		t.Fatalf("a second take: home %v all %v nsids %v, want nothing", home, all, nsids)
	}
	// Bounded: beyond maxMarks netnsids the whole cache is marked.
	for i := range maxMarks + 10 {
		m.note(int32(i), true)
	}
	if _, all, nsids := m.take(); !all || len(nsids) > maxMarks {
		t.Fatalf("after %d netnsids: all %v, %d kept", maxMarks+10, all, len(nsids))
	}
	m.lost()
	if !m.pending(12345) {
		t.Fatal("lost notices mark everything")
	}
	if got := m.count(); got != maxMarks+10+3 {
		t.Fatalf("heard %d", got)
	}
}
