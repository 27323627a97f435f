package backoffice

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/web/render"
)

// A center's day in the back office: the agenda of its appointments, one
// compact row each (time, name, visit, state) linking to the booking's
// page, with a check-in button for today's; a search of the center's
// bookings by reference or name; and a copy of the day to print, with the
// details and emails of each booking and no forms.

// noticeKey holds, in the staff session, the notice the next page shows:
// what a check-in, a cancellation or a booking on behalf did
// (post/redirect/get).
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
	// Ticket is the number of the ticket a check-in from the page just
	// gave, shown large to read out.
	Ticket string
	// Problem says at the top that a check-in failed; the element
	// ProblemField names, in the booking's row, says why.
	Problem      string
	ProblemField string
	// Search: the page lists the bookings a search for Query found
	// instead of a day's; QueryError says what is wrong with the query,
	// Empty what to say if nothing was found, More that more were found
	// than the page lists.
	Search     bool
	Query      string
	QueryError string
	Empty      string
	More       bool
}

// agendaRow is one booking of the agenda, in the page's language.
type agendaRow struct {
	ID        int64
	Reference string
	URL       string // the booking's page
	Start     string // RFC 3339, for <time datetime>
	Date      string // the day, in a search's results
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
	Ticket      string // its number, once checked in
	Cancelled   bool
	// CancelReason is why staff cancelled it, if they did.
	CancelReason string
	Emails       []agendaEmail
	// CheckIn: a confirmed booking of today not checked in yet, so the
	// row offers its check-in; CheckInError says why one failed.
	CheckIn      bool
	CheckInError string
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
		ctx := c.Request.Context()
		p.Notice = h.sessions.PopString(ctx, noticeKey)
		p.Ticket = h.sessions.PopString(ctx, ticketKey)
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

// newAgendaPage is the agenda's page of a center's day, without its rows.
func (h *Handler) newAgendaPage(c *gin.Context, day booking.Date) agendaPage {
	center := centerOf(c)
	p := agendaPage{staffPage: h.newStaffPage(c, ""), Center: center, Day: day.String(), DayURL: agendaURL(center.ID, day),
		TodayURL: agendaURL(center.ID, h.today()), PrevURL: agendaURL(center.ID, day.AddDays(-1)), NextURL: agendaURL(center.ID, day.AddDays(1))}
	p.Heading = center.Name + " – " + p.L.DayDate(day)
	p.Title = p.Heading
	return p
}

// agendaPage describes the center's day: its bookings by start, each with
// its state (the booking's, or its ticket's once checked in) and emails.
func (h *Handler) agendaPage(c *gin.Context, day booking.Date) (agendaPage, error) {
	center := centerOf(c)
	bookings, err := h.scheduler.Agenda(c.Request.Context(), center.ID, day)
	if err != nil {
		return agendaPage{}, err
	}
	tickets := map[int64]booking.Ticket{}
	if err := h.dayTickets(c, center.ID, day, tickets); err != nil {
		return agendaPage{}, err
	}
	p := h.newAgendaPage(c, day)
	for _, b := range bookings {
		p.Rows = append(p.Rows, h.agendaRowOf(p.L, b.Booking, b.Emails, tickets))
	}
	return p, nil
}

// dayTickets adds the tickets of a center's day to tickets, by booking.
func (h *Handler) dayTickets(c *gin.Context, center string, day booking.Date, tickets map[int64]booking.Ticket) error {
	ts, err := h.walkIns.Tickets(c.Request.Context(), center, day)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.BookingID != 0 {
			tickets[t.BookingID] = t // the last one taken, if moved
		}
	}
	return nil
}

// agendaRowOf describes booking b, its emails and its ticket (among
// tickets) in l.
func (h *Handler) agendaRowOf(l *locale.Locale, b booking.Booking, emails []booking.Email, tickets map[int64]booking.Ticket) agendaRow {
	loc, now := h.scheduler.Location(), h.cfg.Now()
	start, end := b.Start.In(loc), b.End.In(loc)
	row := agendaRow{
		ID: b.ID, Reference: b.Reference, URL: bookingPath(b.Center, b.Reference), Start: start.Format(time.RFC3339),
		Date: l.Date(start), Time: l.Clock(start) + "–" + l.Clock(end), Name: b.Name, Phone: b.Phone,
		Services: serviceNames(h.scheduler.Catalogue(), b.Services, l.Tag()), People: b.People,
		Interpreter: l.LanguageName(b.Language), Notes: b.Notes,
		Cancelled: b.Status == booking.Cancelled, CancelReason: b.CancelReason,
	}
	state := "staff.state.booked"
	t, checkedIn := tickets[b.ID]
	if checkedIn {
		state, row.Ticket = ticketStates[t.State], t.Number
	}
	if row.Cancelled {
		state = "staff.state.cancelled"
	}
	row.State = l.T(state)
	row.CheckIn = !checkedIn && b.DueToday(now, loc)
	for _, e := range emails {
		line := agendaEmail{Line: l.T("staff.email.line", "Kind", l.T("staff.email."+string(e.Kind)),
			"State", l.T("staff.email."+string(e.State)))}
		if e.State == booking.EmailFailed && e.LastError != "" {
			line.Error = l.T("staff.email.error", "Error", e.LastError)
		}
		row.Emails = append(row.Emails, line)
	}
	return row
}

// agendaRefused shows the agenda of the day again with 422, edit setting
// what went wrong in the row of booking id, at the element field names,
// and problem at the top.
func (h *Handler) agendaRefused(c *gin.Context, day booking.Date, id int64, problem, field string, edit func(row *agendaRow)) {
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
	edit(row)
	p.Problem, p.ProblemField = p.L.T(problem, "Reference", row.Reference, "Name", row.Name), field
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
