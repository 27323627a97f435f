package site

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/web/render"
)

type servicePage struct {
	render.Page
	Service       booking.Service
	Text          booking.ServiceText
	NoticeDays    int
	Interpreters  bool
	NextFree      []string
	BookableAtAll bool
}

// nextFreeDays is how far ahead a service's page looks for a free time.
const nextFreeDays = 14

func (h *Handler) servicePage(c *gin.Context) {
	service, err := h.scheduler.Catalogue().Service(c.Param("service"))
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p := servicePage{Page: render.NewPage(c, ""), Service: service, NoticeDays: h.cfg.InterpreterNoticeDays}
	p.Text = service.In(p.L.Tag())
	p.Title = p.Text.Name
	p.BookableAtAll = service.Mode.Bookable()
	if p.BookableAtAll && !service.NeedsLanguage {
		today := h.today()
		for _, center := range h.scheduler.Catalogue().Centers {
			slots, err := h.scheduler.Slots(c.Request.Context(), booking.SlotQuery{
				Center: center.ID, Service: service.ID, From: today, To: today.AddDays(nextFreeDays - 1),
			})
			if err != nil {
				render.FailPage(c, err)
				return
			}
			line := p.L.T("service.none_free", "Center", center.Name)
			for _, sl := range slots {
				if sl.Available > 0 {
					local := sl.Start.In(h.scheduler.Location())
					line = p.L.T("service.next_at", "Center", center.Name,
						"When", p.L.T("time.at", "Day", p.L.LongDate(local), "Time", p.L.Clock(local)))
					break
				}
			}
			p.NextFree = append(p.NextFree, line)
		}
	}
	render.Render(c, http.StatusOK, "service.html", p)
}
