package metrics

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/nsweb/nsweb/internal/engine"
	"github.com/nsweb/nsweb/internal/metrics/metricstest"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/stream"
	"github.com/nsweb/nsweb/internal/watch"
)

// fakeHub is a Hub whose state the test sets.
type fakeHub struct {
	snap          atomic.Pointer[model.Snapshot]
	clients, subs int
	stats         stream.Stats
}

func (h *fakeHub) Latest() *model.Snapshot { return h.snap.Load() }
func (h *fakeHub) Clients() int            { return h.clients }
func (h *fakeHub) Subscriptions() int      { return h.subs }
func (h *fakeHub) Stats() stream.Stats     { return h.stats }

// snapshot makes a snapshot with namespaces of the given types (IDs from 1
// on, or from ids), n processes and the given containers' runtimes.
func snapshot(types []model.NSType, procs int, runtimes ...string) *model.Snapshot {
	s := &model.Snapshot{Taken: time.Unix(1700000000, 500e6), Namespaces: map[model.NSID]*model.Namespace{},
		Processes: map[int]*model.Process{}, Containers: map[string]*model.Container{}}
	for i, t := range types {
		id := model.NSID(i + 1)
		s.Namespaces[id] = &model.Namespace{ID: id, Type: t}
	}
	for i := range procs {
		s.Processes[i+1] = &model.Process{PID: i + 1}
	}
	for i, rt := range runtimes {
		id := strings.Repeat(string(rune('a'+i)), 64)
		s.Containers[id] = &model.Container{ID: id, Runtime: rt}
	}
	return s
}

// scrape GETs the handler and parses the answer with the Prometheus text
// parser, failing the test on anything it refuses.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return metricstest.Read(t, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
}

// value is the value of the family's series with these labels (see
// metricstest.Value).
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	return metricstest.Value(fams, name, labels...)
}

func TestStateAtScrape(t *testing.T) {
	h := &fakeHub{clients: 3, subs: 2, stats: stream.Stats{Bytes: 12345, Messages: 7, Resyncs: 1, Refused: 4}}
	m := New(Sources{Hub: h})
	fams := scrape(t, m)
	if v := value(fams, "nsweb_namespaces", "type", "net"); v != -1 {
		t.Errorf("before any scan: nsweb_namespaces{type=net} = %v, want absent", v)
	}
	h.snap.Store(snapshot([]model.NSType{model.Net, model.Net, model.User, model.PID, "bogus"}, 5, "docker", "docker", "podman", ""))
	fams = scrape(t, m)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"nsweb_namespaces", []string{"type", "net"}, 2},
		{"nsweb_namespaces", []string{"type", "user"}, 1},
		{"nsweb_namespaces", []string{"type", "pid"}, 1},
		{"nsweb_namespaces", []string{"type", "time"}, 0},
		{"nsweb_processes", nil, 5},
		{"nsweb_containers", []string{"runtime", "docker"}, 2},
		{"nsweb_containers", []string{"runtime", "podman"}, 1},
		{"nsweb_containers", []string{"runtime", "unknown"}, 1},
		{"nsweb_snapshot_timestamp_seconds", nil, 1700000000.5},
		{"nsweb_websocket_clients", nil, 3},
		{"nsweb_views", nil, 2},
		{"nsweb_sent_bytes_total", nil, 12345},
		{"nsweb_sent_messages_total", nil, 7},
		{"nsweb_resyncs_total", nil, 1},
		{"nsweb_refused_clients_total", nil, 4},
		{"nsweb_watch_signals_total", []string{"source", "proc_connector"}, 0},
		{"nsweb_scan_duration_seconds", []string{"kind", "full"}, 0},
		{"nsweb_safety_rescan_changes_total", nil, 0},
	} {
		if got := value(fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if fams["go_goroutines"] == nil || fams["process_cpu_seconds_total"] == nil {
		t.Errorf("Go runtime and process metrics missing")
	}
	if n := len(fams["nsweb_namespaces"].Metric); n != len(model.Types) {
		t.Errorf("nsweb_namespaces has %d series, want one per type (%d): an invalid type must not add one", n, len(model.Types))
	}
}

func TestEngines(t *testing.T) {
	m := New(Sources{Engines: func() []engine.EngineStatus {
		return []engine.EngineStatus{
			{Socket: "/run/docker.sock", Runtime: "docker", Connected: true, Containers: 12},
			{Socket: "/run/podman/podman.sock", Err: "no such file"},
		}
	}})
	fams := scrape(t, m)
	for _, c := range []struct {
		name, socket string
		want         float64
	}{
		{"nsweb_engine_up", "/run/docker.sock", 1},
		{"nsweb_engine_containers", "/run/docker.sock", 12},
		{"nsweb_engine_up", "/run/podman/podman.sock", 0},
	} {
		if got := value(fams, c.name, "socket", c.socket); got != c.want {
			t.Errorf("%s{socket=%s} = %v, want %v", c.name, c.socket, got, c.want)
		}
	}
}

func TestSignalsBySource(t *testing.T) {
	m := New(Sources{})
	for _, sig := range []watch.Signal{
		{Reasons: watch.Proc, Events: 40},
		{Reasons: watch.Proc | watch.Mount, Events: 3},
		{Reasons: watch.Rescan},
		{Reasons: watch.Names},
		{Reasons: watch.Overflow | watch.Proc, Events: 1},
	} {
		m.ObserveSignal(sig)
	}
	fams := scrape(t, m)
	for src, want := range map[string]float64{"proc_connector": 3, "mountinfo": 1, "safety_rescan": 1, "engine": 1, "overflow": 1} {
		if got := value(fams, "nsweb_watch_signals_total", "source", src); got != want {
			t.Errorf("signals from %s = %v, want %v", src, got, want)
		}
	}
	if got := value(fams, "nsweb_watch_kernel_events_total"); got != 44 {
		t.Errorf("kernel events = %v, want 44", got)
	}
}

// TestTapAndScans drives the wrappers the way stream.Runner calls them: a
// signal through the tap, then the scan it asks for. Only a full scan that
// the safety rescan alone asked for counts the changes it finds.
func TestTapAndScans(t *testing.T) {
	h := &fakeHub{}
	m := New(Sources{Hub: h})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := make(chan watch.Signal)
	out := m.Tap(ctx, in)

	base := snapshot([]model.NSType{model.User, model.Net, model.Net}, 1)
	next := snapshot([]model.NSType{model.User, model.Net, model.Net, model.UTS, model.IPC}, 1)
	delete(next.Namespaces, 2) // one ended, two appeared: 3 changes
	var result atomic.Pointer[model.Snapshot]
	scan := m.Scan(func(context.Context) (*model.Snapshot, error) { return result.Load(), nil })
	failing := m.Scan(func(context.Context) (*model.Snapshot, error) { return nil, errors.New("boom") })
	rescan := m.Rescan(func(_ context.Context, prev *model.Snapshot, _ []int) (*model.Snapshot, error) { return prev, nil })

	// step sends a signal through the tap, takes it as the runner does and
	// runs the scan, publishing its result.
	step := func(reasons watch.Reason, snap *model.Snapshot, do stream.ScanFunc) {
		t.Helper()
		in <- watch.Signal{Reasons: reasons}
		if got := <-out; got.Reasons != reasons {
			t.Fatalf("tap passed %v, want %v", got.Reasons, reasons)
		}
		result.Store(snap)
		s, err := do(ctx)
		if err == nil {
			h.snap.Store(s)
		}
	}
	h.snap.Store(base)
	step(watch.Mount, next, scan)  // a mount change: events saw it
	step(watch.Rescan, base, scan) // the safety rescan finds 3 changes
	step(watch.Rescan, base, scan) // nothing changed: 0
	// A follow-up rescan of the runner's own (no PID) runs between the
	// tap and the scan: the scan still takes the signal's reasons, and
	// counts its 3 changes.
	in <- watch.Signal{Reasons: watch.Rescan}
	<-out
	if _, err := rescan(ctx, h.snap.Load(), []int{}); err != nil {
		t.Fatal(err)
	}
	result.Store(next)
	if s, err := scan(ctx); err == nil {
		h.snap.Store(s)
	}
	step(watch.Rescan|watch.Proc, next, scan) // an event came with it: not counted
	step(watch.Rescan, base, failing)         // a failed scan counts nothing
	step(watch.Proc, next, func(ctx context.Context) (*model.Snapshot, error) {
		return rescan(ctx, h.snap.Load(), []int{1})
	})
	fams := scrape(t, m)
	if got := value(fams, "nsweb_safety_rescan_changes_total"); got != 6 {
		t.Errorf("safety rescan changes = %v, want 6", got)
	}
	if got := value(fams, "nsweb_scan_duration_seconds", "kind", "full"); got != 5 {
		t.Errorf("full scans observed = %v, want 5", got)
	}
	if got := value(fams, "nsweb_scan_errors_total", "kind", "full"); got != 1 {
		t.Errorf("full scan errors = %v, want 1", got)
	}
	if got := value(fams, "nsweb_scan_duration_seconds", "kind", "partial"); got != 2 {
		t.Errorf("partial scans observed = %v, want 2", got)
	}
	if got := value(fams, "nsweb_watch_signals_total", "source", "safety_rescan"); got != 5 {
		t.Errorf("safety rescan signals = %v, want 5", got)
	}
	close(in)
	if _, ok := <-out; ok {
		t.Error("tap output still open after its input closed")
	}
}

type finds uint64

func (f finds) SafetyRescanFinds() uint64 { return uint64(f) }

func TestRunnerCountPlugsIn(t *testing.T) {
	m := New(Sources{SafetyRescanFinds: finds(17)})
	if got := value(scrape(t, m), "nsweb_safety_rescan_changes_total"); got != 17 {
		t.Errorf("safety rescan changes = %v, want the runner's 17", got)
	}
}

func TestChanged(t *testing.T) {
	a := snapshot([]model.NSType{model.User, model.Net}, 0)
	b := snapshot([]model.NSType{model.User, model.Net, model.Mnt}, 0)
	for _, c := range []struct {
		prev, next *model.Snapshot
		want       int
	}{
		{a, a, 0}, {a, b, 1}, {b, a, 1}, {nil, a, 0}, {a, nil, 0},
	} {
		if got := Changed(c.prev, c.next); got != c.want {
			t.Errorf("Changed = %d, want %d", got, c.want)
		}
	}
}

// BenchmarkScrape is one Prometheus scrape of a busy host's state: 60,000
// namespaces, 20,000 processes, 1,000 containers.
func BenchmarkScrape(b *testing.B) {
	types := make([]model.NSType, 60000)
	for i := range types {
		types[i] = model.Types[i%len(model.Types)]
	}
	rts := make([]string, 1000)
	for i := range rts {
		rts[i] = []string{"docker", "podman", "kubernetes"}[i%3]
	}
	h := &fakeHub{}
	h.snap.Store(snapshot(types, 20000, rts...))
	m := New(Sources{Hub: h})
	req := httptest.NewRequest("GET", "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
