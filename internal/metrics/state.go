package metrics

import (
	"sort"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nsweb/nsweb/internal/model"
)

// stateCollector reads the latest snapshot and the hub's counters when
// Prometheus scrapes: the figures are always those of the picture the
// clients see, and nothing is counted twice.
type stateCollector struct {
	hub Hub

	namespaces, processes, containers, taken *prometheus.Desc
	clients, views, bytes, messages          *prometheus.Desc
	resyncs, refused                         *prometheus.Desc
}

func newStateCollector(h Hub) *stateCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("nsweb_"+name, help, labels, nil)
	}
	return &stateCollector{
		hub:        h,
		namespaces: d("namespaces", "Namespaces on the host at the latest scan, by type.", "type"),
		processes:  d("processes", "Processes on the host at the latest scan."),
		containers: d("containers", "Containers with a live process at the latest scan, by runtime.", "runtime"),
		taken:      d("snapshot_timestamp_seconds", "When the latest published scan was taken (Unix time)."),
		clients:    d("websocket_clients", "Open websocket connections."),
		views:      d("views", "Distinct views (view, grouping, filter, opened groups) the hub computes for its clients."),
		bytes:      d("sent_bytes_total", "Bytes of websocket messages written to clients (payload, before compression)."),
		messages:   d("sent_messages_total", "Websocket messages written to clients."),
		resyncs:    d("resyncs_total", "Times a slow client's backlog was replaced by a fresh snapshot."),
		refused:    d("refused_clients_total", "Websocket connections refused because the client limit was reached."),
	}
}

// Describe sends every descriptor the collector may emit.
func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.namespaces, c.processes, c.containers, c.taken,
		c.clients, c.views, c.bytes, c.messages, c.resyncs, c.refused} {
		ch <- d
	}
}

// Collect reads the current state.
func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	gauge(c.clients, float64(c.hub.Clients()))
	gauge(c.views, float64(c.hub.Subscriptions()))
	st := c.hub.Stats()
	counter(c.bytes, st.Bytes)
	counter(c.messages, st.Messages)
	counter(c.resyncs, st.Resyncs)
	counter(c.refused, st.Refused)
	s := c.hub.Latest()
	if s == nil {
		return // no scan yet: say nothing rather than zero namespaces
	}
	// Every type is reported, even at 0; an invalid one (Rank past the
	// end) is not.
	byType := make([]int, len(model.Types)+1)
	for _, ns := range s.Namespaces {
		byType[ns.Type.Rank()]++
	}
	for i, t := range model.Types {
		gauge(c.namespaces, float64(byType[i]), string(t))
	}
	gauge(c.processes, float64(len(s.Processes)))
	for _, rc := range containersByRuntime(s) {
		gauge(c.containers, float64(rc.n), rc.runtime)
	}
	if !s.Taken.IsZero() {
		gauge(c.taken, float64(s.Taken.UnixNano())/1e9)
	}
}

type runtimeCount struct {
	runtime string
	n       int
}

// containersByRuntime counts the snapshot's containers per runtime, in
// runtime order; a container without a runtime counts as "unknown".
func containersByRuntime(s *model.Snapshot) []runtimeCount {
	counts := map[string]int{}
	for _, ct := range s.Containers {
		rt := ct.Runtime
		if rt == "" {
			rt = "unknown"
		}
		counts[rt]++
	}
	out := make([]runtimeCount, 0, len(counts))
	for rt, n := range counts {
		out = append(out, runtimeCount{rt, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].runtime < out[j].runtime })
	return out
}
