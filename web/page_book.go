package web

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
)

// The booking flow, one question a page, with addresses partner sites can
// link to: /book (which center), /book/{center} (which service),
// /book/{center}/{service} (the language if needed, then a week of times),
// /book/{center}/{service}/details (who), a POST to /book/{center}/{service}
// and a redirect to the confirmation. Every page works without JavaScript;
// choices travel in the query, and the details typed so far travel with
// them, so that a time taken meanwhile costs nobody their typing.

// details are what the newcomer types about themselves.
type details struct {
	Name, Email, Phone, Notes string
}

// detailsFrom reads the details from a query or a posted form.
func detailsFrom(get func(string) string) details {
	return details{Name: get("name"), Email: get("email"), Phone: get("phone"), Notes: get("notes")}
}

// query adds the details that are not empty to q.
func (d details) query(q url.Values) url.Values {
	for name, v := range map[string]string{"name": d.Name, "email": d.Email, "phone": d.Phone, "notes": d.Notes} {
		if v != "" {
			q.Set(name, v)
		}
	}
	return q
}

type bookCenterPage struct {
	page
	Centers []centerCard
	Service string // a service chosen first, from a service's page
}

// bookCenter asks which center.
func (s *Server) bookCenter(c *gin.Context) {
	p := bookCenterPage{page: s.newPage(c, "book.center"), Service: c.Query("service")}
	p.Section = "book"
	if _, err := s.scheduler.Catalogue().Service(p.Service); err != nil {
		p.Service = ""
	}
	centers, err := s.centerCards(c.Request.Context(), p.L)
	if err != nil {
		s.errorPage(c, err)
		return
	}
	p.Centers = centers
	s.render(c, http.StatusOK, "book-center.html", p)
}

type bookServicePage struct {
	page
	Center   booking.Center
	Services []serviceGroup
}

// bookService asks which service.
func (s *Server) bookService(c *gin.Context) {
	center, err := s.scheduler.Catalogue().Center(c.Param("center"))
	if err != nil {
		s.errorPage(c, err)
		return
	}
	p := bookServicePage{page: s.newPage(c, "book.service", "Center", center.Name), Center: center}
	p.Section = "book"
	p.Services = groupServices(p.L, s.scheduler.Catalogue().Services)
	s.render(c, http.StatusOK, "book-service.html", p)
}

type bookTimePage struct {
	page
	Center  booking.Center
	Service booking.Service
	Text    booking.ServiceText
	Hours   []locale.HoursLine
	// Languages are the interpreter languages the center offers, named.
	Interpreters []languageOption
	Language     string
	// NeedLanguage: the service cannot be booked before a language is
	// chosen.
	NeedLanguage bool
	Days         []slotDay
	Week         string
	PrevWeek     string
	NextWeek     string
	Problem      string
	Details      details
	NoticeDays   int
}

type languageOption struct {
	Code     string
	Name     string
	Selected bool
}

// bookTime shows a week of free times, after the language if the service
// needs one; a walk-in service says that no booking is needed.
func (s *Server) bookTime(c *gin.Context) {
	s.renderTimes(c, http.StatusOK, c.Query("start"), "")
}

// renderTimes shows the times page, with chosen checked and a problem
// (a message ID) if the last choice failed.
func (s *Server) renderTimes(c *gin.Context, status int, chosen, problem string) {
	cat := s.scheduler.Catalogue()
	center, err := cat.Center(c.Param("center"))
	if err != nil {
		s.errorPage(c, err)
		return
	}
	service, err := cat.Service(c.Param("service"))
	if err != nil {
		s.errorPage(c, err)
		return
	}
	p := bookTimePage{page: s.newPage(c, ""), Center: center, Service: service, NoticeDays: s.cfg.InterpreterNoticeDays}
	p.Section = "book"
	p.Text = service.In(p.L.Tag())
	p.Title = p.Text.Name + " – " + center.Name
	p.Hours = p.L.OpeningHours(center.Hours)
	p.Details = detailsFrom(c.Request.FormValue)
	if problem != "" {
		p.Problem = p.L.T(problem)
	}
	if !service.Mode.Bookable() {
		s.render(c, http.StatusOK, "book-walkin.html", p)
		return
	}
	p.Language = strings.ToLower(c.Request.FormValue("language"))
	for _, code := range center.InterpreterLanguages() {
		p.Interpreters = append(p.Interpreters, languageOption{Code: code, Name: p.L.LanguageName(code), Selected: code == p.Language})
	}
	if p.Language != "" && !center.Speaks(p.Language) && center.Interpreters[p.Language] <= 0 {
		p.Language = "" // not offered here: ask again
	}
	p.NeedLanguage = service.NeedsLanguage && (p.Language == "" || center.Speaks(p.Language))
	if p.NeedLanguage {
		s.render(c, status, "book-time.html", p)
		return
	}

	loc := s.scheduler.Location()
	today := s.localToday()
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
	slots, err := s.scheduler.Slots(c.Request.Context(), booking.SlotQuery{
		Center: center.ID, Service: service.ID, Language: p.Language, From: week, To: week.AddDays(6),
	})
	if err != nil {
		s.errorPage(c, err)
		return
	}
	p.Days = s.groupByDay(p.L, slots, time.Time{}, chosen)
	p.Week = p.L.T("book.week", "From", p.L.DayDate(week), "To", p.L.DayDate(week.AddDays(6)))
	if week.After(monday(today)) {
		p.PrevWeek = s.weekURL(c, week.AddDays(-7))
	}
	if week.AddDays(7).Before(today.AddDays(s.cfg.HorizonDays + 1)) {
		p.NextWeek = s.weekURL(c, week.AddDays(7))
	}
	s.render(c, status, "book-time.html", p)
}

// monday is the Monday of d's week.
func monday(d booking.Date) booking.Date {
	return d.AddDays(-((int(d.Weekday()) + 6) % 7))
}

// weekURL is this page for another week, with the language and details kept.
func (s *Server) weekURL(c *gin.Context, week booking.Date) string {
	q := detailsFrom(c.Request.FormValue).query(url.Values{})
	if lang := c.Request.FormValue("language"); lang != "" {
		q.Set("language", lang)
	}
	q.Set("week", week.String())
	return c.Request.URL.Path + "?" + q.Encode()
}

type bookDetailsPage struct {
	page
	Center   booking.Center
	Service  booking.ServiceText
	When     string
	Start    string
	Language string
	Key      string
	Details  details
	Consent  bool
	// Errors holds a message per field, FieldOrder the fields in the
	// order of the form, for the summary.
	Errors     map[string]string
	FieldOrder []string
	TimesURL   string
	Action     string
}

// bookDetails asks who is coming, for the time chosen.
func (s *Server) bookDetails(c *gin.Context) {
	start, err := parseInstant("start", c.Query("start"))
	if err != nil || start.IsZero() {
		s.renderTimes(c, http.StatusUnprocessableEntity, "", "time.choose")
		return
	}
	p, err := s.detailsPage(c, start, detailsFrom(c.Query))
	if err != nil {
		s.errorPage(c, err)
		return
	}
	p.Key = newFormKey()
	s.render(c, http.StatusOK, "book-details.html", p)
}

// newFormKey is the Idempotency-Key of one details form: a second post of
// the same form returns the booking the first made.
func newFormKey() string { return "form-" + rand.Text() }

func (s *Server) detailsPage(c *gin.Context, start time.Time, d details) (bookDetailsPage, error) {
	cat := s.scheduler.Catalogue()
	center, err := cat.Center(c.Param("center"))
	if err != nil {
		return bookDetailsPage{}, err
	}
	service, err := cat.Service(c.Param("service"))
	if err != nil {
		return bookDetailsPage{}, err
	}
	p := bookDetailsPage{page: s.newPage(c, "book.details"), Center: center, Details: d}
	p.Section = "book"
	p.Service = service.In(p.L.Tag())
	p.When = s.when(p.L, start, start.Add(service.Duration))
	p.Start = start.In(s.scheduler.Location()).Format(time.RFC3339)
	p.Language = c.Request.FormValue("language")
	p.Action = "/book/" + url.PathEscape(center.ID) + "/" + url.PathEscape(service.ID)
	q := url.Values{"start": {p.Start}}
	if p.Language != "" {
		q.Set("language", p.Language)
	}
	p.TimesURL = p.Action + "?" + d.query(q).Encode()
	return p, nil
}

// formFields are the details form's fields, in order.
var formFields = []string{"name", "email", "phone", "notes", "consent"}

// book makes the booking a details form asks for.
func (s *Server) book(c *gin.Context) {
	if err := s.parseForm(c); err != nil {
		s.errorPage(c, err)
		return
	}
	start, err := parseInstant("start", c.PostForm("start"))
	if err != nil || start.IsZero() {
		s.renderTimes(c, http.StatusUnprocessableEntity, "", "time.choose")
		return
	}
	d := detailsFrom(c.PostForm)
	p, err := s.detailsPage(c, start, d)
	if err != nil {
		s.errorPage(c, err)
		return
	}
	p.Key = c.PostForm("key")
	p.Consent = c.PostForm("consent") == "yes"
	req := booking.Request{
		Center:         c.Param("center"),
		Service:        c.Param("service"),
		Start:          start,
		Name:           d.Name,
		Email:          d.Email,
		Phone:          d.Phone,
		Notes:          d.Notes,
		Language:       p.Language,
		Locale:         p.L.Tag(),
		IdempotencyKey: p.Key,
	}
	// Without consent nothing is booked, but the other fields are checked
	// too, so that every problem shows at once.
	var b booking.Booking
	var token string
	if p.Consent {
		b, token, err = s.scheduler.Book(c.Request.Context(), req)
	} else {
		p.Errors = map[string]string{"consent": p.L.T("field.consent.required")}
		err = s.scheduler.Validate(req)
	}
	var invalid *booking.Error
	switch {
	case err == nil && p.Errors != nil:
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/bookings/"+url.PathEscape(b.Reference)+"/confirmation?token="+url.QueryEscape(token))
		return
	case errors.Is(err, booking.ErrSlotFull), errors.Is(err, booking.ErrNotBookable):
		s.renderTimes(c, problemFor(c, err).Status, "", timeProblem(err))
		return
	case errors.As(err, &invalid) && errors.Is(err, booking.ErrInvalid):
		if p.Errors == nil {
			p.Errors = map[string]string{}
		}
		for _, f := range invalid.Fields {
			p.Errors[f.Field] = s.fieldMessage(p.L, f.Field, d)
		}
	default:
		s.errorPage(c, err)
		return
	}
	for _, f := range formFields {
		if _, ok := p.Errors[f]; ok {
			p.FieldOrder = append(p.FieldOrder, f)
		}
	}
	if len(p.FieldOrder) == 0 {
		// A field the form does not show (the key, the language):
		// nothing the newcomer can fix here.
		s.errorPage(c, err)
		return
	}
	p.Title = p.L.T("book.details_error", "Title", p.Title)
	s.render(c, http.StatusUnprocessableEntity, "book-details.html", p)
}

// fieldMessage says what is wrong with a field of the details form.
func (s *Server) fieldMessage(l *locale.Locale, field string, d details) string {
	value := map[string]string{"name": d.Name, "email": d.Email, "phone": d.Phone, "notes": d.Notes}[field]
	if strings.TrimSpace(value) == "" {
		return l.T("field." + field + ".required")
	}
	return l.T("field." + field + ".invalid")
}

type confirmationPage struct {
	managePage
	ManageURL string
}

// confirmation shows a new booking: what, when, where, what to bring, the
// invitation to download and the link to change it.
func (s *Server) confirmation(c *gin.Context) {
	token := c.Query("token")
	b, err := s.scheduler.Get(c.Request.Context(), c.Param("reference"), token)
	if err != nil {
		s.errorPage(c, err)
		return
	}
	p := confirmationPage{managePage: s.managePage(c, b, token)}
	p.Title = p.L.T("confirmation.title")
	p.ManageURL = booking.ManageURL(s.cfg.BaseURL, b.Reference, token)
	s.render(c, http.StatusOK, "confirmation.html", p)
}

// formField is one input of the details form, as the "field" template
// draws it.
type formField struct {
	Name, Type, Autocomplete string
	Label, Optional          string
	Value, Error             string
	Required                 bool
}

// field describes the input name of a details form, for the template.
func field(p bookDetailsPage, name, typ, autocomplete string, required bool) formField {
	value := map[string]string{"name": p.Details.Name, "email": p.Details.Email, "phone": p.Details.Phone}[name]
	return formField{
		Name: name, Type: typ, Autocomplete: autocomplete,
		Label: p.L.T("field." + name), Optional: p.L.T("field.optional"),
		Value: value, Error: p.Errors[name], Required: required,
	}
}
