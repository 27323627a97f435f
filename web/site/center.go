package site

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/web/render"
)

type centerPage struct {
	render.Page
	Center     centerCard
	MapURL     string
	ClosedDays []closedDay
	// Special are the periods of special opening hours not yet over.
	Special  []locale.SpecialHoursText
	Services []serviceGroup
}

type closedDay struct {
	Date string
	Why  string
}

// closedDaysAhead is how far ahead a center's page lists closed days.
const closedDaysAhead = 28

func (h *Handler) centerPage(c *gin.Context) {
	center, ok := h.pathCenter(c)
	if !ok {
		return
	}
	p := centerPage{Page: render.NewPage(c, "")}
	p.Title = center.Name
	var err error
	if p.Center, err = h.centerCard(c.Request.Context(), p.L, center); err != nil {
		render.FailPage(c, err)
		return
	}
	p.MapURL = "https://www.openstreetmap.org/search?query=" + url.QueryEscape(center.Address)
	today := h.today()
	days, err := h.scheduler.ClosedDays(c.Request.Context(), center.ID, today, today.AddDays(closedDaysAhead-1))
	if err != nil {
		render.FailPage(c, err)
		return
	}
	for _, d := range days {
		why := d.Reason
		if d.Holiday != "" {
			why = p.L.T("holiday." + d.Holiday)
		}
		if why == "" {
			why = p.L.T("closure.other")
		}
		date := p.L.DayDate(d.Day)
		if d.Part != (booking.Span{}) {
			date += ", " + p.L.Span(d.Part)
		}
		p.ClosedDays = append(p.ClosedDays, closedDay{Date: date, Why: why})
	}
	for _, sh := range center.SpecialHours {
		if !sh.To.Before(today) {
			p.Special = append(p.Special, p.L.SpecialHours(sh))
		}
	}
	p.Services = groupServices(p.L, h.scheduler.Catalogue().Services)
	render.Render(c, http.StatusOK, "center.html", p)
}
