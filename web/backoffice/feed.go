package backoffice

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/notify"
	"github.com/ics-booking/icsbooking/web/render"
)

// calendarFeed serves a center's upcoming appointments as a calendar that
// staff subscribe to. The token is the center's own, from configuration;
// a wrong one is answered like an unknown center.
func (h *Handler) calendarFeed(c *gin.Context) {
	centerID := c.Param("center")
	want, ok := h.cfg.FeedTokens[centerID]
	got := c.Query("token")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		render.FailProblem(c, &render.HTTPError{Status: http.StatusNotFound, Code: "not_found", Detail: "no such calendar"})
		return
	}
	center, err := h.scheduler.Catalogue().Center(centerID)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	bookings, err := h.scheduler.Appointments(c.Request.Context(), centerID)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	events := make([]notify.FeedEvent, len(bookings))
	for i, b := range bookings {
		events[i] = notify.FeedEvent{
			UID:       notify.UID(h.cfg.BaseURL, b.Reference),
			Sequence:  b.Sequence,
			Start:     b.Start,
			End:       b.End,
			Name:      b.Name,
			Service:   feedVisit(h.scheduler.Catalogue(), b),
			Reference: b.Reference,
		}
	}
	data, err := notify.Feed(center.Name+" appointments", events, h.cfg.Now())
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	c.Header("Cache-Control", "private, max-age=300")
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", data)
}

// feedVisit names a booking's visit in the feed, in English as the feed
// is: its services in order, and its people if more than one come.
func feedVisit(cat booking.Catalogue, b booking.Booking) string {
	visit := strings.Join(serviceNames(cat, b.Services, "en"), ", ")
	if b.People > 1 {
		visit += fmt.Sprintf(" (%d people)", b.People)
	}
	return visit
}
