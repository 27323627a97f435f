package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
)

type servicePage struct {
	page
	Service       booking.Service
	Text          booking.ServiceText
	NoticeDays    int
	Interpreters  bool
	NextFree      []string
	BookableAtAll bool
}

// nextFreeDays is how far ahead a service's page looks for a free time.
const nextFreeDays = 14

func (s *Server) servicePage(c *gin.Context) {
	service, err := s.scheduler.Catalogue().Service(c.Param("service"))
	if err != nil {
		s.errorPage(c, err)
		return
	}
	p := servicePage{page: s.newPage(c, ""), Service: service, NoticeDays: s.cfg.InterpreterNoticeDays}
	p.Text = service.In(p.L.Tag())
	p.Title = p.Text.Name
	p.BookableAtAll = service.Mode.Bookable()
	if p.BookableAtAll && !service.NeedsLanguage {
		today := s.localToday()
		for _, center := range s.scheduler.Catalogue().Centers {
			slots, err := s.scheduler.Slots(c.Request.Context(), booking.SlotQuery{
				Center: center.ID, Service: service.ID, From: today, To: today.AddDays(nextFreeDays - 1),
			})
			if err != nil {
				s.errorPage(c, err)
				return
			}
			line := p.L.T("service.none_free", "Center", center.Name)
			for _, sl := range slots {
				if sl.Available > 0 {
					local := sl.Start.In(s.scheduler.Location())
					line = p.L.T("service.next_at", "Center", center.Name,
						"When", p.L.T("time.at", "Day", p.L.LongDate(local), "Time", p.L.Clock(local)))
					break
				}
			}
			p.NextFree = append(p.NextFree, line)
		}
	}
	s.render(c, http.StatusOK, "service.html", p)
}
