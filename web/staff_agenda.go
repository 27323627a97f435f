package web

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
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/staff"
)

// A center's day in the back office: the agenda of its appointments with
// their state in the queue and their emails, a staff cancellation with a
// reason, a booking made for a newcomer, and a copy of the day to print.

// noticeKey holds, in the staff session, the notice the next agenda page
// shows: what a cancellation or a booking on behalf did (post/redirect/get).
const noticeKey = "notice"

var errNoBooking = &httpError{status: http.StatusNotFound, code: "not_found", detail: "this center has no such booking"}

var errBadDay = &httpError{status: http.StatusBadRequest, code: "invalid_day", detail: "day must be a date such as 2026-12-07"}

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
	ID          int64
	Reference   string
	Start       string // RFC 3339, for <time datetime>
	Time        string // 09:30–10:15
	Name        string
	Phone       string
	Service     string
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
func (s *Server) staffAgenda(c *gin.Context) { s.showAgenda(c, false) }

// staffPrint shows the same day plainly, for paper: no forms.
func (s *Server) staffPrint(c *gin.Context) { s.showAgenda(c, true) }

func (s *Server) showAgenda(c *gin.Context, printable bool) {
	id := c.Param("center")
	if !s.allowCenter(c, id) {
		return
	}
	day, err := s.dayParam(c.Query("day"))
	if err != nil {
		s.staffFail(c, err)
		return
	}
	p, err := s.agendaPage(c, id, day)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	p.Print = printable
	if !printable {
		p.Notice = s.sessions.PopString(c.Request.Context(), noticeKey)
	}
	s.render(c, http.StatusOK, "staff-agenda.html", p)
}

// dayParam reads a day: today if v is empty.
func (s *Server) dayParam(v string) (booking.Date, error) {
	if v == "" {
		return s.localToday(), nil
	}
	d, err := booking.ParseDate(v)
	if err != nil {
		return booking.Date{}, errBadDay
	}
	return d, nil
}

// localToday is the date in the centers' time zone.
func (s *Server) localToday() booking.Date {
	return booking.DateOf(s.cfg.Now().In(s.scheduler.Location()))
}

// agendaURL is the agenda of a center's day.
func agendaURL(center string, day booking.Date) string {
	return "/staff/centers/" + url.PathEscape(center) + "?day=" + day.String()
}

// agendaPage describes a center's day: its bookings by start, each with
// its state (the booking's, or its ticket's once checked in) and emails.
func (s *Server) agendaPage(c *gin.Context, centerID string, day booking.Date) (agendaPage, error) {
	ctx := c.Request.Context()
	center, err := s.scheduler.Catalogue().Center(centerID)
	if err != nil {
		return agendaPage{}, err
	}
	bookings, err := s.scheduler.Agenda(ctx, center.ID, day)
	if err != nil {
		return agendaPage{}, err
	}
	tickets, err := s.queue.Tickets(ctx, center.ID, day)
	if err != nil {
		return agendaPage{}, err
	}
	ticketOf := map[int64]booking.Ticket{}
	for _, t := range tickets {
		if t.BookingID != 0 {
			ticketOf[t.BookingID] = t // the last one taken, if moved
		}
	}
	p := agendaPage{staffPage: s.newStaffPage(c, ""), Center: center, Day: day.String(), DayURL: agendaURL(center.ID, day),
		TodayURL: agendaURL(center.ID, s.localToday()), PrevURL: agendaURL(center.ID, day.AddDays(-1)), NextURL: agendaURL(center.ID, day.AddDays(1))}
	p.Heading = center.Name + " – " + p.L.DayDate(day)
	p.Title = p.Heading
	loc, now := s.scheduler.Location(), s.cfg.Now()
	for _, b := range bookings {
		start, end := b.Start.In(loc), b.End.In(loc)
		service, _ := s.scheduler.Catalogue().Service(b.Service) // the catalogue keeps what bookings use
		row := agendaRow{
			ID: b.ID, Reference: b.Reference, Start: start.Format(time.RFC3339),
			Time: p.L.Clock(start) + "–" + p.L.Clock(end), Name: b.Name, Phone: b.Phone,
			Service: service.In(p.L.Tag()).Name, Interpreter: p.L.LanguageName(b.Language), Notes: b.Notes,
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
func (s *Server) staffCancel(c *gin.Context) {
	centerID, ok := s.centerForm(c)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.staffFail(c, errNoBooking)
		return
	}
	day, err := booking.ParseDate(c.PostForm("day"))
	if err != nil {
		s.staffFail(c, errNoBooking)
		return
	}
	ctx := c.Request.Context()
	reason := c.PostForm("reason")
	b, cancelled, err := s.scheduler.CancelByStaff(ctx, centerID, id, reason)
	var problem string
	switch {
	case errors.Is(err, booking.ErrNotFound):
		s.staffFail(c, errNoBooking)
		return
	case errors.Is(err, booking.ErrStarted):
		problem = "staff.cancel.too_late"
	case errors.Is(err, booking.ErrInvalid) && strings.TrimSpace(reason) == "":
		problem = "staff.cancel.reason_required"
	case errors.Is(err, booking.ErrInvalid):
		problem = "staff.cancel.reason_invalid"
	case err != nil:
		s.staffFail(c, err)
		return
	}
	if problem != "" {
		s.cancelRefused(c, centerID, day, id, reason, problem)
		return
	}
	notice := "staff.cancel.already" // a second post of the same form
	if cancelled {
		s.audit(c, centerID, staff.ActionBookingCancel, b.Reference, b.CancelReason)
		notice = "staff.cancel.done"
	}
	s.sessions.Put(ctx, noticeKey, localeOf(c).T(notice, "Reference", b.Reference))
	c.Redirect(http.StatusSeeOther, agendaURL(centerID, day))
}

// cancelRefused shows the agenda of the day again, with the message
// problem next to the reason of the booking staff tried to cancel.
func (s *Server) cancelRefused(c *gin.Context, centerID string, day booking.Date, id int64, reason, problem string) {
	p, err := s.agendaPage(c, centerID, day)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	i := slices.IndexFunc(p.Rows, func(r agendaRow) bool { return r.ID == id })
	if i < 0 {
		s.staffFail(c, errNoBooking)
		return
	}
	row := &p.Rows[i]
	row.Reason, row.ReasonError = reason, p.L.T(problem)
	p.Problem = p.L.T("staff.cancel.failed", "Reference", row.Reference)
	p.Title = p.Problem
	s.render(c, http.StatusUnprocessableEntity, "staff-agenda.html", p)
}

// centerForm returns the center of a posted form, once the account may
// change it and the form is read; if not, it has answered.
func (s *Server) centerForm(c *gin.Context) (string, bool) {
	center := c.Param("center")
	if !s.allowCenter(c, center) {
		return "", false
	}
	if err := s.parseForm(c); err != nil {
		s.staffFail(c, err)
		return "", false
	}
	return center, true
}

type staffBookPage struct {
	staffPage
	Center   booking.Center
	Services []languageOption
	Service  booking.Service
	// Interpreters are the interpreter languages the center offers.
	Interpreters []languageOption
	Language     string
	Day          string
	Today        string
	// Chosen: a service and a day are chosen, so the page offers times.
	Chosen        bool
	LanguageError string
	Days          []slotDay
	// Locales are the languages the newcomer's emails can be written in.
	Locales []languageOption
	// Form holds the details, the form's key and the errors, for the
	// "field" template the newcomers' details form uses too.
	Form   bookDetailsPage
	Action string
}

// bookOnBehalfFields are the fields of the booking form, in order, for the
// error summary.
var bookOnBehalfFields = []string{"start", "name", "email", "phone", "notes", "locale"}

// staffBook books for a newcomer: a service, an interpreter and a day
// first, then one of the day's free times and who is coming.
func (s *Server) staffBook(c *gin.Context) {
	if !s.allowCenter(c, c.Param("center")) {
		return
	}
	p, err := s.staffBookPage(c, "")
	if err != nil {
		s.staffFail(c, err)
		return
	}
	p.Form.Key = newFormKey()
	s.render(c, http.StatusOK, "staff-book.html", p)
}

// staffBookPage describes the booking form, with the times of the chosen
// day checked where chosen.
func (s *Server) staffBookPage(c *gin.Context, chosen string) (staffBookPage, error) {
	cat := s.scheduler.Catalogue()
	center, err := cat.Center(c.Param("center"))
	if err != nil {
		return staffBookPage{}, err
	}
	p := staffBookPage{staffPage: s.newStaffPage(c, "staff.book.title", "Center", center.Name), Center: center,
		Language: strings.ToLower(c.Request.FormValue("language")), Today: s.localToday().String(),
		Action: "/staff/centers/" + url.PathEscape(center.ID) + "/book"}
	p.Form = bookDetailsPage{page: p.page, Details: detailsFrom(c.Request.FormValue), Errors: map[string]string{}}
	serviceID := c.Request.FormValue("service")
	for _, sv := range cat.Services {
		if sv.Mode.Bookable() {
			p.Services = append(p.Services, languageOption{Code: sv.ID, Name: sv.In(p.L.Tag()).Name, Selected: sv.ID == serviceID})
		}
	}
	for _, code := range center.InterpreterLanguages() {
		p.Interpreters = append(p.Interpreters, languageOption{Code: code, Name: p.L.LanguageName(code), Selected: code == p.Language})
	}
	emailLocale := c.Request.FormValue("locale")
	if emailLocale == "" {
		emailLocale = "en"
	}
	for _, tag := range locale.Tags() {
		p.Locales = append(p.Locales, languageOption{Code: tag, Name: languageNames[tag], Selected: tag == emailLocale})
	}
	p.Day = p.Today
	day, dayErr := booking.ParseDate(c.Request.FormValue("day"))
	if dayErr == nil {
		p.Day = day.String()
	}
	service, err := cat.Service(serviceID)
	if err != nil || !service.Mode.Bookable() || dayErr != nil {
		return p, nil
	}
	p.Service = service
	if service.NeedsLanguage && (p.Language == "" || center.Speaks(p.Language)) {
		p.LanguageError = p.L.T("book.language_needed")
		return p, nil
	}
	slots, err := s.scheduler.Slots(c.Request.Context(), booking.SlotQuery{
		Center: center.ID, Service: service.ID, Language: p.Language, From: day, To: day,
	})
	if errors.Is(err, booking.ErrInvalid) || errors.Is(err, booking.ErrNotBookable) {
		// A day out of the horizon or a language not offered: no times.
		slots = nil
	} else if err != nil {
		return staffBookPage{}, err
	}
	p.Chosen = true
	p.Days = s.groupByDay(p.L, slots, time.Time{}, chosen)
	return p, nil
}

// staffBookPost makes the booking the form asks for, in the language of
// emails chosen, and shows the day's agenda.
func (s *Server) staffBookPost(c *gin.Context) {
	centerID, ok := s.centerForm(c)
	if !ok {
		return
	}
	p, err := s.staffBookPage(c, c.PostForm("start"))
	if err != nil {
		s.staffFail(c, err)
		return
	}
	if !p.Chosen {
		// The form lost its service or day: start again.
		c.Redirect(http.StatusSeeOther, p.Action)
		return
	}
	p.Form.Key = c.PostForm("key")
	d := p.Form.Details
	emailLocale := c.PostForm("locale")
	req := booking.Request{
		Center: centerID, Service: p.Service.ID, Name: d.Name, Email: d.Email, Phone: d.Phone, Notes: d.Notes,
		Language: p.Language, Locale: emailLocale, IdempotencyKey: p.Form.Key,
	}
	if !locale.Known(emailLocale) {
		p.Form.Errors["locale"] = p.L.T("staff.book.locale_required")
	}
	start, err := parseInstant("start", c.PostForm("start"))
	if err != nil || start.IsZero() {
		p.Form.Errors["start"] = p.L.T("time.choose")
	}
	req.Start = start
	var b booking.Booking
	if len(p.Form.Errors) == 0 {
		b, _, err = s.scheduler.Book(c.Request.Context(), req)
	} else {
		err = s.scheduler.Validate(req)
	}
	var invalid *booking.Error
	switch {
	case err == nil && len(p.Form.Errors) == 0:
		s.audit(c, centerID, staff.ActionBookingCreate, b.Reference, "")
		when := b.Start.In(s.scheduler.Location())
		s.sessions.Put(c.Request.Context(), noticeKey, p.L.T("staff.book.done", "Reference", b.Reference,
			"Time", p.L.Clock(when), "Language", p.L.LanguageName(b.Locale)))
		c.Redirect(http.StatusSeeOther, agendaURL(centerID, booking.DateOf(when)))
		return
	case err == nil:
	case errors.Is(err, booking.ErrSlotFull), errors.Is(err, booking.ErrNotBookable):
		p.Form.Errors["start"] = p.L.T(timeProblem(err))
	case errors.As(err, &invalid) && errors.Is(err, booking.ErrInvalid):
		for _, f := range invalid.Fields {
			if _, ok := p.Form.Errors[f.Field]; !ok { // start and locale are said already
				p.Form.Errors[f.Field] = s.fieldMessage(p.L, f.Field, d)
			}
		}
	default:
		s.staffFail(c, err)
		return
	}
	for _, f := range bookOnBehalfFields {
		if _, ok := p.Form.Errors[f]; ok {
			p.Form.FieldOrder = append(p.Form.FieldOrder, f)
		}
	}
	if len(p.Form.FieldOrder) == 0 {
		// A field the form does not show (the key, the language).
		s.staffFail(c, err)
		return
	}
	p.Title = p.L.T("book.details_error", "Title", p.Title)
	s.render(c, http.StatusUnprocessableEntity, "staff-book.html", p)
}
