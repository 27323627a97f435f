package middleware

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/render"
)

// The middleware every request runs through before its route group's:
// RequestID, Recover, LogRequests, SecurityHeaders, LimitBody. None of it
// refuses a request, so none needs the group's failure style but Recover,
// which finds it set by the time a handler panics.

// HeadAsGet answers HEAD as GET, which Gin does not: net/http sends the
// headers of the answer and drops its body.
func HeadAsGet(h http.Handler) http.Handler {
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

// LogRequests logs each request by its route pattern, never its path or
// query: references, tokens and names stay out of the logs. It tells
// observe of each request too, for the metrics.
func LogRequests(log *slog.Logger, observe func(method, route string, status int, took time.Duration)) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		render.SetLogger(c, log)
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
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Duration("duration", took))
		observe(method, route, status, took)
	}
}

// Recover turns a panic into a 500, in the failure style of the route's
// group, and a log line.
func Recover(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				log.Error("panic", "route", c.FullPath(), "panic", v)
				Fail(c, render.ErrPanic)
			}
		}()
		c.Next()
	}
}

// LimitBody caps every request body at n bytes; reading past it fails
// with *http.MaxBytesError, which the readers of package request turn
// into a 413.
func LimitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

// SecurityHeaders sets the headers that keep browsers from sniffing types,
// sending referrers, framing the site or running what it did not send.
func SecurityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", render.ContentSecurityPolicy)
	c.Next()
}
