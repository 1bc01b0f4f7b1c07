package main

import (
	"strings"
	"testing"
	"time"
)

func TestNoEventsSaysWhereAndWhatTheFileHolds(t *testing.T) {
	since := time.Date(2026, 12, 7, 4, 18, 0, 0, time.Local)
	old := time.Date(2026, 12, 7, 4, 0, 0, 0, time.Local)
	recent := time.Date(2026, 12, 7, 4, 12, 16, 0, time.Local)
	for _, c := range []struct {
		name           string
		q              string
		oldest, newest time.Time
		want           []string
	}{
		{"older file", "", old, recent, []string{"no events since 2026-12-07 04:18:00 in /x/history.db", "it holds 2026-12-07 04:00:00 to 2026-12-07 04:12:16", "--state-dir"}},
		{"empty file", "", time.Time{}, time.Time{}, []string{"no events since", "it is empty"}},
		{"filtered", "type:net", old, recent, []string{`no events match "type:net" since`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := noEvents("/x/history.db", since, c.q, c.oldest, c.newest)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("noEvents = %q, want it to hold %q", got, w)
				}
			}
		})
	}
}
