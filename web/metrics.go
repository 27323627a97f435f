package web

import (
	"net/http"
	"time"

	"github.com/ics-booking/icsbooking/metrics"
)

// observe counts a request in the metrics, and what it did to a booking.
func (s *Server) observe(method, route string, status int, took time.Duration) {
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
