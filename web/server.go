// Package web serves ICS Booking over HTTP: the JSON API under /api/v1, its
// OpenAPI document, and the pages. It owns Gin; the rules live in booking.
package web

import (
	"context"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/metrics"
)

// Scheduler is what the handlers need of booking.Scheduler.
type Scheduler interface {
	Catalogue() booking.Catalogue
	Location() *time.Location
	Slots(ctx context.Context, q booking.SlotQuery) ([]booking.Slot, error)
	Book(ctx context.Context, r booking.Request) (booking.Booking, string, error)
	Validate(r booking.Request) error
	Get(ctx context.Context, reference, token string) (booking.Booking, error)
	Cancel(ctx context.Context, reference, token string) (booking.Booking, error)
	Erase(ctx context.Context, reference, token string) error
	Reschedule(ctx context.Context, reference, token string, start time.Time) (booking.Booking, error)
	Appointments(ctx context.Context, center string) ([]booking.Booking, error)
	Opening(ctx context.Context, center string) (booking.Opening, error)
	ClosedDays(ctx context.Context, center string, from, to booking.Date) ([]booking.ClosedDay, error)

	// The back office's.
	Agenda(ctx context.Context, center string, day booking.Date) ([]booking.BookingWithEmails, error)
	CancelByStaff(ctx context.Context, center string, id int64, reason string) (booking.Booking, bool, error)
	CancelClosed(ctx context.Context, center string, day booking.Date) ([]booking.Booking, error)
	Closures(ctx context.Context, center string, from, to booking.Date) ([]booking.Closure, error)
	AddClosure(ctx context.Context, c booking.Closure) ([]booking.Booking, error)
	RemoveClosure(ctx context.Context, center string, day booking.Date) error
	Closing(ctx context.Context, c booking.Closure) ([]booking.Booking, error)
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
	RateCounter RateCounter
	// AddressKey is the key client addresses are hashed with before they
	// are counted; servers sharing a database must share it. Empty: a
	// random key.
	AddressKey []byte
	// Staff keeps the back office's accounts, logins and audit trail.
	Staff StaffDirectory
	// Sessions stores the back office's sessions (nil: in memory).
	Sessions scs.Store
	Logger   *slog.Logger
	// Now is the clock (time.Now in production).
	Now func() time.Time
}

// Server holds the handlers' dependencies.
type Server struct {
	scheduler Scheduler
	queue     Queue
	staff     StaffDirectory
	sessions  *scs.SessionManager
	cfg       Config
	log       *slog.Logger
	live      *hub
	handler   http.Handler
	// addressKey is Config.AddressKey, or a random key.
	addressKey []byte
}

// New returns the server of the whole site, an http.Handler.
func New(scheduler Scheduler, queue Queue, cfg Config) *Server {
	gin.SetMode(gin.ReleaseMode)
	if cfg.LivePoll <= 0 {
		cfg.LivePoll = time.Second
	}
	s := &Server{scheduler: scheduler, queue: queue, staff: cfg.Staff, sessions: newSessions(cfg.Sessions, cfg),
		cfg: cfg, log: cfg.Logger, live: &hub{}, addressKey: addressKey(cfg.AddressKey)}
	engine := gin.New()
	engine.HandleMethodNotAllowed = true
	if err := engine.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		// The configuration checked them: trust none rather than all.
		cfg.Logger.Error("trusted proxies", "error", err)
		engine.SetTrustedProxies(nil)
	}
	engine.Use(requestID, s.recover, s.logRequests, securityHeaders, s.identityOnly, s.limitBody, s.sameOrigin(http.NewCrossOriginProtection()))
	s.routes(engine)
	s.handler = headAsGet(engine)
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// headAsGet answers HEAD as GET, which Gin does not: net/http sends the
// headers of the answer and drops its body.
func headAsGet(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			r = r.WithContext(context.WithValue(r.Context(), headKey{}, true))
			r.Method = http.MethodGet
		}
		h.ServeHTTP(w, r)
	})
}

// headKey marks the context of a HEAD request served as GET, for the log.
type headKey struct{}

// sameOrigin refuses cross-origin browser requests that change data (CSRF),
// using the Fetch metadata and Origin headers browsers send.
func (s *Server) sameOrigin(p *http.CrossOriginProtection) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := p.Check(c.Request); err != nil {
			s.refuse(c, &httpError{status: http.StatusForbidden, code: "cross_origin",
				detail: "cross-origin requests that change data are refused"})
			return
		}
		c.Next()
	}
}

// identityOnly refuses a body sent with a Content-Encoding (gzip, br, ...):
// it would be read as if it were not encoded.
func (s *Server) identityOnly(c *gin.Context) {
	if c.Request.ContentLength != 0 && !identity(c.Request.Header.Values("Content-Encoding")) {
		c.Header("Accept-Encoding", "identity")
		s.refuse(c, &httpError{status: http.StatusUnsupportedMediaType, code: "unsupported_encoding",
			detail: "send the body without a Content-Encoding such as gzip"})
		return
	}
	c.Next()
}

// identity reports whether the values of a Content-Encoding header name no
// coding other than identity.
func identity(values []string) bool {
	for _, v := range values {
		for coding := range strings.SplitSeq(v, ",") {
			if coding = strings.TrimSpace(coding); coding != "" && !strings.EqualFold(coding, "identity") {
				return false
			}
		}
	}
	return true
}

// refuse answers a request the middleware turns away: with a page if it
// comes from a browser's page (a form, or Accept: text/html), otherwise
// with a problem.
func (s *Server) refuse(c *gin.Context, err error) {
	if !wantsHTML(c.Request) {
		fail(c, err)
		return
	}
	c.Abort()
	s.errorPage(c, err)
}

// wantsHTML reports whether r comes from a page in a browser: a form, or a
// request that asks for HTML.
func wantsHTML(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" ||
		strings.Contains(r.Header.Get("Accept"), "text/html")
}

// logRequests logs each request by its route pattern, never its path or
// query: references, tokens and names stay out of the logs.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Set(loggerKey, s.log)
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "(no route)"
	}
	method := c.Request.Method
	if c.Request.Context().Value(headKey{}) != nil {
		method = http.MethodHead
	}
	took, status := time.Since(start), c.Writer.Status()
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
		slog.String("method", method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Duration("duration", took))
	s.cfg.Metrics.Request(method, route, status, took)
	if outcome := bookingOutcome(method, route, status); outcome != "" {
		s.cfg.Metrics.Booking(outcome)
	}
}

// bookingRoutes are the routes that book or cancel, with the status of
// their success.
var bookingRoutes = map[string]struct {
	cancel  bool
	success int
}{
	"POST /api/v1/bookings":                           {false, http.StatusCreated},
	"POST /book/:center/:service":                     {false, http.StatusSeeOther},
	"POST /staff/centers/:center/book":                {false, http.StatusSeeOther},
	"POST /api/v1/bookings/:reference/cancel":         {true, http.StatusOK},
	"POST /bookings/:reference/cancel":                {true, http.StatusSeeOther},
	"POST /staff/centers/:center/bookings/:id/cancel": {true, http.StatusSeeOther},
}

// bookingOutcome names what a request did to a booking, for the metrics:
// created, full, refused or cancelled; "" for any other request.
func bookingOutcome(method, route string, status int) string {
	r, ok := bookingRoutes[method+" "+route]
	switch {
	case !ok:
		return ""
	case status == r.success && r.cancel:
		return metrics.BookingCancelled
	case status == r.success:
		return metrics.BookingCreated
	case r.cancel:
		return ""
	case status == http.StatusConflict:
		return metrics.BookingFull
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return metrics.BookingRefused
	}
	return ""
}

// recover turns a panic into a 500 problem and a log line.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("panic", "route", c.FullPath(), "panic", v)
			fail(c, errPanic)
		}
	}()
	c.Next()
}

// limitBody caps every request body at MaxBodyBytes; reading past it fails
// with *http.MaxBytesError, which the JSON decoder turns into a 413.
func (s *Server) limitBody(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	c.Next()
}

func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	c.Next()
}
