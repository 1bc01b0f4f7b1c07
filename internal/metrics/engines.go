package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nsweb/nsweb/internal/engine"
)

// engineCollector reports each container engine socket at scrape time: an
// engine that went away is why containers show by ID, and worth an alert.
type engineCollector struct {
	engines    func() []engine.EngineStatus
	up, counts *prometheus.Desc
}

func newEngineCollector(f func() []engine.EngineStatus) *engineCollector {
	return &engineCollector{
		engines: f,
		up: prometheus.NewDesc("nsweb_engine_up", "Whether the container engine at this socket answers (1) or not (0).",
			[]string{"socket"}, nil),
		counts: prometheus.NewDesc("nsweb_engine_containers", "Containers the engine at this socket listed last.",
			[]string{"socket"}, nil),
	}
}

// Describe sends the collector's descriptors.
func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.up
	ch <- c.counts
}

// Collect reads the engines' state now.
func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	for _, e := range c.engines() {
		up := 0.0
		if e.Connected {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up, e.Socket)
		ch <- prometheus.MustNewConstMetric(c.counts, prometheus.GaugeValue, float64(e.Containers), e.Socket)
	}
}
