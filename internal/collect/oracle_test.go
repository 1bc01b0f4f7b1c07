//go:build linux

package collect

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"

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
}

func runLsns(t testing.TB) map[uint64]lsnsEntry {
	t.Helper()
	out, err := exec.Command("lsns", "-J", "--output-all").Output()
	if err != nil {
		t.Fatalf("lsns: %v", err)
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
		stable := ok && again.Type == want.Type && again.PNS == want.PNS && again.ONS == want.ONS
		if !planted[ino] && !stable {
			r.skipped++ // came or went between the two lsns runs: someone else's churn
			continue
		}
		r.checked++
		ns := byIno[ino]
		if ns == nil {
			r.problems = append(r.problems, fmt.Sprintf("lsns %s:[%d] (nprocs %d) missing from the scan", want.Type, ino, want.NProcs))
			continue
		}
		got := asLsns(snap, ns)
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
