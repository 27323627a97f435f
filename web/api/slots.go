package api

import (
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/web/render"
)

// slotsBuffers hold the JSON of slot listings being written: the listing
// is what every visitor asks for, and a week of slots is a few thousand
// bytes.
var slotsBuffers = sync.Pool{New: func() any { return new([]byte) }}

func (h *Handler) listSlots(c *gin.Context) {
	q := booking.SlotQuery{
		Center:   c.Param("center"),
		Service:  c.Query("service"),
		Language: c.Query("language"),
	}
	var fields []render.FieldProblem
	services, listed := c.GetQuery("services")
	switch {
	case listed && q.Service != "":
		fields = append(fields, render.FieldProblem{Field: "services", Detail: "must not come with service: send service or services, not both"})
	case listed:
		q.Services = visitServices(services)
	case q.Service == "":
		fields = append(fields, render.FieldProblem{Field: "service", Detail: "is required: a service id from /api/v1/services (or services, several ids separated by commas)"})
	}
	if v, ok := c.GetQuery("people"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fields = append(fields, tooFewPeople)
		}
		q.People = n
	}
	for _, p := range []struct {
		name string
		date *booking.Date
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := c.Query(p.name); v != "" {
			d, err := booking.ParseDate(v)
			if err != nil {
				fields = append(fields, render.FieldProblem{Field: p.name, Detail: err.Error()})
			}
			*p.date = d
		}
	}
	if len(fields) > 0 {
		render.FailProblem(c, render.InvalidFields(fields...))
		return
	}
	slots, err := h.scheduler.Slots(c.Request.Context(), q)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	buf := slotsBuffers.Get().(*[]byte)
	defer slotsBuffers.Put(buf)
	*buf = h.appendSlots((*buf)[:0], slots)
	c.Data(http.StatusOK, "application/json; charset=utf-8", *buf)
}

// visitServices reads the services parameter: service ids separated by
// commas, in the order of the visit. An empty one lists none, which the
// scheduler refuses.
func visitServices(v string) []string {
	if v == "" {
		return []string{}
	}
	return strings.Split(v, ",")
}

// appendSlots appends the JSON of a slot listing, written out by hand
// rather than by reflection: {"slots":[{"start":...,"end":...,
// "available":n},...]}, times as render.Timestamp writes them. Nothing in
// it needs escaping.
func (h *Handler) appendSlots(b []byte, slots []booking.Slot) []byte {
	loc := h.scheduler.Location()
	b = append(b, `{"slots":[`...)
	for i, sl := range slots {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"start":"`...)
		b = render.AppendTimestamp(b, sl.Start, loc)
		b = append(b, `","end":"`...)
		b = render.AppendTimestamp(b, sl.End, loc)
		b = append(b, `","available":`...)
		b = strconv.AppendInt(b, int64(sl.Available), 10)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}
