package site

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/web/bookingform"
	"github.com/ics-booking/icsbooking/web/render"
	"github.com/ics-booking/icsbooking/web/request"
)

// The booking flow, one question a page, with addresses partner sites can
// link to: /book (which center), /book/{center} (which service),
// /book/{center}/{service} (the language if needed, then a week of times),
// /book/{center}/{service}/details (who), a POST to /book/{center}/{service}
// and a redirect to the confirmation. Every page works without JavaScript;
// choices travel in the query, and the details typed so far travel with
// them, so that a time taken meanwhile costs nobody their typing.

type bookCenterPage struct {
	render.Page
	Centers []centerCard
	Service string // a service chosen first, from a service's page
}

// bookCenter asks which center.
func (h *Handler) bookCenter(c *gin.Context) {
	p := bookCenterPage{Page: render.NewPage(c, "book.center"), Service: c.Query("service")}
	p.Section = "book"
	if _, err := h.scheduler.Catalogue().Service(p.Service); err != nil {
		p.Service = ""
	}
	centers, err := h.centerCards(c.Request.Context(), p.L)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p.Centers = centers
	render.Render(c, http.StatusOK, "book-center.html", p)
}

type bookServicePage struct {
	render.Page
	Center   booking.Center
	Services []serviceGroup
}

// bookService asks which service.
func (h *Handler) bookService(c *gin.Context) {
	center, ok := h.pathCenter(c)
	if !ok {
		return
	}
	p := bookServicePage{Page: render.NewPage(c, "book.service", "Center", center.Name), Center: center}
	p.Section = "book"
	p.Services = groupServices(p.L, h.scheduler.Catalogue().Services)
	render.Render(c, http.StatusOK, "book-service.html", p)
}

type bookTimePage struct {
	render.Page
	Center  booking.Center
	Service booking.Service
	Text    booking.ServiceText
	Hours   []locale.HoursLine
	// Languages are the interpreter languages the center offers, named.
	Interpreters []bookingform.Option
	Language     string
	// NeedLanguage: the service cannot be booked before a language is
	// chosen.
	NeedLanguage bool
	Days         []bookingform.Day
	Week         string
	PrevWeek     string
	NextWeek     string
	Problem      string
	Details      bookingform.Details
	NoticeDays   int
}

// bookTime shows a week of free times, after the language if the service
// needs one; a walk-in service says that no booking is needed.
func (h *Handler) bookTime(c *gin.Context) {
	h.renderTimes(c, http.StatusOK, c.Query("start"), "")
}

// renderTimes shows the times page, with chosen checked and a problem
// (a message ID) if the last choice failed.
func (h *Handler) renderTimes(c *gin.Context, status int, chosen, problem string) {
	cat := h.scheduler.Catalogue()
	center, err := cat.Center(c.Param("center"))
	if err != nil {
		render.FailPage(c, err)
		return
	}
	service, err := cat.Service(c.Param("service"))
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p := bookTimePage{Page: render.NewPage(c, ""), Center: center, Service: service, NoticeDays: h.cfg.InterpreterNoticeDays}
	p.Section = "book"
	p.Text = service.In(p.L.Tag())
	p.Title = p.Text.Name + " – " + center.Name
	p.Hours = p.L.OpeningHours(center.Hours)
	p.Details = bookingform.DetailsFrom(c.Request.FormValue)
	if problem != "" {
		p.Problem = p.L.T(problem)
	}
	if !service.Mode.Bookable() {
		render.Render(c, http.StatusOK, "book-walkin.html", p)
		return
	}
	p.Language = strings.ToLower(c.Request.FormValue("language"))
	for _, code := range center.InterpreterLanguages() {
		p.Interpreters = append(p.Interpreters, bookingform.Option{Code: code, Name: p.L.LanguageName(code), Selected: code == p.Language})
	}
	if p.Language != "" && !center.Speaks(p.Language) && center.Interpreters[p.Language] <= 0 {
		p.Language = "" // not offered here: ask again
	}
	p.NeedLanguage = service.NeedsLanguage && (p.Language == "" || center.Speaks(p.Language))
	if p.NeedLanguage {
		render.Render(c, status, "book-time.html", p)
		return
	}

	loc := h.scheduler.Location()
	today := h.today()
	week := monday(today)
	if chosenStart, err := time.Parse(time.RFC3339, chosen); err == nil {
		week = monday(booking.DateOf(chosenStart.In(loc)))
	}
	if d, err := booking.ParseDate(c.Query("week")); err == nil {
		week = monday(d)
	}
	if week.Before(monday(today)) {
		week = monday(today)
	}
	slots, err := h.scheduler.Slots(c.Request.Context(), booking.SlotQuery{
		Center: center.ID, Service: service.ID, Language: p.Language, From: week, To: week.AddDays(6),
	})
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p.Days = bookingform.Days(p.L, h.scheduler.Location(), slots, time.Time{}, chosen)
	p.Week = p.L.T("book.week", "From", p.L.DayDate(week), "To", p.L.DayDate(week.AddDays(6)))
	if week.After(monday(today)) {
		p.PrevWeek = h.weekURL(c, week.AddDays(-7))
	}
	if week.AddDays(7).Before(today.AddDays(h.cfg.HorizonDays + 1)) {
		p.NextWeek = h.weekURL(c, week.AddDays(7))
	}
	render.Render(c, status, "book-time.html", p)
}

// monday is the Monday of d's week.
func monday(d booking.Date) booking.Date {
	return d.AddDays(-((int(d.Weekday()) + 6) % 7))
}

// weekURL is this page for another week, with the language and details kept.
func (h *Handler) weekURL(c *gin.Context, week booking.Date) string {
	q := bookingform.DetailsFrom(c.Request.FormValue).Query(url.Values{})
	if lang := c.Request.FormValue("language"); lang != "" {
		q.Set("language", lang)
	}
	q.Set("week", week.String())
	return c.Request.URL.Path + "?" + q.Encode()
}

type bookDetailsPage struct {
	render.Page
	bookingform.Form
	Center   booking.Center
	Service  booking.ServiceText
	When     string
	Start    string
	Language string
	Consent  bool
	TimesURL string
	Action   string
	// start is the time chosen.
	start time.Time
}

// bookDetails asks who is coming, for the time chosen.
func (h *Handler) bookDetails(c *gin.Context) {
	p, ok := h.detailsPage(c, c.Query)
	if !ok {
		return
	}
	p.Key = bookingform.NewKey()
	render.Render(c, http.StatusOK, "book-details.html", p)
}

// detailsPage describes the details form for the time and the details
// that get reads from the query or the posted form. Without a time it
// shows the times again, for an unknown center or service an error page,
// and reports false.
func (h *Handler) detailsPage(c *gin.Context, get func(string) string) (bookDetailsPage, bool) {
	start, err := request.Instant("start", get("start"))
	if err != nil || start.IsZero() {
		h.renderTimes(c, http.StatusUnprocessableEntity, "", "time.choose")
		return bookDetailsPage{}, false
	}
	cat := h.scheduler.Catalogue()
	center, err := cat.Center(c.Param("center"))
	if err != nil {
		render.FailPage(c, err)
		return bookDetailsPage{}, false
	}
	service, err := cat.Service(c.Param("service"))
	if err != nil {
		render.FailPage(c, err)
		return bookDetailsPage{}, false
	}
	d := bookingform.DetailsFrom(get)
	p := bookDetailsPage{Page: render.NewPage(c, "book.details"), Form: bookingform.Form{Details: d}, Center: center, start: start}
	p.Section = "book"
	p.Service = service.In(p.L.Tag())
	p.When = bookingform.When(p.L, h.scheduler.Location(), start, start.Add(service.Duration))
	p.Start = start.In(h.scheduler.Location()).Format(time.RFC3339)
	p.Language = c.Request.FormValue("language")
	p.Action = "/book/" + url.PathEscape(center.ID) + "/" + url.PathEscape(service.ID)
	q := url.Values{"start": {p.Start}}
	if p.Language != "" {
		q.Set("language", p.Language)
	}
	p.TimesURL = p.Action + "?" + d.Query(q).Encode()
	return p, true
}

// detailsFields are the fields of the details form, in order.
var detailsFields = []string{"name", "email", "phone", "notes", "consent"}

// book makes the booking a details form asks for.
func (h *Handler) book(c *gin.Context) {
	if err := h.parseForm(c); err != nil {
		render.FailPage(c, err)
		return
	}
	p, ok := h.detailsPage(c, c.PostForm)
	if !ok {
		return
	}
	p.Key = c.PostForm("key")
	p.Consent = c.PostForm("consent") == "yes"
	if !p.Consent {
		// Nothing is booked, but the other fields are checked too, so
		// that every problem shows at once.
		p.Errors = map[string]string{"consent": p.L.T("field.consent.required")}
	}
	b, token, err := p.Submit(c.Request.Context(), h.scheduler, p.L, booking.Request{
		Center: c.Param("center"), Service: c.Param("service"), Start: p.start, Language: p.Language, Locale: p.L.Tag(),
	}, detailsFields)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/bookings/"+url.PathEscape(b.Reference)+"/confirmation?token="+url.QueryEscape(token))
	case errors.Is(err, bookingform.ErrFields):
		p.Title = p.L.T("book.details_error", "Title", p.Title)
		render.Render(c, http.StatusUnprocessableEntity, "book-details.html", p)
	case errors.Is(err, booking.ErrSlotFull), errors.Is(err, booking.ErrNotBookable):
		// Back to the times, with what happened to this one.
		h.renderTimes(c, render.Status(c, err), "", bookingform.TimeProblem(err))
	default:
		render.FailPage(c, err)
	}
}

type confirmationPage struct {
	managePage
	ManageURL string
}

// confirmation shows a new booking: what, when, where, what to bring, the
// invitation to download and the link to change it.
func (h *Handler) confirmation(c *gin.Context) {
	b, token, ok := h.heldBooking(c)
	if !ok {
		return
	}
	p := confirmationPage{managePage: h.managePage(c, b, token)}
	p.Title = p.L.T("confirmation.title")
	p.ManageURL = booking.ManageURL(h.cfg.BaseURL, b.Reference, token)
	render.Render(c, http.StatusOK, "confirmation.html", p)
}
