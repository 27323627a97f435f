// Package web serves ICS Booking over HTTP: the JSON API under /api/v1, its
// OpenAPI document, and the pages. It owns Gin; the rules live in booking.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
)

// Scheduler is what the handlers need of booking.Scheduler.
type Scheduler interface {
	Catalogue() booking.Catalogue
	Location() *time.Location
	Slots(ctx context.Context, q booking.SlotQuery) ([]booking.Slot, error)
	Book(ctx context.Context, r booking.Request) (booking.Booking, string, error)
	Get(ctx context.Context, reference, token string) (booking.Booking, error)
	Cancel(ctx context.Context, reference, token string) (booking.Booking, error)
	Reschedule(ctx context.Context, reference, token string, start time.Time) (booking.Booking, error)
	Appointments(ctx context.Context, center string) ([]booking.Booking, error)
}

// Config holds what the server needs besides the scheduler.
type Config struct {
	// BaseURL is where newcomers reach the server, for links in responses
	// and emails, e.g. https://booking.ics.dk.
	BaseURL string
	// MaxBodyBytes limits request bodies; larger ones get 413.
	MaxBodyBytes int64
	// FeedTokens holds each center's token for its staff calendar feed;
	// a center without one has no feed.
	FeedTokens map[string]string
	Logger     *slog.Logger
	// Now is the clock (time.Now in production).
	Now func() time.Time
}

// Server holds the handlers' dependencies.
type Server struct {
	scheduler Scheduler
	cfg       Config
	log       *slog.Logger
}

// New returns the HTTP handler for the whole site.
func New(scheduler Scheduler, cfg Config) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{scheduler: scheduler, cfg: cfg, log: cfg.Logger}
	engine := gin.New()
	engine.HandleMethodNotAllowed = true
	engine.Use(s.recover, s.logRequests, securityHeaders, s.limitBody, sameOrigin(http.NewCrossOriginProtection()))
	s.routes(engine)
	return engine
}

// sameOrigin refuses cross-origin browser requests that change data (CSRF),
// using the Fetch metadata and Origin headers browsers send.
func sameOrigin(p *http.CrossOriginProtection) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := p.Check(c.Request); err != nil {
			fail(c, &httpError{status: http.StatusForbidden, code: "cross_origin",
				detail: "cross-origin requests that change data are refused"})
			return
		}
		c.Next()
	}
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
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.Int("status", c.Writer.Status()),
		slog.Duration("duration", time.Since(start)))
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
	c.Next()
}
