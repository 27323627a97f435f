// Package web serves ICS Booking over HTTP. It assembles the audiences'
// handlers, each in its own package listing its own routes:
//
//   - api: the JSON API under /api/v1 and its OpenAPI document;
//   - site: the newcomers' pages, with the kiosk, the waiting-room display
//     and the tickets' pages;
//   - backoffice: the staff's pages under /staff, their API under
//     /api/v1/staff, and the centers' calendar feeds;
//
// over the packages they share: render (templates, static files, error
// pages, problem documents), middleware, request (reading what clients
// send) and bookingform (the form that books, for the site and the back
// office). This package holds the Server, which mounts them on one Gin
// engine, and the health, readiness and metrics endpoints; its tests drive
// that whole server over HTTP and in Chromium, as newcomers, staff and API
// clients reach it. It owns Gin; the rules live in booking.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/metrics"
	"github.com/ics-booking/icsbooking/web/api"
	"github.com/ics-booking/icsbooking/web/backoffice"
	"github.com/ics-booking/icsbooking/web/middleware"
	"github.com/ics-booking/icsbooking/web/site"
)

// Scheduler is what the handlers need of booking.Scheduler: what each
// audience needs.
type Scheduler interface {
	api.Scheduler
	site.Scheduler
	backoffice.Scheduler
}

// WalkIns is what the handlers need of booking.Queue, the walk-in queue.
type WalkIns interface {
	api.WalkIns
	site.WalkIns
	backoffice.WalkIns
}

// Config holds what the server needs besides the scheduler.
type Config struct {
	// BaseURL is where newcomers reach the server, for links in responses
	// and emails, e.g. https://booking.ics.dk.
	BaseURL string
	// MailFrom is the mailbox that organizes the invitations, as in the
	// emails.
	MailFrom string
	// InterpreterNoticeDays is how many working days ahead an interpreter
	// must be booked, for the pages to say so.
	InterpreterNoticeDays int
	// HorizonDays is how many days ahead one can book, for the pages'
	// links to later weeks.
	HorizonDays int
	// RetentionDays is how many days after an appointment its personal
	// data is kept, for the privacy page to say so.
	RetentionDays int
	// LivePoll is how often a live page looks for changes besides the
	// ones it is told of (QueueChanged): often on SQLite, rarely on
	// PostgreSQL, which announces every change.
	LivePoll time.Duration
	// Streams ends the live pages' streams when it is done, at shutdown.
	Streams context.Context
	// MaxStreams caps the waiting-room displays' streams open at once,
	// MaxStreamsPerAddress those from one client address; one more gets
	// 429. 0: no cap.
	MaxStreams, MaxStreamsPerAddress int
	// Ready lists why the server cannot serve (/readyz), none when it
	// can; nil: always ready.
	Ready func(ctx context.Context) []string
	// Metrics records requests and bookings and serves /metrics; nil: no
	// metrics.
	Metrics *metrics.Metrics
	// MaxBodyBytes limits request bodies; larger ones get 413.
	MaxBodyBytes int64
	// FeedTokens holds each center's token for its staff calendar feed;
	// a center without one has no feed.
	FeedTokens map[string]string
	// TrustedProxies are the addresses (IPs or CIDR ranges) of reverse
	// proxies whose X-Forwarded-For names the client; none by default,
	// so the client is the peer of the connection.
	TrustedProxies []string
	// RateLimitPerMinute is how many limited requests (booking, managing
	// a booking, tickets and check-ins) one client address may make a
	// minute; 0: any number.
	RateLimitPerMinute int
	// RateCounter counts the limited requests, shared by the servers on
	// one database.
	RateCounter middleware.RateCounter
	// AddressKey is the key client addresses are hashed with before they
	// are counted (requests, walk-in tickets, display streams); servers
	// sharing a database must share it. Empty: a random key.
	AddressKey []byte
	// Staff keeps the back office's accounts, logins and audit trail.
	Staff backoffice.Directory
	// Sessions stores the back office's sessions (nil: in memory).
	Sessions scs.Store
	Logger   *slog.Logger
	// PageCacheTTL is how long a page that is the same for everyone is
	// served from memory once rendered (site.Config.PageCacheTTL); 0:
	// never.
	PageCacheTTL time.Duration
	// Now is the clock (time.Now in production).
	Now func() time.Time
}

// Server is the whole site, an http.Handler.
type Server struct {
	cfg        Config
	log        *slog.Logger
	engine     *gin.Engine
	handler    http.Handler
	api        *api.Handler
	site       *site.Handler
	backoffice *backoffice.Handler
}

// New returns the server of the whole site.
func New(scheduler Scheduler, walkIns WalkIns, cfg Config) *Server {
	gin.SetMode(gin.ReleaseMode)
	// One limit for all that books, changes a booking or takes a ticket,
	// through the API or the pages.
	addresses := middleware.NewAddresses(cfg.AddressKey)
	limit := middleware.NewRateLimit(cfg.RateLimitPerMinute, cfg.RateCounter, addresses, cfg.Now).Limit
	s := &Server{cfg: cfg, log: cfg.Logger}
	s.site = site.New(scheduler, walkIns, site.Config{
		BaseURL:               cfg.BaseURL,
		MailFrom:              cfg.MailFrom,
		InterpreterNoticeDays: cfg.InterpreterNoticeDays,
		HorizonDays:           cfg.HorizonDays,
		RetentionDays:         cfg.RetentionDays,
		LivePoll:              cfg.LivePoll,
		Streams:               cfg.Streams,
		MaxStreams:            cfg.MaxStreams,
		MaxStreamsPerAddress:  cfg.MaxStreamsPerAddress,
		Addresses:             addresses,
		MaxBodyBytes:          cfg.MaxBodyBytes,
		Limit:                 limit,
		PageCacheTTL:          cfg.PageCacheTTL,
		Logger:                cfg.Logger,
		Now:                   cfg.Now,
	})
	s.api = api.New(scheduler, walkIns, api.Config{BaseURL: cfg.BaseURL, Limit: limit, Addresses: addresses,
		QueueChanged: s.site.QueueChanged, Now: cfg.Now})
	s.backoffice = backoffice.New(scheduler, walkIns, cfg.Staff, backoffice.Config{
		BaseURL:      cfg.BaseURL,
		MaxBodyBytes: cfg.MaxBodyBytes,
		FeedTokens:   cfg.FeedTokens,
		Sessions:     cfg.Sessions,
		QueueChanged: s.site.QueueChanged,
		Logger:       cfg.Logger,
		Now:          cfg.Now,
	})

	s.engine = gin.New()
	s.engine.HandleMethodNotAllowed = true
	if err := s.engine.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		// The configuration checked them: trust none rather than all.
		cfg.Logger.Error("trusted proxies", "error", err)
		s.engine.SetTrustedProxies(nil)
	}
	s.engine.Use(middleware.RequestID, middleware.Recover(s.log), middleware.LogRequests(s.log, s.observe),
		middleware.SecurityHeaders, middleware.LimitBody(cfg.MaxBodyBytes))
	s.routes(s.engine)
	s.handler = middleware.HeadAsGet(s.engine)
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// QueueChanged tells the live pages of a center that its queue changed
// ("" for every center); cmd/icsbooking feeds it from store.Listen.
func (s *Server) QueueChanged(center string) { s.site.QueueChanged(center) }

// health says the process is up.
func (s *Server) health(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// ready says whether the server can serve (a load balancer's check): 503
// with the reasons if the database does not answer, lacks migrations, or
// the job workers are not running.
func (s *Server) ready(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if s.cfg.Ready != nil {
		if reasons := s.cfg.Ready(c.Request.Context()); len(reasons) > 0 {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reasons": reasons})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
