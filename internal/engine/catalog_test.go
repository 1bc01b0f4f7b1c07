package engine_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/engine"
	"github.com/nsweb/nsweb/internal/engine/enginetest"
	"github.com/nsweb/nsweb/internal/model"
)

const (
	idA = "aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111"
	idB = "bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222"
	idC = "aaaa1111cccc3333cccc3333cccc3333cccc3333cccc3333cccc3333cccc3333"
)

// start runs a catalogue of the given sockets until the test ends and waits
// for Run to return then.
func start(t testing.TB, cfg engine.Config) *engine.Catalog {
	t.Helper()
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 10 * time.Millisecond
		cfg.MaxBackoff = 100 * time.Millisecond
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := engine.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return within 5 s of cancellation")
		}
	})
	return c
}

// waitFor polls cond until it holds or 5 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func connected(c *engine.Catalog) bool {
	for _, s := range c.Engines() {
		if !s.Connected {
			return false
		}
	}
	return true
}

// drain empties the Changes channel so that the next signal is a new one.
func drain(c *engine.Catalog) {
	select {
	case <-c.Changes():
	default:
	}
}

func waitChange(t *testing.T, c *engine.Catalog, what string) {
	t.Helper()
	select {
	case <-c.Changes():
	case <-time.After(5 * time.Second):
		t.Fatalf("no change signal after %s", what)
	}
}

func TestCatalogListsAndFollowsEvents(t *testing.T) {
	fe := enginetest.Start(t, false)
	fe.Set(enginetest.Container{
		ID: idA, Names: []string{"/web-1"}, Image: "nginx:1.27", State: "running",
		Labels: map[string]string{
			"io.kubernetes.pod.name": "api-7f9c", "io.kubernetes.pod.namespace": "prod",
			"com.docker.compose.project": "shop",
		},
	})
	c := start(t, engine.Config{Sockets: []string{fe.Path}})
	waitFor(t, "connection", func() bool { return connected(c) })

	got, ok := c.Lookup("docker", idA)
	if !ok {
		t.Fatalf("Lookup(docker, %s) found nothing; engines: %+v", idA, c.Engines())
	}
	want := &model.Container{
		ID: idA, Runtime: "docker", Name: "web-1", Image: "nginx:1.27", Pod: "api-7f9c", PodNamespace: "prod",
		Labels: map[string]string{
			"io.kubernetes.pod.name": "api-7f9c", "io.kubernetes.pod.namespace": "prod",
			"com.docker.compose.project": "shop",
		},
	}
	assertContainer(t, got, want)
	if p := engine.ComposeProject(got); p != "shop" {
		t.Errorf("ComposeProject = %q, want shop", p)
	}
	got.Labels["mutated"] = "yes"
	if again, _ := c.Lookup("docker", idA); again.Labels["mutated"] != "" {
		t.Error("Lookup returned the catalogue's own map: callers can change it")
	}

	drain(c)
	fe.Add(enginetest.Container{ID: idB, Names: []string{"/db"}, Image: "postgres:17", Labels: map[string]string{"tier": "data"}})
	waitChange(t, c, "a container started")
	waitFor(t, "the new container's labels", func() bool {
		x, ok := c.Lookup("docker", idB)
		return ok && x.Labels["tier"] == "data"
	})
	x, _ := c.Lookup("docker", idB)
	assertContainer(t, x, &model.Container{ID: idB, Runtime: "docker", Name: "db", Image: "postgres:17", Labels: map[string]string{"tier": "data"}})

	drain(c)
	fe.Remove(idB)
	waitChange(t, c, "a container was removed")
	waitFor(t, "the removed container to leave", func() bool { _, ok := c.Lookup("", idB); return !ok })
	if n := len(c.Containers()); n != 1 {
		t.Errorf("Containers() has %d entries, want 1", n)
	}
}

func assertContainer(t *testing.T, got, want *model.Container) {
	t.Helper()
	if got.ID != want.ID || got.Runtime != want.Runtime || got.Name != want.Name || got.Image != want.Image ||
		got.Pod != want.Pod || got.PodNamespace != want.PodNamespace || len(got.Labels) != len(want.Labels) {
		t.Fatalf("container = %+v, want %+v", got, want)
	}
	for k, v := range want.Labels {
		if got.Labels[k] != v {
			t.Fatalf("label %q = %q, want %q", k, got.Labels[k], v)
		}
	}
}

func TestLookup(t *testing.T) {
	fe := enginetest.Start(t, false)
	fe.Set(
		enginetest.Container{ID: idA, Names: []string{"/a"}},
		enginetest.Container{ID: idB, Names: []string{"/b"}},
		enginetest.Container{ID: idC, Names: []string{"/c"}},
	)
	c := start(t, engine.Config{Sockets: []string{fe.Path}})
	waitFor(t, "connection", func() bool { return connected(c) })
	tests := []struct {
		runtime, id string
		want        string // name, "" for not found
	}{
		{"docker", idA, "a"},
		{"", idA, "a"},
		{"docker", strings.ToUpper(idA), "a"},
		{"docker", idB[:12], "b"},
		{"docker", "bb", "b"},
		{"docker", "aaaa1111", ""}, // ambiguous: a and c
		{"docker", "aaaa1111c", "c"},
		{"podman", idA, ""},
		{"docker", "", ""},
		{"docker", idA + "0", ""},
		{"docker", "ffff", ""},
	}
	for _, tt := range tests {
		x, ok := c.Lookup(tt.runtime, tt.id)
		switch {
		case tt.want == "" && ok:
			t.Errorf("Lookup(%q, %q) = %s, want nothing", tt.runtime, tt.id, x.Name)
		case tt.want != "" && !ok:
			t.Errorf("Lookup(%q, %q) found nothing, want %s", tt.runtime, tt.id, tt.want)
		case tt.want != "" && x.Name != tt.want:
			t.Errorf("Lookup(%q, %q) = %s, want %s", tt.runtime, tt.id, x.Name, tt.want)
		}
	}
}

func TestPodmanIsToldApart(t *testing.T) {
	fd := enginetest.Start(t, false)
	fp := enginetest.Start(t, true)
	fd.Set(enginetest.Container{ID: idA, Names: []string{"/from-docker"}})
	fp.Set(enginetest.Container{ID: idB, Names: []string{"/from-podman"}, Image: "localhost/x:1"})
	c := start(t, engine.Config{Sockets: []string{fd.Path, fp.Path}})
	waitFor(t, "both connections", func() bool { return connected(c) })
	if x, ok := c.Lookup("podman", idB); !ok || x.Runtime != "podman" || x.Name != "from-podman" {
		t.Errorf("Lookup(podman, B) = %+v, %v", x, ok)
	}
	if _, ok := c.Lookup("docker", idB); ok {
		t.Error("a podman container was found as docker")
	}
	st := c.Engines()
	if len(st) != 2 || st[0].Runtime != "docker" || st[1].Runtime != "podman" {
		t.Errorf("Engines() = %+v", st)
	}
}

func TestEnrich(t *testing.T) {
	fe := enginetest.Start(t, false)
	fe.Set(enginetest.Container{ID: idA, Names: []string{"/web"}, Image: "nginx", Labels: map[string]string{"io.kubernetes.pod.name": "p"}})
	c := start(t, engine.Config{Sockets: []string{fe.Path}})
	waitFor(t, "connection", func() bool { return connected(c) })
	s := &model.Snapshot{Containers: map[string]*model.Container{
		idA:        {ID: idA, Runtime: "docker"},
		"other":    {ID: "other", Runtime: "lxc", Name: "keep-me"},
		idB:        {ID: idB, Runtime: "docker"},
		"k8s-of-a": {ID: idA, Runtime: "kubernetes", PodNamespace: "from-cgroup"},
	}}
	c.Enrich(s)
	if x := s.Containers[idA]; x.Name != "web" || x.Image != "nginx" || x.Pod != "p" || x.Runtime != "docker" {
		t.Errorf("enriched A = %+v", x)
	}
	if x := s.Containers["k8s-of-a"]; x.Name != "web" || x.Runtime != "kubernetes" || x.PodNamespace != "from-cgroup" {
		t.Errorf("A seen through another runtime = %+v", x)
	}
	if x := s.Containers["other"]; x.Name != "keep-me" || x.Image != "" {
		t.Errorf("unknown container changed: %+v", x)
	}
	if x := s.Containers[idB]; x.Name != "" {
		t.Errorf("container the engine does not know got a name: %+v", x)
	}
	c.Enrich(nil) // must not panic
}

func TestReconnectAfterEngineRestart(t *testing.T) {
	fe := enginetest.Start(t, false)
	fe.Set(enginetest.Container{ID: idA, Names: []string{"/before"}})
	c := start(t, engine.Config{Sockets: []string{fe.Path}})
	waitFor(t, "connection", func() bool { return connected(c) })

	fe.Down()
	waitFor(t, "the loss to be noticed", func() bool { return !connected(c) })
	if st := c.Engines()[0]; st.Err == "" {
		t.Errorf("a lost engine has no error: %+v", st)
	}
	if _, ok := c.Lookup("docker", idA); !ok {
		t.Error("containers of a lost engine were forgotten before it came back")
	}

	// While it was away, A went and B came: the new connection must show it.
	fe.Set(enginetest.Container{ID: idB, Names: []string{"/after"}})
	drain(c)
	if err := fe.Up(); err != nil {
		t.Fatal(err)
	}
	waitChange(t, c, "the engine came back with other containers")
	waitFor(t, "reconnection", func() bool { return connected(c) && fe.Subscribers() == 1 })
	if _, ok := c.Lookup("docker", idA); ok {
		t.Error("a container removed while the engine was away is still known")
	}
	if x, ok := c.Lookup("docker", idB); !ok || x.Name != "after" {
		t.Errorf("Lookup(B) = %+v, %v", x, ok)
	}
	// And the new stream works.
	fe.Add(enginetest.Container{ID: idC, Names: []string{"/later"}})
	waitFor(t, "an event on the new stream", func() bool { _, ok := c.Lookup("docker", idC); return ok })
}

func TestMalformedList(t *testing.T) {
	fe := enginetest.Start(t, false)
	fe.SetListBody([]byte(`[{"Id": "abc", "Names": [`))
	c := start(t, engine.Config{Sockets: []string{fe.Path}})
	waitFor(t, "the decode error", func() bool {
		return strings.Contains(c.Engines()[0].Err, "decode /containers/json")
	})
	if connected(c) {
		t.Error("an engine whose list does not decode counts as connected")
	}
	fe.SetListBody([]byte(`{"message": "not a list"}`))
	waitFor(t, "the second decode error", func() bool {
		return strings.Contains(c.Engines()[0].Err, "not a list")
	})
	fe.SetListBody(nil)
	fe.Set(enginetest.Container{ID: idA, Names: []string{"/fine"}})
	waitFor(t, "recovery", func() bool { _, ok := c.Lookup("docker", idA); return ok && connected(c) })
}

func TestMalformedEventKeepsStream(t *testing.T) {
	fe := enginetest.Start(t, false)
	c := start(t, engine.Config{Sockets: []string{fe.Path}})
	waitFor(t, "connection", func() bool { return connected(c) && fe.Subscribers() == 1 })
	lists := fe.Lists()
	fe.EmitRaw([]byte("{\"Type\": \"container\", \"Action\": \n"))
	fe.EmitRaw([]byte("\x00\xff garbage\n"))
	fe.EmitRaw([]byte("[1,2,3]\n"))
	waitFor(t, "the malformed-event error", func() bool {
		return strings.Contains(c.Engines()[0].Err, "malformed event")
	})
	// Whatever the bad line meant, a fresh list covers it.
	waitFor(t, "a relist", func() bool { return fe.Lists() > lists })
	fe.Add(enginetest.Container{ID: idA, Names: []string{"/after-garbage"}})
	waitFor(t, "a good event after bad ones", func() bool { _, ok := c.Lookup("docker", idA); return ok })
	if !connected(c) || fe.Subscribers() != 1 {
		t.Errorf("stream was dropped for a malformed line: %+v", c.Engines())
	}
}

func TestOversizedEventReconnects(t *testing.T) {
	fe := enginetest.Start(t, false)
	c := start(t, engine.Config{Sockets: []string{fe.Path}, MaxEventBytes: 1024, MinBackoff: 300 * time.Millisecond, MaxBackoff: time.Second})
	waitFor(t, "connection", func() bool { return connected(c) && fe.Subscribers() == 1 })
	lists := fe.Lists()
	fe.EmitRaw([]byte(`{"Type":"container","Action":"start","id":"` + strings.Repeat("a", 100000) + "\"}\n"))
	waitFor(t, "the size error", func() bool { return strings.Contains(c.Engines()[0].Err, "longer than 1024 bytes") })
	waitFor(t, "reconnection", func() bool { return connected(c) && fe.Lists() > lists && fe.Subscribers() == 1 })
}

func TestOversizedList(t *testing.T) {
	fe := enginetest.Start(t, false)
	fe.SetListBody([]byte("[" + strings.Repeat(" ", 4096) + "]"))
	c := start(t, engine.Config{Sockets: []string{fe.Path}, MaxListBytes: 1024})
	waitFor(t, "the size error", func() bool { return strings.Contains(c.Engines()[0].Err, "exceeds 1024 bytes") })
}

func TestHostileNames(t *testing.T) {
	fe := enginetest.Start(t, false)
	many := map[string]string{}
	for i := range 1000 {
		many[strings.Repeat("k", 3)+string(rune('a'+i%26))+strings.Repeat("x", i/26)] = "v"
	}
	fe.Set(
		enginetest.Container{ID: idA, Names: []string{"/<script>alert(1)</script>\n\x1b[31mred"}, Image: "img\xff\xfe", Labels: many},
		enginetest.Container{ID: idB, Names: []string{"/" + strings.Repeat("long", 10000)}, Image: strings.Repeat("i", 10000)},
		enginetest.Container{ID: "", Names: []string{"/no-id"}},
		enginetest.Container{ID: "../../etc", Names: []string{"/traversal"}},
		enginetest.Container{ID: idC, Names: []string{"/web/db-alias", "/db"}},
	)
	c := start(t, engine.Config{Sockets: []string{fe.Path}})
	waitFor(t, "connection", func() bool { return connected(c) })

	a, ok := c.Lookup("docker", idA)
	if !ok {
		t.Fatal("container with a hostile name was dropped")
	}
	if strings.ContainsAny(a.Name, "\n\x1b") || !strings.Contains(a.Name, "<script>") {
		t.Errorf("name = %q: want control characters replaced, text otherwise kept (escaping is the renderers' job)", a.Name)
	}
	if a.Image != "img\uFFFD\uFFFD" {
		t.Errorf("image = %q, want invalid UTF-8 replaced", a.Image)
	}
	if len(a.Labels) != 256 {
		t.Errorf("%d labels kept, want the cap of 256", len(a.Labels))
	}
	b, ok := c.Lookup("docker", idB)
	if !ok || len(b.Name) > 512 || !strings.HasSuffix(b.Name, "…") || len(b.Image) > 512 {
		t.Errorf("long name not cut to 512 bytes with a mark: %d bytes, ok=%v", len(b.Name), ok)
	}
	if x, ok := c.Lookup("docker", idC); !ok || x.Name != "db" {
		t.Errorf("link alias taken for the name: %+v", x)
	}
	if _, ok := c.Lookup("", "../../etc"); ok {
		t.Error("an ID that cannot be a cgroup path element was accepted")
	}
	st := c.Engines()[0]
	if st.Containers != 3 || !strings.Contains(st.Err, "without an ID") || !strings.Contains(st.Err, `"../../etc"`) {
		t.Errorf("dropped entries not reported: %+v", st)
	}
}

// countingHandler counts log records at or above a level.
type countingHandler struct {
	mu    sync.Mutex
	n     int
	level slog.Level
}

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h *countingHandler) Handle(context.Context, slog.Record) error {
	h.mu.Lock()
	h.n++
	h.mu.Unlock()
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }
func (h *countingHandler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

func TestAbsentAndDeadEnginesAreQuiet(t *testing.T) {
	dir := t.TempDir()
	absent := filepath.Join(dir, "absent.sock")
	dead := filepath.Join(dir, "dead.sock") // a plain file: connecting is refused
	if err := os.WriteFile(dead, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h := &countingHandler{level: slog.LevelDebug}
	c := start(t, engine.Config{Sockets: []string{absent, dead}, Logger: slog.New(h), MaxBackoff: 20 * time.Millisecond, MinBackoff: time.Millisecond})
	waitFor(t, "both errors", func() bool {
		st := c.Engines()
		return strings.Contains(st[0].Err, "no such file") && st[1].Err != ""
	})
	time.Sleep(200 * time.Millisecond) // many retries at 20 ms
	if n := h.count(); n != 2 {
		t.Errorf("%d log records for two unreachable engines over many retries, want 2 (one each)", n)
	}
	if _, ok := c.Lookup("", idA); ok {
		t.Error("found a container with no engine")
	}
}

func TestSymlinkedSocketsAskedOnce(t *testing.T) {
	fe := enginetest.Start(t, false)
	link := filepath.Join(t.TempDir(), "docker.sock")
	if err := os.Symlink(fe.Path, link); err != nil {
		t.Fatal(err)
	}
	c := engine.New(engine.Config{Sockets: []string{fe.Path, link}})
	if n := len(c.Engines()); n != 1 {
		t.Errorf("%d engines for one socket reached by two paths, want 1", n)
	}
}

func TestDefaultSockets(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	got := strings.Join(engine.DefaultSockets(), " ")
	for _, want := range []string{"/var/run/docker.sock", "/run/podman/podman.sock", "/run/user/1000/podman/podman.sock"} {
		if !strings.Contains(got, want) {
			t.Errorf("DefaultSockets() = %s, lacks %s", got, want)
		}
	}
	if strings.Contains(got, "containerd") {
		t.Errorf("DefaultSockets() = %s: containerd speaks gRPC, not this API", got)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	fe := enginetest.Start(t, false)
	fe.Set(enginetest.Container{ID: idA, Names: []string{"/a"}})
	before := runtime.NumGoroutine()

	absent := filepath.Join(t.TempDir(), "absent.sock")
	c := engine.New(engine.Config{Sockets: []string{fe.Path, absent}, Logger: slog.New(slog.DiscardHandler),
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Timeout: 2 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	waitFor(t, "connection", func() bool { return c.Engines()[0].Connected })
	for i := range 20 {
		id := strings.Repeat(string(rune('0'+i%10)), 64)
		fe.Add(enginetest.Container{ID: id})
		fe.Remove(id)
	}
	fe.Down() // one reconnect cycle too
	if err := fe.Up(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "reconnection", func() bool { return fe.Subscribers() == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

// TestEnrichAsksAboutUnknown: a container that cgroups show before its
// engine announced it (podman's events come after the start) is named in
// the same Enrich by asking the engine; one the engine does not run costs
// one question per while, not one per scan.
func TestEnrichAsksAboutUnknown(t *testing.T) {
	tests := []struct {
		name     string
		timeout  time.Duration // Config.LookupTimeout
		runtime  string        // the cgroup's runtime of the late container
		wantName string
		wantAsks int // inspect calls after two Enrich calls
	}{
		{"podman container named at once", 0, "podman", "late", 2},
		{"lookups disabled", -1, "podman", "", 0},
		{"another runtime is not asked", 0, "docker", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := enginetest.Start(t, true)
			fe.AddUnlisted(enginetest.Container{ID: idA, Names: []string{"/late"}, Image: "busybox",
				Labels: map[string]string{"io.kubernetes.pod.name": "api-7f9c"}})
			c := start(t, engine.Config{Sockets: []string{fe.Path}, LookupTimeout: tt.timeout})
			waitFor(t, "connection", func() bool { return connected(c) })
			snap := func() *model.Snapshot {
				return &model.Snapshot{Containers: map[string]*model.Container{
					idA:   {ID: idA, Runtime: tt.runtime},
					idB:   {ID: idB, Runtime: tt.runtime},
					"lxc": {ID: "web", Runtime: "lxc"},
				}}
			}
			s := snap()
			c.Enrich(s)
			if x := s.Containers[idA]; x.Name != tt.wantName || (tt.wantName != "" && (x.Image != "busybox" || x.Pod != "api-7f9c")) {
				t.Errorf("late container = %+v, want name %q", x, tt.wantName)
			}
			if x := s.Containers[idB]; x.Name != "" {
				t.Errorf("container no engine runs got named: %+v", x)
			}
			// Again: A is known now, B was asked about a moment ago.
			s = snap()
			c.Enrich(s)
			if got := fe.Inspects(); got != tt.wantAsks {
				t.Errorf("%d questions to the engine, want %d", got, tt.wantAsks)
			}
			if s.Containers[idA].Name != tt.wantName {
				t.Errorf("second Enrich: late container = %+v", s.Containers[idA])
			}
			if _, known := c.Lookup("", idA); known != (tt.wantName != "") {
				t.Errorf("Lookup(A) known = %v after the answer", known)
			}
		})
	}
}

// TestEnrichStuckEngine: an engine that does not answer delays a scan by
// LookupTimeout at most, and the container stays unnamed.
func TestEnrichStuckEngine(t *testing.T) {
	fe := enginetest.Start(t, true)
	fe.AddUnlisted(enginetest.Container{ID: idA, Names: []string{"/late"}})
	fe.SetInspectDelay(time.Minute)
	const timeout = 100 * time.Millisecond
	c := start(t, engine.Config{Sockets: []string{fe.Path}, LookupTimeout: timeout})
	waitFor(t, "connection", func() bool { return connected(c) })
	s := &model.Snapshot{Containers: map[string]*model.Container{idA: {ID: idA, Runtime: "podman"}}}
	began := time.Now()
	c.Enrich(s)
	if took := time.Since(began); took > 20*timeout {
		t.Errorf("Enrich took %v with a stuck engine, want about %v", took, timeout)
	}
	if s.Containers[idA].Name != "" {
		t.Errorf("named by a stuck engine: %+v", s.Containers[idA])
	}
}

// record is one log line a recordingHandler kept.
type record struct {
	level  slog.Level
	msg    string
	socket string
}

// recordingHandler keeps every log record with its socket attribute.
type recordingHandler struct {
	mu   sync.Mutex
	recs []record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	rec := record{level: r.Level, msg: r.Message}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "socket" {
			rec.socket = a.Value.String()
		}
		return true
	})
	h.mu.Lock()
	h.recs = append(h.recs, rec)
	h.mu.Unlock()
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }
func (h *recordingHandler) find(socket string) (record, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.recs {
		if r.socket == socket {
			return r, true
		}
	}
	return record{}, false
}

// TestNamedSocketsWarn: a socket the user named (--engine-socket) that is
// absent or does not answer is a warning at once, naming the socket, so a
// typo does not go unnoticed; nsweb keeps going without that engine.
func TestNamedSocketsWarn(t *testing.T) {
	dir := t.TempDir()
	dead := filepath.Join(dir, "dead.sock") // a plain file: connecting is refused
	if err := os.WriteFile(dead, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		socket string
		msg    string
	}{
		{filepath.Join(dir, "absent.sock"), "container engine socket does not exist"},
		{dead, "container engine does not answer"},
	}
	h := &recordingHandler{}
	var sockets []string
	for _, tc := range tests {
		sockets = append(sockets, tc.socket)
	}
	start(t, engine.Config{Sockets: sockets, Logger: slog.New(h)})
	for _, tc := range tests {
		t.Run(filepath.Base(tc.socket), func(t *testing.T) {
			var r record
			waitFor(t, "a log line about "+tc.socket, func() bool {
				var ok bool
				r, ok = h.find(tc.socket)
				return ok
			})
			if r.level != slog.LevelWarn || !strings.Contains(r.msg, tc.msg) {
				t.Errorf("logged %v %q, want a warning %q", r.level, r.msg, tc.msg)
			}
		})
	}
}
