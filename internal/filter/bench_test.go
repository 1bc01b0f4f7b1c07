package filter

import (
	"fmt"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// benchSnapshot builds n namespaces spread over the eight types, each with
// two member processes out of n/4, and one container per 16 namespaces.
func benchSnapshot(n int) *model.Snapshot {
	s := &model.Snapshot{
		Namespaces: make(map[model.NSID]*model.Namespace, n),
		Processes:  make(map[int]*model.Process, n/4),
		Containers: map[string]*model.Container{},
	}
	for p := 1; p <= n/4+1; p++ {
		s.Processes[p] = &model.Process{PID: p, Comm: fmt.Sprintf("worker-%d", p%97), Cmdline: fmt.Sprintf("/usr/bin/worker --id %d --Mode Fast", p), UID: uint32(p % 5)}
	}
	for i := 1; i <= n; i++ {
		ns := &model.Namespace{ID: model.NSID(i), Type: model.Types[i%8], Inode: 4026531840 + uint64(i),
			Procs: []int{i%(n/4) + 1, (i+1)%(n/4) + 1}}
		if i%16 == 0 {
			id := fmt.Sprintf("%064x", i)
			s.Containers[id] = &model.Container{ID: id, Name: fmt.Sprintf("app-%d", i), Runtime: "docker"}
			ns.Containers = []string{id}
		}
		s.Namespaces[ns.ID] = ns
	}
	return s
}

// BenchmarkMatch60k matches typical queries against every namespace of a
// 60k-namespace snapshot: the cost of filtering one full view.
func BenchmarkMatch60k(b *testing.B) {
	s := benchSnapshot(60000)
	nss := make([]*model.Namespace, 0, len(s.Namespaces))
	for _, id := range s.SortedIDs() {
		nss = append(nss, s.Namespaces[id])
	}
	for _, qs := range []string{"type:net,uts", "cmd:MODE -container:app-1", "worker-5 uid:3", "held:bindmount"} {
		q, err := Parse(qs)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(qs, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				for _, ns := range nss {
					if q.Match(s, ns) {
						n++
					}
				}
				if n < 0 {
					b.Fatal(n)
				}
			}
		})
	}
}
