package middleware

import (
	"context"
	"crypto/rand"
	"log/slog"
	"regexp"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/render"
)

// Every request has an ID: the X-Request-ID a proxy sent, if it looks like
// one, or a new one. It is sent back in X-Request-ID, named in every log
// line written for the request (LogHandler) and in every problem document,
// so that a newcomer's "request_id" leads staff to the log.

// requestIDPattern is what an X-Request-ID from outside must look like to
// be kept: short, and nothing a log could be confused by.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// RequestID gives the request its ID.
func RequestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !requestIDPattern.MatchString(id) {
		id = rand.Text()[:16]
	}
	c.Header("X-Request-ID", id)
	c.Request = c.Request.WithContext(render.WithRequestID(c.Request.Context(), id))
	c.Next()
}

// LogHandler adds the request ID to every record logged with the context
// of a request (logger.InfoContext(ctx, ...) and the like).
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := render.RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
