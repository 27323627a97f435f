package backoffice

import (
	"errors"
	"net/http"
	"net/url"
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

// Booking for a newcomer, at the desk or on the phone: the same form and
// the same way to a booking as the newcomers' own (package bookingform),
// with a day's times on one page and the language of the newcomer's
// emails chosen by staff.

type staffBookPage struct {
	staffPage
	Center   booking.Center
	Services []bookingform.Option
	Service  booking.Service
	// Interpreters are the interpreter languages the center offers.
	Interpreters []bookingform.Option
	Language     string
	Day          string
	Today        string
	// Chosen: a service and a day are chosen, so the page offers times.
	Chosen        bool
	LanguageError string
	Days          []bookingform.Day
	// Locales are the languages the newcomer's emails can be written in.
	Locales []bookingform.Option
	// Form holds the details, the form's key and the errors, as the
	// newcomers' details form does.
	Form   bookingform.Form
	Action string
}

// bookOnBehalfFields are the fields of the booking form, in order, for the
// error summary.
var bookOnBehalfFields = []string{"start", "name", "email", "phone", "notes", "locale"}

// staffBook books for a newcomer: a service, an interpreter and a day
// first, then one of the day's free times and who is coming.
func (h *Handler) staffBook(c *gin.Context) {
	p, err := h.staffBookPage(c, "")
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p.Form.Key = bookingform.NewKey()
	render.Render(c, http.StatusOK, "staff-book.html", p)
}

// staffBookPage describes the booking form, with the times of the chosen
// day checked where chosen.
func (h *Handler) staffBookPage(c *gin.Context, chosen string) (staffBookPage, error) {
	cat := h.scheduler.Catalogue()
	center := centerOf(c)
	p := staffBookPage{staffPage: h.newStaffPage(c, "staff.book.title", "Center", center.Name), Center: center,
		Language: strings.ToLower(c.Request.FormValue("language")), Today: h.today().String(),
		Action: "/staff/centers/" + url.PathEscape(center.ID) + "/book"}
	p.Form = bookingform.Form{Details: bookingform.DetailsFrom(c.Request.FormValue), Errors: map[string]string{}}
	serviceID := c.Request.FormValue("service")
	for _, sv := range cat.Services {
		if sv.Mode.Bookable() {
			p.Services = append(p.Services, bookingform.Option{Code: sv.ID, Name: sv.In(p.L.Tag()).Name, Selected: sv.ID == serviceID})
		}
	}
	for _, code := range center.InterpreterLanguages() {
		p.Interpreters = append(p.Interpreters, bookingform.Option{Code: code, Name: p.L.LanguageName(code), Selected: code == p.Language})
	}
	emailLocale := c.Request.FormValue("locale")
	if emailLocale == "" {
		emailLocale = "en"
	}
	for _, tag := range locale.Tags() {
		p.Locales = append(p.Locales, bookingform.Option{Code: tag, Name: render.LanguageNames[tag], Selected: tag == emailLocale})
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
	slots, err := h.scheduler.Slots(c.Request.Context(), booking.SlotQuery{
		Center: center.ID, Service: service.ID, Language: p.Language, From: day, To: day,
	})
	if errors.Is(err, booking.ErrInvalid) || errors.Is(err, booking.ErrNotBookable) {
		// A day out of the horizon or a language not offered: no times.
		slots = nil
	} else if err != nil {
		return staffBookPage{}, err
	}
	p.Chosen = true
	p.Days = bookingform.Days(p.L, h.scheduler.Location(), slots, time.Time{}, chosen)
	return p, nil
}

// staffBookPost makes the booking the form asks for, in the language of
// emails chosen, and shows the day's agenda.
func (h *Handler) staffBookPost(c *gin.Context) {
	centerID, ok := h.centerForm(c)
	if !ok {
		return
	}
	p, err := h.staffBookPage(c, c.PostForm("start"))
	if err != nil {
		render.FailPage(c, err)
		return
	}
	if !p.Chosen {
		// The form lost its service or day: start again.
		c.Redirect(http.StatusSeeOther, p.Action)
		return
	}
	p.Form.Key = c.PostForm("key")
	emailLocale := c.PostForm("locale")
	if !locale.Known(emailLocale) {
		p.Form.Errors["locale"] = p.L.T("staff.book.locale_required")
	}
	start, err := request.Instant("start", c.PostForm("start"))
	if err != nil || start.IsZero() {
		p.Form.Errors["start"] = p.L.T("time.choose")
	}
	b, _, err := p.Form.Submit(c.Request.Context(), h.scheduler, p.L, booking.Request{
		Center: centerID, Service: p.Service.ID, Start: start, Language: p.Language, Locale: emailLocale,
	}, bookOnBehalfFields)
	switch {
	case err == nil:
		h.audit(c, centerID, staff.ActionBookingCreate, b.Reference, "")
		when := b.Start.In(h.scheduler.Location())
		h.sessions.Put(c.Request.Context(), noticeKey, p.L.T("staff.book.done", "Reference", b.Reference,
			"Time", p.L.Clock(when), "Language", p.L.LanguageName(b.Locale)))
		c.Redirect(http.StatusSeeOther, agendaURL(centerID, booking.DateOf(when)))
	case errors.Is(err, bookingform.ErrFields):
		p.Title = p.L.T("book.details_error", "Title", p.Title)
		render.Render(c, http.StatusUnprocessableEntity, "staff-book.html", p)
	default:
		render.FailPage(c, err)
	}
}
