package site

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/web/api"
	"github.com/ics-booking/icsbooking/web/render"
)

// The waiting-room display: who is called to which desk, the last calls
// and the wait for someone taking a ticket now. Public, so numbers and
// desks only. The page draws the queue once; display.js keeps it current
// from a stream of Server-Sent Events (/centers/{center}/display/events),
// and without JavaScript the page reloads itself.

type displayPage struct {
	render.Page
	Center booking.Center
	Queue  api.QueueResponse
	Wait   string
	Events string
	// Reload is displayReload, for the page and its script.
	Reload int
	// Refresh makes the page reload itself every Reload seconds, for a
	// screen that runs no script: asked for with ?refresh=on, since a
	// page that reloads itself unasked is a time limit nobody chose
	// (WCAG 2.2.1).
	Refresh bool
}

// displayReload is how often, in seconds, the display reloads itself
// when it cannot run its script, and how long display.js waits before it
// opens a refused stream again.
const displayReload = 10

func (h *Handler) display(c *gin.Context) {
	center, ok := h.pathCenter(c)
	if !ok {
		return
	}
	q, err := h.queue(c.Request.Context(), center.ID)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p := displayPage{Page: render.NewPage(c, "display.title", "Center", center.Name), Center: center, Queue: q,
		Events: "/centers/" + center.ID + "/display/events", Reload: displayReload, Refresh: c.Query("refresh") == "on"}
	p.Wait = displayWait(p.L, q.EstimatedWaitMinutes)
	render.Render(c, http.StatusOK, "display.html", p)
}

// queue is a center's queue as the display shows it: as the API answers
// it, which is what display.js reads from the stream.
func (h *Handler) queue(ctx context.Context, center string) (api.QueueResponse, error) {
	state, err := h.walkIns.QueueState(ctx, center)
	if err != nil {
		return api.QueueResponse{}, err
	}
	return api.QueueOf(state, h.scheduler.Location()), nil
}

// displayWait says the estimated wait for a new ticket, or that the center
// gives none now.
func displayWait(l *locale.Locale, minutes *int) string {
	switch {
	case minutes == nil:
		return l.T("display.no_tickets")
	case *minutes == 0:
		return l.T("display.no_wait")
	}
	return l.T("display.wait", "Minutes", *minutes)
}

// displayEvents streams the center's queue to its display, as the API
// answers it (QueueResponse) and computed once for all its displays;
// display.js reads it, so a failure is a problem document.
func (h *Handler) displayEvents(c *gin.Context) {
	center, err := h.scheduler.Catalogue().Center(c.Param("center"))
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	sub, ok := h.subscribe(c, center.ID, "")
	if !ok {
		return
	}
	defer sub.Close()
	h.stream(c, "queue", sub, 0, asIs)
}
