package web

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the operator's figures in Prometheus format. Labels are
// route patterns, methods, status codes and outcomes only: never a path,
// query, name, email, code or answer.
type Metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	saves        *prometheus.CounterVec
	submits      *prometheus.CounterVec
	certificates prometheus.Counter
	signIns      *prometheus.CounterVec
}

// NewMetrics registers the service's metrics, the Go runtime's and the
// process's, and any extra collectors (cmd/foundations adds the database
// pool's).
func NewMetrics(extra ...prometheus.Collector) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "foundations_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status."},
		[]string{"route", "method", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "foundations_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route pattern and method.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"route", "method"})
	m.saves = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "foundations_answer_saves_total", Help: "Answer saves (autosave and the Save answers button), by outcome."}, []string{"outcome"})
	m.submits = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "foundations_module_submits_total", Help: "Module submissions, by outcome: marked, refused (a form error) or failed."}, []string{"outcome"})
	m.certificates = prometheus.NewCounter(prometheus.CounterOpts{Name: "foundations_certificates_issued_total", Help: "Certificates issued on completing the course."})
	m.signIns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "foundations_sign_ins_total", Help: "Sign-in attempts, by outcome: ok, failed (wrong email or password) or limited."}, []string{"outcome"})
	m.reg.MustRegister(m.requests, m.duration, m.saves, m.submits, m.certificates, m.signIns,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, c := range extra {
		m.reg.MustRegister(c)
	}
	return m
}

// Handler serves the metrics over net/http, for a separate metrics port.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observe records one answered request. The outcome counters read the
// route and status, so no handler needs to know about metrics.
func (m *Metrics) observe(c *fiber.Ctx, status int, elapsed time.Duration) {
	route, method := c.Route().Path, c.Method()
	if route == "" || route == "/" && c.Path() != "/" {
		route = "unmatched" // 404s: the raw path could hold anything
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(elapsed.Seconds())
	if method != fiber.MethodPost {
		return
	}
	switch route {
	case "/modules/:module/save":
		m.saves.WithLabelValues(outcome(status)).Inc()
	case "/modules/:module":
		m.submits.WithLabelValues(outcome(status)).Inc()
	case "/evaluation":
		if status == fiber.StatusSeeOther && strings.Contains(string(c.Response().Header.Peek(fiber.HeaderLocation)), "issued=1") {
			m.certificates.Inc()
		}
	case "/sign-in":
		switch {
		case status == fiber.StatusSeeOther:
			m.signIns.WithLabelValues("ok").Inc()
		case status == fiber.StatusTooManyRequests:
			m.signIns.WithLabelValues("limited").Inc()
		case status < 500:
			m.signIns.WithLabelValues("failed").Inc()
		default:
			m.signIns.WithLabelValues("error").Inc()
		}
	}
}

func outcome(status int) string {
	switch {
	case status < 400:
		return "ok"
	case status < 500:
		return "refused"
	default:
		return "failed"
	}
}

// handleMetrics serves /metrics on the service's own port only when
// METRICS_TOKEN is set, to requests carrying it as a bearer token; without
// a token it is not found (the metrics are on a separate port, or off).
func (s *Server) handleMetrics(c *fiber.Ctx) error {
	if s.cfg.Metrics == nil || s.cfg.MetricsToken == "" {
		return fiber.ErrNotFound
	}
	got := strings.TrimPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.MetricsToken)) != 1 {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
		return c.Status(fiber.StatusUnauthorized).SendString("a metrics token is needed")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return adaptor.HTTPHandler(s.cfg.Metrics.Handler())(c)
}
