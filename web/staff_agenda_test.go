package web_test

import (
	"bytes"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/staff"
)

// agendaMonday is the day most agenda tests look at.
var agendaMonday = booking.Date{Year: 2026, Month: time.November, Day: 30}

// agenda returns a center's bookings of a day, with their emails, as the
// scheduler has them.
func (a *app) agenda(center string, day booking.Date) []booking.BookingWithEmails {
	a.t.Helper()
	bookings, err := a.scheduler.Agenda(a.t.Context(), center, day)
	if err != nil {
		a.t.Fatal(err)
	}
	return bookings
}

// bookingID returns the ID of the booking with the reference.
func (a *app) bookingID(center string, day booking.Date, reference string) int64 {
	a.t.Helper()
	for _, b := range a.agenda(center, day) {
		if b.Reference == reference {
			return b.ID
		}
	}
	a.t.Fatalf("no booking %s at %s on %s", reference, center, day)
	return 0
}

// staffPost posts a form with the session cookie, without following the
// redirect.
func (a *app) staffPost(cookie, path string, values url.Values) response {
	a.t.Helper()
	body, h := form(values)
	return a.doNoRedirect("POST", path, body, append(h, "Cookie", cookie)...)
}

// page gets a page with the session cookie, its HTML entities decoded.
func (a *app) page(cookie, path string, headers ...string) (int, string) {
	a.t.Helper()
	r := a.do("GET", path, nil, append([]string{"Cookie", cookie}, headers...)...)
	return r.status, html.UnescapeString(string(r.body))
}

// inOrder reports whether every string of want is in s, in that order.
func inOrder(s string, want ...string) bool {
	for _, w := range want {
		i := strings.Index(s, w)
		if i < 0 {
			return false
		}
		s = s[i+len(w):]
	}
	return true
}

func TestStaffAgenda(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		cookie := a.login("mette@ics.dk")

		// Booked out of time order; the agenda lists them by time.
		people := []struct{ name, start, notes string }{
			{"Carla Jensen", "2026-11-30T11:00:00+01:00", ""},
			{"Ana Silva", "2026-11-30T09:00:00+01:00", "Brings her daughter"},
			{"Bo Nielsen", "2026-11-30T10:00:00+01:00", ""},
		}
		refs := map[string]string{}
		for _, p := range people {
			body := bookingBody("aarhus", permit, p.start)
			body["name"], body["notes"] = p.name, p.notes
			refs[p.name], _ = a.book(body)
		}
		// Ana's confirmation went out, Bo's failed for good, Carla's waits.
		for _, b := range a.agenda("aarhus", agendaMonday) {
			var err error
			switch b.Name {
			case "Ana Silva":
				err = a.store.RecordEmailAttempt(t.Context(), b.Emails[0].ID, 1, nil, false, thursday)
			case "Bo Nielsen":
				err = a.store.RecordEmailAttempt(t.Context(), b.Emails[0].ID, 3, errors.New("550 mailbox unavailable"), true, thursday)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		service, err := a.scheduler.Catalogue().Service(permit)
		if err != nil {
			t.Fatal(err)
		}

		status, body := a.page(cookie, "/staff/centers/aarhus?day=2026-11-30")
		if status != 200 || !strings.Contains(body, "<h1>Aarhus ICS Center – Monday 30 November 2026</h1>") {
			t.Fatalf("agenda: %d\n%s", status, body)
		}
		// Compact: time, name and reference, visit, state; each row
		// leads to its booking's page, which has the rest.
		if !inOrder(body,
			"09:00–09:45", `href="/staff/centers/aarhus/bookings/`+refs["Ana Silva"]+`"`, "Ana Silva", refs["Ana Silva"], service.In("en").Name, "Booked",
			"10:00–10:45", "Bo Nielsen", refs["Bo Nielsen"], "Booked",
			"11:00–11:45", "Carla Jensen", refs["Carla Jensen"], "Booked") {
			t.Errorf("agenda not in time order with names, references, services and states:\n%s", body)
		}
		for _, want := range []string{`id="center-tools"`, `href="/staff/centers/aarhus?day=2026-11-29"`, `href="/staff/centers/aarhus?day=2026-12-01"`,
			`type="date" id="day" name="day" value="2026-11-30"`, `role="search"`, `<input type="search" id="q" name="q"`} {
			if !strings.Contains(body, want) {
				t.Errorf("agenda lacks %s", want)
			}
		}
		for _, unwanted := range []string{"Brings her daughter", "Confirmation: sent", `name="reason"`, "/check-in"} {
			if strings.Contains(body, unwanted) {
				t.Errorf("the compact agenda of a day to come shows %s:\n%s", unwanted, body)
			}
		}
		// A day that is no date says so, not that the server failed.
		if status, body := a.page(cookie, "/staff/centers/aarhus?day=30-11-2026"); status != http.StatusBadRequest || !strings.Contains(body, "must be a date such as 2026-12-07") {
			t.Errorf("agenda of a bad day: %d\n%s", status, body)
		}
		_, da := a.page(cookie, "/staff/centers/aarhus?day=2026-11-30", "Accept-Language", "da")
		if !strings.Contains(da, "mandag den 30. november 2026") || !strings.Contains(da, "Find en aftale") ||
			!strings.Contains(da, service.In("da").Name) || !strings.Contains(da, "Booket") {
			t.Errorf("Danish agenda:\n%s", da)
		}

		// Today, by default: a checked-in appointment shows as checked
		// in with its ticket, and the one not checked in offers its
		// check-in, even late.
		a.storeBooking("AAR-CHECK1", "aarhus", thursday.Add(10*time.Minute))
		if r := a.do("POST", "/api/v1/centers/aarhus/check-ins", map[string]any{"reference": "AAR-CHECK1"}); r.status != http.StatusCreated {
			t.Fatalf("check in: %d %s", r.status, r.body)
		}
		a.storeBooking("AAR-EARLY1", "aarhus", thursday.Add(-30*time.Minute))
		_, body = a.page(cookie, "/staff/centers/aarhus")
		if !inOrder(body, "09:30–10:15", "AAR-EARLY1", "Booked", "/check-in", "10:10–10:55", "AAR-CHECK1", `Checked in <span class="ticket">A-001</span>`) {
			t.Errorf("today's agenda:\n%s", body)
		}
		if strings.Count(body, `/check-in"`) != 1 {
			t.Errorf("want a check-in for the booking not checked in only:\n%s", body)
		}
		if _, body := a.page(cookie, "/staff/centers/aarhus?day=2026-12-01"); !strings.Contains(body, "No appointments on this day.") {
			t.Errorf("an empty day:\n%s", body)
		}
		if status, _ := a.page(cookie, "/staff/centers/aarhus?day=30.11.2026"); status != http.StatusBadRequest {
			t.Errorf("a malformed day: %d", status)
		}

		// The print view: the same day with each booking's details and
		// emails, no forms.
		status, body = a.page(cookie, "/staff/centers/aarhus/print?day=2026-11-30")
		if status != 200 || strings.Contains(body, "<form") || !inOrder(body,
			"09:00–09:45", refs["Ana Silva"], "Ana Silva", service.In("en").Name, "Brings her daughter", "Booked", "Confirmation: sent",
			"10:00–10:45", refs["Bo Nielsen"], "Bo Nielsen", "Booked", "Confirmation: failed", "Last error: 550 mailbox unavailable",
			"11:00–11:45", refs["Carla Jensen"], "Carla Jensen", "Booked", "Confirmation: queued") {
			t.Errorf("print view: %d\n%s", status, body)
		}
		if _, da := a.page(cookie, "/staff/centers/aarhus/print?day=2026-11-30", "Accept-Language", "da"); !strings.Contains(da, "Bekræftelse: sendt") {
			t.Errorf("Danish print view:\n%s", da)
		}
	})
}

// Staff cancel a booking with a reason on its page, and the newcomer is
// emailed it; the agenda shows it cancelled with the reason on paper.
func TestStaffCancel(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		cookie := a.login("mette@ics.dk")
		ref, _ := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
		cph, _ := a.book(bookingBody("copenhagen", permit, "2026-11-30T09:00:00+01:00"))
		id := a.bookingID("aarhus", agendaMonday, ref)
		cancel := func(center, ref, reason string) response {
			return a.staffPost(cookie, "/staff/centers/"+center+"/bookings/"+ref+"/cancel", url.Values{"reason": {reason}})
		}

		// Another center's bookings: neither seen nor cancelled.
		if status, _ := a.page(cookie, "/staff/centers/copenhagen?day=2026-11-30"); status != http.StatusForbidden {
			t.Errorf("Aarhus staff on Copenhagen's agenda: %d", status)
		}
		if r := cancel("copenhagen", cph, "Closed"); r.status != http.StatusForbidden {
			t.Errorf("Aarhus staff cancelling at Copenhagen: %d", r.status)
		}
		if r := cancel("aarhus", cph, "Closed"); r.status != http.StatusNotFound {
			t.Errorf("a Copenhagen booking through Aarhus: %d", r.status)
		}
		if r := cancel("aarhus", "AAR-ZZZZZZ", "Closed"); r.status != http.StatusNotFound {
			t.Errorf("an unknown booking: %d", r.status)
		}

		// No reason: refused next to the field.
		r := cancel("aarhus", ref, "  ")
		body := html.UnescapeString(string(r.body))
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="reason-error"`) ||
			!strings.Contains(body, "Write why the booking is cancelled") || !strings.Contains(body, `aria-describedby="reason-hint reason-error"`) {
			t.Errorf("cancel without a reason: %d\n%s", r.status, body)
		}
		if n := a.activeBookings(); n != 2 || a.emails(ref, "cancellation") != 0 {
			t.Fatalf("a cancel without a reason changed something: %d bookings", n)
		}

		const reason = "A burst pipe closes the center that morning"
		r = cancel("aarhus", ref, reason)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/staff/centers/aarhus/bookings/"+ref {
			t.Fatalf("cancel: %d %v %s", r.status, r.header, r.body)
		}
		if n := a.emails(ref, "cancellation"); n != 1 {
			t.Errorf("%d cancellation emails", n)
		}
		b := a.agenda("aarhus", agendaMonday)[0]
		if b.Status != booking.Cancelled || b.CancelReason != reason {
			t.Errorf("cancelled booking: %+v", b.Booking)
		}
		_, body = a.page(cookie, "/staff/centers/aarhus/bookings/"+ref)
		if !strings.Contains(body, ref+" is cancelled. The newcomer is emailed the reason.") ||
			!inOrder(body, "Cancelled", "Reason: "+reason, "Cancellation", "queued") || strings.Contains(body, `name="reason"`) {
			t.Errorf("the booking's page after cancelling:\n%s", body)
		}
		// The notice is shown once.
		if _, body := a.page(cookie, "/staff/centers/aarhus/bookings/"+ref); strings.Contains(body, "is cancelled") {
			t.Error("the notice came back")
		}
		// The agenda shows it cancelled; on paper with the reason.
		if _, body := a.page(cookie, "/staff/centers/aarhus?day=2026-11-30"); !strings.Contains(agendaRowOf(t, body, id), "Cancelled") {
			t.Errorf("the agenda after cancelling:\n%s", body)
		}
		if _, body := a.page(cookie, "/staff/centers/aarhus/print?day=2026-11-30"); !inOrder(agendaRowOf(t, body, id), "Cancelled", "Reason: "+reason, "Cancellation: queued") {
			t.Errorf("the print view after cancelling:\n%s", body)
		}
		// The same form again changes nothing.
		if r := cancel("aarhus", ref, reason); r.status != http.StatusSeeOther || a.emails(ref, "cancellation") != 1 {
			t.Errorf("cancelling twice: %d, %d emails", r.status, a.emails(ref, "cancellation"))
		}

		entries, err := a.staff.Entries(t.Context(), 10)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range entries {
			found = found || (e.Action == "booking.cancel" && e.Subject == ref && e.Center == "aarhus" && e.Detail == reason && e.Email == "mette@ics.dk")
		}
		if !found {
			t.Errorf("no audit entry for the cancellation: %+v", entries)
		}
	})
}

var formKey = regexp.MustCompile(`name="key" value="([^"]+)"`)

func TestStaffBookOnBehalf(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		cookie := a.login("mette@ics.dk")

		status, body := a.page(cookie, "/staff/centers/aarhus/book")
		if status != 200 || !strings.Contains(body, `<select id="service" name="service" required>`) || strings.Contains(body, `name="start"`) {
			t.Fatalf("book page: %d\n%s", status, body)
		}
		if strings.Contains(body, `value="general-information"`) {
			t.Error("a walk-in service is offered for booking")
		}
		status, body = a.page(cookie, "/staff/centers/aarhus/book?service="+permit+"&day=2026-11-30")
		m := formKey.FindStringSubmatch(body)
		if status != 200 || m == nil || !strings.Contains(body, `value="2026-11-30T09:00:00+01:00"`) {
			t.Fatalf("the day's times: %d\n%s", status, body)
		}
		values := url.Values{"service": {permit}, "day": {"2026-11-30"}, "key": {m[1]}, "start": {"2026-11-30T09:00:00+01:00"},
			"email": {"ana@example.com"}, "phone": {"+45 12 34 56 78"}, "notes": {"Needs step-free access"}, "locale": {"da"}}

		// Without a name: refused next to the field, the rest kept.
		r := a.staffPost(cookie, "/staff/centers/aarhus/book", values)
		body = html.UnescapeString(string(r.body))
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="name-error"`) || !strings.Contains(body, `href="#name"`) ||
			!strings.Contains(body, `value="ana@example.com"`) || !strings.Contains(body, `id="locale-da" name="locale" value="da" checked`) {
			t.Errorf("without a name: %d\n%s", r.status, body)
		}
		if n := a.activeBookings(); n != 0 {
			t.Fatalf("%d bookings without a name", n)
		}

		values.Set("name", "Ana Silva")
		first, second := a.staffPost(cookie, "/staff/centers/aarhus/book", values), a.staffPost(cookie, "/staff/centers/aarhus/book", values)
		for _, r := range []response{first, second} {
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/staff/centers/aarhus?day=2026-11-30" {
				t.Fatalf("book: %d %v %s", r.status, r.header, r.body)
			}
		}
		day := a.agenda("aarhus", agendaMonday)
		if len(day) != 1 || a.activeBookings() != 1 {
			t.Fatalf("the same form twice made %d bookings", a.activeBookings())
		}
		b := day[0]
		if b.Name != "Ana Silva" || b.Locale != "da" || b.Phone != "+45 12 34 56 78" || b.Notes != "Needs step-free access" ||
			len(b.Emails) != 1 || b.Emails[0].Kind != booking.EmailConfirmation {
			t.Errorf("booking made for the newcomer: %+v", b)
		}
		_, body = a.page(cookie, "/staff/centers/aarhus?day=2026-11-30")
		if !strings.Contains(body, "Booked "+b.Reference+" at 09:00. The confirmation is emailed in Danish.") {
			t.Errorf("agenda after booking:\n%s", body)
		}

		// A time taken meanwhile: back to the form with the error there.
		values.Set("key", "form-another-key-0123456789")
		values.Set("start", "2026-11-30T09:07:00+01:00")
		r = a.staffPost(cookie, "/staff/centers/aarhus/book", values)
		if body := html.UnescapeString(string(r.body)); r.status/100 != 4 || !strings.Contains(body, `id="start-error"`) {
			t.Errorf("a time not offered: %d\n%s", r.status, body)
		}

		entries, err := a.staff.Entries(t.Context(), 10)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Action == "booking.create" && e.Subject == b.Reference && e.Center == "aarhus" {
				n++
			}
		}
		if n < 1 {
			t.Errorf("no audit entry for the booking: %+v", entries)
		}
	})
}

// newStaffApp is newApp at thursday with Mette of Aarhus' staff logged
// in; it returns her session cookie too.
func newStaffApp(t *testing.T, dialect string) (*app, string) {
	t.Helper()
	a := newApp(t, dialect, thursday)
	a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
	return a, a.login("mette@ics.dk")
}

// bookVisit books a visit to Aarhus for people at start, of the services
// in order, as the scheduler does for the site and the API.
func (a *app) bookVisit(start string, people int, services ...string) booking.Booking {
	a.t.Helper()
	at, err := time.Parse(time.RFC3339, start)
	if err != nil {
		a.t.Fatal(err)
	}
	b, _, err := a.scheduler.Book(a.t.Context(), booking.Request{
		Center: "aarhus", Services: services, People: people, Start: at,
		Name: "Ana Silva", Email: "ana@example.com", Locale: "en",
	})
	if err != nil {
		a.t.Fatalf("book a visit of %v for %d: %v", services, people, err)
	}
	return b
}

// serviceName is a service's name in a language.
func (a *app) serviceName(id, lang string) string {
	a.t.Helper()
	sv, err := a.scheduler.Catalogue().Service(id)
	if err != nil {
		a.t.Fatal(err)
	}
	return sv.In(lang).Name
}

// agendaRowOf is the row of a booking on an agenda page.
func agendaRowOf(t *testing.T, body string, id int64) string {
	t.Helper()
	start := strings.Index(body, `<tr id="booking-`+strconv.FormatInt(id, 10)+`"`)
	if start < 0 {
		t.Fatalf("no row of booking %d:\n%s", id, body)
	}
	end := strings.Index(body[start:], "</tr>")
	return body[start : start+end]
}

// A visit of two services for four people is one row of the agenda, over
// the visit's whole length, naming both services in order and the people.
func TestStaffAgendaVisit(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a, cookie := newStaffApp(t, dialect)
		// 45 + 3×15 and 30 + 3×15 minutes: 09:00 to 11:45.
		visit := a.bookVisit("2026-11-30T09:00:00+01:00", 4, "eu-residence-document", "cpr-number")
		single, _ := a.book(bookingBody("aarhus", permit, "2026-11-30T13:00:00+01:00"))

		for _, tt := range []struct{ lang, visitTime, singleTime, header, people string }{
			{"en", "09:00–11:45", "13:00–13:45", `<th scope="col">Visit</th>`, "People: "},
			{"da", "09.00–11.45", "13.00–13.45", `<th scope="col">Besøg</th>`, "Personer: "},
		} {
			for _, path := range []string{"/staff/centers/aarhus?day=2026-11-30", "/staff/centers/aarhus/print?day=2026-11-30"} {
				_, body := a.page(cookie, path, "Accept-Language", tt.lang)
				if n := strings.Count(body, `<tr id="booking-`); n != 2 || !strings.Contains(body, tt.header) {
					t.Errorf("%s %s: %d rows for a visit and a booking, want 2 under %s:\n%s", tt.lang, path, n, tt.header, body)
				}
				eu, cpr := a.serviceName("eu-residence-document", tt.lang), a.serviceName("cpr-number", tt.lang)
				row := agendaRowOf(t, body, visit.ID)
				if !inOrder(row, tt.visitTime, visit.Reference, "Ana Silva",
					`<td class="visit"><ol class="services"><li>`+eu+`</li><li>`+cpr+`</li></ol>`, `<span class="people">`+tt.people+`4</span></td>`) {
					t.Errorf("%s %s: the visit's row:\n%s", tt.lang, path, row)
				}
				row = agendaRowOf(t, body, a.bookingID("aarhus", agendaMonday, single))
				if !inOrder(row, tt.singleTime, single, `<td class="visit">`+a.serviceName(permit, tt.lang)+`<br>`, `<span class="people">`+tt.people+`1</span></td>`) {
					t.Errorf("%s %s: a booking of one service for one:\n%s", tt.lang, path, row)
				}
			}
		}
	})
}

// Staff book a visit on a newcomer's behalf as the site does: services
// added after the first (also) and people, the times offered those where
// the whole visit fits, and a visit's problems next to its fields.
func TestStaffBookVisit(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a, cookie := newStaffApp(t, dialect)

		// Aarhus allows 3 services a visit: two selects add to the first.
		_, body := a.page(cookie, "/staff/centers/aarhus/book")
		if n := strings.Count(body, `name="also"`); n != 2 || !strings.Contains(body, `<select id="people" name="people">`) ||
			!strings.Contains(body, `<option value="6">6</option>`) || strings.Contains(body, `<option value="7">`) {
			t.Fatalf("book page: %d selects of added services, want 2:\n%s", n, body)
		}
		if strings.Contains(body, `value="general-information"`) {
			t.Error("a walk-in service is offered for a visit")
		}

		// 45 + 3×15 and 30 + 3×15 minutes: the last start that ends by
		// 15:00 is 12:00; the first service alone could start at 14:00.
		visit := "/staff/centers/aarhus/book?service=eu-residence-document&also=cpr-number&also=&people=4&day=2026-11-30"
		_, body = a.page(cookie, visit)
		m := formKey.FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, `value="2026-11-30T12:00:00+01:00"`) || strings.Contains(body, `value="2026-11-30T12:30:00+01:00"`) ||
			!strings.Contains(body, `<input type="hidden" name="also" value="cpr-number">`) || !strings.Contains(body, `<input type="hidden" name="people" value="4">`) ||
			!strings.Contains(body, `<option value="cpr-number" selected>`) || !strings.Contains(body, `<option value="4" selected>4</option>`) {
			t.Fatalf("the visit's times:\n%s", body)
		}
		if _, alone := a.page(cookie, "/staff/centers/aarhus/book?service=eu-residence-document&day=2026-11-30"); !strings.Contains(alone, `value="2026-11-30T14:00:00+01:00"`) {
			t.Errorf("the first service alone lacks 14:00:\n%s", alone)
		}
		r := a.staffPost(cookie, "/staff/centers/aarhus/book", url.Values{
			"service": {"eu-residence-document"}, "also": {"cpr-number"}, "people": {"4"}, "day": {"2026-11-30"}, "key": {m[1]},
			"start": {"2026-11-30T09:00:00+01:00"}, "name": {"Ana Silva"}, "email": {"ana@example.com"}, "locale": {"en"},
		})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/staff/centers/aarhus?day=2026-11-30" {
			t.Fatalf("book the visit: %d %v %s", r.status, r.header, r.body)
		}
		day := a.agenda("aarhus", agendaMonday)
		if len(day) != 1 {
			t.Fatalf("%d bookings, want the visit", len(day))
		}
		b := day[0]
		if !slices.Equal(b.Services, []string{"eu-residence-document", "cpr-number"}) || b.Service != "eu-residence-document" || b.People != 4 ||
			!b.End.Equal(b.Start.Add(165*time.Minute)) {
			t.Errorf("the visit booked: %v for %d, %s to %s", b.Services, b.People, b.Start, b.End)
		}

		// A service twice, too many people for CPR numbers: said next to
		// the fields, no times offered.
		for _, tt := range []struct{ lang, query, field, message string }{
			{"en", "service=eu-residence-document&also=eu-residence-document", "services-error", "Choose each service once, and at most 3 in one visit."},
			{"da", "service=eu-residence-document&also=eu-residence-document", "services-error", "Vælg hver ydelse én gang og højst 3 til ét besøg."},
			{"en", "service=eu-residence-document&also=tax-card&people=5", "people-error", "Choose how many people come: at most 4 for one visit of these services."},
			{"da", "service=cpr-number&people=5", "people-error", "Vælg antal personer: højst 4 til ét besøg for disse ydelser."},
			{"en", "service=cpr-number&people=none", "people-error", "Choose how many people come: at most 4"},
			{"en", "service=cpr-number&also=general-information", "services-error", "Choose each service once"},
		} {
			status, body := a.page(cookie, "/staff/centers/aarhus/book?day=2026-12-01&"+tt.query, "Accept-Language", tt.lang)
			if status != 200 || !strings.Contains(body, `id="`+tt.field+`">`+tt.message) || strings.Contains(body, `name="start"`) {
				t.Errorf("%s %s: %d, want %q:\n%s", tt.lang, tt.query, status, tt.message, body)
			}
		}
	})
}

// The staff's calendar feed shows a visit as one event over its whole
// length, naming its services and people.
func TestStaffFeedVisit(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		visit := a.bookVisit("2026-11-30T09:00:00+01:00", 4, "eu-residence-document", "cpr-number")
		r := a.do("GET", "/centers/aarhus/calendar.ics?token="+feedToken, nil)
		cal, err := ics.ParseCalendar(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("feed %d: %v\n%s", r.status, err, r.body)
		}
		events := cal.Events()
		if len(events) != 1 {
			t.Fatalf("%d events for one visit:\n%s", len(events), r.body)
		}
		e := events[0]
		want := "Ana Silva – EU residence document application, CPR number application guidance (4 people)"
		if e.Id() != visit.Reference+"@booking.example.dk" || e.GetProperty(ics.ComponentPropertySummary).Value != want ||
			e.GetProperty(ics.ComponentPropertyDtStart).Value != "20261130T080000Z" || e.GetProperty(ics.ComponentPropertyDtEnd).Value != "20261130T104500Z" {
			t.Errorf("the visit's event:\n%s", r.body)
		}
	})
}
