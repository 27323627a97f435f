package web_test

import (
	"bytes"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/notify"
	"github.com/ics-booking/icsbooking/notify/smtptest"
	"github.com/ics-booking/icsbooking/staff"
)

// bookingPage is the staff's page of a booking of Aarhus.
func bookingPage(reference string) string { return "/staff/centers/aarhus/bookings/" + reference }

// staffAct posts an action's form to a booking's page of Aarhus.
func (a *app) staffAct(cookie, reference, action string, values url.Values) response {
	a.t.Helper()
	return a.staffPost(cookie, bookingPage(reference)+"/"+action, values)
}

// bookingOf reads a booking as it is stored.
func (a *app) bookingOf(reference string) booking.Booking {
	a.t.Helper()
	b, err := a.store.Booking(a.t.Context(), reference)
	if err != nil {
		a.t.Fatal(err)
	}
	return b
}

// auditHas reports whether the audit trail has an entry of action on
// subject at Aarhus by email, with detail if it is not "".
func (a *app) auditHas(action, subject, email, detail string) bool {
	a.t.Helper()
	entries, err := a.staff.Entries(a.t.Context(), 100)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, e := range entries {
		if e.Action == action && e.Subject == subject && e.Center == "aarhus" && e.Email == email && (detail == "" || e.Detail == detail) {
			return true
		}
	}
	return false
}

// storyOf is the history list of a booking's page.
func storyOf(t *testing.T, body string) string {
	t.Helper()
	start := strings.Index(body, `<ol class="story"`)
	if start < 0 {
		t.Fatalf("no history on the page:\n%s", body)
	}
	end := strings.Index(body[start:], "</ol>")
	return body[start : start+end]
}

// A booking's page tells everything about it, its history with who did
// what, and its emails; staff move it (the newcomer's rules and email, the
// old seat freed), send its latest email again and cancel it with a
// reason, each audited, each mistake said next to its form with 422.
func TestStaffBookingPage(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a, cookie := newStaffApp(t, dialect)
		body := bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00")
		body["phone"], body["notes"] = "+45 12 34 56 78", "Brings her daughter"
		ref, token := a.book(body)
		// The newcomer moves it a minute later with the link of the email.
		a.advance(time.Minute)
		if _, err := a.scheduler.Reschedule(t.Context(), ref, token, time.Date(2026, 11, 30, 10, 0, 0, 0, a.loc)); err != nil {
			t.Fatal(err)
		}
		b := a.bookingOf(ref)
		emails, err := a.store.Emails(t.Context(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.store.RecordEmailAttempt(t.Context(), emails[0].ID, 1, nil, false, thursday); err != nil {
			t.Fatal(err)
		}
		if err := a.store.RecordEmailAttempt(t.Context(), emails[1].ID, 2, errTemporary, false, thursday); err != nil {
			t.Fatal(err)
		}
		a.advance(time.Minute)

		status, page := a.page(cookie, bookingPage(ref))
		if status != http.StatusOK {
			t.Fatalf("booking page: %d\n%s", status, page)
		}
		for _, want := range []string{"<h1>Ana Silva, booking " + ref + "</h1>", `<dd id="state">Booked</dd>`,
			"Monday 30 November 2026, 10:00–10:45", a.serviceName(permit, "en"), `<dd id="people">1</dd>`,
			`<a href="mailto:ana@example.com">`, `<dd id="phone"><a href="tel:+45%2012%2034%2056%2078">+45 12 34 56 78</a>`, "Brings her daughter", `<dd id="email-language">English</dd>`,
			`<a href="/staff/centers/aarhus?day=2026-11-30" id="back">`, `action="/staff/centers/aarhus/bookings/` + ref + `/move"`,
			`action="/staff/centers/aarhus/bookings/` + ref + `/cancel"`, "Send again: Change"} {
			if !strings.Contains(page, want) {
				t.Errorf("the booking's page lacks %s", want)
			}
		}
		if strings.Contains(page, `/check-in"`) {
			t.Error("a booking of another day offers its check-in")
		}
		if !inOrder(storyOf(t, page), "Booked for 30 November 2026 at 09:00", "by the newcomer",
			"Moved from 30 November 2026 at 09:00 to 30 November 2026 at 10:00", "by the newcomer") {
			t.Errorf("the history of a booking made and moved by the newcomer:\n%s", storyOf(t, page))
		}
		if !inOrder(page, `<ol class="email-list"`, "Confirmation", "sent", "1 attempt", "sent 26 November 2026 10:00",
			"Change", "queued", "2 attempts", "Last error: 421 try again later") {
			t.Errorf("the booking's emails:\n%s", page)
		}
		// The move offers the booking's day, without its own time.
		if !strings.Contains(page, `value="2026-11-30T11:00:00+01:00"`) || strings.Contains(page, `value="2026-11-30T10:00:00+01:00"`) {
			t.Errorf("the times of the move:\n%s", page)
		}
		if _, page := a.page(cookie, bookingPage(ref)+"?day=2026-12-01"); !strings.Contains(page, `value="2026-12-01T09:00:00+01:00"`) {
			t.Errorf("another day's times:\n%s", page)
		}
		_, da := a.page(cookie, bookingPage(ref), "Accept-Language", "da")
		if !strings.Contains(da, "Booket til 30. november 2026 kl. 09.00") || !strings.Contains(da, "af borgeren") ||
			!strings.Contains(da, "Bekræftelse") || !strings.Contains(da, "mandag den 30. november 2026, kl. 10.00–10.45") {
			t.Errorf("the Danish page:\n%s", da)
		}

		// Moving: no time, or one off the grid, is said next to the times.
		seats := a.slots("aarhus", "service="+permit+"&from=2026-11-30&to=2026-11-30")["2026-11-30T10:00:00+01:00"]
		for _, start := range []string{"", "yesterday", "2026-11-30T10:07:00+01:00"} {
			r := a.staffAct(cookie, ref, "move", url.Values{"start": {start}})
			body := html.UnescapeString(string(r.body))
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="move-error"`) || !strings.Contains(body, `href="#move-error"`) {
				t.Errorf("move to %q: %d\n%s", start, r.status, body)
			}
		}
		if n := a.emails(ref, "update"); n != 1 {
			t.Fatalf("refused moves made %d update emails, want the newcomer's 1", n)
		}
		a.advance(time.Minute)
		r := a.staffAct(cookie, ref, "move", url.Values{"start": {"2026-11-30T11:00:00+01:00"}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != bookingPage(ref) {
			t.Fatalf("move: %d %v %s", r.status, r.header, r.body)
		}
		if n := a.emails(ref, "update"); n != 2 {
			t.Errorf("%d update emails after the staff's move, want 2", n)
		}
		after := a.slots("aarhus", "service="+permit+"&from=2026-11-30&to=2026-11-30")
		if after["2026-11-30T10:00:00+01:00"] != seats+1 || after["2026-11-30T11:00:00+01:00"] != seats {
			t.Errorf("seats at 10:00 and 11:00: %d and %d, want %d and %d", after["2026-11-30T10:00:00+01:00"], after["2026-11-30T11:00:00+01:00"], seats+1, seats)
		}
		_, page = a.page(cookie, bookingPage(ref))
		if !strings.Contains(page, "Moved to Monday 30 November 2026 at 11:00. The newcomer is emailed the new time.") ||
			!inOrder(storyOf(t, page), "by the newcomer", "to 30 November 2026 at 10:00", "by the newcomer",
				"Moved from 30 November 2026 at 10:00 to 30 November 2026 at 11:00", "by mette@ics.dk") {
			t.Errorf("after the staff's move:\n%s", page)
		}
		if !a.auditHas("booking.move", ref, "mette@ics.dk", "2026-11-30 11:00") {
			t.Error("no audit entry for the move")
		}

		// Sending the latest email again: a new email of its kind, queued.
		a.advance(time.Minute)
		r = a.staffAct(cookie, ref, "resend", nil)
		if r.status != http.StatusSeeOther {
			t.Fatalf("resend: %d %s", r.status, r.body)
		}
		if n := a.emails(ref, "update"); n != 3 {
			t.Errorf("%d update emails after sending the latest again, want 3", n)
		}
		b = a.bookingOf(ref)
		emails, err = a.store.Emails(t.Context(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := emails[len(emails)-1]
		if last.Kind != booking.EmailUpdate || last.State != booking.EmailQueued || last.Sequence != b.Sequence ||
			!last.Start.Equal(time.Date(2026, 11, 30, 11, 0, 0, 0, a.loc)) {
			t.Errorf("the email sent again: %+v, booking at sequence %d", last, b.Sequence)
		}
		_, page = a.page(cookie, bookingPage(ref))
		if !strings.Contains(page, "Change is emailed again to ana@example.com.") ||
			!inOrder(storyOf(t, page), "by mette@ics.dk", "Change sent again", "by mette@ics.dk") {
			t.Errorf("after sending again:\n%s", page)
		}
		if !a.auditHas("booking.resend", ref, "mette@ics.dk", "update") {
			t.Error("no audit entry for sending again")
		}

		// Cancelling: without a reason, refused next to the field.
		r = a.staffAct(cookie, ref, "cancel", url.Values{"reason": {"  "}})
		page = html.UnescapeString(string(r.body))
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(page, `<span class="field-error" id="reason-error">Write why the booking is cancelled</span>`) ||
			!strings.Contains(page, `aria-describedby="reason-hint reason-error" aria-invalid="true"`) || !strings.Contains(page, `href="#reason"`) {
			t.Errorf("cancel without a reason: %d\n%s", r.status, page)
		}
		if a.bookingOf(ref).Status != booking.Confirmed || a.emails(ref, "cancellation") != 0 {
			t.Fatal("a cancel without a reason changed something")
		}
		a.advance(time.Minute)
		const reason = "A burst pipe closes the center that morning"
		r = a.staffAct(cookie, ref, "cancel", url.Values{"reason": {reason}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != bookingPage(ref) {
			t.Fatalf("cancel: %d %v %s", r.status, r.header, r.body)
		}
		if n := a.emails(ref, "cancellation"); n != 1 {
			t.Errorf("%d cancellation emails", n)
		}
		if b := a.bookingOf(ref); b.Status != booking.Cancelled || b.CancelReason != reason {
			t.Errorf("cancelled booking: %+v", b)
		}
		_, page = a.page(cookie, bookingPage(ref))
		if !strings.Contains(page, ref+" is cancelled. The newcomer is emailed the reason.") || !strings.Contains(page, `<dd id="state">Cancelled – Reason: `+reason) ||
			!inOrder(storyOf(t, page), "Change sent again", "Cancelled: "+reason, "by mette@ics.dk") ||
			strings.Contains(page, "/move\"") || strings.Contains(page, "/cancel\"") || !strings.Contains(page, "Send again: Cancellation") {
			t.Errorf("after cancelling:\n%s", page)
		}
		// The same form again changes nothing; sending again now sends
		// the cancellation.
		if r := a.staffAct(cookie, ref, "cancel", url.Values{"reason": {reason}}); r.status != http.StatusSeeOther || a.emails(ref, "cancellation") != 1 {
			t.Errorf("cancelling twice: %d, %d emails", r.status, a.emails(ref, "cancellation"))
		}
		if r := a.staffAct(cookie, ref, "resend", nil); r.status != http.StatusSeeOther || a.emails(ref, "cancellation") != 2 {
			t.Errorf("sending the cancellation again: %d, %d cancellation emails", r.status, a.emails(ref, "cancellation"))
		}
		if !a.auditHas("booking.cancel", ref, "mette@ics.dk", reason) {
			t.Error("no audit entry for the cancellation")
		}

		// After the appointment, nothing is sent again.
		a.advance(5 * 24 * time.Hour)
		r = a.staffAct(cookie, ref, "resend", nil)
		if page := html.UnescapeString(string(r.body)); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(page, `<p class="field-error" id="resend-error">This booking can no longer be emailed`) || strings.Contains(page, `id="resend"`) {
			t.Errorf("sending again after the appointment: %d\n%s", r.status, page)
		}
	})
}

// errTemporary is a mail server's temporary refusal.
var errTemporary = smtpError("421 try again later")

type smtpError string

func (e smtpError) Error() string { return string(e) }

// Staff check a newcomer in from the agenda and from the booking's page:
// each gives a ticket whose number the next page shows large, once; a
// check-in too early or of another day is refused next to its button.
func TestStaffCheckIn(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a, cookie := newStaffApp(t, dialect)
		// Thursday 10:00: appointments at 10:10, 10:05 and 13:00.
		a.storeBooking("AAR-CHECK1", "aarhus", thursday.Add(10*time.Minute))
		a.storeBooking("AAR-CHECK2", "aarhus", thursday.Add(5*time.Minute))
		a.storeBooking("AAR-NEXT01", "aarhus", thursday.Add(3*time.Hour))
		monday, _ := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))

		_, agenda := a.page(cookie, "/staff/centers/aarhus")
		for _, ref := range []string{"AAR-CHECK1", "AAR-CHECK2", "AAR-NEXT01"} {
			if !strings.Contains(agenda, `action="/staff/centers/aarhus/bookings/`+ref+`/check-in"`) {
				t.Errorf("today's agenda offers no check-in of %s:\n%s", ref, agenda)
			}
		}
		if _, page := a.page(cookie, "/staff/centers/aarhus?day=2026-11-30"); strings.Contains(page, "/check-in") {
			t.Errorf("Monday's agenda offers check-ins:\n%s", page)
		}

		// From the agenda: back to the day, the ticket shown large.
		r := a.staffAct(cookie, "AAR-CHECK1", "check-in", url.Values{"day": {"2026-11-26"}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/staff/centers/aarhus?day=2026-11-26" {
			t.Fatalf("check in from the agenda: %d %v %s", r.status, r.header, r.body)
		}
		_, agenda = a.page(cookie, "/staff/centers/aarhus?day=2026-11-26")
		if !strings.Contains(agenda, `<p class="ticket-number" id="ticket-number">A-001</p>`) || !strings.Contains(agenda, "Ana Silva is checked in.") {
			t.Errorf("the agenda after a check-in shows no ticket:\n%s", agenda)
		}
		row := agendaRowOf(t, agenda, a.bookingOf("AAR-CHECK1").ID)
		if !strings.Contains(row, `Checked in <span class="ticket">A-001</span>`) || strings.Contains(row, "check-in") {
			t.Errorf("the checked-in row:\n%s", row)
		}
		if _, again := a.page(cookie, "/staff/centers/aarhus?day=2026-11-26"); strings.Contains(again, "ticket-number") {
			t.Error("the ticket came back on the next page")
		}

		// From the booking's page: back to it, the ticket in its box and
		// the check-in in its history.
		r = a.staffAct(cookie, "AAR-CHECK2", "check-in", nil)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != bookingPage("AAR-CHECK2") {
			t.Fatalf("check in from the booking's page: %d %v %s", r.status, r.header, r.body)
		}
		_, page := a.page(cookie, bookingPage("AAR-CHECK2"))
		if !strings.Contains(page, `<p class="ticket-number" id="ticket-number">A-002</p>`) || !strings.Contains(page, "Ana Silva is checked in.") ||
			!strings.Contains(page, `<dd id="state">Checked in</dd>`) || strings.Contains(page, `/check-in"`) ||
			!inOrder(storyOf(t, page), "Booked for 26 November 2026 at 10:05", "Checked in with ticket A-002", "by mette@ics.dk") {
			t.Errorf("the booking's page after its check-in:\n%s", page)
		}
		if !a.auditHas("booking.check-in", "AAR-CHECK2", "mette@ics.dk", "A-002") {
			t.Error("no audit entry for the check-in")
		}
		// Checking in again gives the same ticket, and audits nothing.
		if r := a.staffAct(cookie, "AAR-CHECK2", "check-in", nil); r.status != http.StatusSeeOther {
			t.Errorf("checking in twice: %d %s", r.status, r.body)
		}
		if _, page := a.page(cookie, bookingPage("AAR-CHECK2")); !strings.Contains(page, `id="ticket-number">A-002<`) {
			t.Errorf("checking in twice gave another ticket:\n%s", page)
		}

		// The desk calls and serves it: the history says so, and who.
		d := desk{a: a, cookie: cookie, center: "aarhus", name: "2"}
		a.advance(6 * time.Minute)
		called, ok := d.call()
		if !ok || called.Number != "A-002" {
			t.Fatalf("desk 2 called %+v, want A-002", called)
		}
		a.advance(time.Minute)
		d.act(called.ID, "attend", nil)
		a.advance(10 * time.Minute)
		d.act(called.ID, "serve", nil)
		_, page = a.page(cookie, bookingPage("AAR-CHECK2"))
		if !inOrder(storyOf(t, page), "Checked in with ticket A-002", "Ticket A-002 called to desk 2", "by mette@ics.dk", "At the desk", "Served", "by mette@ics.dk") ||
			!strings.Contains(page, `<p id="ticket-state">Done</p>`) {
			t.Errorf("the history of a visit served:\n%s", page)
		}

		// Too early (13:00 opens at 12:45): said next to the button, on
		// the page it was pressed on.
		r = a.staffAct(cookie, "AAR-NEXT01", "check-in", nil)
		page = html.UnescapeString(string(r.body))
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(page, `<p class="field-error" id="check-in-error">Too early: this booking can be checked in from 12:45.</p>`) ||
			!strings.Contains(page, `aria-describedby="check-in-error"`) {
			t.Errorf("an early check-in from the booking's page: %d\n%s", r.status, page)
		}
		r = a.staffAct(cookie, "AAR-NEXT01", "check-in", url.Values{"day": {"2026-11-26"}})
		page = html.UnescapeString(string(r.body))
		id := a.bookingOf("AAR-NEXT01").ID
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(agendaRowOf(t, page, id), "Too early: this booking can be checked in from 12:45.") ||
			!strings.Contains(page, `id="problem"><p>AAR-NEXT01 was not checked in. <a href="#check-in-error-`+strconv.FormatInt(id, 10)+`">`) {
			t.Errorf("an early check-in from the agenda: %d\n%s", r.status, page)
		}
		_, da := a.page(cookie, bookingPage("AAR-NEXT01"), "Accept-Language", "da")
		if !strings.Contains(da, "Tjek ind og giv en billet") {
			t.Errorf("the Danish check-in button:\n%s", da)
		}
		// Monday's booking cannot be checked in today.
		r = a.staffAct(cookie, monday, "check-in", nil)
		if page := html.UnescapeString(string(r.body)); r.status != http.StatusUnprocessableEntity || !strings.Contains(page, "it is not for today, or it is cancelled") {
			t.Errorf("checking in Monday's booking: %d\n%s", r.status, page[strings.Index(page, "<main"):])
		}
		if tickets, err := a.queue.Tickets(t.Context(), "aarhus", booking.DateOf(thursday.In(a.loc))); err != nil || len(tickets) != 2 {
			t.Errorf("%d tickets, want 2 (%v)", len(tickets), err)
		}
	})
}

// Only staff of the booking's center see its page and act on it: another
// center's get 403; a booking of another center through one's own is not
// found, as an unknown reference is not; without a session, the login.
func TestStaffBookingAuthz(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a, cookie := newStaffApp(t, dialect)
		a.addStaff("admin@ics.dk", "", staff.RoleAdmin)
		ref, _ := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
		cph, _ := a.book(bookingBody("copenhagen", permit, "2026-11-30T09:00:00+01:00"))
		cphPage := "/staff/centers/copenhagen/bookings/" + cph

		// No session: the login, which comes back.
		r := a.doNoRedirect("GET", bookingPage(ref), nil)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/staff/login?next="+url.QueryEscape(bookingPage(ref)) {
			t.Errorf("without a session: %d %v", r.status, r.header)
		}
		for _, action := range []string{"check-in", "move", "cancel", "resend"} {
			if r := a.staffPost("", bookingPage(ref)+"/"+action, url.Values{"reason": {"x"}}); r.status != http.StatusSeeOther ||
				!strings.HasPrefix(r.header.Get("Location"), "/staff/login") {
				t.Errorf("%s without a session: %d %v", action, r.status, r.header)
			}
		}

		// Another center's booking: 403 at its center, 404 through ours.
		if status, _ := a.page(cookie, cphPage); status != http.StatusForbidden {
			t.Errorf("Aarhus staff on a Copenhagen booking: %d", status)
		}
		for _, path := range []string{bookingPage(cph), bookingPage("AAR-ZZZZZZ"), bookingPage("nonsense"), bookingPage("aar-zzzzzz")} {
			if status, _ := a.page(cookie, path); status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, status)
			}
		}
		for _, action := range []string{"check-in", "move", "cancel", "resend"} {
			values := url.Values{"reason": {"Closed"}, "start": {"2026-11-30T11:00:00+01:00"}}
			if r := a.staffPost(cookie, cphPage+"/"+action, values); r.status != http.StatusForbidden {
				t.Errorf("%s at Copenhagen by Aarhus staff: %d", action, r.status)
			}
			if r := a.staffPost(cookie, bookingPage(cph)+"/"+action, values); r.status != http.StatusNotFound {
				t.Errorf("%s of a Copenhagen booking through Aarhus: %d", action, r.status)
			}
		}
		if b := a.bookingOf(cph); b.Status != booking.Confirmed || b.Sequence != 0 {
			t.Errorf("the Copenhagen booking changed: %+v", b)
		}
		// Another site's form is refused before it is read.
		r = a.doNoRedirect("POST", bookingPage(ref)+"/resend", "", "Cookie", cookie,
			"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site")
		if r.status != http.StatusForbidden || a.emails(ref, "confirmation") != 1 {
			t.Errorf("a cross-site resend: %d, %d confirmations", r.status, a.emails(ref, "confirmation"))
		}

		// Odd input is the user's mistake, never the server's.
		for _, path := range []string{bookingPage(ref) + "?day=1900-01-01", bookingPage(ref) + "?day=2999-12-31", bookingPage(ref) + "?day=tomorrow",
			bookingPage("%FF%FE"), bookingPage("AAR-" + strings.Repeat("Z", 300)), "/staff/centers/aarhus/bookings?q=%FF%FE",
			"/staff/centers/aarhus/bookings?q=" + strings.Repeat("a", 5000), "/staff/centers/aarhus/bookings?q=%00%01"} {
			if status, body := a.page(cookie, path); status >= 500 {
				t.Errorf("%s: %d\n%s", path, status, body)
			}
		}
		for _, start := range []string{"1900-01-01T09:00:00+01:00", "2999-12-31T09:00:00+01:00", "2026-11-30T09:07:00Z", "2026-11-30T25:00:00+01:00", "\x00"} {
			if r := a.staffAct(cookie, ref, "move", url.Values{"start": {start}}); r.status != http.StatusUnprocessableEntity {
				t.Errorf("move to %q: %d\n%s", start, r.status, r.body)
			}
		}
		if r := a.staffAct(cookie, ref, "cancel", url.Values{"reason": {strings.Repeat("x", 3000)}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("a long reason: %d", r.status)
		}

		// A reference typed loosely finds the booking; an admin sees every
		// center's.
		if status, _ := a.page(cookie, bookingPage(strings.ToLower(ref))); status != http.StatusOK {
			t.Errorf("the reference in lower case: %d", status)
		}
		if status, _ := a.page(a.login("admin@ics.dk"), cphPage); status != http.StatusOK {
			t.Errorf("an admin on a Copenhagen booking: %d", status)
		}
	})
}

// The agenda's search finds a center's bookings by name, whatever the
// case, on any of the center's days, and a reference opens its booking's
// page; another center's bookings are not found.
func TestStaffSearch(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a, cookie := newStaffApp(t, dialect)
		names := []struct{ name, start string }{
			{"Ana Silva", "2026-12-03T09:00:00+01:00"},
			{"Søren Ørsted", "2026-11-30T10:00:00+01:00"},
			{"Ana Lima", "2026-11-30T09:00:00+01:00"},
		}
		refs := map[string]string{}
		for _, n := range names {
			body := bookingBody("aarhus", permit, n.start)
			body["name"] = n.name
			refs[n.name], _ = a.book(body)
		}
		cphBody := bookingBody("copenhagen", permit, "2026-11-30T09:00:00+01:00")
		cphBody["name"] = "Ana Copenhagen"
		cph, _ := a.book(cphBody)

		search := func(q string, headers ...string) (int, string) {
			return a.page(cookie, "/staff/centers/aarhus/bookings?q="+url.QueryEscape(q), headers...)
		}
		status, page := search("ana")
		if status != http.StatusOK || !inOrder(page, "<h1>Bookings found for “ana”</h1>", "30 November 2026", "Ana Lima", refs["Ana Lima"],
			"3 December 2026", "Ana Silva", refs["Ana Silva"]) || strings.Contains(page, "Ørsted") || strings.Contains(page, "Copenhagen") {
			t.Errorf("search for ana: %d\n%s", status, page)
		}
		if !strings.Contains(page, `href="/staff/centers/aarhus/bookings/`+refs["Ana Silva"]+`"`) || !strings.Contains(page, `value="ana"`) {
			t.Errorf("the results link to nothing or lose the query:\n%s", page)
		}
		if _, page := search("ØRSTED"); !strings.Contains(page, "Søren Ørsted") || strings.Contains(page, "Ana") {
			t.Errorf("search for ØRSTED:\n%s", page)
		}
		if _, page := search("Nobody"); !strings.Contains(page, `<p id="no-bookings">No booking of this center has such a name`) {
			t.Errorf("a search that finds nothing:\n%s", page)
		}

		// A reference, typed loosely, opens its page.
		loose := strings.ToLower(refs["Ana Silva"])
		r := a.doNoRedirect("GET", "/staff/centers/aarhus/bookings?q="+url.QueryEscape(" "+loose+" "), nil, "Cookie", cookie)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != bookingPage(refs["Ana Silva"]) {
			t.Errorf("search for a reference: %d %v", r.status, r.header)
		}
		for _, ref := range []string{cph, "AAR-ZZZZZZ"} {
			if status, page := search(ref); status != http.StatusOK || !strings.Contains(page, "This center has no booking "+ref+".") {
				t.Errorf("search for %s: %d\n%s", ref, status, page)
			}
		}
		// Nothing or one letter: said next to the field.
		for _, q := range []string{"", " ", "a"} {
			status, page := search(q)
			if status != http.StatusUnprocessableEntity || !strings.Contains(page, `<span class="field-error" id="q-error">Type a reference, or at least 2 letters of a name</span>`) ||
				!strings.Contains(page, `aria-describedby="q-hint q-error" aria-invalid="true"`) {
				t.Errorf("search for %q: %d\n%s", q, status, page)
			}
		}
		if _, da := search("ana", "Accept-Language", "da"); !strings.Contains(da, "Aftaler fundet for “ana”") || !strings.Contains(da, "30. november 2026") {
			t.Errorf("the Danish search:\n%s", da)
		}
		if status, _ := a.page(cookie, "/staff/centers/copenhagen/bookings?q=ana"); status != http.StatusForbidden {
			t.Errorf("Aarhus staff searching Copenhagen: %d", status)
		}
	})
}

// A booking's email sent again by staff reaches the mail server as a
// message of its own, the booking as it is now in its calendar invitation,
// with a higher SEQUENCE than the first.
func TestStaffResendDelivered(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a, cookie := newStaffApp(t, dialect)
		ref, _ := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
		a.advance(time.Minute)
		if r := a.staffAct(cookie, ref, "resend", nil); r.status != http.StatusSeeOther {
			t.Fatalf("resend: %d %s", r.status, r.body)
		}
		srv := smtptest.Start(t)
		sender, err := notify.NewSMTPSender(notify.SMTPConfig{URL: srv.URL(), TLS: "none", Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		sealer, err := booking.NewSealer(bytes.Repeat([]byte{7}, booking.TokenKeySize))
		if err != nil {
			t.Fatal(err)
		}
		d, err := notify.NewDeliverer(a.store, a.scheduler.Catalogue(), sealer, sender, notify.DelivererConfig{
			BaseURL: "https://booking.example.dk", From: "booking@example.dk", Location: a.loc, Now: a.clock.Now,
			Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		emails, err := a.store.Emails(t.Context(), a.bookingOf(ref).ID)
		if err != nil || len(emails) != 2 {
			t.Fatalf("emails %v: %v", emails, err)
		}
		sequence := regexp.MustCompile(`(?m)^SEQUENCE:(\d+)\r?$`)
		var ids, sequences []string
		for _, e := range emails {
			if err := d.Deliver(t.Context(), e.ID, false); err != nil {
				t.Fatal(err)
			}
			select {
			case m := <-srv.Messages:
				p, err := smtptest.Parse(m.Data)
				if err != nil {
					t.Fatal(err)
				}
				s := sequence.FindSubmatch(p.Calendar)
				if s == nil || p.CalendarMethod != "REQUEST" || !strings.Contains(p.Text, "Monday 30 November 2026") {
					t.Fatalf("email %d: method %q\n%s\n%s", e.ID, p.CalendarMethod, p.Calendar, p.Text)
				}
				ids, sequences = append(ids, p.Header.Get("Message-Id")), append(sequences, string(s[1]))
			case <-time.After(10 * time.Second):
				t.Fatal("no message reached the mail server")
			}
		}
		if ids[0] == ids[1] || sequences[0] != "0" || sequences[1] != "1" {
			t.Errorf("the confirmation and its resend: Message-IDs %q, SEQUENCE %q", ids, sequences)
		}
	})
}
