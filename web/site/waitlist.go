package site

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
	"github.com/ics-booking/icsbooking/web/bookingform"
	"github.com/ics-booking/icsbooking/web/render"
)

// The waitlist's pages. A newcomer whom no free time suits joins the line
// of the visit from the times page (/book/{center}/{service}/waitlist, the
// visit, the language and the details typed so far travelling as on the
// other booking pages), or, for a time earlier than their booking's, from
// its manage page. The entry's page (/waitlist/{reference}?token=..., where
// every email about the entry links) shows their place and, while a time
// is held for them, answers the offer with plain forms. The token travels
// as the manage page's does: in the link's query, then in a hidden field;
// the cross-origin check every route group runs keeps other sites from
// posting the forms, and a GET changes nothing (leaving asks first).

type waitJoinPage struct {
	render.Page
	bookingform.Form
	Center booking.Center
	// Visit is the visit the newcomer waits for; Services names its
	// services and People counts its people, for the facts.
	Visit    bookingform.Visit
	Services []string
	People   int
	// Interpreters are the interpreter languages the center offers,
	// Language the one chosen.
	Interpreters []bookingform.Option
	Language     string
	NoticeDays   int
	// Until is the last day typed (YYYY-MM-DD); Today and LastDay bound
	// it, LastDay written out in LastDayText.
	Until, Today, LastDay, LastDayText string
	Consent                            bool
	// Problem is what no field can show (an interpreter not offered, too
	// many appointments for the address).
	Problem  string
	TimesURL string
	Action   string
	// fieldMessages say what is wrong with a field the line refuses
	// though its details passed the check of a booking's.
	fieldMessages map[string]string
}

// waitFields are the fields of the join form, in order.
var waitFields = []string{"name", "email", "language", "until", "consent"}

// waitJoinForm asks who joins the line and until when, for the visit in
// the query.
func (h *Handler) waitJoinForm(c *gin.Context) {
	p, ok := h.waitJoinPage(c, c.Request.URL.Query())
	if !ok {
		return
	}
	p.Key = bookingform.NewKey()
	if p.Until == "" {
		p.Until = p.LastDay
	}
	render.Render(c, http.StatusOK, "wait-join.html", p)
}

// waitJoinPage describes the join form for the visit and the values in
// form. For a walk-in service, or a visit that cannot be booked, it shows
// the times page instead (which says why), for an unknown center or
// service an error page, and reports false.
func (h *Handler) waitJoinPage(c *gin.Context, form url.Values) (waitJoinPage, bool) {
	cat := h.scheduler.Catalogue()
	center, err := cat.Center(c.Param("center"))
	if err != nil {
		render.FailPage(c, err)
		return waitJoinPage{}, false
	}
	service, err := cat.Service(c.Param("service"))
	if err != nil {
		render.FailPage(c, err)
		return waitJoinPage{}, false
	}
	if !service.Mode.Bookable() {
		h.renderTimes(c, http.StatusOK, "", "")
		return waitJoinPage{}, false
	}
	p := waitJoinPage{Page: render.NewPage(c, "wait.join.title"), Form: bookingform.Form{Details: bookingform.DetailsFrom(form.Get)},
		Center: center, NoticeDays: h.cfg.InterpreterNoticeDays}
	p.Section = "book"
	p.Visit = bookingform.ReadVisit(p.L, cat, center, service, form)
	if !p.Visit.OK() {
		h.renderTimes(c, http.StatusUnprocessableEntity, "", "")
		return waitJoinPage{}, false
	}
	p.Services, p.People = p.Visit.Names(p.L), p.Visit.People
	p.Language = strings.ToLower(strings.TrimSpace(form.Get("language")))
	if p.Language != "" && !center.Speaks(p.Language) && center.Interpreters[p.Language] <= 0 {
		p.Language = "" // not offered here: ask again
	}
	for _, code := range center.InterpreterLanguages() {
		p.Interpreters = append(p.Interpreters, bookingform.Option{Code: code, Name: p.L.LanguageName(code), Selected: code == p.Language})
	}
	today := h.today()
	last := today.AddDays(h.cfg.HorizonDays)
	p.Today, p.LastDay, p.LastDayText = today.String(), last.String(), p.L.DayDate(last)
	p.Until = strings.TrimSpace(form.Get("until"))
	p.Action = "/book/" + url.PathEscape(center.ID) + "/" + url.PathEscape(service.ID) + "/waitlist"
	p.TimesURL = h.timesURL(c, p.Visit, url.Values{})
	return p, true
}

// waitJoin puts the newcomer the join form describes in line, and sends
// them to their entry's page; what is wrong comes back next to the fields.
func (h *Handler) waitJoin(c *gin.Context) {
	if err := h.parseForm(c); err != nil {
		render.FailPage(c, err)
		return
	}
	p, ok := h.waitJoinPage(c, c.Request.PostForm)
	if !ok {
		return
	}
	p.Key = c.PostForm("key")
	p.Consent = c.PostForm("consent") == "yes"
	p.Errors = map[string]string{}
	if !p.Consent {
		p.Errors["consent"] = p.L.T("wait.consent.required")
	}
	var until booking.Date
	if p.Until != "" {
		var err error
		if until, err = booking.ParseDate(p.Until); err != nil {
			p.Errors["until"] = p.L.T("wait.until.invalid", "Example", p.LastDay)
		}
	}
	// The details are checked as a booking's are, whatever else is wrong,
	// so that every problem shows at once; only a form without any is
	// sent to the line.
	visit := p.Visit.Request(booking.Request{})
	err := h.scheduler.Validate(booking.Request{
		Center: p.Center.ID, Service: visit.Service, Services: visit.Services, People: visit.People, Start: h.cfg.Now(),
		Name: p.Details.Name, Email: p.Details.Email, Language: p.Language, Locale: p.L.Tag(),
	})
	if err == nil && len(p.Errors) == 0 {
		var (
			e     booking.WaitEntry
			token string
		)
		e, token, err = h.scheduler.JoinWaitlist(c.Request.Context(), booking.WaitRequest{
			Center: p.Center.ID, Service: visit.Service, Services: visit.Services, People: visit.People,
			Language: p.Language, Name: p.Details.Name, Email: p.Details.Email, Locale: p.L.Tag(), Until: until,
			IdempotencyKey: p.Key,
		})
		if err == nil {
			// A form sent twice (a double click, on any server process)
			// is answered with the entry the first made.
			c.Redirect(http.StatusSeeOther, waitPath(e.Reference, token, "joined"))
			return
		}
		// The details passed the check above: a field the line refuses
		// now says something else of it.
		p.fieldMessages = map[string]string{
			"email": p.L.T("wait.email.waiting"),
			"until": p.L.T("wait.until.range", "Last", p.LastDayText),
		}
	}
	var invalid *booking.Error
	switch {
	case err == nil:
	case errors.As(err, &invalid) && errors.Is(err, booking.ErrInvalid):
		if !p.fieldErrors(invalid.Fields) {
			render.FailPage(c, err) // a field the form does not show
			return
		}
	case errors.Is(err, booking.ErrNotBookable):
		p.Problem = p.L.T("wait.not_bookable")
	default:
		render.FailPage(c, err)
		return
	}
	for _, name := range waitFields {
		if _, ok := p.Errors[name]; ok {
			p.FieldOrder = append(p.FieldOrder, name)
		}
	}
	p.Title = p.L.T("wait.join.error_title")
	// The answer to a post has no address of its own: the languages link
	// to the form, the visit and what was typed kept.
	for i, lang := range p.Languages {
		q := url.Values{"lang": {lang.Tag}}
		if p.Until != "" {
			q.Set("until", p.Until)
		}
		p.Languages[i].URL = h.visitURL(c, p.Visit, "/waitlist", q)
	}
	render.Render(c, http.StatusUnprocessableEntity, "wait-join.html", p)
}

// fieldErrors says what is wrong with each field in fields, in the form's
// language, unless a message is there already. It reports false if a
// field is not one the form shows.
func (p *waitJoinPage) fieldErrors(fields []booking.FieldError) bool {
	for _, fe := range fields {
		if _, ok := p.Errors[fe.Field]; ok {
			continue
		}
		msg, ok := p.fieldMessages[fe.Field]
		switch {
		case ok:
		case fe.Field == "name" || fe.Field == "email":
			msg = p.L.T("field." + fe.Field + ".invalid")
			if strings.TrimSpace(p.Details.Name) == "" && fe.Field == "name" || strings.TrimSpace(p.Details.Email) == "" && fe.Field == "email" {
				msg = p.L.T("field." + fe.Field + ".required")
			}
		case fe.Field == "language":
			msg = p.L.T("wait.language.choose")
		case fe.Field == "until":
			msg = p.L.T("wait.until.range", "Last", p.LastDayText)
		default:
			return false
		}
		p.Errors[fe.Field] = msg
	}
	return true
}

// manageWait puts the holder of a booking in line for an earlier time of
// the same visit, until the day before it, and shows the entry.
func (h *Handler) manageWait(c *gin.Context) {
	if err := h.parseForm(c); err != nil {
		h.bookingFailed(c, err)
		return
	}
	token := c.PostForm("token")
	e, entryToken, err := h.scheduler.JoinWaitlist(c.Request.Context(), booking.WaitRequest{
		Booking: c.Param("reference"), BookingToken: token, Locale: render.Locale(c).Tag(),
	})
	if err != nil {
		h.manageWaitFailed(c, token, err)
		return
	}
	c.Redirect(http.StatusSeeOther, waitPath(e.Reference, entryToken, "joined"))
}

// manageWaitFailed shows the manage page again with why the booking cannot
// wait for an earlier time next to the button.
func (h *Handler) manageWaitFailed(c *gin.Context, token string, err error) {
	b, getErr := h.scheduler.Get(c.Request.Context(), c.Param("reference"), token)
	if getErr != nil {
		h.bookingFailed(c, getErr)
		return
	}
	var invalid *booking.Error
	status, msg := render.Status(c, err), "wait.earlier.refused"
	switch {
	case errors.As(err, &invalid) && errors.Is(err, booking.ErrInvalid):
		status = http.StatusUnprocessableEntity
		for _, fe := range invalid.Fields {
			switch fe.Field {
			case "email":
				msg = "wait.earlier.waiting"
			case "until":
				msg = "wait.earlier.none"
			}
		}
	case errors.Is(err, booking.ErrNotBookable):
		msg = "wait.earlier.none"
	case errors.Is(err, booking.ErrConflict):
		msg = "manage.conflict"
	default:
		render.FailPage(c, err)
		return
	}
	h.renderManage(c, status, b, token, manageNotes{WaitError: render.Locale(c).T(msg)})
}

type waitPage struct {
	render.Page
	Entry  booking.WaitView
	Center booking.Center
	// Services names the visit's services, in order, People counts its
	// people.
	Services    []string
	People      int
	Interpreter string
	Until       string
	// Status says where the entry stands, in words.
	Status string
	// Open: a time is held for the entry now, When, until HeldUntil.
	Open      bool
	When      string
	HeldUntil string
	Token     string
	Path      string // /waitlist/{reference}
	// BookURL is the times page of the visit, to book or join again.
	BookURL string
	Done    string
	Problem string
}

// waitDone are the notices shown after a change, keyed by the done query
// parameter of the redirect.
var waitDone = map[string]string{
	"joined":   "wait.done_joined",
	"declined": "wait.done_declined",
	"left":     "wait.done_left",
	"moved":    "wait.done_moved",
}

// waitEntry shows an entry's place in line, and the time held for it.
func (h *Handler) waitEntry(c *gin.Context) {
	v, token, ok := h.heldEntry(c)
	if !ok {
		return
	}
	done := ""
	if id, ok := waitDone[c.Query("done")]; ok {
		done = render.Locale(c).T(id)
	}
	h.renderEntry(c, http.StatusOK, v, token, done, "")
}

// waitLeaveConfirm asks whether to leave the line.
func (h *Handler) waitLeaveConfirm(c *gin.Context) {
	v, token, ok := h.heldEntry(c)
	if !ok {
		return
	}
	if !v.Status.Active() {
		h.renderEntry(c, http.StatusOK, v, token, "", "")
		return
	}
	p := h.waitPage(c, v, token)
	p.Title = p.L.T("wait.leave.title")
	render.Render(c, http.StatusOK, "wait-leave.html", p)
}

// waitAccept books the time held for the entry, and shows the booking's
// confirmation; or, for an entry that improves a booking, shows the entry
// saying the booking moved.
func (h *Handler) waitAccept(c *gin.Context) {
	if err := h.parseForm(c); err != nil {
		h.entryFailed(c, err)
		return
	}
	token := c.PostForm("token")
	b, bookingToken, moved, err := h.scheduler.AcceptOffer(c.Request.Context(), c.Param("reference"), token)
	switch {
	case err != nil:
		h.answerFailed(c, token, err, "wait.accept_ended")
	case moved:
		c.Redirect(http.StatusSeeOther, waitPath(c.Param("reference"), token, "moved"))
	default:
		c.Redirect(http.StatusSeeOther, "/bookings/"+url.PathEscape(b.Reference)+"/confirmation?token="+url.QueryEscape(bookingToken))
	}
}

// waitDecline gives the time held for the entry back; the entry keeps its
// place.
func (h *Handler) waitDecline(c *gin.Context) {
	if err := h.parseForm(c); err != nil {
		h.entryFailed(c, err)
		return
	}
	token := c.PostForm("token")
	v, err := h.scheduler.DeclineOffer(c.Request.Context(), c.Param("reference"), token)
	if err != nil {
		h.answerFailed(c, token, err, "wait.decline_ended")
		return
	}
	c.Redirect(http.StatusSeeOther, waitPath(v.Reference, token, "declined"))
}

// waitLeave takes the entry out of line.
func (h *Handler) waitLeave(c *gin.Context) {
	if err := h.parseForm(c); err != nil {
		h.entryFailed(c, err)
		return
	}
	token := c.PostForm("token")
	v, err := h.scheduler.LeaveWaitlist(c.Request.Context(), c.Param("reference"), token)
	if err != nil {
		h.answerFailed(c, token, err, "manage.conflict")
		return
	}
	done := ""
	if v.Status == booking.WaitLeft {
		done = "left"
	}
	c.Redirect(http.StatusSeeOther, waitPath(v.Reference, token, done))
}

// answerFailed shows the entry again, as it is now, with why the answer
// to its offer (the message conflict names what a conflict means) could
// not be given; or an error page if the entry cannot be shown at all.
func (h *Handler) answerFailed(c *gin.Context, token string, err error, conflict string) {
	if !errors.Is(err, booking.ErrConflict) && !errors.Is(err, booking.ErrNotBookable) {
		h.entryFailed(c, err)
		return
	}
	v, getErr := h.scheduler.WaitEntry(c.Request.Context(), c.Param("reference"), token)
	if getErr != nil {
		h.entryFailed(c, getErr)
		return
	}
	msg := conflict
	switch {
	case errors.Is(err, booking.ErrNotBookable):
		msg = "wait.accept_refused" // the address holds as many appointments as it may
	case v.Status == booking.WaitBooked:
		msg = "wait.accept_done"
	}
	h.renderEntry(c, render.Status(c, err), v, token, "", render.Locale(c).T(msg))
}

// heldEntry is the entry the request's address names, read with the token
// in its query, and that token for the page's links and forms. If the
// entry cannot be shown, it shows why and returns false.
func (h *Handler) heldEntry(c *gin.Context) (booking.WaitView, string, bool) {
	token := c.Query("token")
	v, err := h.scheduler.WaitEntry(c.Request.Context(), c.Param("reference"), token)
	if err != nil {
		h.entryFailed(c, err)
		return booking.WaitView{}, "", false
	}
	return v, token, true
}

// entryFailed shows a failure of an entry's pages; an entry not found (an
// unknown reference and a wrong token look the same) says whom to ask
// instead.
func (h *Handler) entryFailed(c *gin.Context, err error) {
	notFoundPage(c, err, "error.wait_not_found", "error.wait_not_found_text", h.centersOfReference(c.Param("reference")))
}

// waitPage describes an entry in the request's language.
func (h *Handler) waitPage(c *gin.Context, v booking.WaitView, token string) waitPage {
	p := waitPage{Page: render.NewPage(c, "wait.title"), Entry: v, Token: token, People: v.People}
	cat := h.scheduler.Catalogue()
	p.Center, _ = cat.Center(v.Center) // the catalogue keeps what entries use, as for bookings
	for _, id := range v.Services {
		sv, _ := cat.Service(id)
		p.Services = append(p.Services, sv.In(p.L.Tag()).Name)
	}
	p.Interpreter = p.L.LanguageName(v.Language)
	p.Until = p.L.DayDate(v.Until)
	p.Path = "/waitlist/" + url.PathEscape(v.Reference)
	// The page answers forms posted to other addresses: the languages
	// link to the entry's own.
	for i, lang := range p.Languages {
		p.Languages[i].URL = p.Path + "?" + url.Values{"token": {token}, "lang": {lang.Tag}}.Encode()
	}
	q := url.Values{}
	for _, id := range v.Services[1:] {
		q.Add("also", id)
	}
	if v.People > 1 {
		q.Set("people", strconv.Itoa(v.People))
	}
	p.BookURL = "/book/" + url.PathEscape(v.Center) + "/" + url.PathEscape(v.Services[0])
	if len(q) > 0 {
		p.BookURL += "?" + q.Encode()
	}

	loc := h.scheduler.Location()
	now := h.cfg.Now()
	// A hold that has run out is ended by a job soon after; until then
	// the entry still reads offered, but AcceptOffer refuses it, and so
	// the page offers nothing.
	p.Open = v.OfferOpen(now)
	if p.Open {
		p.When = bookingform.When(p.L, loc, v.Offer.Start, v.Offer.End)
		p.HeldUntil = p.L.T("wait.offer.held", "Until", heldUntil(p.L, loc, now, v.Offer.Expires))
	}
	p.Status = h.waitStatus(p, v)
	return p
}

// waitStatus says where the entry stands.
func (h *Handler) waitStatus(p waitPage, v booking.WaitView) string {
	switch v.Status {
	case booking.WaitWaiting, booking.WaitOffered:
		return p.L.T("wait.status.waiting", "Position", v.Position, "Visit", strings.Join(p.Services, ", "), "Center", p.Center.Name, "Until", p.Until)
	case booking.WaitBooked:
		if v.BookingID != 0 {
			return p.L.T("wait.status.moved")
		}
		return p.L.T("wait.status.booked")
	case booking.WaitExpired:
		return p.L.T("wait.status.expired")
	}
	return p.L.T("wait.status.left")
}

// heldUntil writes when a hold ends: the time alone today, else the day
// and the time.
func heldUntil(l *locale.Locale, loc *time.Location, now, expires time.Time) string {
	expires = expires.In(loc)
	if booking.DateOf(expires) == booking.DateOf(now.In(loc)) {
		return l.T("time.today_at", "Time", l.Clock(expires))
	}
	return l.T("time.at", "Day", l.LongDate(expires), "Time", l.Clock(expires))
}

func (h *Handler) renderEntry(c *gin.Context, status int, v booking.WaitView, token, done, problem string) {
	p := h.waitPage(c, v, token)
	p.Done, p.Problem = done, problem
	render.Render(c, status, "waitlist.html", p)
}

// waitPath is an entry's page, with the done notice if any.
func waitPath(reference, token, done string) string {
	path := "/waitlist/" + url.PathEscape(reference) + "?token=" + url.QueryEscape(token)
	if done != "" {
		path += "&done=" + done
	}
	return path
}
