package web

import (
	"crypto/subtle"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/notify"
)

// calendarFeed serves a center's upcoming appointments as a calendar that
// staff subscribe to. The token is the center's own, from configuration;
// a wrong one is answered like an unknown center.
func (s *Server) calendarFeed(c *gin.Context) {
	centerID := c.Param("center")
	want, ok := s.cfg.FeedTokens[centerID]
	got := c.Query("token")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		fail(c, &httpError{status: http.StatusNotFound, code: "not_found", detail: "no such calendar"})
		return
	}
	center, err := s.scheduler.Catalogue().Center(centerID)
	if err != nil {
		fail(c, err)
		return
	}
	bookings, err := s.scheduler.Appointments(c.Request.Context(), centerID)
	if err != nil {
		fail(c, err)
		return
	}
	services := map[string]string{}
	for _, sv := range s.scheduler.Catalogue().Services {
		services[sv.ID] = sv.Name
	}
	events := make([]notify.FeedEvent, len(bookings))
	for i, b := range bookings {
		events[i] = notify.FeedEvent{
			UID:       notify.UID(s.cfg.BaseURL, b.Reference),
			Sequence:  b.Sequence,
			Start:     b.Start,
			End:       b.End,
			Name:      b.Name,
			Service:   services[b.Service],
			Reference: b.Reference,
		}
	}
	data, err := notify.Feed(center.Name+" appointments", events, s.cfg.Now())
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, max-age=300")
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", data)
}
