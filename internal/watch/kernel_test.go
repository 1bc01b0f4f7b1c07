package watch

import (
	"slices"
	"testing"
	"time"
)

// Signals of process, namespace switch and mount namespace events keep
// what they name; anything else in the burst turns them into full scans.
func TestDebouncePartialReasons(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       []batch
		reasons  Reason
		pids     []int
		mnts     []uint64
		nilHints bool
	}{
		{"switch", []batch{{reasons: Switch, pids: []int{7}}}, Switch, []int{7}, nil, false},
		{"mount namespaces alone", []batch{{reasons: MountNS, mnts: []uint64{9, 9, 8}}}, MountNS, []int{}, []uint64{9, 8}, false},
		{"mixed partial", []batch{{reasons: Proc, pids: []int{1}}, {reasons: MountNS, mnts: []uint64{4}}, {reasons: Switch, pids: []int{1, 2}}},
			Proc | MountNS | Switch, []int{1, 2}, []uint64{4}, false},
		{"safety rescan keeps the hints", []batch{{reasons: Rescan}, {reasons: Proc, pids: []int{3}}}, Rescan | Proc, []int{3}, nil, false},
		{"host mount table", []batch{{reasons: Switch, pids: []int{1}}, {reasons: Mount}}, Switch | Mount, nil, nil, true},
		{"overflow", []batch{{reasons: MountNS, mnts: []uint64{1}, overflow: true}}, MountNS, nil, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, out := startDebounce(t, Options{Rescan: -1, Quiet: 20 * time.Millisecond, MaxDelay: time.Hour, NoLeadingEdge: true})
			for _, b := range tc.in {
				b.events = 1
				in <- b
			}
			s := recvSignal(t, out)
			if s.Reasons != tc.reasons {
				t.Errorf("reasons %v, want %v", s.Reasons, tc.reasons)
			}
			if tc.nilHints {
				if s.PIDs != nil || s.MntNS != nil {
					t.Errorf("hints %v %v, want none (full scan)", s.PIDs, s.MntNS)
				}
				return
			}
			if s.PIDs == nil || !slices.Equal(s.PIDs, tc.pids) || !slices.Equal(s.MntNS, tc.mnts) {
				t.Errorf("hints %#v %v, want %v %v", s.PIDs, s.MntNS, tc.pids, tc.mnts)
			}
		})
	}
}

func TestDebounceMntNSOverflow(t *testing.T) {
	in, out := startDebounce(t, Options{Rescan: -1, Quiet: 20 * time.Millisecond, MaxDelay: time.Hour, NoLeadingEdge: true})
	for i := range MaxPIDs + 1 {
		in <- batch{reasons: MountNS, mnts: []uint64{uint64(i + 1)}, events: 1}
	}
	if s := recvSignal(t, out); s.PIDs != nil || s.MntNS != nil || s.Events != MaxPIDs+1 {
		t.Errorf("signal %+v, want no hints past MaxPIDs", s)
	}
}

func TestReasonStringNew(t *testing.T) {
	if got := (Switch | MountNS).String(); got != "ns|mntns" {
		t.Errorf("got %q", got)
	}
}

// A kernel event makes the pending signal due at once, with the process
// events merged so far, instead of waiting for the burst to go quiet.
func TestDebounceKernelEventDue(t *testing.T) {
	in, out := startDebounce(t, Options{Rescan: -1, Quiet: time.Hour, MaxDelay: time.Hour})
	in <- batch{reasons: Proc, pids: []int{1}, events: 1}
	recvSignal(t, out) // the leading edge
	in <- batch{reasons: Proc, pids: []int{2}, events: 1}
	select {
	case s := <-out:
		t.Fatalf("signal %+v before the burst went quiet", s)
	case <-time.After(50 * time.Millisecond):
	}
	in <- batch{reasons: Switch, pids: []int{3}, events: 1}
	if s := recvSignal(t, out); s.Reasons != Proc|Switch || !slices.Equal(s.PIDs, []int{2, 3}) {
		t.Errorf("signal %+v, want proc|ns for 2 and 3", s)
	}
}
