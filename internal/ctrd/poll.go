// One poll of containerd: its namespaces, their running tasks, the
// containers of new tasks and the cgroups of their PIDs.

package ctrd

import (
	"context"
	"fmt"
	"slices"
	"time"

	containers "github.com/containerd/containerd/api/services/containers/v1"
	namespaces "github.com/containerd/containerd/api/services/namespaces/v1"
	tasks "github.com/containerd/containerd/api/services/tasks/v1"
	"github.com/containerd/containerd/api/types/task"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/nsweb/nsweb/internal/model"
)

// Bounds on what one containerd may make nsweb hold.
const (
	maxNamespaces = 256
	maxTasks      = 16384
)

// criNamespace is where containerd's CRI plugin keeps Kubernetes' pods;
// internal/cri names them.
const criNamespace = "k8s.io"

// namespaceHeader is the gRPC metadata key that says which containerd
// namespace a request is about.
const namespaceHeader = "containerd-namespace"

// entry is one container with a running task, as a poll left it.
type entry struct {
	ns, id  string
	c       *model.Container // nil when skip
	skip    bool             // the CRI's: asked once per Refresh, never shown
	fetched time.Time        // when c was asked
	pid     uint32           // the task's, whose cgroup paths were read
	read    bool             // the cgroup file was read (paths may be empty)
	paths   []string         // the task's cgroup paths that name the container
}

// api is containerd's three services nsweb asks.
type api struct {
	ns         namespaces.NamespacesClient
	tasks      tasks.TasksClient
	containers containers.ContainersClient
}

func newAPI(conn grpc.ClientConnInterface) api {
	return api{namespaces.NewNamespacesClient(conn), tasks.NewTasksClient(conn), containers.NewContainersClient(conn)}
}

// poll asks containerd for every namespace's running tasks and returns
// the entries by "namespace/ID", reusing prev's where still fresh.
func (c *Catalog) poll(ctx context.Context, a api, prev map[string]*entry, now time.Time) (map[string]*entry, error) {
	nl, err := a.ns.List(ctx, &namespaces.ListNamespacesRequest{})
	if err != nil {
		return nil, fmt.Errorf("list containerd namespaces: %w", err)
	}
	var names []string
	for _, n := range nl.GetNamespaces() {
		if name := n.GetName(); name != criNamespace && validID(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) > maxNamespaces {
		names = names[:maxNamespaces]
	}
	next := map[string]*entry{}
	for _, ns := range names {
		nctx := metadata.AppendToOutgoingContext(ctx, namespaceHeader, ns)
		tl, err := a.tasks.List(nctx, &tasks.ListTasksRequest{})
		if err != nil {
			return nil, fmt.Errorf("list tasks in containerd namespace %s: %w", ns, err)
		}
		for _, t := range tl.GetTasks() {
			if len(next) >= maxTasks {
				break
			}
			id := t.GetContainerID()
			if id == "" {
				id = t.GetID() // a container's task has the container's ID
			}
			if !validID(id) || t.GetPid() == 0 || t.GetStatus() == task.Status_STOPPED || t.GetStatus() == task.Status_UNKNOWN {
				continue
			}
			key := ns + "/" + id
			e := prev[key]
			if e == nil || now.Sub(e.fetched) >= c.cfg.Refresh {
				got, err := a.containers.Get(nctx, &containers.GetContainerRequest{ID: id})
				switch {
				case status.Code(err) == codes.NotFound:
					continue // deleted since the task list
				case err != nil:
					return nil, fmt.Errorf("get container %s in containerd namespace %s: %w", id, ns, err)
				}
				ct, skip := convert(ns, id, got.GetContainer())
				fresh := &entry{ns: ns, id: id, c: ct, skip: skip, fetched: now}
				if e != nil { // the task's cgroup is still the one read
					fresh.pid, fresh.read, fresh.paths = e.pid, e.read, e.paths
				}
				e = fresh
			}
			if !e.skip && (e.pid != t.GetPid() || !e.read) {
				cp := *e
				cp.pid = t.GetPid()
				cp.paths, cp.read = taskCgroups(c.cfg.ProcRoot, int(cp.pid), id)
				e = &cp
			}
			next[key] = e
		}
	}
	return next, nil
}
