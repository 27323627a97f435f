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
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/staff"
	"github.com/ics-booking/icsbooking/web/bookingform"
	"github.com/ics-booking/icsbooking/web/render"
	"github.com/ics-booking/icsbooking/web/request"
)

// Booking for a newcomer, at the desk or on the phone: the same form and
// the same way to a booking as the newcomers' own (package bookingform),
// with a day's times on one page and the language of the newcomer's
// emails chosen by staff. A visit may add services after the first (the
// repeated field also, up to the center's limit) and bring more people
// (the field people); the times offered fit the whole visit.

type staffBookPage struct {
	staffPage
	Center   booking.Center
	Services []bookingform.Option
	Service  booking.Service
	// Also are the selects of the services a visit adds after the first,
	// as many as the center allows in one visit.
	Also []alsoSelect
	// Visit is the visit the form asks for, read once a bookable service
	// is chosen: its services and how many people come, chosen from
	// PeopleChoices.
	Visit         bookingform.Visit
	PeopleChoices []bookingform.Option
	// ServicesError and PeopleError say what is wrong with the visit's
	// services or people, which then offers no times.
	ServicesError string
	PeopleError   string
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

// alsoSelect is the select of a service added to the visit: the visit's
// service number N, counting the first.
type alsoSelect struct {
	N       int
	Options []bookingform.Option
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
	service, err := cat.Service(serviceID)
	bookable := err == nil && service.Mode.Bookable()
	if bookable {
		// FormValue has read the query and a posted form into Form.
		p.Visit = bookingform.ReadVisit(p.L, cat, center, service, c.Request.Form)
	}
	p.offerVisit(cat, center, serviceID)
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
	if !bookable || dayErr != nil {
		return p, nil
	}
	p.Service = service
	// The visit's errors are said in the staff's words, next to the
	// fields: the services' fieldset, the people's select.
	if p.Visit.Errors["also"] != "" {
		p.ServicesError = p.L.T("staff.book.services_invalid", "Max", center.ServicesPerVisit())
		return p, nil
	}
	if p.Visit.Errors["people"] != "" {
		p.PeopleError = p.L.T("staff.book.people_invalid", "Max", p.Visit.MaxPeople())
		return p, nil
	}
	if p.Visit.NeedsLanguage() && (p.Language == "" || center.Speaks(p.Language)) {
		p.LanguageError = p.L.T("book.language_needed")
		return p, nil
	}
	slots, err := h.scheduler.Slots(c.Request.Context(), p.Visit.SlotQuery(booking.SlotQuery{
		Center: center.ID, Language: p.Language, From: day, To: day,
	}))
	switch {
	case invalidField(err, "services"): // a service chosen twice, too many
		p.ServicesError = p.L.T("staff.book.services_invalid", "Max", center.ServicesPerVisit())
		return p, nil
	case invalidField(err, "people"): // more than the services allow
		p.PeopleError = p.L.T("staff.book.people_invalid", "Max", p.Visit.MaxPeople())
		return p, nil
	case errors.Is(err, booking.ErrInvalid) || errors.Is(err, booking.ErrNotBookable):
		// A day out of the horizon or a language not offered: no times.
		slots = nil
	case err != nil:
		return staffBookPage{}, err
	}
	p.Chosen = true
	p.Days = bookingform.Days(p.L, h.scheduler.Location(), slots, time.Time{}, chosen)
	return p, nil
}

// offerVisit offers the bookable services for the visit's first service,
// serviceID selected, and for each it may add, the ones the form added
// selected; and the numbers of people, up to the most any service allows,
// the visit's selected (one until a visit is read).
func (p *staffBookPage) offerVisit(cat booking.Catalogue, center booking.Center, serviceID string) {
	options := func(selected string) []bookingform.Option {
		var options []bookingform.Option
		for _, sv := range cat.Services {
			if sv.Mode.Bookable() {
				options = append(options, bookingform.Option{Code: sv.ID, Name: sv.In(p.L.Tag()).Name, Selected: sv.ID == selected})
			}
		}
		return options
	}
	p.Services = options(serviceID)
	for i := range center.ServicesPerVisit() - 1 {
		selected := ""
		if i < len(p.Visit.Asked) {
			selected = p.Visit.Asked[i]
		}
		p.Also = append(p.Also, alsoSelect{N: i + 2, Options: options(selected)})
	}
	most := 1
	for _, sv := range cat.Services {
		if sv.Mode.Bookable() {
			most = max(most, sv.PeoplePerVisit())
		}
	}
	people := max(p.Visit.People, 1)
	for n := 1; n <= most; n++ {
		p.PeopleChoices = append(p.PeopleChoices, bookingform.Option{Code: strconv.Itoa(n), Name: strconv.Itoa(n), Selected: n == people})
	}
}

// invalidField reports whether err is an ErrInvalid error that names the
// field.
func invalidField(err error, field string) bool {
	var invalid *booking.Error
	return errors.As(err, &invalid) && errors.Is(err, booking.ErrInvalid) &&
		slices.ContainsFunc(invalid.Fields, func(fe booking.FieldError) bool { return fe.Field == field })
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
	req := p.Visit.Request(booking.Request{Center: centerID, Start: start, Language: p.Language, Locale: emailLocale})
	b, _, err := p.Form.Submit(c.Request.Context(), h.scheduler, p.L, req, bookOnBehalfFields)
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
