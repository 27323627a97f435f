package site

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/web/render"
)

// The walk-in queue's pages: a ticket's public page, which a newcomer
// watches on a phone, and the kiosk in each center's waiting room.

// ticketRefresh is how often, in seconds, a ticket's page reloads itself
// while its holder waits; kioskReturn how long the kiosk shows a new ticket
// before it is ready for the next person.
const (
	ticketRefresh = 15
	kioskReturn   = 30
)

type ticketPage struct {
	render.Page
	Number   string
	Service  string
	Center   booking.Center
	State    string // what the holder should do now
	Position int    // 0 once the ticket no longer waits
	Wait     string
	// Refresh is the content of the page's meta refresh, if any.
	Refresh string
	// Path is the ticket's page; Stopped says its holder turned its
	// refresh off there (WCAG 2.2.1: a time limit the user can turn off).
	Path    string
	Stopped bool
	// URL is the ticket's page, shown at the kiosk to open on a phone.
	URL      string
	KioskURL string
}

// ticketPage shows a ticket's number, place and estimated wait; it reloads
// itself while the ticket waits or is called, unless ?refresh=off (a
// reload moves a screen reader back to the top of the page).
func (h *Handler) ticketPage(c *gin.Context) {
	st, err := h.walkIns.TicketByToken(c.Request.Context(), c.Param("token"))
	if err != nil {
		ticketFailed(c, err)
		return
	}
	p, err := h.newTicketPage(c, st)
	if err != nil {
		ticketFailed(c, err)
		return
	}
	p.Path = "/tickets/" + url.PathEscape(st.Ticket.Token)
	if st.Ticket.State == booking.Waiting || st.Ticket.State == booking.Called {
		p.Stopped = c.Query("refresh") == "off"
		if !p.Stopped {
			p.Refresh = strconv.Itoa(ticketRefresh)
		}
	}
	render.Render(c, http.StatusOK, "ticket.html", p)
}

// ticketFailed shows a failure of a ticket's page; a ticket not found says
// so.
func ticketFailed(c *gin.Context, err error) {
	notFoundPage(c, err, "error.ticket_not_found", "error.ticket_not_found_text", nil)
}

func (h *Handler) newTicketPage(c *gin.Context, st booking.TicketStatus) (ticketPage, error) {
	center, err := h.scheduler.Catalogue().Center(st.Ticket.Center)
	if err != nil {
		return ticketPage{}, err
	}
	service, err := h.scheduler.Catalogue().Service(st.Ticket.Service)
	if err != nil {
		return ticketPage{}, err
	}
	p := ticketPage{Page: render.NewPage(c, "ticket.title", "Number", st.Ticket.Number), Number: st.Ticket.Number, Center: center, Position: st.Position}
	p.Service = service.In(p.L.Tag()).Name
	p.State = p.L.T("ticket."+string(st.Ticket.State), "Desk", st.Ticket.Desk)
	p.Wait = waitText(p.L, st.Wait)
	p.URL = booking.TicketURL(h.cfg.BaseURL, st.Ticket.Token)
	return p, nil
}

// waitText says an estimated wait in l.
func waitText(l *locale.Locale, wait time.Duration) string {
	if wait <= 0 {
		return l.T("wait.none")
	}
	return l.T("wait.minutes", "Minutes", int(wait/time.Minute))
}

type kioskPage struct {
	render.Page
	Center    booking.Center
	Services  []render.ServiceItem
	Wait      string // "" while the center gives no tickets
	Problem   string
	Reference string
}

// kiosk is the self-service page of a center's waiting room: take a ticket
// for a walk-in service, or check in with a booking's reference.
func (h *Handler) kiosk(c *gin.Context) {
	center, ok := h.pathCenter(c)
	if !ok {
		return
	}
	h.renderKiosk(c, http.StatusOK, center, "", "")
}

func (h *Handler) renderKiosk(c *gin.Context, status int, center booking.Center, problem, reference string) {
	p := kioskPage{Page: render.NewPage(c, "kiosk.title", "Center", center.Name), Center: center, Problem: problem, Reference: reference}
	p.LinkLanguages(kioskPath(center))
	for _, sv := range h.scheduler.Catalogue().Services {
		if sv.Mode != booking.Appointment {
			p.Services = append(p.Services, render.NewServiceItem(sv, p.L.Tag()))
		}
	}
	estimate, err := h.walkIns.EstimatedWait(c.Request.Context(), center.ID)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	if estimate.Open {
		p.Wait = waitText(p.L, estimate.Wait)
	}
	render.Render(c, status, "kiosk.html", p)
}

// kioskTicket takes a walk-in ticket at the kiosk and shows it.
func (h *Handler) kioskTicket(c *gin.Context) {
	h.atKiosk(c, "kiosk.service_unknown", func(center booking.Center) (booking.TicketStatus, error) {
		return h.walkIns.IssueTicket(c.Request.Context(), center.ID, c.PostForm("service"))
	})
}

// kioskCheckIn checks an appointment holder in at the kiosk and shows the
// ticket.
func (h *Handler) kioskCheckIn(c *gin.Context) {
	h.atKiosk(c, "kiosk.checkin_unknown", func(center booking.Center) (booking.TicketStatus, error) {
		st, _, err := h.walkIns.CheckIn(c.Request.Context(), center.ID, c.PostForm("reference"))
		return st, err
	})
}

// atKiosk reads a kiosk form, runs its action and shows the ticket it
// gives, big, until the kiosk returns to its start for the next person. A
// refusal is shown on the kiosk page, saying in the page's language what to
// do; notFound is the message for an unknown service or booking.
func (h *Handler) atKiosk(c *gin.Context, notFound string, action func(booking.Center) (booking.TicketStatus, error)) {
	center, ok := h.pathCenter(c)
	if !ok {
		return
	}
	if err := h.parseForm(c); err != nil {
		render.FailPage(c, err)
		return
	}
	st, err := action(center)
	if err != nil {
		problem, ok := h.kioskProblem(render.Locale(c), err, notFound)
		if !ok {
			render.FailPage(c, err)
			return
		}
		h.renderKiosk(c, http.StatusUnprocessableEntity, center, problem, c.PostForm("reference"))
		return
	}
	p, err := h.newTicketPage(c, st)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p.KioskURL = kioskPath(center)
	p.LinkLanguages(p.KioskURL)
	p.Refresh = strconv.Itoa(kioskReturn) + ";url=" + p.KioskURL
	render.Render(c, http.StatusOK, "ticket.html", p)
}

// kioskProblem says in l why the kiosk refused, and when to come back if
// the error knows; notFound is the message for an unknown service or
// booking. ok is false for errors that are not the visitor's.
func (h *Handler) kioskProblem(l *locale.Locale, err error, notFound string) (string, bool) {
	var de *booking.Error
	errors.As(err, &de)
	when := ""
	if de != nil && !de.At.IsZero() {
		at := de.At.In(h.scheduler.Location())
		when = l.T("time.at", "Day", l.LongDate(at), "Time", l.Clock(at))
		if booking.DateOf(at) == h.today() {
			when = l.T("time.today_at", "Time", l.Clock(at))
		}
	}
	switch {
	case errors.Is(err, booking.ErrQueueClosed) && when != "":
		return l.T("kiosk.closed", "When", when), true
	case errors.Is(err, booking.ErrQueueClosed):
		return l.T("kiosk.closed_call"), true
	case errors.Is(err, booking.ErrCheckIn) && when != "":
		return l.T("kiosk.checkin_at", "When", when), true
	case errors.Is(err, booking.ErrCheckIn):
		return l.T("kiosk.checkin_refused"), true
	case errors.Is(err, booking.ErrNotFound), errors.Is(err, booking.ErrInvalid):
		return l.T(notFound), true
	case errors.Is(err, booking.ErrNotBookable):
		return l.T("kiosk.appointment_only"), true
	}
	return "", false
}

func kioskPath(center booking.Center) string {
	return "/centers/" + url.PathEscape(center.ID) + "/kiosk"
}
