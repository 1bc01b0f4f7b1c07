package stream

import (
	"context"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/watch"
)

// auditSnap is a snapshot with a user and a net namespace, process 10 in
// both, and the given extra processes in net namespace 3 and bind mounts
// of namespace 4 in mount namespace 5.
func auditSnap(procs []int, binds []string) *model.Snapshot {
	s := &model.Snapshot{
		Namespaces: map[model.NSID]*model.Namespace{
			1: {ID: 1, Type: model.User, Inode: 101, Procs: []int{10}},
			2: {ID: 2, Type: model.Net, Inode: 102, Procs: []int{10}},
			3: {ID: 3, Type: model.Net, Inode: 103},
			4: {ID: 4, Type: model.UTS, Inode: 104},
			5: {ID: 5, Type: model.Mnt, Inode: 105, Procs: []int{10}},
		},
		Processes: map[int]*model.Process{
			1:  {PID: 1, NS: map[model.NSType]model.NSID{model.User: 1, model.Net: 2, model.Mnt: 5}},
			10: {PID: 10, NS: map[model.NSType]model.NSID{model.User: 1, model.Net: 2, model.Mnt: 5}},
		},
	}
	for _, p := range procs {
		s.Processes[p] = &model.Process{PID: p, PPID: 10, NS: map[model.NSType]model.NSID{model.User: 1, model.Net: 3, model.Mnt: 5}}
		s.Namespaces[3].Procs = append(s.Namespaces[3].Procs, p)
	}
	for _, b := range binds {
		s.Namespaces[4].HeldBy = append(s.Namespaces[4].HeldBy, model.Holder{Kind: model.HeldByBindMount, PID: 10, Path: b, MntNS: 5})
	}
	return s
}

func TestDiff(t *testing.T) {
	moved := auditSnap(nil, nil)
	moved.Processes[10].NS = map[model.NSType]model.NSID{model.User: 1, model.Net: 3, model.Mnt: 5}
	zombie := auditSnap([]int{20}, nil)
	zombie.Processes[20].Err = "zombie"
	for _, tc := range []struct {
		name       string
		prev, next *model.Snapshot
		want       []string // kinds
	}{
		{"same", auditSnap([]int{20}, []string{"/a"}), auditSnap([]int{20}, []string{"/a"}), nil},
		{"new process", auditSnap(nil, nil), auditSnap([]int{20}, nil), []string{"process"}},
		{"gone process", auditSnap([]int{20, 21}, nil), auditSnap([]int{20}, nil), []string{"process"}},
		{"moved process", auditSnap(nil, nil), moved, []string{"process"}},
		{"reaped zombie", zombie, auditSnap(nil, nil), nil},
		{"bind mount added and removed", auditSnap(nil, []string{"/a"}), auditSnap(nil, []string{"/b"}), []string{"bindmount", "bindmount"}},
		{"no snapshot", nil, auditSnap(nil, nil), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := diff(tc.prev, tc.next)
			var kinds []string
			for _, c := range cs {
				kinds = append(kinds, c.Kind)
			}
			if len(kinds) != len(tc.want) {
				t.Fatalf("changes %v, want %v", cs, tc.want)
			}
			for i := range kinds {
				if kinds[i] != tc.want[i] {
					t.Errorf("change %d: %s, want %s", i, kinds[i], tc.want[i])
				}
			}
			if tc.name == "bind mount added and removed" && (len(cs[0].MntNS) != 1 || cs[0].MntNS[0] != 105) {
				t.Errorf("bind mount change names %v, want mount namespace inode 105", cs[0].MntNS)
			}
		})
	}
}

// The audit counts a change only when no signal named it, before the
// rescan started or within the grace after it.
func TestAuditClaims(t *testing.T) {
	t0 := time.Unix(1000, 0)
	prev, next := auditSnap(nil, []string{"/a"}), auditSnap([]int{20}, nil) // one process, one bind mount
	for _, tc := range []struct {
		name string
		sig  *watch.Signal
		at   time.Duration // when the signal is noted, from t0
		want int64
		// elsewhere: PID 1 is in another mount namespace than the bind
		// mount's.
		elsewhere bool
	}{
		{"nothing named them", nil, 0, 2, false},
		{"process claimed after the scan", &watch.Signal{Reasons: watch.Proc, PIDs: []int{20}}, 500 * time.Millisecond, 1, false},
		{"mount namespace claimed", &watch.Signal{Reasons: watch.MountNS, PIDs: []int{}, MntNS: []uint64{105}}, 200 * time.Millisecond, 1, false},
		{"dropped events claim all", &watch.Signal{Reasons: watch.Overflow}, 100 * time.Millisecond, 0, false},
		{"host mount table claims the bind mount", &watch.Signal{Reasons: watch.Mount}, 100 * time.Millisecond, 1, false},
		{"host mount table claims no other mount namespace's", &watch.Signal{Reasons: watch.Mount}, 100 * time.Millisecond, 2, true},
		{"named long before the scan", &watch.Signal{Reasons: watch.Proc, PIDs: []int{20}}, -5 * time.Second, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prev, next := prev, next
			if tc.elsewhere {
				prev, next = auditSnap(nil, []string{"/a"}), auditSnap([]int{20}, nil)
				for _, s := range []*model.Snapshot{prev, next} {
					s.Processes[1].NS = map[model.NSType]model.NSID{model.Mnt: 99}
				}
			}
			var a audit
			if tc.sig != nil && tc.at < 0 {
				a.note(*tc.sig, t0.Add(tc.at))
			}
			a.safety(prev, next, t0, t0.Add(50*time.Millisecond))
			if tc.sig != nil && tc.at >= 0 {
				a.note(*tc.sig, t0.Add(tc.at))
			}
			if got := a.judge(t0.Add(500 * time.Millisecond)); got != nil {
				t.Fatalf("judged before the grace passed: %v", got)
			}
			only := a.judge(t0.Add(2 * time.Second))
			logOnly(slog.New(slog.DiscardHandler), only)
			if rescans, n := a.counts(); rescans != 1 || n != tc.want || int64(len(only)) != tc.want {
				t.Errorf("rescans %d, safety-only %d (%v); want 1, %d", rescans, n, only, tc.want)
			}
		})
	}
}

// TestRunnerStatsSafetyOnly: a safety rescan that finds a change no
// signal named counts it in Stats; one merged with events that name the
// change does not.
func TestRunnerStatsSafetyOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, err := NewHub(Config{Layout: flatLayout})
		if err != nil {
			t.Fatal(err)
		}
		snaps := []*model.Snapshot{auditSnap(nil, nil), auditSnap([]int{20}, nil), auditSnap([]int{20, 21}, nil)}
		for i, s := range snaps {
			s.Taken = time.Unix(int64(i+1), 0)
		}
		n := 0
		scan := func(context.Context) (*model.Snapshot, error) {
			s := snaps[min(n, len(snaps)-1)]
			n++
			return s, nil
		}
		r := &Runner{Scan: scan, Hub: h, Logger: slog.New(slog.DiscardHandler)}
		sig := make(chan watch.Signal)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { r.Run(ctx, sig); close(done) }()
		sig <- watch.Signal{Reasons: watch.Rescan, First: time.Now()}                               // finds 20: safety only
		sig <- watch.Signal{Reasons: watch.Rescan | watch.Proc, PIDs: []int{21}, First: time.Now()} // finds 21, which events named
		// The runner has scanned and waits for the next signal.
		synctest.Wait()
		cancel()
		<-done
		st := r.Stats()
		if st.SafetyRescans != 2 || st.SafetyOnlyChanges != 1 || st.FullScans != 3 {
			t.Errorf("stats %+v, want 2 safety rescans with 1 change only they found, 3 full scans", st)
		}
	})
}

// TestRunnerKernelSignals: namespace switches take the partial rescan,
// mount namespace changes RescanMounts when set, a full scan otherwise.
func TestRunnerKernelSignals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sig      watch.Signal
		mounts   bool // RescanMounts set
		wantKind string
	}{
		{"switch", watch.Signal{Reasons: watch.Switch, PIDs: []int{7}}, true, "partial"},
		{"mount namespace", watch.Signal{Reasons: watch.MountNS, PIDs: []int{}, MntNS: []uint64{5}}, true, "mounts"},
		{"mount namespace and process", watch.Signal{Reasons: watch.MountNS | watch.Proc, PIDs: []int{8}, MntNS: []uint64{5}}, true, "mounts"},
		{"mount namespace without RescanMounts", watch.Signal{Reasons: watch.MountNS, PIDs: []int{}, MntNS: []uint64{5}}, false, "full"},
		{"no hints", watch.Signal{Reasons: watch.Switch}, true, "full"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewHub(Config{Layout: flatLayout})
			if err != nil {
				t.Fatal(err)
			}
			got := make(chan string, 4)
			gen := 0
			next := func(kind string) *model.Snapshot {
				gen++
				got <- kind
				s := mkSnap(gen, 3)
				return s
			}
			r := &Runner{
				Scan: func(context.Context) (*model.Snapshot, error) { return next("full"), nil },
				Rescan: func(_ context.Context, _ *model.Snapshot, pids []int) (*model.Snapshot, error) {
					return next("partial"), nil
				},
				Hub: h, Logger: slog.New(slog.DiscardHandler),
			}
			if tc.mounts {
				r.RescanMounts = func(_ context.Context, _ *model.Snapshot, pids []int, mnts []uint64) (*model.Snapshot, error) {
					if len(mnts) == 0 {
						t.Errorf("RescanMounts without mount namespaces")
					}
					return next("mounts"), nil
				}
			}
			sig := make(chan watch.Signal)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { r.Run(ctx, sig); close(done) }()
			tc.sig.First = time.Now()
			sig <- tc.sig
			cancel()
			<-done
			if first := <-got; first != "full" {
				t.Errorf("first scan %s", first)
			}
			if kind := <-got; kind != tc.wantKind {
				t.Errorf("scan %s, want %s", kind, tc.wantKind)
			}
		})
	}
}
