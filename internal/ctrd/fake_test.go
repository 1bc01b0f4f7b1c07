package ctrd

import (
	"context"
	"net"
	"path/filepath"
	"sync"
	"testing"

	containers "github.com/containerd/containerd/api/services/containers/v1"
	namespaces "github.com/containerd/containerd/api/services/namespaces/v1"
	tasks "github.com/containerd/containerd/api/services/tasks/v1"
	"github.com/containerd/containerd/api/types/task"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// fakeContainer is one container of the fake containerd, with its task.
type fakeContainer struct {
	id, image string
	labels    map[string]string
	pid       uint32
	status    task.Status
	noRecord  bool // the task outlived its container record (NotFound)
}

// fakeCtrd serves containerd's namespaces, tasks and containers services
// from a table, over a unix socket, for tests that need no containerd.
type fakeCtrd struct {
	mu   sync.Mutex
	ns   map[string][]fakeContainer
	gets map[string]int // container Get calls by "namespace/ID"
	// listed are the namespaces whose tasks were asked.
	listed map[string]int
}

func (f *fakeCtrd) set(ns string, cs ...fakeContainer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ns[ns] = cs
}

func (f *fakeCtrd) getCount(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets[key]
}

func namespaceOf(ctx context.Context) (string, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(namespaceHeader); len(v) == 1 {
		return v[0], nil
	}
	return "", status.Error(codes.FailedPrecondition, "namespace is required")
}

type fakeNamespaces struct {
	namespaces.UnimplementedNamespacesServer
	f *fakeCtrd
}

func (s fakeNamespaces) List(context.Context, *namespaces.ListNamespacesRequest) (*namespaces.ListNamespacesResponse, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	r := &namespaces.ListNamespacesResponse{}
	for name := range s.f.ns {
		r.Namespaces = append(r.Namespaces, &namespaces.Namespace{Name: name})
	}
	return r, nil
}

type fakeTasks struct {
	tasks.UnimplementedTasksServer
	f *fakeCtrd
}

func (s fakeTasks) List(ctx context.Context, _ *tasks.ListTasksRequest) (*tasks.ListTasksResponse, error) {
	ns, err := namespaceOf(ctx)
	if err != nil {
		return nil, err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.listed[ns]++
	r := &tasks.ListTasksResponse{}
	for _, c := range s.f.ns[ns] {
		r.Tasks = append(r.Tasks, &task.Process{ID: c.id, Pid: c.pid, Status: c.status})
	}
	return r, nil
}

type fakeContainers struct {
	containers.UnimplementedContainersServer
	f *fakeCtrd
}

func (s fakeContainers) Get(ctx context.Context, req *containers.GetContainerRequest) (*containers.GetContainerResponse, error) {
	ns, err := namespaceOf(ctx)
	if err != nil {
		return nil, err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.gets[ns+"/"+req.ID]++
	for _, c := range s.f.ns[ns] {
		if c.id == req.ID && !c.noRecord {
			return &containers.GetContainerResponse{Container: &containers.Container{ID: c.id, Image: c.image, Labels: c.labels}}, nil
		}
	}
	return nil, status.Errorf(codes.NotFound, "container %q in namespace %q: not found", req.ID, ns)
}

// startFake serves f on a new unix socket until the test ends.
func startFake(t testing.TB) (*fakeCtrd, string) {
	t.Helper()
	f := &fakeCtrd{ns: map[string][]fakeContainer{}, gets: map[string]int{}, listed: map[string]int{}}
	sock := filepath.Join(t.TempDir(), "containerd.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	namespaces.RegisterNamespacesServer(srv, fakeNamespaces{f: f})
	tasks.RegisterTasksServer(srv, fakeTasks{f: f})
	containers.RegisterContainersServer(srv, fakeContainers{f: f})
	done := make(chan struct{})
	go func() { _ = srv.Serve(l); close(done) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	return f, sock
}
