// Package metrics keeps ICS Booking's Prometheus metrics
// (github.com/prometheus/client_golang) and serves them for /metrics:
// requests by route and status, bookings by outcome, emails by outcome and
// how long they took to go out, and, read when scraped, the job backlog,
// the queued emails and each center's queue.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the registry of one server process. Its methods are safe for
// concurrent use; a nil *Metrics records nothing.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.HistogramVec
	bookings *prometheus.CounterVec
	emails   *prometheus.CounterVec
	delivery prometheus.Histogram
}

// New returns the metrics, with Go's and the process's own.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "icsbooking_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method, route pattern and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route", "status"}),
		bookings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "icsbooking_bookings_total",
			Help: "Booking requests by outcome: created, full (the slot was taken), refused (invalid or not bookable), cancelled.",
		}, []string{"outcome"}),
		emails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "icsbooking_emails_total",
			Help: "Email delivery attempts by outcome: sent, retry, failed, skipped.",
		}, []string{"outcome"}),
		delivery: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "icsbooking_email_delivery_seconds",
			Help:    "Time from a booking change to its email being handed to the mail server.",
			Buckets: []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
		}),
	}
	m.registry.MustRegister(m.requests, m.bookings, m.emails, m.delivery,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler(logger *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)})
}

// Request records an answered request.
func (m *Metrics) Request(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Observe(took.Seconds())
}

// The outcomes of a booking request.
const (
	BookingCreated   = "created"
	BookingFull      = "full"
	BookingRefused   = "refused"
	BookingCancelled = "cancelled"
)

// Booking records the outcome of a booking request.
func (m *Metrics) Booking(outcome string) {
	if m != nil {
		m.bookings.WithLabelValues(outcome).Inc()
	}
}

// Email records a delivery attempt's outcome (sent, retry, failed,
// skipped) and, for a sent email, how long after its change it went out.
func (m *Metrics) Email(outcome string, latency time.Duration) {
	if m == nil {
		return
	}
	m.emails.WithLabelValues(outcome).Inc()
	if outcome == "sent" {
		m.delivery.Observe(latency.Seconds())
	}
}

// CenterQueue is a center's walk-in queue when scraped.
type CenterQueue struct {
	Center  string
	Waiting int
	Wait    time.Duration
	Open    bool
}

// Sources are read when the metrics are scraped.
type Sources struct {
	// Jobs returns the job queue's backlog by state (available,
	// scheduled, retryable, running).
	Jobs func(ctx context.Context) (map[string]int, error)
	// QueuedEmails returns how many emails wait to be delivered.
	QueuedEmails func(ctx context.Context) (int, error)
	// Queues returns every center's walk-in queue.
	Queues func(ctx context.Context) ([]CenterQueue, error)
}

// Watch registers the gauges read from sources at every scrape.
func (m *Metrics) Watch(sources Sources, logger *slog.Logger) {
	m.registry.MustRegister(&scraped{sources: sources, log: logger})
}

var (
	jobsDesc    = prometheus.NewDesc("icsbooking_jobs", "Background jobs (email deliveries, look-outs) by state.", []string{"state"}, nil)
	queuedDesc  = prometheus.NewDesc("icsbooking_emails_queued", "Emails waiting to be delivered.", nil, nil)
	waitingDesc = prometheus.NewDesc("icsbooking_queue_waiting", "People waiting in a center's walk-in queue.", []string{"center"}, nil)
	waitDesc    = prometheus.NewDesc("icsbooking_queue_estimated_wait_seconds", "The estimated wait for a new walk-in ticket; absent while the center takes none.", []string{"center"}, nil)
)

// scraped collects the gauges read from the database at each scrape.
type scraped struct {
	sources Sources
	log     *slog.Logger
}

func (s *scraped) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- queuedDesc
	ch <- waitingDesc
	ch <- waitDesc
}

// scrapeTimeout bounds the database reads of a scrape.
const scrapeTimeout = 5 * time.Second

func (s *scraped) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if s.sources.Jobs != nil {
		jobs, err := s.sources.Jobs(ctx)
		s.warn(err, "jobs")
		for state, n := range jobs {
			ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), state)
		}
	}
	if s.sources.QueuedEmails != nil {
		n, err := s.sources.QueuedEmails(ctx)
		s.warn(err, "queued emails")
		if err == nil {
			ch <- prometheus.MustNewConstMetric(queuedDesc, prometheus.GaugeValue, float64(n))
		}
	}
	if s.sources.Queues != nil {
		queues, err := s.sources.Queues(ctx)
		s.warn(err, "queues")
		for _, q := range queues {
			ch <- prometheus.MustNewConstMetric(waitingDesc, prometheus.GaugeValue, float64(q.Waiting), q.Center)
			if q.Open {
				ch <- prometheus.MustNewConstMetric(waitDesc, prometheus.GaugeValue, q.Wait.Seconds(), q.Center)
			}
		}
	}
}

func (s *scraped) warn(err error, what string) {
	if err != nil {
		s.log.Warn("metrics: cannot read "+what, "error", err)
	}
}
