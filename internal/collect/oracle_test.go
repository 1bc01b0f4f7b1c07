//go:build linux

package collect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/zoo"
)

// lsnsEntry is one namespace as `lsns -J --output-all` reports it.
type lsnsEntry struct {
	NS     uint64 `json:"ns"`
	Type   string `json:"type"`
	NProcs int    `json:"nprocs"`
	PNS    uint64 `json:"pns"`
	ONS    uint64 `json:"ons"`
	// PID is the process lsns found the namespace through (0 for one
	// held only by a bind mount). Two runs naming the same inode through
	// different processes may see two namespaces: the kernel hands a dead
	// namespace's inode to the next one at once, so a container that
	// stops and another that starts between the runs share inodes.
	PID int `json:"pid"`
}

// runLsns runs lsns until it succeeds: lsns gives up (exit 1) when a
// process of another test vanishes under it, which a loaded machine sees
// now and then; ten failures in a row are not that.
func runLsns(t testing.TB) map[uint64]lsnsEntry {
	t.Helper()
	var out []byte
	for try := 1; ; try++ {
		var stderr bytes.Buffer
		cmd := exec.Command("lsns", "-J", "--output-all")
		cmd.Stderr = &stderr
		var err error
		if out, err = cmd.Output(); err == nil {
			break
		}
		if try == 10 {
			t.Fatalf("lsns failed %d times, last: %v: %.300s", try, err, stderr.Bytes())
		}
		t.Logf("lsns, try %d: %v: %.300s", try, err, stderr.Bytes())
		time.Sleep(50 * time.Millisecond)
	}
	var doc struct {
		Namespaces []lsnsEntry `json:"namespaces"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("lsns output: %v", err)
	}
	m := make(map[uint64]lsnsEntry, len(doc.Namespaces))
	for _, e := range doc.Namespaces {
		m[e.NS] = e
	}
	return m
}

// asLsns renders a scanned namespace the way lsns would report it.
func asLsns(s *model.Snapshot, ns *model.Namespace) lsnsEntry {
	ino := func(id model.NSID) uint64 {
		if n := s.Namespaces[id]; n != nil {
			return n.Inode
		}
		return 0
	}
	return lsnsEntry{NS: ns.Inode, Type: string(ns.Type), NProcs: len(ns.Procs), PNS: ino(ns.Parent), ONS: ino(ns.Owner)}
}

// sameNamespace reports whether two lsns runs most likely saw the same
// namespace under one inode: same type, parent and owner, found through
// the same process. Inode numbers alone are reused at once.
func sameNamespace(a, b lsnsEntry) bool {
	return a.NS == b.NS && a.Type == b.Type && a.PNS == b.PNS && a.ONS == b.ONS && a.PID == b.PID
}

// TestOracleLsns compares a scan with util-linux lsns on the same zoo.
// Every namespace of the zoo must match lsns exactly (type, inode, parent,
// owner, process count). Every other namespace lsns reports identically in
// two runs around the scan (so not churning under other tests) must match
// as well.
func TestOracleLsns(t *testing.T) {
	needRoot(t)
	if _, err := exec.LookPath("lsns"); err != nil {
		t.Skip("no lsns")
	}
	planted := map[uint64]bool{}
	for _, c := range zoo.Containers(t, 5) {
		for _, typ := range []model.NSType{model.User, model.PID, model.Net, model.UTS, model.IPC, model.Mnt, model.Cgroup} {
			planted[zoo.NSOf(t, strconv.Itoa(c.Init.PID), typ).Inode] = true
		}
	}
	chain := zoo.NestedChain(t, 4)
	for k := range chain.Users {
		planted[chain.Users[k].Inode] = true
		planted[chain.PIDs[k].Inode] = true
	}
	_, child, _ := zoo.OrphanUser(t)
	planted[child.Inode] = true
	bind, _ := zoo.BindMountNet(t)
	planted[bind.Inode] = true

	// Processes of other tests come and go, zombies among them (lsns
	// counts a zombie in its PID and user namespaces), even between two
	// lsns runs that agree on a count: a count that differs only in a
	// namespace the zoo did not plant is taken again, a few times, before
	// it is believed.
	var cmp lsnsComparison
	for attempt := 1; ; attempt++ {
		before := runLsns(t)
		snap := scanT(t, New(Options{}))
		cmp = compareLsns(snap, before, runLsns(t), planted)
		if len(cmp.counts) == 0 || attempt == 5 {
			break
		}
		t.Logf("attempt %d: process counts moved under the scan: %v", attempt, cmp.counts)
	}
	for _, p := range slices.Concat(cmp.problems, cmp.counts) {
		t.Error(p)
	}
	for ino := range planted {
		if _, ok := cmp.before[ino]; !ok && ino != bind.Inode {
			t.Errorf("planted namespace %d not in lsns output: the oracle is not looking", ino)
		}
	}
	t.Logf("compared %d namespaces with lsns (%d planted, %d with process counts), skipped %d churning; scan found %d",
		cmp.checked, len(planted), cmp.counted, cmp.skipped, cmp.found)
	if cmp.checked < len(planted) {
		t.Errorf("compared only %d namespaces", cmp.checked)
	}
}

// lsnsComparison is what compareLsns found: problems that stand, and
// process counts of unplanted namespaces that differ (perhaps churn).
type lsnsComparison struct {
	before                    map[uint64]lsnsEntry
	problems, counts          []string
	checked, counted, skipped int
	found                     int
}

// compareLsns compares snap with the lsns runs before and after it.
func compareLsns(snap *model.Snapshot, before, after map[uint64]lsnsEntry, planted map[uint64]bool) lsnsComparison {
	r := lsnsComparison{before: before, found: len(snap.Namespaces)}
	byIno := map[uint64]*model.Namespace{}
	for _, ns := range snap.Namespaces {
		byIno[ns.Inode] = ns
	}
	// lsns counts itself in the namespaces it runs in, ours; the scan ran
	// when it did not exist.
	selfNS := map[uint64]bool{}
	for _, id := range snap.Processes[os.Getpid()].NS {
		selfNS[snap.Namespaces[id].Inode] = true
	}
	for ino, want := range before {
		again, ok := after[ino]
		if !planted[ino] && (!ok || !sameNamespace(want, again)) {
			r.skipped++ // came, went or was replaced between the two lsns runs: someone else's churn
			continue
		}
		r.checked++
		ns := byIno[ino]
		if ns == nil {
			r.problems = append(r.problems, fmt.Sprintf("lsns %s:[%d] (nprocs %d) missing from the scan", want.Type, ino, want.NProcs))
			continue
		}
		got := asLsns(snap, ns)
		got.PID = want.PID // which process lsns names is its choice
		if selfNS[ino] {
			got.NProcs++
		}
		if planted[ino] || again.NProcs == want.NProcs {
			r.counted++
		} else {
			got.NProcs = want.NProcs // processes came and went: compare the rest
		}
		switch {
		case got == want:
		case !planted[ino] && func() bool { g := got; g.NProcs = want.NProcs; return g == want }():
			r.counts = append(r.counts, fmt.Sprintf("%s:[%d]: scan counts %d processes, lsns %d", want.Type, ino, got.NProcs, want.NProcs))
		default:
			r.problems = append(r.problems, fmt.Sprintf("%s:[%d]: scan says %+v, lsns %+v", want.Type, ino, got, want))
		}
	}
	return r
}

// TestCompareLsns pins down what the oracle believes: churn of other
// tests is skipped, a real difference is not.
func TestCompareLsns(t *testing.T) {
	self := os.Getpid()
	// A scan with our own net namespace (1, inode 100) and one container
	// net namespace (2, inode 200, process 500).
	snap := func() *model.Snapshot {
		return &model.Snapshot{
			Namespaces: map[model.NSID]*model.Namespace{
				1: {ID: 1, Type: model.Net, Inode: 100, Procs: []int{self}},
				2: {ID: 2, Type: model.Net, Inode: 200, Procs: []int{500}},
			},
			Processes: map[int]*model.Process{
				self: {PID: self, NS: map[model.NSType]model.NSID{model.Net: 1}},
				500:  {PID: 500, NS: map[model.NSType]model.NSID{model.Net: 2}},
			},
		}
	}
	ours := lsnsEntry{NS: 100, Type: "net", NProcs: 2, PID: 1} // lsns counts itself
	ctr := lsnsEntry{NS: 200, Type: "net", NProcs: 1, PID: 500}
	gone := lsnsEntry{NS: 300, Type: "net", NProcs: 1, PID: 600}
	with := func(e lsnsEntry, f func(*lsnsEntry)) lsnsEntry { f(&e); return e }
	tests := []struct {
		name          string
		before, after []lsnsEntry
		planted       []uint64
		problems      int
		counts        int
		skipped       int
	}{
		{name: "equal", before: []lsnsEntry{ours, ctr}, after: []lsnsEntry{ours, ctr}},
		{name: "missing from the scan", before: []lsnsEntry{ours, ctr, gone}, after: []lsnsEntry{ours, ctr, gone}, problems: 1},
		{name: "gone before the second run", before: []lsnsEntry{ours, ctr, gone}, after: []lsnsEntry{ours, ctr}, skipped: 1},
		{
			// A container stopped and the next one got its inodes: the
			// scan ran between the two and saw neither.
			name:    "inode reused by another process",
			before:  []lsnsEntry{ours, ctr, gone},
			after:   []lsnsEntry{ours, ctr, with(gone, func(e *lsnsEntry) { e.PID = 601 })},
			skipped: 1,
		},
		{
			name:     "reused inode of a planted namespace is still checked",
			before:   []lsnsEntry{ours, ctr, gone},
			after:    []lsnsEntry{ours, ctr, with(gone, func(e *lsnsEntry) { e.PID = 601 })},
			planted:  []uint64{300},
			problems: 1,
		},
		{
			name:   "count moved between the runs",
			before: []lsnsEntry{ours, with(ctr, func(e *lsnsEntry) { e.NProcs = 3 })},
			after:  []lsnsEntry{ours, with(ctr, func(e *lsnsEntry) { e.NProcs = 2 })},
		},
		{
			name:   "count differs although both runs agree",
			before: []lsnsEntry{ours, with(ctr, func(e *lsnsEntry) { e.NProcs = 2 })},
			after:  []lsnsEntry{ours, with(ctr, func(e *lsnsEntry) { e.NProcs = 2 })},
			counts: 1,
		},
		{
			name:     "planted count differs",
			before:   []lsnsEntry{ours, with(ctr, func(e *lsnsEntry) { e.NProcs = 2 })},
			after:    []lsnsEntry{ours, with(ctr, func(e *lsnsEntry) { e.NProcs = 2 })},
			planted:  []uint64{200},
			problems: 1,
		},
		{
			name:     "wrong owner",
			before:   []lsnsEntry{ours, with(ctr, func(e *lsnsEntry) { e.ONS = 7 })},
			after:    []lsnsEntry{ours, with(ctr, func(e *lsnsEntry) { e.ONS = 7 })},
			problems: 1,
		},
	}
	index := func(es []lsnsEntry) map[uint64]lsnsEntry {
		m := map[uint64]lsnsEntry{}
		for _, e := range es {
			m[e.NS] = e
		}
		return m
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			planted := map[uint64]bool{}
			for _, ino := range tt.planted {
				planted[ino] = true
			}
			r := compareLsns(snap(), index(tt.before), index(tt.after), planted)
			if len(r.problems) != tt.problems || len(r.counts) != tt.counts || r.skipped != tt.skipped {
				t.Errorf("problems %q, counts %q, skipped %d; want %d problems, %d counts, %d skipped",
					r.problems, r.counts, r.skipped, tt.problems, tt.counts, tt.skipped)
			}
		})
	}
}
