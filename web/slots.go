package web

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
)

// slotsBuffers hold the JSON of slot listings being written: the listing
// is what every visitor asks for, and a week of slots is a few thousand
// bytes.
var slotsBuffers = sync.Pool{New: func() any { return new([]byte) }}

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
	buf := slotsBuffers.Get().(*[]byte)
	defer slotsBuffers.Put(buf)
	*buf = s.appendSlots((*buf)[:0], slots)
	c.Data(http.StatusOK, "application/json; charset=utf-8", *buf)
}

// appendSlots appends the JSON of a slot listing, written out by hand
// rather than by reflection: {"slots":[{"start":...,"end":...,
// "available":n},...]}, times as timestamp writes them. Nothing in it needs
// escaping.
func (s *Server) appendSlots(b []byte, slots []booking.Slot) []byte {
	b = append(b, `{"slots":[`...)
	for i, sl := range slots {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"start":"`...)
		b = s.appendTimestamp(b, sl.Start)
		b = append(b, `","end":"`...)
		b = s.appendTimestamp(b, sl.End)
		b = append(b, `","available":`...)
		b = strconv.AppendInt(b, int64(sl.Available), 10)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// timestamp formats an instant in RFC 3339 with the centers' offset, e.g.
// 2026-12-07T09:00:00+01:00.
func (s *Server) timestamp(t time.Time) string {
	return string(s.appendTimestamp(nil, t))
}

// appendTimestamp appends t as timestamp writes it.
func (s *Server) appendTimestamp(b []byte, t time.Time) []byte {
	return t.In(s.scheduler.Location()).AppendFormat(b, time.RFC3339)
}

// invalidFields is a 400 listing the fields.
func invalidFields(fields []fieldProblem) error {
	detail := fields[0].Field + ": " + fields[0].Detail
	if len(fields) > 1 {
		detail = "several fields are invalid"
	}
	return &httpError{status: http.StatusBadRequest, code: "invalid", detail: detail, fields: fields}
}
