package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
)

// The manage page is where the link in every email leads: it shows the
// booking and lets its holder move or cancel it with plain HTML forms.
// The token comes in the link's query and goes back in a hidden field; the
// cross-origin check in New keeps other sites from posting the forms. A GET
// changes nothing: cancelling and deleting the data ask first, each on a
// page of its own.

type managePage struct {
	page
	Booking     booking.Booking
	Center      booking.Center
	Service     booking.ServiceText
	When        string
	Interpreter string
	Token       string
	Done        string
	Error       string
	Changeable  bool
	Days        []slotDay
	Path        string // /bookings/{reference}
	// CalendarURL downloads the booking's invitation.
	CalendarURL string
}

// slotDay is a day of free times, for a fieldset of radio buttons.
type slotDay struct {
	ID    string // 2026-12-07, for the fieldset's id
	Label string
	Slots []slotChoice
}

type slotChoice struct {
	Value   string // RFC 3339
	Label   string // 09:30
	Checked bool
}

// doneMessages are the notices shown after a change, keyed by the done
// query parameter of the redirect.
var doneMessages = map[string]string{
	"moved":     "manage.done_moved",
	"cancelled": "manage.done_cancelled",
}

func (s *Server) manage(c *gin.Context) {
	token := c.Query("token")
	b, err := s.scheduler.Get(c.Request.Context(), c.Param("reference"), token)
	if err != nil {
		s.errorPage(c, err)
		return
	}
	done := ""
	if id, ok := doneMessages[c.Query("done")]; ok {
		done = localeOf(c).T(id)
	}
	s.renderManage(c, http.StatusOK, b, token, done, "")
}

// confirm shows the page tmpl, titled with the message title, which asks
// whether to make a change (cancel, delete the data) with a form that
// makes it.
func (s *Server) confirm(title, tmpl string) gin.HandlerFunc {
	return func(c *gin.Context) {
		token := c.Query("token")
		b, err := s.scheduler.Get(c.Request.Context(), c.Param("reference"), token)
		if err != nil {
			s.errorPage(c, err)
			return
		}
		p := s.managePage(c, b, token)
		p.Title = p.L.T(title)
		s.render(c, http.StatusOK, tmpl, p)
	}
}

// manageErase deletes the booking's personal data, cancelling it first if
// it is still to come, and says so. The manage link finds nothing after it,
// so the page is shown at once rather than after a redirect.
func (s *Server) manageErase(c *gin.Context) {
	if err := s.parseForm(c); err != nil {
		s.errorPage(c, err)
		return
	}
	token := c.PostForm("token")
	if err := s.scheduler.Erase(c.Request.Context(), c.Param("reference"), token); err != nil {
		s.changeFailed(c, token, err)
		return
	}
	s.render(c, http.StatusOK, "deleted.html", s.newPage(c, "delete.done"))
}

func (s *Server) manageCancel(c *gin.Context) { s.manageChange(c, "cancelled", s.scheduler.Cancel) }

func (s *Server) manageMove(c *gin.Context) {
	s.manageChange(c, "moved", func(ctx context.Context, reference, token string) (booking.Booking, error) {
		start, err := parseInstant("start", c.PostForm("start"))
		if err != nil {
			return booking.Booking{}, err
		}
		return s.scheduler.Reschedule(ctx, reference, token, start)
	})
}

// manageChange runs op, a change posted by a form of the manage page with
// the token in a hidden field, and shows the page again: after a redirect
// with the done notice, or at once with the reason op failed.
func (s *Server) manageChange(c *gin.Context, done string, op func(ctx context.Context, reference, token string) (booking.Booking, error)) {
	if err := s.parseForm(c); err != nil {
		s.errorPage(c, err)
		return
	}
	token := c.PostForm("token")
	b, err := op(c.Request.Context(), c.Param("reference"), token)
	if err != nil {
		s.changeFailed(c, token, err)
		return
	}
	c.Redirect(http.StatusSeeOther, managePath(b.Reference, token, done))
}

// changeFailed shows the page again with the reason next to the forms, or
// an error page if the booking cannot be shown at all.
func (s *Server) changeFailed(c *gin.Context, token string, err error) {
	b, getErr := s.scheduler.Get(c.Request.Context(), c.Param("reference"), token)
	if getErr != nil {
		s.errorPage(c, getErr)
		return
	}
	p := problemFor(c, err)
	s.renderManage(c, p.Status, b, token, "", localeOf(c).T(timeProblem(err)))
}

// timeProblem names the message for a change of time that failed.
func timeProblem(err error) string {
	switch {
	case errors.Is(err, booking.ErrSlotFull):
		return "time.taken"
	case errors.Is(err, booking.ErrNotBookable):
		return "time.not_bookable"
	case errors.Is(err, booking.ErrConflict):
		return "manage.conflict"
	}
	return "time.choose"
}

// managePage describes a booking in the request's language.
func (s *Server) managePage(c *gin.Context, b booking.Booking, token string) managePage {
	p := managePage{page: s.newPage(c, "manage.title"), Booking: b, Token: token}
	cat := s.scheduler.Catalogue()
	p.Center, _ = cat.Center(b.Center) // the catalogue keeps what bookings use (checked at startup)
	service, _ := cat.Service(b.Service)
	p.Service = service.In(p.L.Tag())
	p.When = s.when(p.L, b.Start, b.End)
	p.Interpreter = p.L.LanguageName(b.Language)
	p.Path = "/bookings/" + url.PathEscape(b.Reference)
	p.CalendarURL = p.Path + "/invitation.ics?token=" + url.QueryEscape(token)
	return p
}

// when writes an appointment's time: "Monday 7 December 2026, 09:00–09:45
// Copenhagen time (CET)".
func (s *Server) when(l *locale.Locale, start, end time.Time) string {
	loc := s.scheduler.Location()
	start, end = start.In(loc), end.In(loc)
	return l.T("time.span", "Date", l.LongDate(start), "Start", l.Clock(start), "End", l.Clock(end), "Zone", start.Format("MST"))
}

func (s *Server) renderManage(c *gin.Context, status int, b booking.Booking, token, done, errMsg string) {
	p := s.managePage(c, b, token)
	p.Done, p.Error = done, errMsg
	p.Changeable = b.Changeable(s.cfg.Now())
	if p.Changeable {
		today := s.localToday()
		slots, err := s.scheduler.Slots(c.Request.Context(), booking.SlotQuery{
			Center: b.Center, Service: b.Service, Language: b.Language, From: today, To: today.AddDays(13),
		})
		if err != nil {
			// The service or language may no longer be offered: the
			// holder can still see and cancel the booking.
			slogFrom(c).Warn("no times to move to", "error", err)
		}
		p.Days = s.groupByDay(p.L, slots, b.Start, "")
	}
	s.render(c, status, "manage.html", p)
}

// groupByDay lists the free slots, by day, leaving out skip (the
// booking's own time) and checking chosen.
func (s *Server) groupByDay(l *locale.Locale, slots []booking.Slot, skip time.Time, chosen string) []slotDay {
	loc := s.scheduler.Location()
	var days []slotDay
	for _, sl := range slots {
		if sl.Available == 0 || sl.Start.Equal(skip) {
			continue
		}
		local := sl.Start.In(loc)
		day := booking.DateOf(local).String()
		if len(days) == 0 || days[len(days)-1].ID != day {
			days = append(days, slotDay{ID: day, Label: locale.Capitalise(l.LongDate(local))})
		}
		d := &days[len(days)-1]
		value := local.Format(time.RFC3339)
		d.Slots = append(d.Slots, slotChoice{Value: value, Label: l.Clock(local), Checked: value == chosen})
	}
	return days
}

func managePath(reference, token, done string) string {
	return "/bookings/" + url.PathEscape(reference) + "?token=" + url.QueryEscape(token) + "&done=" + done
}

type errorPage struct {
	page
	Message string
	// Centers are the centers to call or write to instead.
	Centers []booking.Center
}

// errorPages are the pages for problems with a request itself rather than
// with a booking, by problem code: the messages of their title and text.
var errorPages = map[string][2]string{
	"cross_origin":         {"error.refused", "error.cross_origin"},
	"too_large":            {"error.too_large", "error.too_large_text"},
	"request_timeout":      {"error.too_slow", "error.too_slow_text"},
	"unsupported_encoding": {"error.refused", "error.encoding"},
	"not_found":            {"error.not_found", "error.not_found_text"},
	"forbidden":            {"error.forbidden", "error.forbidden_text"},
	"rate_limited":         {"error.rate_limited", "error.rate_limited_text"},
	"invalid_day":          {"error.bad_day", "error.bad_day_text"},
}

// errorPage shows an error as a page; an unknown booking and a wrong token
// look the same, and both say whom to ask instead.
func (s *Server) errorPage(c *gin.Context, err error) {
	p := problemFor(c, err)
	messages, ok := errorPages[p.Code]
	if !ok {
		messages = [2]string{"error.title", "error.text"}
	}
	page := errorPage{page: s.newPage(c, messages[0])}
	page.Message = page.L.T(messages[1])
	if errors.Is(err, booking.ErrNotFound) && strings.HasPrefix(c.FullPath(), "/bookings/") {
		page.Title = page.L.T("error.booking_not_found")
		page.Message = page.L.T("error.booking_not_found_text")
		page.Centers = s.centersOfReference(c.Param("reference"))
	}
	if errors.Is(err, booking.ErrNotFound) && strings.HasPrefix(c.FullPath(), "/tickets/") {
		page.Title = page.L.T("error.ticket_not_found")
		page.Message = page.L.T("error.ticket_not_found_text")
	}
	s.render(c, p.Status, "error.html", page)
}

// centersOfReference returns the center a reference's prefix names, or all
// centers if it names none.
func (s *Server) centersOfReference(reference string) []booking.Center {
	centers := s.scheduler.Catalogue().Centers
	code, _, _ := strings.Cut(strings.ToUpper(reference), "-")
	for _, ce := range centers {
		if ce.Code == code {
			return []booking.Center{ce}
		}
	}
	return centers
}
