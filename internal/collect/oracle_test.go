//go:build linux

package collect

import (
	"encoding/json"
	"os"
	"os/exec"
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

	before := runLsns(t)
	snap := scanT(t, New(Options{}))
	after := runLsns(t)

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
	checked, counted, skipped := 0, 0, 0
	for ino, want := range before {
		again, ok := after[ino]
		stable := ok && again.Type == want.Type && again.PNS == want.PNS && again.ONS == want.ONS
		if !planted[ino] && !stable {
			skipped++ // came or went between the two lsns runs: someone else's churn
			continue
		}
		checked++
		ns := byIno[ino]
		if ns == nil {
			t.Errorf("lsns %s:[%d] (nprocs %d) missing from the scan", want.Type, ino, want.NProcs)
			continue
		}
		got := asLsns(snap, ns)
		if selfNS[ino] {
			got.NProcs++
		}
		if planted[ino] || again.NProcs == want.NProcs {
			counted++
		} else {
			got.NProcs = want.NProcs // processes came and went: compare the rest
		}
		if got != want {
			t.Errorf("%s:[%d]: scan says %+v, lsns %+v", want.Type, ino, got, want)
		}
	}
	for ino := range planted {
		if _, ok := before[ino]; !ok && ino != bind.Inode {
			t.Errorf("planted namespace %d not in lsns output: the oracle is not looking", ino)
		}
	}
	t.Logf("compared %d namespaces with lsns (%d planted, %d with process counts), skipped %d churning; scan found %d",
		checked, len(planted), counted, skipped, len(snap.Namespaces))
	if checked < len(planted) {
		t.Errorf("compared only %d namespaces", checked)
	}
}
