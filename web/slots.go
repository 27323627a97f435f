package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
)

type slotResponse struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	Available int    `json:"available"`
}

func (s *Server) listSlots(c *gin.Context) {
	q := booking.SlotQuery{
		Center:   c.Param("center"),
		Service:  c.Query("service"),
		Language: c.Query("language"),
	}
	var fields []fieldProblem
	if q.Service == "" {
		fields = append(fields, fieldProblem{"service", "is required: a service id from /api/v1/services"})
	}
	for _, p := range []struct {
		name string
		date *booking.Date
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := c.Query(p.name); v != "" {
			d, err := booking.ParseDate(v)
			if err != nil {
				fields = append(fields, fieldProblem{p.name, err.Error()})
			}
			*p.date = d
		}
	}
	if len(fields) > 0 {
		fail(c, invalidFields(fields))
		return
	}
	slots, err := s.scheduler.Slots(c.Request.Context(), q)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]slotResponse, len(slots))
	for i, sl := range slots {
		out[i] = slotResponse{Start: s.timestamp(sl.Start), End: s.timestamp(sl.End), Available: sl.Available}
	}
	c.JSON(http.StatusOK, gin.H{"slots": out})
}

// timestamp formats an instant in RFC 3339 with the centers' offset, e.g.
// 2026-12-07T09:00:00+01:00.
func (s *Server) timestamp(t time.Time) string {
	return t.In(s.scheduler.Location()).Format(time.RFC3339)
}

// invalidFields is a 400 listing the fields.
func invalidFields(fields []fieldProblem) error {
	detail := fields[0].Field + ": " + fields[0].Detail
	if len(fields) > 1 {
		detail = "several fields are invalid"
	}
	return &httpError{status: http.StatusBadRequest, code: "invalid", detail: detail, fields: fields}
}
