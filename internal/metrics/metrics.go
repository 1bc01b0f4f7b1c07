// Package metrics serves nsweb's state and work in the Prometheus text
// format at /metrics, so that the monitoring people already run can chart a
// host's namespaces and alert on a watcher that stopped hearing the kernel.
//
// What the host holds (namespaces by type, processes, containers) and what
// the hub serves (clients, views, bytes sent) is read from the latest
// snapshot and the hub's own counters when Prometheus scrapes, by a custom
// collector: nothing is copied on the hot path. What happens between scrapes
// (scan durations, watcher signals, changes only the safety rescan found) is
// counted as it happens, by the wrappers in observe.go. Everything lives in
// a registry of its own, never in client_golang's global one.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nsweb/nsweb/internal/engine"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/stream"
)

// Hub is what the metrics read from the stream hub at scrape time;
// *stream.Hub has it.
type Hub interface {
	Latest() *model.Snapshot
	Clients() int
	Subscriptions() int
	Stats() stream.Stats
}

// SafetyRescanFinds reports how many changes the safety rescan found that
// no event had announced. The runner may count them itself (it sees every
// scan's reason); when Sources.SafetyRescanFinds is nil, the metrics count
// them from the scans they wrap (see Metrics.Tap and Metrics.Scan).
type SafetyRescanFinds interface {
	SafetyRescanFinds() uint64
}

// Sources are what the metrics read at scrape time.
type Sources struct {
	// Hub gives the latest snapshot and the websocket figures; nil leaves
	// those metrics out.
	Hub Hub
	// SafetyRescanFinds, if set, replaces the metrics' own count of
	// changes found only by the safety rescan.
	SafetyRescanFinds SafetyRescanFinds
	// Engines, if set, reports the container engines' connections
	// (engine.Catalog.Engines).
	Engines func() []engine.EngineStatus
}

// Metrics is nsweb's registry and the instruments fed while it runs.
type Metrics struct {
	reg     *prometheus.Registry
	scans   *prometheus.HistogramVec
	errors  *prometheus.CounterVec
	signals *prometheus.CounterVec
	events  prometheus.Counter
	found   prometheus.Counter
	obs     observer
	handler http.Handler
}

// The scan kinds of the duration histogram: a full scan reads all of /proc,
// a partial one only the processes events named.
const (
	KindFull    = "full"
	KindPartial = "partial"
)

// scanBuckets spans a partial rescan of one process (a fraction of a
// millisecond) to a full scan of a very busy host (seconds).
var scanBuckets = prometheus.ExponentialBuckets(0.0005, 2.5, 12)

// New makes the registry with nsweb's metrics and Go's process and runtime
// collectors.
func New(src Sources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.scans = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "nsweb", Name: "scan_duration_seconds",
		Help:    "Time to scan the host and name its containers, by kind: full (all of /proc) or partial (the processes events named).",
		Buckets: scanBuckets,
	}, []string{"kind"})
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "nsweb", Name: "scan_errors_total",
		Help: "Scans that failed (the previous state was kept), by kind.",
	}, []string{"kind"})
	m.signals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "nsweb", Name: "watch_signals_total",
		Help: "Scan signals by the source that caused them: proc_connector (fork, exec, exit), mountinfo (mount table changes), safety_rescan (the interval passed), overflow (the kernel dropped process events), engine (a container engine named or forgot a container). A signal coalescing several sources counts for each.",
	}, []string{"source"})
	m.events = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "nsweb", Name: "watch_kernel_events_total",
		Help: "Kernel events (process events and mount table changes) coalesced into scan signals.",
	})
	m.found = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "nsweb", Name: "safety_rescan_changes_total",
		Help: "Namespaces that appeared or ended that only the safety rescan found: no event announced them.",
	})
	for _, s := range sources {
		m.signals.WithLabelValues(s.label) // present at 0 from the start
	}
	for _, k := range []string{KindFull, KindPartial} {
		m.scans.WithLabelValues(k)
		m.errors.WithLabelValues(k)
	}
	m.reg.MustRegister(m.scans, m.errors, m.signals, m.events,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if src.SafetyRescanFinds != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "nsweb", Name: "safety_rescan_changes_total",
			Help: "Changes that only the safety rescan found: no event announced them.",
		}, func() float64 { return float64(src.SafetyRescanFinds.SafetyRescanFinds()) }))
	} else {
		m.reg.MustRegister(m.found)
	}
	if src.Engines != nil {
		m.reg.MustRegister(newEngineCollector(src.Engines))
	}
	if src.Hub != nil {
		m.reg.MustRegister(newStateCollector(src.Hub))
		m.obs.latest = src.Hub.Latest
	}
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
	})
	return m
}

// Registry is the registry the metrics live in, for tests and for callers
// that add their own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the format the scraper asks for (the text
// format by default).
func (m *Metrics) Handler() http.Handler { return m.handler }
