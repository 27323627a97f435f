package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
)

// problem is an RFC 9457 problem details object. Code is an extension
// member naming the problem for programs; Errors lists invalid fields.
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail"`
	Code   string         `json:"code"`
	Errors []fieldProblem `json:"errors,omitempty"`
	// RequestID names the request in the server's log.
	RequestID string `json:"request_id,omitempty"`
}

type fieldProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// statuses maps domain errors to HTTP, first match wins.
var statuses = []struct {
	err    error
	status int
	code   string
}{
	{booking.ErrNotFound, http.StatusNotFound, "not_found"},
	{booking.ErrInvalid, http.StatusBadRequest, "invalid"},
	{booking.ErrNotBookable, http.StatusUnprocessableEntity, "not_bookable"},
	{booking.ErrKeyReused, http.StatusUnprocessableEntity, "idempotency_key_reused"},
	{booking.ErrQueueClosed, http.StatusUnprocessableEntity, "queue_closed"},
	{booking.ErrCheckIn, http.StatusUnprocessableEntity, "check_in_refused"},
	{booking.ErrTooFewCalls, http.StatusUnprocessableEntity, "too_few_calls"},
	{booking.ErrSlotFull, http.StatusConflict, "slot_full"},
	{booking.ErrConflict, http.StatusConflict, "conflict"},
}

// httpError is an error of the HTTP layer itself (a malformed body, a body
// too large, a missing token).
type httpError struct {
	status int
	code   string
	detail string
	fields []fieldProblem
}

func (e *httpError) Error() string { return e.detail }

var errPanic = errors.New("panic")

// statusClientClosed is the status logged for a request whose client left
// before the answer (nginx's 499): nobody reads the answer, and it is
// neither the client's fault nor the server's.
const statusClientClosed = 499

// fail answers the request with the problem err stands for.
func fail(c *gin.Context, err error) {
	c.Abort()
	writeProblem(c.Writer, problemFor(c, err))
}

// problemFor maps err to a problem. Errors that are not the user's are
// logged and become a 500 that reveals nothing.
func problemFor(c *gin.Context, err error) problem {
	ctx := c.Request.Context()
	p := problem{Status: http.StatusInternalServerError, Code: "internal", Detail: "something went wrong on our side; please try again later",
		RequestID: requestIDOf(ctx)}
	var he *httpError
	var de *booking.Error
	switch {
	case errors.Is(err, errClientGone) || (errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil):
		p.Status, p.Code, p.Detail = statusClientClosed, "client_closed", "the client went away before the answer"
		slogFrom(c).InfoContext(ctx, "client went away before the answer", "route", c.FullPath())
	case errors.As(err, &he):
		p.Status, p.Code, p.Detail, p.Errors = he.status, he.code, he.detail, he.fields
	default:
		for _, s := range statuses {
			if errors.Is(err, s.err) {
				p.Status, p.Code, p.Detail = s.status, s.code, err.Error()
				break
			}
		}
		if errors.As(err, &de) {
			p.Detail = de.Detail
			for _, f := range de.Fields {
				p.Errors = append(p.Errors, fieldProblem{Field: f.Field, Detail: f.Message})
			}
		}
	}
	if p.Status == http.StatusInternalServerError {
		// The error text comes from our code and the database driver, not
		// from the request: it carries no personal data.
		slogFrom(c).ErrorContext(ctx, "request failed", "route", c.FullPath(), "error", err)
	}
	return p
}

func writeProblem(w http.ResponseWriter, p problem) {
	p.Type = "about:blank"
	p.Title = http.StatusText(p.Status)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

const loggerKey = "icsbooking.logger"

// slogFrom returns the server's logger, which logRequests puts in the
// context.
func slogFrom(c *gin.Context) *slog.Logger {
	if l, ok := c.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}
