package web

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
)

// The waiting-room display: who is called to which desk, the last calls
// and the wait for someone taking a ticket now. Public, so numbers and
// desks only. The page draws the queue once; display.js keeps it current
// from a stream of Server-Sent Events (/centers/{center}/display/events),
// and without JavaScript the page reloads itself.

type displayPage struct {
	page
	Center booking.Center
	Queue  queueResponse
	Wait   string
	Events string
}

// displayReload is how often, in seconds, the display reloads itself
// when it cannot run its script.
const displayReload = 10

func (s *Server) display(c *gin.Context) {
	center, err := s.scheduler.Catalogue().Center(c.Param("center"))
	if err != nil {
		s.errorPage(c, err)
		return
	}
	q, err := s.queueResponse(c.Request.Context(), center.ID)
	if err != nil {
		s.errorPage(c, err)
		return
	}
	p := displayPage{page: s.newPage(c, "display.title", "Center", center.Name), Center: center, Queue: q,
		Events: "/centers/" + center.ID + "/display/events"}
	p.Wait = s.waitText(p.L, q.EstimatedWaitMinutes)
	s.render(c, http.StatusOK, "display.html", p)
}

// waitText says the estimated wait for a new ticket, or that the center
// gives none now.
func (s *Server) waitText(l *locale.Locale, minutes *int) string {
	switch {
	case minutes == nil:
		return l.T("display.no_tickets")
	case *minutes == 0:
		return l.T("display.no_wait")
	}
	return l.T("display.wait", "Minutes", *minutes)
}

// displayEvents streams the center's queue to its display.
func (s *Server) displayEvents(c *gin.Context) {
	center, err := s.scheduler.Catalogue().Center(c.Param("center"))
	if err != nil {
		fail(c, err)
		return
	}
	s.stream(c, center.ID, "queue", func(ctx context.Context) (any, error) {
		return s.queueResponse(ctx, center.ID)
	})
}
