package model

import (
	"slices"
	"testing"
)

func TestNSType(t *testing.T) {
	tests := []struct {
		t     NSType
		valid bool
		rank  int
	}{
		{User, true, 0}, {PID, true, 1}, {Net, true, 2}, {Time, true, 7},
		{"pid_for_children", false, 8}, {"", false, 8}, {"NET", false, 8},
	}
	for _, tc := range tests {
		if got := tc.t.Valid(); got != tc.valid {
			t.Errorf("%q.Valid() = %v, want %v", tc.t, got, tc.valid)
		}
		if got := tc.t.Rank(); got != tc.rank {
			t.Errorf("%q.Rank() = %d, want %d", tc.t, got, tc.rank)
		}
	}
}

func TestContainerDisplayName(t *testing.T) {
	tests := []struct {
		c    Container
		want string
	}{
		{Container{ID: "0123456789abcdef0123", Name: "web-1"}, "web-1"},
		{Container{ID: "0123456789abcdef0123"}, "0123456789ab"},
		{Container{ID: "short"}, "short"},
	}
	for _, tc := range tests {
		if got := tc.c.DisplayName(); got != tc.want {
			t.Errorf("DisplayName(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestSortedIDs(t *testing.T) {
	s := &Snapshot{Namespaces: map[NSID]*Namespace{9: {}, 1: {}, 4098: {}, 7: {}}}
	if got := s.SortedIDs(); !slices.Equal(got, []NSID{1, 7, 9, 4098}) {
		t.Errorf("SortedIDs() = %v", got)
	}
}
