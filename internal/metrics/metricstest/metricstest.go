// Package metricstest reads what nsweb's /metrics answers, for the tests of
// the metrics package and of the server that serves it: one parser (the
// Prometheus text parser, so that what it refuses Prometheus would too) and
// one lookup of a series' value.
package metricstest

import (
	"io"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"
)

// Read checks an answer to GET /metrics, its status code, Content-Type
// and body, and parses the body; the test fails on a status other than
// 200, a format other than text, or anything the parser refuses.
func Read(t testing.TB, code int, contentType string, body io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	if code != 200 {
		b, _ := io.ReadAll(body)
		t.Fatalf("GET /metrics: %d %s", code, b)
	}
	if !strings.HasPrefix(contentType, "text/plain") {
		t.Fatalf("GET /metrics: Content-Type %q, want the text format", contentType)
	}
	p := expfmt.NewTextParser(pmodel.UTF8Validation)
	fams, err := p.TextToMetricFamilies(body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// Value is the value of the family's first series that has these labels
// (name, value pairs), a histogram's sample count, or -1 when there is
// none.
func Value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
	for _, m := range f.Metric {
		if !hasLabels(m, labels) {
			continue
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// hasLabels reports whether m has every label of labels (name, value
// pairs).
func hasLabels(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, lp := range m.Label {
			if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
