package backoffice

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/staff"
	"github.com/ics-booking/icsbooking/web/render"
)

// A center's day in the back office: the agenda of its appointments with
// their state in the queue and their emails, a staff cancellation with a
// reason, and a copy of the day to print.

// noticeKey holds, in the staff session, the notice the next agenda page
// shows: what a cancellation or a booking on behalf did (post/redirect/get).
const noticeKey = "notice"

var errNoBooking = &render.HTTPError{Status: http.StatusNotFound, Code: "not_found", Detail: "this center has no such booking"}

var errBadDay = &render.HTTPError{Status: http.StatusBadRequest, Code: "invalid_day", Detail: "day must be a date such as 2026-12-07"}

type agendaPage struct {
	staffPage
	Center booking.Center
	// Heading is the center and the day; Title says more after an error.
	Heading  string
	Day      string // 2026-11-26, for the date field and the forms
	DayURL   string
	TodayURL string
	PrevURL  string
	NextURL  string
	// Print: the plain copy to print, without forms.
	Print  bool
	Rows   []agendaRow
	Notice string
	// Problem says why the last cancellation failed; its row shows the
	// field's error.
	Problem string
}

// agendaRow is one booking of the agenda, in the page's language.
type agendaRow struct {
	ID        int64
	Reference string
	Start     string // RFC 3339, for <time datetime>
	Time      string // 09:30–10:15
	Name      string
	Phone     string
	// Services are the names of the visit's services, in order; People
	// how many people come.
	Services    []string
	People      int
	Interpreter string
	Notes       string
	State       string
	Cancelled   bool
	// CancelReason is why staff cancelled it, if they did.
	CancelReason string
	Emails       []agendaEmail
	// Cancellable: confirmed and not yet started, so the row offers the
	// cancel form.
	Cancellable bool
	Reason      string // the reason typed, shown again after an error
	ReasonError string
}

type agendaEmail struct {
	Line  string // Confirmation: sent
	Error string // the last error of a failed one
}

// ticketStates name a checked-in booking's state by its ticket's.
var ticketStates = map[booking.TicketState]string{
	booking.Waiting: "staff.state.checked_in",
	booking.Called:  "staff.state.called",
	booking.Serving: "staff.state.serving",
	booking.Done:    "staff.state.done",
	booking.NoShow:  "staff.state.no_show",
}

// staffAgenda shows a center's appointments of a day (?day=, today by
// default).
func (h *Handler) staffAgenda(c *gin.Context) { h.showAgenda(c, false) }

// staffPrint shows the same day plainly, for paper: no forms.
func (h *Handler) staffPrint(c *gin.Context) { h.showAgenda(c, true) }

func (h *Handler) showAgenda(c *gin.Context, printable bool) {
	day, err := h.dayParam(c.Query("day"))
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p, err := h.agendaPage(c, day)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p.Print = printable
	if !printable {
		p.Notice = h.sessions.PopString(c.Request.Context(), noticeKey)
	}
	render.Render(c, http.StatusOK, "staff-agenda.html", p)
}

// dayParam reads a day: today if v is empty.
func (h *Handler) dayParam(v string) (booking.Date, error) {
	if v == "" {
		return h.today(), nil
	}
	d, err := booking.ParseDate(v)
	if err != nil {
		return booking.Date{}, errBadDay
	}
	return d, nil
}

// agendaURL is the agenda of a center's day.
func agendaURL(center string, day booking.Date) string {
	return "/staff/centers/" + url.PathEscape(center) + "?day=" + day.String()
}

// agendaPage describes the center's day: its bookings by start, each with
// its state (the booking's, or its ticket's once checked in) and emails.
func (h *Handler) agendaPage(c *gin.Context, day booking.Date) (agendaPage, error) {
	ctx := c.Request.Context()
	center := centerOf(c)
	bookings, err := h.scheduler.Agenda(ctx, center.ID, day)
	if err != nil {
		return agendaPage{}, err
	}
	tickets, err := h.walkIns.Tickets(ctx, center.ID, day)
	if err != nil {
		return agendaPage{}, err
	}
	ticketOf := map[int64]booking.Ticket{}
	for _, t := range tickets {
		if t.BookingID != 0 {
			ticketOf[t.BookingID] = t // the last one taken, if moved
		}
	}
	p := agendaPage{staffPage: h.newStaffPage(c, ""), Center: center, Day: day.String(), DayURL: agendaURL(center.ID, day),
		TodayURL: agendaURL(center.ID, h.today()), PrevURL: agendaURL(center.ID, day.AddDays(-1)), NextURL: agendaURL(center.ID, day.AddDays(1))}
	p.Heading = center.Name + " – " + p.L.DayDate(day)
	p.Title = p.Heading
	loc, now := h.scheduler.Location(), h.cfg.Now()
	for _, b := range bookings {
		start, end := b.Start.In(loc), b.End.In(loc)
		row := agendaRow{
			ID: b.ID, Reference: b.Reference, Start: start.Format(time.RFC3339),
			Time: p.L.Clock(start) + "–" + p.L.Clock(end), Name: b.Name, Phone: b.Phone,
			Services: serviceNames(h.scheduler.Catalogue(), b.Services, p.L.Tag()), People: b.People,
			Interpreter: p.L.LanguageName(b.Language), Notes: b.Notes,
			Cancelled: b.Status == booking.Cancelled, CancelReason: b.CancelReason,
			Cancellable: b.Changeable(now),
		}
		state := "staff.state.booked"
		if t, ok := ticketOf[b.ID]; ok {
			state = ticketStates[t.State]
		}
		if row.Cancelled {
			state = "staff.state.cancelled"
		}
		row.State = p.L.T(state)
		for _, e := range b.Emails {
			line := agendaEmail{Line: p.L.T("staff.email.line", "Kind", p.L.T("staff.email."+string(e.Kind)),
				"State", p.L.T("staff.email."+string(e.State)))}
			if e.State == booking.EmailFailed && e.LastError != "" {
				line.Error = p.L.T("staff.email.error", "Error", e.LastError)
			}
			row.Emails = append(row.Emails, line)
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

// staffCancel cancels a booking of the center with the reason staff give;
// the cancellation email tells the newcomer the reason. A booking of
// another center is not found. The form names the booking's day, whose
// agenda the answer leads to, or shows again with what went wrong.
func (h *Handler) staffCancel(c *gin.Context) {
	centerID, ok := h.centerForm(c)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		render.FailPage(c, errNoBooking)
		return
	}
	day, err := booking.ParseDate(c.PostForm("day"))
	if err != nil {
		render.FailPage(c, errNoBooking)
		return
	}
	ctx := c.Request.Context()
	reason := c.PostForm("reason")
	b, cancelled, err := h.scheduler.CancelByStaff(ctx, centerID, id, reason)
	var problem string
	switch {
	case errors.Is(err, booking.ErrNotFound):
		render.FailPage(c, errNoBooking)
		return
	case errors.Is(err, booking.ErrStarted):
		problem = "staff.cancel.too_late"
	case errors.Is(err, booking.ErrInvalid) && strings.TrimSpace(reason) == "":
		problem = "staff.cancel.reason_required"
	case errors.Is(err, booking.ErrInvalid):
		problem = "staff.cancel.reason_invalid"
	case err != nil:
		render.FailPage(c, err)
		return
	}
	if problem != "" {
		h.cancelRefused(c, day, id, reason, problem)
		return
	}
	notice := "staff.cancel.already" // a second post of the same form
	if cancelled {
		h.audit(c, centerID, staff.ActionBookingCancel, b.Reference, b.CancelReason)
		notice = "staff.cancel.done"
	}
	h.sessions.Put(ctx, noticeKey, render.Locale(c).T(notice, "Reference", b.Reference))
	c.Redirect(http.StatusSeeOther, agendaURL(centerID, day))
}

// cancelRefused shows the agenda of the day again, with the message
// problem next to the reason of the booking staff tried to cancel.
func (h *Handler) cancelRefused(c *gin.Context, day booking.Date, id int64, reason, problem string) {
	p, err := h.agendaPage(c, day)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	i := slices.IndexFunc(p.Rows, func(r agendaRow) bool { return r.ID == id })
	if i < 0 {
		render.FailPage(c, errNoBooking)
		return
	}
	row := &p.Rows[i]
	row.Reason, row.ReasonError = reason, p.L.T(problem)
	p.Problem = p.L.T("staff.cancel.failed", "Reference", row.Reference)
	p.Title = p.Problem
	render.Render(c, http.StatusUnprocessableEntity, "staff-agenda.html", p)
}

// centerForm reads the posted form of a center's page and returns the
// center's ID; if the form cannot be read, it has answered.
func (h *Handler) centerForm(c *gin.Context) (string, bool) {
	if err := h.parseForm(c); err != nil {
		render.FailPage(c, err)
		return "", false
	}
	return centerOf(c).ID, true
}
