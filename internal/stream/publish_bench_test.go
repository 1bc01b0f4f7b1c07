package stream

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// synthHost builds a host of n containers the way the zoo plants them: per
// container a user namespace owning six others (pid, net, uts, ipc, mnt,
// cgroup), two processes and a named container, beside the host's own
// eight namespaces.
func synthHost(n int) *model.Snapshot {
	s := &model.Snapshot{
		Taken: time.Unix(0, 0), Host: "bench", Kernel: "6.18", Root: 1,
		Namespaces: map[model.NSID]*model.Namespace{},
		Processes:  map[int]*model.Process{1: {PID: 1, Comm: "init", Cmdline: "/sbin/init"}},
		Containers: map[string]*model.Container{},
	}
	for i, t := range model.Types {
		id := model.NSID(1 + i)
		s.Namespaces[id] = &model.Namespace{ID: id, Type: t, Inode: 4026531834 + uint64(i), Owner: 1, Procs: []int{1}, Leader: 1}
	}
	for i := range n {
		addContainer(s, i)
	}
	return s
}

// addContainer adds container i to s (in place: only for building).
func addContainer(s *model.Snapshot, i int) {
	base := model.NSID(1000 + 10*i)
	init, worker := 10000+2*i, 10001+2*i
	cid := fmt.Sprintf("%064x", i)
	s.Containers[cid] = &model.Container{ID: cid, Runtime: "docker", Name: fmt.Sprintf("web-%d", i), Image: "nginx:1.27"}
	s.Processes[init] = &model.Process{PID: init, PPID: 1, Comm: "sleep", Cmdline: "sleep infinity", Container: cid}
	s.Processes[worker] = &model.Process{PID: worker, PPID: init, Comm: "sleep", Cmdline: "sleep infinity", Container: cid}
	uid := uint32(0)
	s.Namespaces[base] = &model.Namespace{ID: base, Type: model.User, Inode: uint64(base) * 3, Parent: 1, Owner: 1,
		OwnerUID: &uid, Procs: []int{init, worker}, Leader: init, Containers: []string{cid}}
	for k, t := range []model.NSType{model.PID, model.Net, model.UTS, model.IPC, model.Mnt, model.Cgroup} {
		id := base + model.NSID(1+k)
		ns := &model.Namespace{ID: id, Type: t, Inode: uint64(id) * 3, Owner: base,
			Procs: []int{init, worker}, Leader: init, Containers: []string{cid}}
		if t == model.PID {
			ns.Parent = 2 // the host PID namespace (model.Types order: user, pid, …)
		}
		s.Namespaces[id] = ns
	}
}

// withContainer returns a copy of s (sharing unchanged entries) with
// container i added, as the next scan would see it.
func withContainer(s *model.Snapshot, i int) *model.Snapshot {
	n := *s
	n.Namespaces = make(map[model.NSID]*model.Namespace, len(s.Namespaces)+7)
	for k, v := range s.Namespaces {
		n.Namespaces[k] = v
	}
	n.Processes = make(map[int]*model.Process, len(s.Processes)+2)
	for k, v := range s.Processes {
		n.Processes[k] = v
	}
	n.Containers = make(map[string]*model.Container, len(s.Containers)+1)
	for k, v := range s.Containers {
		n.Containers[k] = v
	}
	n.Taken = s.Taken.Add(time.Second)
	addContainer(&n, i)
	return &n
}

// BenchmarkPublishOneContainer6k measures what one container start costs
// the hub on a host of about 6000 namespaces with the real layout: the time
// to lay out, diff and encode the patch for one subscription, and the bytes
// every client of the ungrouped view receives.
func BenchmarkPublishOneContainer6k(b *testing.B) {
	benchPublishOne(b, layout.GroupNone, 7)
}

// BenchmarkPublishOneContainer6kGrouped is the same for the default view,
// grouped by container: the patch adds the container's node too.
func BenchmarkPublishOneContainer6kGrouped(b *testing.B) {
	benchPublishOne(b, layout.GroupContainer, 8)
}

// benchPublishOne publishes one container start to a subscription grouped
// by g and checks that the patch adds the adds nodes it should.
func benchPublishOne(b *testing.B, g layout.Grouping, adds int) {
	before := synthHost(856)
	after := withContainer(before, 856)
	b.ReportMetric(float64(len(after.Namespaces)), "namespaces")
	var patchBytes int
	for b.Loop() {
		b.StopTimer()
		h, err := NewHub(Config{Layout: layout.Compute})
		if err != nil {
			b.Fatal(err)
		}
		h.Publish(before)
		sb, err := h.acquire(resolved{key: Key{View: layout.Owner, Group: g}})
		if err != nil {
			b.Fatal(err)
		}
		sb.mu.Lock()
		sb.catchUp()
		sb.mu.Unlock()
		b.StartTimer()
		h.Publish(after)
		b.StopTimer()
		sb.mu.Lock()
		if len(sb.ring) != 1 {
			b.Fatalf("%d patches for one container", len(sb.ring))
		}
		patchBytes = len(sb.ring[0].msg)
		var p wire.Patch
		_ = json.Unmarshal(sb.ring[0].msg, &p)
		if len(p.Add) != adds || len(p.Born) != adds {
			b.Fatalf("patch adds %d nodes, %d born; want the container's %d, all new", len(p.Add), len(p.Born), adds)
		}
		b.ReportMetric(float64(len(p.Update)), "updated")
		b.ReportMetric(float64(len(p.Move)), "moved")
		sb.mu.Unlock()
		h.release(sb, "")
		b.StartTimer()
	}
	b.ReportMetric(float64(patchBytes), "patch-bytes")
}
