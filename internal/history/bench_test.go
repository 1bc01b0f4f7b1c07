package history

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/model"
)

// bigHost is a host of n containers of 6 namespaces and 2 processes each
// (30k namespaces at n = 5000), built as collect builds it: a new snapshot
// shares what did not change with the previous one.
type bigHost struct {
	s    *model.Snapshot
	next int
}

func newBigHost(n int) *bigHost {
	h := &bigHost{s: &model.Snapshot{Taken: time.Unix(1_800_000_000, 0), Host: "bench", Kernel: "6.18", Root: 1,
		Namespaces: map[model.NSID]*model.Namespace{}, Processes: map[int]*model.Process{}, Containers: map[string]*model.Container{}}}
	p := &model.Process{PID: 1, Comm: "systemd", Cmdline: "/sbin/init", Start: 1, NS: map[model.NSType]model.NSID{}}
	for i, t := range model.Types {
		id := model.NSID(1 + i)
		h.s.Namespaces[id] = &model.Namespace{ID: id, Type: t, Inode: 4026531835 + uint64(i), Owner: 1, Leader: 1, Procs: []int{1}}
		p.NS[t] = id
	}
	h.s.Processes[1] = p
	h.next = 100
	for range n {
		h.startIn(h.s)
	}
	return h
}

// startIn adds a container to s (modified in place).
func (h *bigHost) startIn(s *model.Snapshot) {
	i := h.next
	h.next++
	cid := fmt.Sprintf("%064x", i)
	s.Containers[cid] = &model.Container{ID: cid, Runtime: "docker", Name: fmt.Sprintf("web-%d", i), Image: "nginx:1.27",
		Labels: map[string]string{"com.docker.compose.project": "shop"}}
	ns := maps.Clone(s.Processes[1].NS)
	base := model.NSID(1000 + i*8)
	for j, t := range []model.NSType{model.PID, model.Net, model.Mnt, model.UTS, model.IPC, model.Cgroup} {
		id := base + model.NSID(j)
		ns[t] = id
		s.Namespaces[id] = &model.Namespace{ID: id, Type: t, Inode: 4026532000 + uint64(id), Dev: 4, Owner: 1,
			Leader: i * 10, Procs: []int{i * 10, i*10 + 1}, Containers: []string{cid}}
	}
	for k := range 2 {
		pid := i*10 + k
		s.Processes[pid] = &model.Process{PID: pid, PPID: 1, Comm: "nginx", Cmdline: "nginx: worker process", Start: uint64(pid),
			NS: ns, NSpid: []int{pid, 1 + k}, Container: cid}
	}
}

// churn returns the next snapshot: one container started, the oldest
// one stopped, one second later.
func (h *bigHost) churn(stopOld int) *model.Snapshot {
	s := *h.s
	s.Taken = s.Taken.Add(time.Second)
	s.Namespaces, s.Processes, s.Containers = maps.Clone(s.Namespaces), maps.Clone(s.Processes), maps.Clone(s.Containers)
	h.startIn(&s)
	if stopOld > 0 {
		i := stopOld
		delete(s.Containers, fmt.Sprintf("%064x", i))
		for j := range 6 {
			delete(s.Namespaces, model.NSID(1000+i*8+j))
		}
		delete(s.Processes, i*10)
		delete(s.Processes, i*10+1)
	}
	h.s = &s
	return &s
}

// record writes snapshots straight through a recorder's steps.
func recordAll(b testing.TB, st *Store, snaps ...*model.Snapshot) *Recorder {
	r := NewRecorder(st, nil)
	ctx := context.Background()
	if err := r.start(ctx); err != nil {
		b.Fatal(err)
	}
	for _, s := range snaps {
		r.take(s)
	}
	if err := r.commit(ctx); err != nil {
		b.Fatal(err)
	}
	return r
}

// cpuTime is the CPU time the process used so far: on a shared machine
// the wall time of a benchmark says more about the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAt rebuilds a moment of a 30,000-namespace host: the nearest
// checkpoint and the changes after it, up to the bound that forces the
// next checkpoint. Each iteration runs, back to back on the same store
// (an A/B that the noise of a shared machine hits alike):
//
//   - old: as before the binary codec, a gob checkpoint and every row
//     decoded whole, as many rows as a gob checkpoint's size allowed;
//   - old-rows: this code over that many rows;
//   - cold: this code, with the rows its (smaller) checkpoint allows and
//     an empty cache: the cost target;
//   - step: the moment ten rows later, with the cold one cached (a
//     scrubber dragged forward);
//   - again: the same moment, cached.
func BenchmarkAt(b *testing.B) {
	// Only the size bound writes checkpoints: at 460 bytes a row, the
	// rows of a gob checkpoint's bound span more than the 30 minutes (one
	// row a second) that would write the next one, and the setup never
	// reached its bound.
	st, err := Open(filepath.Join(b.TempDir(), FileName), Options{CheckpointEvery: 24 * time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	h := newBigHost(5000)
	r := recordAll(b, st, h.s)
	ctx := context.Background()
	gobCP, err := encodeCheckpointGob(newCheckpoint(h.s))
	if err != nil {
		b.Fatal(err)
	}
	binBytes := st.cpBytes
	// Rows as the old bound allowed them: the gob checkpoint's size.
	st.mu.Lock()
	st.cpBytes = int64(len(gobCP))
	st.mu.Unlock()
	n := 0
	var atNew, atStep time.Time
	newRows := 0
	for st.since < int64(len(gobCP))*95/100 {
		r.take(h.churn(100 + n))
		n++
		if n%50 == 0 {
			if err := r.commit(ctx); err != nil {
				b.Fatal(err)
			}
		}
		// The since counter grows at commits: commit each row near the
		// new bound to find it to the row.
		if atNew.IsZero() && st.since+int64(len(r.pending))*600 >= binBytes*95/100 {
			if err := r.commit(ctx); err != nil {
				b.Fatal(err)
			}
			if st.since >= binBytes*95/100 {
				atNew, newRows = h.s.Taken, n
			}
		}
		if !atNew.IsZero() && n == newRows+10 {
			atStep = h.s.Taken
		}
	}
	if err := r.commit(ctx); err != nil {
		b.Fatal(err)
	}
	atOld := h.s.Taken
	var cpKey int64
	if err := st.db.QueryRowContext(ctx, "SELECT max(t) FROM checkpoints").Scan(&cpKey); err != nil {
		b.Fatal(err)
	}
	want := 8 + 6*5000
	check := func(s *model.Snapshot, err error) {
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Namespaces) != want {
			b.Fatalf("%d namespaces", len(s.Namespaces))
		}
	}
	var cpu [5]time.Duration
	measure := func(i int, f func()) {
		c0 := cpuTime()
		f()
		cpu[i] += cpuTime() - c0
	}
	runtime.GC()
	ops := 0
	b.ResetTimer()
	for b.Loop() {
		ops++
		measure(0, func() { check(rebuildOld(ctx, st, gobCP, cpKey, key(atOld))) })
		st.cache.drop()
		measure(1, func() { check(st.At(ctx, atOld)) })
		st.cache.drop()
		measure(2, func() { check(st.At(ctx, atNew)) })
		measure(3, func() { check(st.At(ctx, atStep)) })
		measure(4, func() { check(st.At(ctx, atStep)) })
		st.cache.drop()
		runtime.GC() // each variant pays for its own garbage, not the previous one's
	}
	for i, name := range []string{"old", "old-rows", "cold", "step", "again"} {
		b.ReportMetric(float64(cpu[i].Microseconds())/1000/float64(ops), name+"-cpu-ms/op")
	}
	b.ReportMetric(float64(n), "old-rows")
	b.ReportMetric(float64(newRows), "rows")
	b.ReportMetric(float64(len(gobCP)), "gob-checkpoint-bytes")
	b.ReportMetric(float64(binBytes), "checkpoint-bytes")
}

// rebuildOld is At as it was before the binary codec and the cache: the
// gob checkpoint and every row decoded whole, in parallel.
func rebuildOld(ctx context.Context, st *Store, cpData []byte, cpKey, k int64) (*model.Snapshot, error) {
	raw, err := st.rows(ctx, cpKey, k)
	if err != nil {
		return nil, err
	}
	var cp checkpoint
	changes := make([]change, len(raw))
	errs := make([]error, len(raw)+1)
	var wg sync.WaitGroup
	wg.Go(func() { errs[len(raw)] = decodeCheckpoint(cpData, &cp) })
	decodeRows(&wg, raw, changes, errs)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s := fromCheckpoint(&cp)
	for i := range changes {
		c := &changes[i]
		s.apply(&c.stateChange)
	}
	return s.snapshot(fromKey(k)), nil
}

// BenchmarkRecordStart is the recorder's cost of one container start and
// one stop on a host of 1,000 containers (6,000 namespaces): the diff,
// its encoding and its share of a commit. It reports the bytes stored per
// event (born, ended, started, stopped), checkpoints included.
func BenchmarkRecordStart(b *testing.B) {
	st, err := Open(filepath.Join(b.TempDir(), FileName), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	h := newBigHost(1000)
	r := recordAll(b, st, h.s)
	ctx := context.Background()
	size0, _ := st.Size(ctx)
	ev0 := r.events.Load()
	i := 0
	var cpu time.Duration
	b.ResetTimer()
	for b.Loop() {
		s := h.churn(100 + i) // collect's work, not the recorder's
		cpu0 := cpuTime()
		r.take(s)
		i++
		if i%20 == 0 { // 20 starts a second, one commit a second
			if err := r.commit(ctx); err != nil {
				b.Fatal(err)
			}
		}
		cpu += cpuTime() - cpu0
	}
	if len(r.pending) > 0 {
		if err := r.commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/float64(i), "cpu-µs/op")
	size, _ := st.Size(ctx)
	if ev := r.events.Load() - ev0; ev > 0 {
		b.ReportMetric(float64(size-size0)/float64(ev), "bytes/event")
	}
}

// BenchmarkRowDecode compares decoding change rows whole (as rebuilds did)
// with skipping their events (stateChange): 200 rows of container churn.
func BenchmarkRowDecode(b *testing.B) {
	h := newBigHost(1000)
	prev := h.s
	var rows [][]byte
	for i := range 200 {
		next := h.churn(100 + i)
		data, err := encode(diff(prev, next), true)
		if err != nil {
			b.Fatal(err)
		}
		rows = append(rows, data)
		prev = next
	}
	for _, whole := range []bool{true, false} {
		name := "events-skipped"
		if whole {
			name = "whole"
		}
		b.Run(name, func(b *testing.B) {
			cpu0 := cpuTime()
			n := 0
			for b.Loop() {
				n++
				for _, r := range rows {
					var err error
					if whole {
						var c change
						err = decode(r, &c, true)
					} else {
						var c stateChange
						err = decode(r, &c, true)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n*len(rows)), "cpu-µs/row")
		})
	}
}
