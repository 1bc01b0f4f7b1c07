package engine

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// fakeSource is a Source with one container, settled when the test says.
type fakeSource struct {
	c       *model.Container
	settled atomic.Bool
	changes chan struct{}
	ran     atomic.Bool
}

func (f *fakeSource) Run(ctx context.Context) error { f.ran.Store(true); <-ctx.Done(); return nil }
func (f *fakeSource) Changes() <-chan struct{}      { return f.changes }
func (f *fakeSource) Settled() bool                 { return f.settled.Load() }
func (f *fakeSource) Lookup(id string) (*model.Container, bool) {
	if id == f.c.ID {
		cp := *f.c
		return &cp, true
	}
	return nil, false
}

// TestSources: the catalogue names from its sources what no engine knows,
// runs them, passes their change signals on and waits for them to settle.
func TestSources(t *testing.T) {
	id := strings.Repeat("7f", 32)
	src := &fakeSource{c: &model.Container{ID: id, Name: "web", Pod: "checkout", PodNamespace: "shop", Image: "nginx"},
		changes: make(chan struct{}, 1)}
	c := New(Config{Sockets: []string{filepath.Join(t.TempDir(), "none.sock")}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Sources: []Source{src}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	short, stop := context.WithTimeout(ctx, 50*time.Millisecond)
	defer stop()
	if c.WaitSettled(short) {
		t.Fatal("settled before its source was")
	}
	src.settled.Store(true)
	if !c.WaitSettled(ctx) {
		t.Fatal("not settled")
	}
	if !src.ran.Load() {
		t.Error("the source was not run")
	}
	src.changes <- struct{}{}
	select {
	case <-c.Changes():
	case <-time.After(10 * time.Second):
		t.Fatal("the source's change was not passed on")
	}
	s := &model.Snapshot{Containers: map[string]*model.Container{
		id:                      {ID: id, Runtime: "kubernetes", Pod: "0b7c-uid"},
		strings.Repeat("1", 64): {ID: strings.Repeat("1", 64), Runtime: "kubernetes"},
	}}
	c.Enrich(s)
	got := s.Containers[id]
	if got.Name != "web" || got.Pod != "checkout" || got.PodNamespace != "shop" || got.Image != "nginx" || got.Runtime != "kubernetes" {
		t.Errorf("enriched: %+v", got)
	}
	if other := s.Containers[strings.Repeat("1", 64)]; other.Name != "" {
		t.Errorf("a container the source does not know was named: %+v", other)
	}
}

// TestSourcesShortIDs: a short ID (ctr's "web") is named by a source only
// when the source's runtime is the one the cgroup named: an LXC machine
// called "web" is not containerd's container "web".
func TestSourcesShortIDs(t *testing.T) {
	src := &fakeSource{c: &model.Container{ID: "web", Runtime: "containerd", Name: "web", Image: "busybox"}, changes: make(chan struct{})}
	c := New(Config{Sockets: []string{filepath.Join(t.TempDir(), "none.sock")}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Sources: []Source{src}, LookupTimeout: -1})
	for _, tt := range []struct {
		runtime, image string
	}{{"containerd", "busybox"}, {"lxc", ""}, {"", ""}} {
		s := &model.Snapshot{Containers: map[string]*model.Container{"web": {ID: "web", Runtime: tt.runtime}}}
		c.Enrich(s)
		if got := s.Containers["web"]; got.Image != tt.image {
			t.Errorf("cgroup runtime %q: enriched to %+v, want image %q", tt.runtime, got, tt.image)
		}
	}
}
