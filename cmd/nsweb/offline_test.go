package main

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

func TestServeOpenShowsASavedModel(t *testing.T) {
	dir := t.TempDir()
	snap := &model.Snapshot{Taken: time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC), Host: "far-away", Kernel: "6.1", Root: 1,
		Namespaces: map[model.NSID]*model.Namespace{1: {ID: 1, Type: model.User, Inode: 4026531837, Procs: []int{1}, Leader: 1}},
		Processes:  map[int]*model.Process{1: {PID: 1, Comm: "init", NS: map[model.NSType]model.NSID{model.User: 1}}}}
	b, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "model.json")
	if err := os.WriteFile(good, b, 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := startOffline(good, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	got := p.hub.Latest()
	if got == nil || got.Host != "far-away" || len(got.Namespaces) != 1 || p.watcher != nil {
		t.Fatalf("offline pipeline shows %+v", got)
	}
	if banner := offlineBanner(good, got); !strings.Contains(banner, "far-away") || !strings.Contains(banner, "model.json") || !strings.Contains(banner, "nothing is collected") {
		t.Errorf("banner %q", banner)
	}
	for name, data := range map[string]string{
		"text.json":  "not json",
		"empty.json": `{"namespaces":{}}`,
		"bad.json":   `{"namespaces":{"5":{"id":6,"type":"net"}}}`,
		"type.json":  `{"namespaces":{"5":{"id":5,"type":"nope"}}}`,
	} {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := startOffline(f, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("%s: %v, want an error naming the file", name, err)
		}
	}
	if _, err := startOffline(filepath.Join(dir, "missing.json"), slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a missing file: no error")
	}
}
