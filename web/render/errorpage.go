package render

import (
	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
)

// ErrorPage is the data of error.html.
type ErrorPage struct {
	Page
	Message string
	// Centers are the centers to call or write to instead.
	Centers []booking.Center
}

// errorPages are the pages for problems with a request itself rather than
// with a booking, by problem code: the messages of their title and text.
var errorPages = map[string][2]string{
	"cross_origin":         {"error.refused", "error.cross_origin"},
	"too_large":            {"error.too_large", "error.too_large_text"},
	"request_timeout":      {"error.too_slow", "error.too_slow_text"},
	"unsupported_encoding": {"error.refused", "error.encoding"},
	"not_found":            {"error.not_found", "error.not_found_text"},
	"forbidden":            {"error.forbidden", "error.forbidden_text"},
	"rate_limited":         {"error.rate_limited", "error.rate_limited_text"},
	"invalid_day":          {"error.bad_day", "error.bad_day_text"},
}

// NewErrorPage describes err as a page, and returns the status to show it
// with, for a caller that says more than the code does (a booking not
// found).
func NewErrorPage(c *gin.Context, err error) (ErrorPage, int) {
	problem := ProblemFor(c, err)
	messages, ok := errorPages[problem.Code]
	if !ok {
		messages = [2]string{"error.title", "error.text"}
	}
	p := ErrorPage{Page: NewPage(c, messages[0])}
	p.Message = p.L.T(messages[1])
	return p, problem.Status
}

// FailPage answers the request with err as a page: the failure style of the
// pages.
func FailPage(c *gin.Context, err error) {
	c.Abort()
	p, status := NewErrorPage(c, err)
	Render(c, status, "error.html", p)
}
