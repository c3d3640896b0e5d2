// Package metrics exposes renkei's Prometheus metrics. It is the only
// package that imports the Prometheus client; others call its methods,
// which are safe on a nil *Metrics (tests and tools that do not serve
// /metrics pass nil).
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds renkei's collectors in their own registry.
type Metrics struct {
	reg               *prometheus.Registry
	questions         *prometheus.CounterVec
	answerSeconds     *prometheus.HistogramVec
	webhookRejections *prometheus.CounterVec
	digestDeliveries  *prometheus.CounterVec
	platformErrors    *prometheus.CounterVec
	reloads           *prometheus.CounterVec
	httpRequests      *prometheus.CounterVec
}

// New registers every collector, plus the Go and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "renkei_questions_total", Help: "Questions answered, by platform and outcome (answered, candidates, not_found, error).",
		}, []string{"platform", "outcome"}),
		answerSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "renkei_answer_seconds", Help: "Time to compose an answer.",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1},
		}, []string{"platform"}),
		webhookRejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "renkei_webhook_rejections_total", Help: "Webhook requests rejected, by platform and reason.",
		}, []string{"platform", "reason"}),
		digestDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "renkei_digest_deliveries_total", Help: "Digest deliveries, by target kind and result (sent, failed, skipped).",
		}, []string{"target", "result"}),
		platformErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "renkei_platform_api_errors_total", Help: "Slack and LINE API calls that failed, by platform and operation.",
		}, []string{"platform", "op"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "renkei_corpus_reloads_total", Help: "Corpus reloads, by result (ok, failed).",
		}, []string{"result"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "renkei_http_requests_total", Help: "HTTP requests, by route and status code class.",
		}, []string{"route", "code"}),
	}
	m.reg.MustRegister(m.questions, m.answerSeconds, m.webhookRejections, m.digestDeliveries, m.platformErrors, m.reloads, m.httpRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Question counts one answered question and its latency.
func (m *Metrics) Question(platform, outcome string, took time.Duration) {
	if m == nil {
		return
	}
	m.questions.WithLabelValues(platform, outcome).Inc()
	m.answerSeconds.WithLabelValues(platform).Observe(took.Seconds())
}

// WebhookRejected counts a rejected webhook request.
func (m *Metrics) WebhookRejected(platform, reason string) {
	if m != nil {
		m.webhookRejections.WithLabelValues(platform, reason).Inc()
	}
}

// Delivery counts a digest delivery attempt's result.
func (m *Metrics) Delivery(target, result string) {
	if m != nil {
		m.digestDeliveries.WithLabelValues(target, result).Inc()
	}
}

// PlatformError counts a failed Slack or LINE API call.
func (m *Metrics) PlatformError(platform, op string) {
	if m != nil {
		m.platformErrors.WithLabelValues(platform, op).Inc()
	}
}

// Reload counts a corpus reload.
func (m *Metrics) Reload(ok bool) {
	if m == nil {
		return
	}
	result := "ok"
	if !ok {
		result = "failed"
	}
	m.reloads.WithLabelValues(result).Inc()
}

// HTTPRequest counts a served request by route and status class (2xx…).
func (m *Metrics) HTTPRequest(route string, code int) {
	if m == nil {
		return
	}
	class := []string{"1xx", "2xx", "3xx", "4xx", "5xx"}
	i := code/100 - 1
	if i < 0 || i >= len(class) {
		i = 4
	}
	m.httpRequests.WithLabelValues(route, class[i]).Inc()
}
