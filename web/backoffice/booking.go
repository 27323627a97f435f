package backoffice

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/staff"
	"github.com/ics-booking/icsbooking/web/bookingform"
	"github.com/ics-booking/icsbooking/web/render"
	"github.com/ics-booking/icsbooking/web/request"
)

// One booking's page for staff at reception or on the phone: everything
// about the booking, its story and its emails, and what staff do for the
// newcomer with it: check in (the ticket's number shown large, to read
// out), move to another time, cancel with a reason, send the latest email
// again. Each action is a form posted to the booking's address; it answers
// with the page again after a redirect, or at once with 422 and what went
// wrong next to the form. A booking of another center is not found, as an
// unknown reference is not. Finding a booking by reference or name is here
// too; its results are shown on the agenda's page.

// ticketKey holds, in the staff session, the number of the ticket a
// check-in just gave, which the next page shows large.
const ticketKey = "ticket"

type bookingPage struct {
	staffPage
	Center booking.Center
	// Path is the booking's page; AgendaURL the agenda of its day.
	Path      string
	AgendaURL string
	Reference string
	Heading   string
	Notice    string
	// Problem says at the top of the page why an action failed; the
	// form's own message is next to it, at the element ProblemField
	// names.
	Problem      string
	ProblemField string
	// Ticket is the booking's ticket's number, "" before it is checked
	// in, and TicketState the ticket's state.
	Ticket      string
	TicketState string

	Name, Email, Phone, Notes string
	When                      string
	Start                     string // RFC 3339, for <time datetime>
	Services                  []string
	People                    int
	Interpreter               string
	EmailLanguage             string
	State                     string
	CancelReason              string
	Erased                    bool

	// CheckIn: a confirmed booking of today not checked in yet.
	CheckIn      bool
	CheckInError string
	// Changeable: confirmed and not started, so it may be moved and
	// cancelled. MoveDay is the day whose free times MoveDays lists.
	Changeable  bool
	MoveDay     string
	Today       string
	MoveDays    []bookingform.Day
	MoveError   string
	Reason      string
	ReasonError string
	// Resend names the email sent again, "" if none may be.
	Resend      string
	ResendError string

	Steps  []storyLine
	Emails []emailLine
}

// storyLine is one step of the booking's story, in the page's language.
type storyLine struct {
	At   string // RFC 3339, for <time datetime>
	When string
	What string
	Who  string
}

// emailLine is one email of the booking, in the page's language.
type emailLine struct {
	ID       int64
	Kind     string
	Written  string
	At       string // RFC 3339
	State    string
	Failed   bool
	Attempts string
	Sent     string
	Error    string
}

// bookingPath is the page of a booking of a center.
func bookingPath(center, reference string) string {
	return "/staff/centers/" + url.PathEscape(center) + "/bookings/" + url.PathEscape(reference)
}

// staffBooking shows a booking of the center: ?day= picks the day whose
// free times the move offers (the booking's own by default).
func (h *Handler) staffBooking(c *gin.Context) {
	p, ok := h.bookingPage(c, c.Query("day"), "")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	p.Notice = h.sessions.PopString(ctx, noticeKey)
	if t := h.sessions.PopString(ctx, ticketKey); t != "" && t == p.Ticket {
		p.Notice = p.L.T("staff.checkin.done", "Name", p.Name, "Ticket", t)
	}
	render.Render(c, http.StatusOK, "staff-booking.html", p)
}

// bookingPage describes the booking of the path, with the free times of
// moveDay (a date, or "" for the booking's day) and chosen checked. If the
// booking cannot be shown, it has answered and returns false.
func (h *Handler) bookingPage(c *gin.Context, moveDay, chosen string) (bookingPage, bool) {
	ctx := c.Request.Context()
	center := centerOf(c)
	story, err := h.scheduler.Story(ctx, center.ID, c.Param("reference"))
	if err != nil {
		failBooking(c, err)
		return bookingPage{}, false
	}
	b := story.Booking
	loc, now := h.scheduler.Location(), h.cfg.Now()
	start := b.Start.In(loc)
	day := booking.DateOf(start)
	p := bookingPage{staffPage: h.newStaffPage(c, "staff.booking.title", "Reference", b.Reference, "Name", b.Name), Center: center,
		Path: bookingPath(center.ID, b.Reference), AgendaURL: agendaURL(center.ID, day), Reference: b.Reference,
		Name: b.Name, Email: b.Email, Phone: b.Phone, Notes: b.Notes, Start: start.Format(time.RFC3339),
		Services: serviceNames(h.scheduler.Catalogue(), b.Services, render.Locale(c).Tag()), People: b.People,
		CancelReason: b.CancelReason, Erased: !b.ErasedAt.IsZero(), Today: h.today().String()}
	l := p.L
	p.Heading = l.T("staff.booking.heading", "Name", b.Name, "Reference", b.Reference)
	if p.Erased {
		p.Heading = l.T("staff.booking.heading_erased", "Reference", b.Reference)
	}
	p.When = bookingform.When(l, loc, b.Start, b.End)
	p.Interpreter = l.LanguageName(b.Language)
	p.EmailLanguage = render.LanguageNames[b.Locale]
	p.State = l.T("staff.state.booked")
	if story.Ticket.ID != 0 {
		p.Ticket, p.TicketState = story.Ticket.Number, l.T(ticketStates[story.Ticket.State])
		p.State = p.TicketState
	}
	if b.Status == booking.Cancelled {
		p.State = l.T("staff.state.cancelled")
	}
	p.CheckIn = story.Ticket.ID == 0 && b.DueToday(now, loc)
	p.Changeable = b.Changeable(now)
	if b.Resendable(now) {
		p.Resend = l.T("staff.email." + string(story.Latest()))
	}
	for _, st := range story.Steps {
		at := st.At.In(loc)
		p.Steps = append(p.Steps, storyLine{At: at.Format(time.RFC3339), When: l.Date(at) + " " + l.Clock(at),
			What: h.stepText(l, st), Who: stepWho(l, st)})
	}
	for _, e := range story.Emails {
		p.Emails = append(p.Emails, emailOf(l, loc, e))
	}
	if p.Changeable {
		h.offerMove(c, &p, story.Booking, moveDay, chosen)
	}
	return p, true
}

// offerMove lists the free times of moveDay (the booking's day if it is
// not a date) for the booking's visit, chosen checked, leaving out its own
// time.
func (h *Handler) offerMove(c *gin.Context, p *bookingPage, b booking.Booking, moveDay, chosen string) {
	loc := h.scheduler.Location()
	day, err := booking.ParseDate(moveDay)
	if err != nil {
		day = booking.DateOf(b.Start.In(loc))
	}
	p.MoveDay = day.String()
	slots, err := h.scheduler.Slots(c.Request.Context(), booking.SlotQuery{
		Center: b.Center, Services: b.Services, People: b.People, Language: b.Language, From: day, To: day,
	})
	if err != nil {
		// A day out of the horizon, or a service or language no longer
		// offered: no times, which the page says.
		if !errors.Is(err, booking.ErrInvalid) && !errors.Is(err, booking.ErrNotBookable) {
			render.Logger(c).Warn("no times to move to", "error", err)
		}
		return
	}
	p.MoveDays = bookingform.Days(p.L, loc, slots, b.Start, chosen)
}

// stepText says in l what happened in a step of a booking's story.
func (h *Handler) stepText(l *locale.Locale, st booking.Step) string {
	loc := h.scheduler.Location()
	when := func(t time.Time) string {
		t = t.In(loc)
		return l.T("time.at", "Day", l.Date(t), "Time", l.Clock(t))
	}
	switch st.Kind {
	case booking.StepBooked:
		if st.Start.IsZero() {
			return l.T("staff.story.booked_plain")
		}
		return l.T("staff.story.booked", "Time", when(st.Start))
	case booking.StepMoved:
		if st.From.IsZero() {
			return l.T("staff.story.moved_to", "To", when(st.Start))
		}
		return l.T("staff.story.moved", "From", when(st.From), "To", when(st.Start))
	case booking.StepResent:
		return l.T("staff.story.resent", "Email", l.T("staff.email."+string(st.Email)))
	case booking.StepCancelled:
		if st.Reason != "" {
			return l.T("staff.story.cancelled_reason", "Reason", st.Reason)
		}
		return l.T("staff.story.cancelled")
	case booking.StepCheckedIn:
		return l.T("staff.story.checked_in", "Ticket", st.Ticket)
	case booking.StepCalled:
		if st.Desk == "" {
			return l.T("staff.story.called_plain", "Ticket", st.Ticket)
		}
		return l.T("staff.story.called", "Ticket", st.Ticket, "Desk", st.Desk)
	case booking.StepTicketMoved:
		return l.T("staff.story.ticket_moved", "Ticket", st.Ticket, "Service", serviceName(h.scheduler.Catalogue(), st.Service, l.Tag()))
	}
	return l.T("staff.story."+string(st.Kind), "Ticket", st.Ticket)
}

// stepWho says in l who took a step of a booking's story.
func stepWho(l *locale.Locale, st booking.Step) string {
	switch {
	case st.By != "":
		return l.T("staff.story.by", "Email", st.By)
	case st.ByStaff:
		return l.T("staff.story.by_staff")
	}
	return l.T("staff.story.by_newcomer")
}

// emailOf describes an email of a booking in l.
func emailOf(l *locale.Locale, loc *time.Location, e booking.Email) emailLine {
	at := e.CreatedAt.In(loc)
	line := emailLine{ID: e.ID, Kind: l.T("staff.email." + string(e.Kind)), State: l.T("staff.email." + string(e.State)),
		Written: l.Date(at) + " " + l.Clock(at), At: at.Format(time.RFC3339), Failed: e.State == booking.EmailFailed,
		Attempts: l.N("staff.booking.attempts", e.Attempts, "Count", e.Attempts), Error: e.LastError}
	if !e.SentAt.IsZero() {
		sent := e.SentAt.In(loc)
		line.Sent = l.Date(sent) + " " + l.Clock(sent)
	}
	return line
}

// failBooking answers an error reading or changing a booking: a page, 404
// for a booking the center does not have.
func failBooking(c *gin.Context, err error) {
	if errors.Is(err, booking.ErrNotFound) {
		err = errNoBooking
	}
	render.FailPage(c, err)
}

// bookingRefused shows the booking's page again with 422: edit sets the
// form's message in p, problem says what failed at the top, linking to
// field.
func (h *Handler) bookingRefused(c *gin.Context, moveDay, chosen, problem, field string, edit func(p *bookingPage)) {
	p, ok := h.bookingPage(c, moveDay, chosen)
	if !ok {
		return
	}
	edit(&p)
	p.Problem, p.ProblemField = p.L.T(problem, "Reference", p.Reference), field
	p.Title = p.Problem
	render.Render(c, http.StatusUnprocessableEntity, "staff-booking.html", p)
}

// bookingDone tells the next page what an action did and shows the
// booking's page again.
func (h *Handler) bookingDone(c *gin.Context, reference, notice string) {
	h.sessions.Put(c.Request.Context(), noticeKey, notice)
	c.Redirect(http.StatusSeeOther, bookingPath(centerOf(c).ID, reference))
}

// postedBooking reads the posted form of a booking's page and returns the
// center's ID and the booking of the path; if either cannot be read, it
// has answered.
func (h *Handler) postedBooking(c *gin.Context) (string, booking.Booking, bool) {
	centerID, ok := h.centerForm(c)
	if !ok {
		return "", booking.Booking{}, false
	}
	story, err := h.scheduler.Story(c.Request.Context(), centerID, c.Param("reference"))
	if err != nil {
		failBooking(c, err)
		return "", booking.Booking{}, false
	}
	return centerID, story.Booking, true
}

// staffCheckIn checks the newcomer of a booking of the center in and gives
// them a ticket, whose number the next page shows large: the agenda of the
// day posted as day (the form of an agenda's row), or the booking's page.
// A check-in the booking cannot have (too early, another day, cancelled)
// is said next to the button that asked for it.
func (h *Handler) staffCheckIn(c *gin.Context) {
	centerID, b, ok := h.postedBooking(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	agendaDay, fromAgenda := booking.Date{}, false
	if d, err := booking.ParseDate(c.PostForm("day")); err == nil {
		agendaDay, fromAgenda = d, true
	}
	st, created, err := h.walkIns.CheckIn(ctx, centerID, b.Reference)
	if err != nil {
		problem, ok := h.checkInProblem(render.Locale(c), err)
		switch {
		case !ok:
			failBooking(c, err)
		case fromAgenda:
			h.agendaRefused(c, agendaDay, b.ID, "staff.checkin.failed", "check-in-error-"+strconv.FormatInt(b.ID, 10),
				func(row *agendaRow) { row.CheckInError = problem })
		default:
			h.bookingRefused(c, "", "", "staff.checkin.failed", "check-in-error", func(p *bookingPage) { p.CheckInError = problem })
		}
		return
	}
	if created {
		h.audit(c, centerID, staff.ActionBookingCheckIn, b.Reference, st.Ticket.Number)
		h.cfg.QueueChanged(centerID)
	}
	h.sessions.Put(ctx, ticketKey, st.Ticket.Number)
	if fromAgenda {
		h.sessions.Put(ctx, noticeKey, render.Locale(c).T("staff.checkin.done", "Name", b.Name, "Ticket", st.Ticket.Number))
		c.Redirect(http.StatusSeeOther, agendaURL(centerID, agendaDay))
		return
	}
	c.Redirect(http.StatusSeeOther, bookingPath(centerID, b.Reference))
}

// checkInProblem says in l why a check-in was refused, and from when it
// may be made if it is too early; ok is false for errors that are not
// about the booking.
func (h *Handler) checkInProblem(l *locale.Locale, err error) (string, bool) {
	var de *booking.Error
	if errors.Is(err, booking.ErrCheckIn) && errors.As(err, &de) && !de.At.IsZero() {
		return l.T("staff.checkin.early", "Time", l.Clock(de.At.In(h.scheduler.Location()))), true
	}
	if errors.Is(err, booking.ErrCheckIn) {
		return l.T("staff.checkin.refused"), true
	}
	return "", false
}

// staffMove moves a booking of the center to the time posted as start, by
// the newcomer's rules, and emails the newcomer the new time. A time that
// is taken, no longer bookable or not chosen is said next to the times,
// the day's times shown again.
func (h *Handler) staffMove(c *gin.Context) {
	centerID, ok := h.centerForm(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	chosen := c.PostForm("start")
	start, err := request.Instant("start", chosen)
	if err != nil || start.IsZero() {
		h.bookingRefused(c, "", chosen, "staff.move.failed", "move-error", func(p *bookingPage) { p.MoveError = p.L.T("time.choose") })
		return
	}
	b, err := h.scheduler.RescheduleByStaff(ctx, centerID, c.Param("reference"), start)
	if err != nil {
		problem := moveProblem(err)
		if problem == "" {
			failBooking(c, err)
			return
		}
		moveDay := booking.DateOf(start.In(h.scheduler.Location())).String()
		h.bookingRefused(c, moveDay, chosen, "staff.move.failed", "move-error", func(p *bookingPage) { p.MoveError = p.L.T(problem) })
		return
	}
	local := b.Start.In(h.scheduler.Location())
	h.audit(c, centerID, staff.ActionBookingMove, b.Reference, local.Format("2006-01-02 15:04"))
	l := render.Locale(c)
	h.bookingDone(c, b.Reference, l.T("staff.move.done", "Time", l.T("time.at", "Day", l.LongDate(local), "Time", l.Clock(local))))
}

// moveProblem is the message of a move refused for a reason staff can
// act on, "" for any other error.
func moveProblem(err error) string {
	switch {
	case errors.Is(err, booking.ErrStarted):
		return "staff.move.too_late"
	case errors.Is(err, booking.ErrSlotFull), errors.Is(err, booking.ErrNotBookable), errors.Is(err, booking.ErrConflict):
		return bookingform.TimeProblem(err)
	case errors.Is(err, booking.ErrInvalid):
		return "time.choose"
	}
	return ""
}

// staffCancel cancels a booking of the center with the reason staff give;
// the cancellation email tells the newcomer the reason. A cancellation
// without a reason, or of an appointment that has started, is said next
// to the reason.
func (h *Handler) staffCancel(c *gin.Context) {
	centerID, b, ok := h.postedBooking(c)
	if !ok {
		return
	}
	reason := c.PostForm("reason")
	b, cancelled, err := h.scheduler.CancelByStaff(c.Request.Context(), centerID, b.ID, reason)
	var problem string
	switch {
	case errors.Is(err, booking.ErrStarted):
		problem = "staff.cancel.too_late"
	case errors.Is(err, booking.ErrInvalid) && strings.TrimSpace(reason) == "":
		problem = "staff.cancel.reason_required"
	case errors.Is(err, booking.ErrInvalid):
		problem = "staff.cancel.reason_invalid"
	case err != nil:
		failBooking(c, err)
		return
	}
	if problem != "" {
		h.bookingRefused(c, "", "", "staff.cancel.failed", "reason", func(p *bookingPage) {
			p.Reason, p.ReasonError = reason, p.L.T(problem)
		})
		return
	}
	notice := "staff.cancel.already" // a second post of the same form
	if cancelled {
		h.audit(c, centerID, staff.ActionBookingCancel, b.Reference, b.CancelReason)
		notice = "staff.cancel.done"
	}
	h.bookingDone(c, b.Reference, render.Locale(c).T(notice, "Reference", b.Reference))
}

// staffResend sends the booking's latest email again, as a new email of
// its kind with the booking as it is now.
func (h *Handler) staffResend(c *gin.Context) {
	centerID, ok := h.centerForm(c)
	if !ok {
		return
	}
	b, kind, err := h.scheduler.Resend(c.Request.Context(), centerID, c.Param("reference"))
	if errors.Is(err, booking.ErrConflict) {
		h.bookingRefused(c, "", "", "staff.resend.failed", "resend-error", func(p *bookingPage) { p.ResendError = p.L.T("staff.resend.refused") })
		return
	}
	if err != nil {
		failBooking(c, err)
		return
	}
	h.audit(c, centerID, staff.ActionBookingResend, b.Reference, string(kind))
	l := render.Locale(c)
	h.bookingDone(c, b.Reference, l.T("staff.resend.done", "Email", l.T("staff.email."+string(kind)), "Address", b.Email))
}

// staffSearch finds a center's bookings by reference or name (?q=): a
// reference found opens its booking's page; anything else lists what was
// found on the agenda's page.
func (h *Handler) staffSearch(c *gin.Context) {
	center := centerOf(c)
	query := c.Query("q")
	found, err := h.scheduler.Search(c.Request.Context(), center.ID, query)
	if err != nil && !errors.Is(err, booking.ErrInvalid) {
		render.FailPage(c, err)
		return
	}
	if err == nil && found.Reference && len(found.Bookings) == 1 {
		c.Redirect(http.StatusSeeOther, bookingPath(center.ID, found.Bookings[0].Reference))
		return
	}
	p := h.newAgendaPage(c, h.today())
	p.Search, p.Query = true, query
	p.Heading = p.L.T("staff.search.heading", "Query", strings.TrimSpace(query))
	p.Title = p.Heading
	status := http.StatusOK
	switch {
	case err != nil:
		p.QueryError = p.L.T("staff.search.query_invalid")
		p.Heading, p.Title = p.L.T("staff.search.title"), p.L.T("staff.search.failed")
		status = http.StatusUnprocessableEntity
	case found.Reference:
		p.Empty = p.L.T("staff.search.no_reference", "Reference", strings.ToUpper(strings.TrimSpace(query)))
	default:
		p.Empty = p.L.T("staff.search.none")
		p.More = found.More
		tickets, err := h.ticketsOf(c, center.ID, found.Bookings)
		if err != nil {
			render.FailPage(c, err)
			return
		}
		for _, b := range found.Bookings {
			p.Rows = append(p.Rows, h.agendaRowOf(p.L, b, nil, tickets))
		}
	}
	render.Render(c, status, "staff-agenda.html", p)
}

// ticketsOf returns the tickets of the bookings, by booking: those of the
// days of bookings up to today, the days that may have tickets.
func (h *Handler) ticketsOf(c *gin.Context, center string, bookings []booking.Booking) (map[int64]booking.Ticket, error) {
	loc, today := h.scheduler.Location(), h.today()
	tickets := map[int64]booking.Ticket{}
	read := map[booking.Date]bool{}
	for _, b := range bookings {
		day := booking.DateOf(b.Start.In(loc))
		if read[day] || today.Before(day) {
			continue
		}
		read[day] = true
		if err := h.dayTickets(c, center, day, tickets); err != nil {
			return nil, err
		}
	}
	return tickets, nil
}
