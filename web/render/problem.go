package render

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
)

// Problem is an RFC 9457 problem details object. Code is an extension
// member naming the problem for programs; Errors lists invalid fields.
type Problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail"`
	Code   string         `json:"code"`
	Errors []FieldProblem `json:"errors,omitempty"`
	// RequestID names the request in the server's log.
	RequestID string `json:"request_id,omitempty"`
}

// FieldProblem says what is wrong with one field of a request.
type FieldProblem struct {
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
	{booking.ErrTooManyTickets, http.StatusTooManyRequests, "too_many_tickets"},
	{booking.ErrSlotFull, http.StatusConflict, "slot_full"},
	{booking.ErrConflict, http.StatusConflict, "conflict"},
}

// HTTPError is an error of the HTTP layer itself (a malformed body, a body
// too large, a missing token), answered with its status and code.
type HTTPError struct {
	Status int
	Code   string
	Detail string
	Fields []FieldProblem
}

func (e *HTTPError) Error() string { return e.Detail }

// RetryAfter tells the client to try again after d (a refusal's 429 or
// 503): in whole seconds, rounded up, at least 1, since 0 would invite a
// retry that is refused again.
func RetryAfter(c *gin.Context, d time.Duration) {
	c.Header("Retry-After", strconv.Itoa(max(1, int((d+time.Second-1)/time.Second))))
}

// InvalidFields is a 400 listing the fields.
func InvalidFields(fields ...FieldProblem) error {
	detail := fields[0].Field + ": " + fields[0].Detail
	if len(fields) > 1 {
		detail = "several fields are invalid"
	}
	return &HTTPError{Status: http.StatusBadRequest, Code: "invalid", Detail: detail, Fields: fields}
}

// ErrPanic is what a request that panicked failed with.
var ErrPanic = errors.New("panic")

// ErrClientGone wraps a failure that means the client left before its
// answer: the connection broke while its body was read, or its context was
// cancelled.
var ErrClientGone = errors.New("the client went away")

// statusClientClosed is the status logged for a request whose client left
// before the answer (nginx's 499): nobody reads the answer, and it is
// neither the client's fault nor the server's.
const statusClientClosed = 499

// FailProblem answers the request with the problem err stands for: the
// failure style of the APIs.
func FailProblem(c *gin.Context, err error) {
	c.Abort()
	WriteProblem(c.Writer, ProblemFor(c, err))
}

// ProblemFor maps err to a problem. Errors that are not the user's are
// logged and become a 500 that reveals nothing.
func ProblemFor(c *gin.Context, err error) Problem {
	ctx := c.Request.Context()
	p := Problem{Status: http.StatusInternalServerError, Code: "internal", Detail: "something went wrong on our side; please try again later",
		RequestID: RequestID(ctx)}
	var he *HTTPError
	var de *booking.Error
	switch {
	case errors.Is(err, ErrClientGone) || (errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil):
		p.Status, p.Code, p.Detail = statusClientClosed, "client_closed", "the client went away before the answer"
		Logger(c).InfoContext(ctx, "client went away before the answer", "route", c.FullPath())
	case errors.As(err, &he):
		p.Status, p.Code, p.Detail, p.Errors = he.Status, he.Code, he.Detail, he.Fields
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
				p.Errors = append(p.Errors, FieldProblem{Field: f.Field, Detail: f.Message})
			}
		}
	}
	if p.Status == http.StatusInternalServerError {
		// The error text comes from our code and the database driver, not
		// from the request: it carries no personal data.
		Logger(c).ErrorContext(ctx, "request failed", "route", c.FullPath(), "error", err)
	}
	return p
}

// WriteProblem writes p as the answer.
func WriteProblem(w http.ResponseWriter, p Problem) {
	p.Type = "about:blank"
	p.Title = http.StatusText(p.Status)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// Status is the status err is answered with.
func Status(c *gin.Context, err error) int { return ProblemFor(c, err).Status }
