package ctrd

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/containerd/containerd/api/types/task"
)

// BenchmarkPoll is one steady poll (records cached) of a containerd with
// 100 running containers in two namespaces, over a real unix socket: the
// cost nsweb pays every Interval.
func BenchmarkPoll(b *testing.B) {
	f, sock := startFake(b)
	cgroups := map[int]string{}
	for ns := range 2 {
		var cs []fakeContainer
		for i := range 50 {
			pid := 1000 + ns*100 + i
			id := fmt.Sprintf("web-%d", i)
			cs = append(cs, fakeContainer{id: id, image: "busybox", pid: uint32(pid), status: task.Status_RUNNING,
				labels: map[string]string{NameLabel: id, "tier": "front"}})
			cgroups[pid] = fmt.Sprintf("0::/ns%d/%s\n", ns, id)
		}
		f.set(fmt.Sprintf("ns%d", ns), cs...)
	}
	c := New(Config{Sockets: []string{sock}, ProcRoot: fakeProc(b, cgroups), Logger: quiet})
	a := dialAPI(b, sock)
	now := time.Unix(1, 0)
	prev, err := c.poll(context.Background(), a, nil, now)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if prev, err = c.poll(context.Background(), a, prev, now); err != nil {
			b.Fatal(err)
		}
	}
	if len(prev) != 100 {
		b.Fatalf("%d entries", len(prev))
	}
}
