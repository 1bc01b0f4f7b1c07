package history

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// host builds snapshots of a made-up host: the initial namespaces with
// process 1, plus whatever a test adds.
type host struct {
	ns    map[model.NSID]*model.Namespace
	procs map[int]*model.Process
	ctrs  map[string]*model.Container
}

func newHost() *host {
	h := &host{ns: map[model.NSID]*model.Namespace{}, procs: map[int]*model.Process{}, ctrs: map[string]*model.Container{}}
	p := &model.Process{PID: 1, Comm: "init", Start: 1, NS: map[model.NSType]model.NSID{}}
	for i, t := range model.Types {
		id := model.NSID(1 + i)
		h.ns[id] = &model.Namespace{ID: id, Type: t, Inode: 4026531835 + uint64(i), Owner: 1, Leader: 1}
		p.NS[t] = id
	}
	h.procs[1] = p
	return h
}

// start adds a process in a new net namespace id (in container ctr when
// not empty).
func (h *host) start(pid int, id model.NSID, comm, ctr string) {
	p := &model.Process{PID: pid, Comm: comm, Start: uint64(pid), Container: ctr, NS: maps.Clone(h.procs[1].NS)}
	p.NS[model.Net] = id
	h.procs[pid] = p
	ns := &model.Namespace{ID: id, Type: model.Net, Inode: 4026532000 + uint64(id), Owner: 1, Leader: pid}
	if ctr != "" {
		ns.Containers = []string{ctr}
		h.ctrs[ctr] = &model.Container{ID: ctr, Runtime: "docker", Name: "web-" + ctr, Image: "nginx"}
	}
	h.ns[id] = ns
}

func (h *host) stop(pid int) {
	p := h.procs[pid]
	delete(h.ns, p.NS[model.Net])
	delete(h.procs, pid)
	if p.Container != "" {
		delete(h.ctrs, p.Container)
	}
}

// snap is the host now, with member lists filled as collect fills them.
func (h *host) snap() *model.Snapshot {
	s := &model.Snapshot{Taken: time.Now(), Host: "test", Kernel: "6.1", Root: 1,
		Namespaces: map[model.NSID]*model.Namespace{}, Processes: maps.Clone(h.procs), Containers: maps.Clone(h.ctrs)}
	for id, ns := range h.ns {
		cp := *ns
		cp.Procs = nil
		s.Namespaces[id] = &cp
	}
	for pid, p := range h.procs {
		for t, id := range p.NS {
			if ns := s.Namespaces[id]; ns != nil && ns.Type == t {
				ns.Procs = append(ns.Procs, pid)
			}
		}
	}
	for _, ns := range s.Namespaces {
		slicesSort(ns.Procs)
	}
	return s
}

func slicesSort(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// run records with a recorder into the store at path until stop is called.
func run(t *testing.T, path string, opt Options) (*Store, *Recorder, func()) {
	t.Helper()
	st, err := Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(st, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rec.Run(ctx); close(done) }()
	return st, rec, func() {
		cancel()
		<-done
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestLivedBetweenT1AndT2(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	synctest.Test(t, func(t *testing.T) {
		h := newHost()
		st, rec, stop := run(t, path, Options{})
		rec.Record(h.snap())
		time.Sleep(5 * time.Second)
		h.start(100, 500, "sleep", "c1")
		rec.Record(h.snap())
		t1 := time.Now()
		time.Sleep(10 * time.Second)
		h.stop(100)
		rec.Record(h.snap())
		t2 := time.Now()
		time.Sleep(2 * time.Second) // committed within a second
		check := func(st *Store) {
			t.Helper()
			ctx := context.Background()
			at1, err := st.At(ctx, t1)
			if err != nil {
				t.Fatal(err)
			}
			ns := at1.Namespaces[500]
			if ns == nil || len(ns.Procs) != 1 || ns.Procs[0] != 100 || at1.Containers["c1"] == nil {
				t.Fatalf("at T1: namespace 500 = %+v, containers %v", ns, at1.Containers)
			}
			if got := len(at1.Namespaces[4].Procs); got != 2 {
				t.Errorf("at T1 the host's mnt namespace has %d members, want 2", got)
			}
			at2, err := st.At(ctx, t2)
			if err != nil {
				t.Fatal(err)
			}
			if at2.Namespaces[500] != nil || at2.Processes[100] != nil || len(at2.Namespaces) != 8 {
				t.Fatalf("at T2: %d namespaces, 500 = %+v", len(at2.Namespaces), at2.Namespaces[500])
			}
			page, err := st.Events(ctx, Query{Q: "net"})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []Kind
			for _, e := range page.Events {
				kinds = append(kinds, e.Kind)
				if e.NS != 500 {
					t.Errorf("event %+v is not of namespace 500", e)
				}
			}
			if fmt.Sprint(kinds) != "[born ended]" {
				t.Errorf("events of net: %v, want [born ended]", kinds)
			}
			page, err = st.Events(ctx, Query{Q: "web-c1 -ns:"})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Events) != 2 || page.Events[0].Kind != Started || page.Events[0].Namespaces != 1 || page.Events[1].Kind != Stopped {
				t.Errorf("container events: %+v", page.Events)
			}
			page, err = st.Events(ctx, Query{Q: "web-c1", Desc: true, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			next, err := st.Events(ctx, Query{Q: "web-c1", Desc: true, Cursor: page.Next})
			if err != nil {
				t.Fatal(err)
			}
			var got []Kind
			for _, e := range append(page.Events, next.Events...) {
				got = append(got, e.Kind)
			}
			if fmt.Sprint(got) != "[ended stopped born started]" || next.Next != "" {
				t.Errorf("newest first in pages of 3: %v (next %q)", got, next.Next)
			}
			lt, err := st.Lifetime(ctx, 500)
			if err != nil || lt == nil {
				t.Fatalf("lifetime: %v, %v", lt, err)
			}
			if lt.Before || lt.Ended == nil || lt.Ended.Sub(lt.Born) != 10*time.Second || lt.PID != 100 || lt.Comm != "sleep" || lt.Container != "web-c1" {
				t.Errorf("lifetime %+v", lt)
			}
			if lt, _ := st.Lifetime(ctx, 1); lt == nil || !lt.Before || lt.Ended != nil {
				t.Errorf("lifetime of the initial user namespace: %+v", lt)
			}
		}
		check(st)
		stop()
		// A restart: what was recorded is read back, and recording goes on.
		st, rec, stop = run(t, path, Options{})
		check(st)
		h.start(101, 501, "sh", "")
		rec.Record(h.snap())
		time.Sleep(2 * time.Second)
		if lt, _ := st.Lifetime(context.Background(), 501); lt == nil || lt.Before {
			t.Errorf("after a restart, a new namespace's lifetime: %+v", lt)
		}
		stop()
	})
}

func TestRetentionByAgeAndSize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), FileName)
		st, rec, stop := run(t, path, Options{MaxAge: time.Hour, CheckpointEvery: 10 * time.Minute})
		defer stop()
		h := newHost()
		rec.Record(h.snap())
		start := time.Now()
		for i := range 3 * 60 { // three hours, a change a minute
			time.Sleep(time.Minute)
			h.start(1000+i, model.NSID(1000+i), "x", "")
			rec.Record(h.snap())
		}
		time.Sleep(2 * time.Minute) // retention runs once a minute
		ctx := context.Background()
		oldest, newest, err := st.Range(ctx)
		if err != nil {
			t.Fatal(err)
		}
		age := time.Since(oldest)
		if age < time.Hour || age > time.Hour+10*time.Minute+time.Minute {
			t.Errorf("kept %v (from %v to %v), want an hour plus at most a checkpoint interval", age, oldest, newest)
		}
		var nerr *NotRecordedError
		if _, err := st.At(ctx, start.Add(time.Minute)); !errors.As(err, &nerr) {
			t.Errorf("at a moment retention dropped: %v, want a NotRecordedError", err)
		}
		if _, err := st.At(ctx, newest.Add(-30*time.Minute)); err != nil {
			t.Errorf("at a moment kept: %v", err)
		}
		page, err := st.Events(ctx, Query{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) == 0 || page.Events[0].T.Before(oldest) {
			t.Errorf("%d events, the first at %v, before the oldest kept %v", len(page.Events), page.Events[0].T, oldest)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), FileName)
		const limit = 160 << 10
		st, rec, stop := run(t, path, Options{MaxBytes: limit, CheckpointEvery: time.Minute})
		defer stop()
		h := newHost()
		for i := range 200 {
			h.start(1000+i, model.NSID(1000+i), fmt.Sprintf("a-long-command-name-%d", i), fmt.Sprintf("container-%d", i))
		}
		for i := range 150 {
			time.Sleep(20 * time.Second)
			h.stop(1000 + i%200)
			h.start(1000+i%200, model.NSID(5000+i), fmt.Sprintf("b-%d", i), fmt.Sprintf("container-%d", i))
			rec.Record(h.snap())
		}
		time.Sleep(2 * time.Minute)
		size, err := st.Size(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if size > limit {
			t.Errorf("store holds %d bytes, bound %d", size, limit)
		}
		oldest, newest, _ := st.Range(context.Background())
		if newest.Sub(oldest) > 45*time.Minute || newest.Sub(oldest) <= 0 {
			t.Errorf("kept %v of 50 minutes: retention by size dropped nothing or everything", newest.Sub(oldest))
		}
	})
}

func TestUnusableFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	foreignDB := filepath.Join(dir, "foreign.db")
	{
		st, err := Open(foreignDB, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.db.Exec("PRAGMA application_id=1"); err != nil {
			t.Fatal(err)
		}
		_ = st.Close()
	}
	good := filepath.Join(dir, "good.db")
	{
		synctest.Test(t, func(t *testing.T) {
			_, rec, stop := run(t, good, Options{})
			h := newHost()
			for i := range 50 {
				h.start(100+i, model.NSID(100+i), "x", "")
				rec.Record(h.snap())
				time.Sleep(100 * time.Millisecond)
			}
			stop()
		})
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := append([]byte{}, data...)
	for i := 100; i < len(corrupt); i += 7 {
		corrupt[i] ^= 0x5a
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"text", write("text.db", []byte("hello, I am a config file\n")), "not an SQLite database"},
		{"foreign", foreignDB, "another program"},
		{"corrupt", write("corrupt.db", corrupt), "history.db"[:0] + "corrupt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(tc.path)
			_, err := Open(tc.path, Options{})
			if !errors.Is(err, ErrUnusable) || !contains(err.Error(), tc.want) || !contains(err.Error(), tc.path) {
				t.Fatalf("Open = %v, want ErrUnusable saying %q and naming the file", err, tc.want)
			}
			after, _ := os.ReadFile(tc.path)
			if string(before) != string(after) {
				t.Error("the unusable file was changed")
			}
		})
	}
	t.Run("locked", func(t *testing.T) {
		p := filepath.Join(dir, "locked.db")
		st, err := Open(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := Open(p, Options{}); !errors.Is(err, ErrUnusable) || !contains(err.Error(), "another nsweb") {
			t.Fatalf("a second writer: %v", err)
		}
		ro, err := Open(p, Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("a reader beside the writer: %v", err)
		}
		_ = ro.Close()
	})
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub))
}
