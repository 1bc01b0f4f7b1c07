package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/nsweb/nsweb/internal/engine/enginetest"
	"github.com/nsweb/nsweb/internal/metrics/metricstest"
	"github.com/nsweb/nsweb/internal/model"
)

// TestMetricsMove serves nsweb's whole pipeline, scrapes /metrics with
// Prometheus's own text parser, starts a process in new namespaces with
// unshare (and a container on the private dockerd when engines-up
// announced one) and checks that the counters moved and the gauges count
// what it started.
func TestMetricsMove(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the proc connector, new namespaces and a full scan")
	}
	docker, why, err := enginetest.FindReal("docker")
	if err != nil {
		t.Fatal(err)
	}
	var socks stringList
	if why == "" {
		socks = stringList{docker.Sock}
	} else {
		t.Logf("no container part: %s", why)
	}
	p, addr, _ := startServing(t, serveConfig{
		opts: serveOptions{engineSockets: socks}, stdout: io.Discard,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	base := "http://" + addr
	waitFor(t, "the first scan", func() bool { return p.hub.Latest() != nil })

	// Behind the same guard as everything else: another Host is refused.
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Host = "evil.example"
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("GET /metrics with Host evil.example: %d, want it refused", resp.StatusCode)
		}
	}

	before := scrapeMetrics(t, base)
	if v := metricValue(before, "nsweb_namespaces", "type", "user"); v < 1 {
		t.Errorf("nsweb_namespaces{type=user} = %v, want at least the initial one", v)
	}

	// A process in new net and uts namespaces.
	cmd := exec.Command("unshare", "--net", "--uts", "sleep", "120")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pid := cmd.Process.Pid
	waitFor(t, "the unshared process in its own net namespace", func() bool {
		s := p.hub.Latest()
		pr := s.Processes[pid]
		host := s.Processes[os.Getpid()]
		return pr != nil && host != nil && pr.Comm == "sleep" && pr.NS[model.Net] != 0 && pr.NS[model.Net] != host.NS[model.Net]
	})
	after := scrapeMetrics(t, base)
	grew := func(name string, labels ...string) {
		t.Helper()
		b, a := metricValue(before, name, labels...), metricValue(after, name, labels...)
		if !(a > b) {
			t.Errorf("%s%v did not grow: %v before, %v after", name, labels, b, a)
		}
	}
	grew("nsweb_watch_signals_total", "source", "proc_connector")
	grew("nsweb_watch_kernel_events_total")
	if b, a := scans(before), scans(after); a <= b {
		t.Errorf("scans observed did not grow: %v before, %v after", b, a)
	}
	if v := metricValue(after, "nsweb_namespaces", "type", "net"); v < 2 {
		t.Errorf("nsweb_namespaces{type=net} = %v, want the host's and ours at least", v)
	}
	if v := metricValue(after, "nsweb_processes"); v < 2 {
		t.Errorf("nsweb_processes = %v", v)
	}

	if why != "" {
		return
	}
	name := fmt.Sprintf("metrics-%d", time.Now().UnixNano())
	t.Cleanup(func() { _, _ = docker.Try(docker.RmArgs(name)...) })
	if _, err := docker.Try("run", "-d", "--name", name, docker.Image, "sleep", "120"); err != nil {
		t.Fatal(err)
	}
	id, err := docker.Try("inspect", "-f", "{{.Id}}", name) // run's output may hold warnings
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the container named", func() bool {
		c := p.hub.Latest().Containers[id]
		return c != nil && c.Name == name
	})
	withCtr := scrapeMetrics(t, base)
	if v := metricValue(withCtr, "nsweb_engine_up", "socket", docker.Sock); v != 1 {
		t.Errorf("nsweb_engine_up{socket=%s} = %v, want 1", docker.Sock, v)
	}
	if v := metricValue(withCtr, "nsweb_containers", "runtime", "docker"); v < 1 {
		t.Errorf("nsweb_containers{runtime=docker} = %v with %s running", v, name)
	}
	if a, b := metricValue(withCtr, "nsweb_watch_signals_total", "source", "proc_connector"), metricValue(after, "nsweb_watch_signals_total", "source", "proc_connector"); a <= b {
		t.Errorf("the container start sent no process signal: %v, then %v", b, a)
	}
	if b, a := scans(after), scans(withCtr); a <= b {
		t.Errorf("the container start was not scanned: %v scans before, %v after", b, a)
	}
}

// scans is the number of scans observed, full and partial.
func scans(f map[string]*dto.MetricFamily) float64 {
	return metricValue(f, "nsweb_scan_duration_seconds", "kind", "full") + metricValue(f, "nsweb_scan_duration_seconds", "kind", "partial")
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// scrapeMetrics GETs /metrics and parses it with Prometheus's text parser.
func scrapeMetrics(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return metricstest.Read(t, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body)
}

// metricValue is the value of the family's series with these labels (see
// metricstest.Value).
func metricValue(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	return metricstest.Value(fams, name, labels...)
}

// startServing runs serve with cfg on a loopback port until the test ends
// and returns the pipeline once it started, the address it listens on and
// the context it serves under.
func startServing(t *testing.T, cfg serveConfig) (*pipeline, string, context.Context) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan *pipeline, 1)
	served := make(chan error, 1)
	cfg.started = func(p *pipeline) { started <- p }
	go func() { served <- serve(ctx, cfg, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case p := <-started:
		return p, ln.Addr().String(), ctx
	case err := <-served:
		t.Fatalf("serve ended before it started: %v", err)
	}
	return nil, "", nil
}
