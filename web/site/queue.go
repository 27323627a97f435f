package site

import (
	"bytes"
	"encoding/json"
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
//
// A ticket's page follows the queue live: ticket.js reads the ticket's
// stream (/tickets/{token}/events), fed by the same hub as the displays,
// and shows the place, the wait and, once called, the desk, with a sound,
// a vibration and, if its holder allowed it, a notification. Where no
// script runs, the page offers to reload itself (?refresh=on: a meta
// refresh inside <noscript>, which a browser that runs scripts ignores)
// and to stop again: a page that reloads itself is a time limit, which
// its holder must choose and be able to turn off (WCAG 2.2.1).

// ticketRefresh is how often, in seconds, a ticket's page reloads itself
// where no script runs while its holder waits; kioskReturn how long the
// kiosk shows a new ticket before it is ready for the next person.
const (
	ticketRefresh = 15
	kioskReturn   = 30
)

type ticketPage struct {
	render.Page
	Ticket  ticketView
	Service string
	Center  booking.Center
	// Refresh is the content of the page's meta refresh where no script
	// runs, if any.
	Refresh string
	// Path is the ticket's page; Stopped says it does not reload itself
	// where no script runs, unless its holder asks (?refresh=on).
	Path    string
	Stopped bool
	// Events is the ticket's stream, which the page's script follows
	// while the ticket is in the queue; "" once it is not, and at the
	// kiosk. Reload is how long the script waits before it opens a
	// refused stream again, in seconds.
	Events string
	Reload int
	// URL is the ticket's page, shown at the kiosk to open on a phone.
	URL string
	// KioskURL is the kiosk's start, which the kiosk's ticket returns to
	// after Return seconds; "" on a newcomer's page.
	KioskURL string
	Return   int
}

// ticketView is a ticket as its page shows it, in the page's language:
// what the page shows first and what its stream sends each time it
// changes, for ticket.js to put in place.
type ticketView struct {
	Number string `json:"number"`
	// State is the ticket's (booking.TicketState).
	State string `json:"state"`
	// Desk is the desk that called it, "" while it waits; DeskName says
	// it ("Desk 3").
	Desk     string `json:"desk"`
	DeskName string `json:"desk_name"`
	// Calls counts the calls: a call again is told as the first was.
	Calls int `json:"calls"`
	// Position and Wait are the place and the estimated wait, 0 and ""
	// once the ticket no longer waits.
	Position int    `json:"position"`
	Wait     string `json:"wait"`
	// Status says what to do now.
	Status string `json:"status"`
	// Final says the ticket is served or a no-show: nothing more will
	// change.
	Final bool `json:"final"`
}

// newTicketView describes st in l.
func newTicketView(l *locale.Locale, st booking.TicketStatus) ticketView {
	t := st.Ticket
	v := ticketView{Number: t.Number, State: string(t.State), Desk: t.Desk, Calls: t.Calls, Position: st.Position,
		Status: l.T("ticket."+string(t.State), "Desk", t.Desk), Final: t.Finished()}
	if t.State == booking.Called || t.State == booking.Serving {
		v.DeskName = l.T("display.desk", "Desk", t.Desk)
	}
	if t.State == booking.Waiting {
		v.Wait = waitText(l, st.Wait)
	}
	return v
}

// ticketPage shows a ticket's number, place and estimated wait, and the
// desk once called. Where no script runs it reloads itself while the
// ticket waits or is called if its holder asked, with ?refresh=on (a
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
	p.Path = ticketPath(st.Ticket.Token)
	if h.followed(st.Ticket) {
		p.Events, p.Reload = p.Path+"/events", displayReload
		p.Stopped = c.Query("refresh") != "on"
		if !p.Stopped {
			p.Refresh = strconv.Itoa(ticketRefresh)
		}
	}
	render.Render(c, http.StatusOK, "ticket.html", p)
}

// ticketPath is the address of a ticket's page.
func ticketPath(token string) string { return "/tickets/" + url.PathEscape(token) }

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
	p := ticketPage{Page: render.NewPage(c, "ticket.title", "Number", st.Ticket.Number), Center: center}
	p.Ticket = newTicketView(p.L, st)
	p.Service = service.In(p.L.Tag()).Name
	p.URL = booking.TicketURL(h.cfg.BaseURL, st.Ticket.Token)
	return p, nil
}

// ticketRecheck is how often a ticket's stream reads the ticket again
// while its center's queue stands still: its estimated wait moves with
// the clock (an appointment holder's time comes nearer).
const ticketRecheck = time.Minute

// ticketEvents streams a ticket's state to its page, as a ticketView in
// the request's language, each time it changes. It follows the center's
// queue through the displays' hub, so a call on any server process
// reaches it as it reaches the displays, and reads the ticket's place
// again at each change of the queue: a read per open ticket page and
// change, where a display costs none. A ticket's streams are counted under
// its token, not the client's address: the phones in a waiting room often
// share one address (the center's wireless network), and tickets are
// limited per address already. ticket.js reads the stream, so a failure is
// a problem document.
func (h *Handler) ticketEvents(c *gin.Context) {
	ctx := c.Request.Context()
	token := c.Param("token")
	st, err := h.walkIns.TicketByToken(ctx, token)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	if !h.followed(st.Ticket) {
		render.FailProblem(c, errTicketOver)
		return
	}
	sub, ok := h.subscribe(c, st.Ticket.Center, "ticket "+st.Ticket.Token)
	if !ok {
		return
	}
	defer sub.Close()
	l := render.Locale(c)
	var last []byte
	h.stream(c, "ticket", sub, ticketRecheck, func([]byte) []byte {
		st, err := h.walkIns.TicketByToken(ctx, token)
		if err != nil {
			if ctx.Err() == nil {
				render.Logger(c).Warn("ticket stream: read the ticket", "error", err)
			}
			return nil
		}
		data, err := json.Marshal(newTicketView(l, st))
		if err != nil || bytes.Equal(data, last) {
			return nil
		}
		last = data
		return data
	})
}

// followed reports whether a ticket's page follows it live: while it is
// today's and not finished. A stream is refused for any other, so that
// old tickets' tokens cannot hold the streams the displays need.
func (h *Handler) followed(t booking.Ticket) bool { return !t.Finished() && t.Day == h.today() }

// errTicketOver refuses the stream of a ticket no longer in the queue.
var errTicketOver = &render.HTTPError{Status: http.StatusGone, Code: "ticket_over",
	Detail: "this ticket is no longer in the queue: it was served, or it is not today's"}

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
	h.QueueChanged(center.ID)
	p, err := h.newTicketPage(c, st)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p.KioskURL, p.Return = kioskPath(center), kioskReturn
	// ticket.js goes back to the start after Return seconds; without a
	// script the ticket stays until someone presses Done.
	p.LinkLanguages(p.KioskURL)
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
