package web

import (
	"context"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/prometheus/client_golang/prometheus"
)

// mailCollector reports the outbox at each scrape: emails queued or
// retrying (the queue's depth) and failed for good. Counts only, never an
// address or a subject.
type mailCollector struct {
	counter app.MailCounter
	desc    *prometheus.Desc
	errors  prometheus.Counter
}

// NewMailCollector makes the outbox's metrics for NewMetrics.
func NewMailCollector(c app.MailCounter) prometheus.Collector {
	return &mailCollector{counter: c,
		desc:   prometheus.NewDesc("foundations_mail_emails", "Outbox emails by status: queued and retrying are the queue's depth, failed were refused for good.", []string{"status"}, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "foundations_mail_metrics_errors_total", Help: "Scrapes that could not count the outbox."})}
}

// Describe implements prometheus.Collector.
func (m *mailCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.desc
	m.errors.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *mailCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := m.counter.EmailCounts(ctx)
	if err != nil {
		m.errors.Inc()
	}
	for _, st := range []app.EmailStatus{app.EmailQueued, app.EmailRetrying, app.EmailSent, app.EmailFailed} {
		ch <- prometheus.MustNewConstMetric(m.desc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
	m.errors.Collect(ch)
}
