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
// /book/{center}/{service} (other services for the same visit, in the
// repeatable field "also", how many people come, the language if needed,
// then a week of the times the whole visit fits),
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
	// Visit is the visit asked for: Service, the services added after it
	// and the number of people; Added lists the added ones with a link
	// that takes each out again, Addable those that can still be added.
	Visit   bookingform.Visit
	Added   []addedService
	Addable []bookingform.Option
	// Length says how long the visit takes.
	Length string
	// Languages are the interpreter languages the center offers, named.
	Interpreters []bookingform.Option
	Language     string
	// NeedLanguage: the visit cannot be booked before a language is
	// chosen.
	NeedLanguage bool
	Days         []bookingform.Day
	Week         string
	PrevWeek     string
	NextWeek     string
	Problem      string
	Details      bookingform.Details
	NoticeDays   int
	// WaitlistURL joins the waitlist of the visit, for those whom no
	// free time suits.
	WaitlistURL string
}

// addedService is a service added to the visit, named, with the link that
// takes it out again.
type addedService struct {
	ID, Name, RemoveURL string
}

// bookTime shows a week of free times, after the language if the service
// needs one; a walk-in service says that no booking is needed.
func (h *Handler) bookTime(c *gin.Context) {
	h.renderTimes(c, http.StatusOK, c.Query("start"), "")
}

// renderTimes shows the times page, with chosen checked and a problem
// (a message ID) if the last choice failed. Before the times it asks
// what the visit holds (services added after the path's, the number of
// people) and the language; while the visit asked for cannot be booked,
// it says why next to the fields and shows no times.
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
	// FormValue has read the query and a posted form (as far as they
	// could be read) into Form.
	p.Visit = bookingform.ReadVisit(p.L, cat, center, service, c.Request.Form)
	p.Addable = p.Visit.Addable(p.L)
	for _, sv := range p.Visit.Services[1:] {
		p.Added = append(p.Added, addedService{ID: sv.ID, Name: sv.In(p.L.Tag()).Name, RemoveURL: h.timesURL(c, p.Visit.Without(sv.ID), url.Values{})})
	}
	for _, code := range center.InterpreterLanguages() {
		p.Interpreters = append(p.Interpreters, bookingform.Option{Code: code, Name: p.L.LanguageName(code), Selected: code == p.Language})
	}
	if p.Language != "" && !center.Speaks(p.Language) && center.Interpreters[p.Language] <= 0 {
		p.Language = "" // not offered here: ask again
	}
	p.NeedLanguage = p.Visit.NeedsLanguage() && (p.Language == "" || center.Speaks(p.Language))
	if !p.Visit.OK() {
		render.Render(c, http.StatusUnprocessableEntity, "book-time.html", p)
		return
	}
	p.Length = p.L.T("book.length", "Length", bookingform.Length(p.L, p.Visit.Length()))
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
	slots, err := h.scheduler.Slots(c.Request.Context(), p.Visit.SlotQuery(booking.SlotQuery{
		Center: center.ID, Language: p.Language, From: week, To: week.AddDays(6),
	}))
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p.Days = bookingform.Days(p.L, h.scheduler.Location(), slots, time.Time{}, chosen)
	p.WaitlistURL = h.visitURL(c, p.Visit, "/waitlist", url.Values{})
	p.Week = p.L.T("book.week", "From", p.L.DayDate(week), "To", p.L.DayDate(week.AddDays(6)))
	if week.After(monday(today)) {
		p.PrevWeek = h.timesURL(c, p.Visit, url.Values{"week": {week.AddDays(-7).String()}})
	}
	if week.AddDays(7).Before(today.AddDays(h.cfg.HorizonDays + 1)) {
		p.NextWeek = h.timesURL(c, p.Visit, url.Values{"week": {week.AddDays(7).String()}})
	}
	render.Render(c, status, "book-time.html", p)
}

// monday is the Monday of d's week.
func monday(d booking.Date) booking.Date {
	return d.AddDays(-((int(d.Weekday()) + 6) % 7))
}

// timesURL is the times page of visit v, with q, the language and the
// details kept.
func (h *Handler) timesURL(c *gin.Context, v bookingform.Visit, q url.Values) string {
	return h.visitURL(c, v, "", q)
}

// visitURL is the booking page of visit v under the times page (page is
// "" for the times page itself, or "/waitlist"), with q, the language and
// the details kept.
func (h *Handler) visitURL(c *gin.Context, v bookingform.Visit, page string, q url.Values) string {
	q = v.Query(bookingform.DetailsFrom(c.Request.FormValue).Query(q))
	if lang := c.Request.FormValue("language"); lang != "" {
		q.Set("language", lang)
	}
	return "/book/" + url.PathEscape(v.Center.ID) + "/" + url.PathEscape(v.Services[0].ID) + page + "?" + q.Encode()
}

type bookDetailsPage struct {
	render.Page
	bookingform.Form
	Center booking.Center
	// Visit is the visit the details are for; Services names its
	// services and People counts its people, for the facts.
	Visit    bookingform.Visit
	Services []string
	People   int
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
	p, ok := h.detailsPage(c, c.Request.URL.Query())
	if !ok {
		return
	}
	p.Key = bookingform.NewKey()
	render.Render(c, http.StatusOK, "book-details.html", p)
}

// detailsPage describes the details form for the time, the visit and the
// details in form, the query or the posted form. Without a time, or for a
// visit that cannot be booked, it shows the times again, for an unknown
// center or service an error page, and reports false.
func (h *Handler) detailsPage(c *gin.Context, form url.Values) (bookDetailsPage, bool) {
	start, err := request.Instant("start", form.Get("start"))
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
	p := bookDetailsPage{Page: render.NewPage(c, "book.details"), Form: bookingform.Form{Details: bookingform.DetailsFrom(form.Get)}, Center: center, start: start}
	p.Section = "book"
	p.Visit = bookingform.ReadVisit(p.L, cat, center, service, form)
	if !p.Visit.OK() {
		h.renderTimes(c, http.StatusUnprocessableEntity, "", "")
		return bookDetailsPage{}, false
	}
	p.Services, p.People = p.Visit.Names(p.L), p.Visit.People
	p.When = bookingform.When(p.L, h.scheduler.Location(), start, start.Add(p.Visit.Length()))
	p.Start = start.In(h.scheduler.Location()).Format(time.RFC3339)
	p.Language = form.Get("language")
	p.Action = "/book/" + url.PathEscape(center.ID) + "/" + url.PathEscape(service.ID)
	p.TimesURL = h.timesURL(c, p.Visit, url.Values{"start": {p.Start}})
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
	p, ok := h.detailsPage(c, c.Request.PostForm)
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
	b, token, err := p.Submit(c.Request.Context(), h.scheduler, p.L, p.Visit.Request(booking.Request{
		Center: c.Param("center"), Start: p.start, Language: p.Language, Locale: p.L.Tag(),
	}), detailsFields)
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
