package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ics-booking/icsbooking/staff"
)

// TestStaffInBrowser logs in to the back office and out again with the
// keyboard alone, in both languages, at 1280 and 360 px and at 200% zoom,
// running axe-core on every page on the way.
func TestStaffInBrowser(t *testing.T) {
	// Over plain http, as the test server is, the cookie cannot be Secure.
	a := newApp(t, "sqlite", thursday, withBaseURL("http://127.0.0.1"))
	a.addStaff("admin@ics.dk", "", staff.RoleAdmin)
	// A cancellable booking for each run on Monday's agenda.
	for i := range 6 {
		body := bookingBody("aarhus", permit, fmt.Sprintf("2026-11-30T%02d:00:00+01:00", 9+i))
		body["notes"] = "Brings a long list of documents to look at together"
		a.book(body)
	}
	for _, opt := range []tabOptions{desktop, phone, zoomed} {
		b := openTab(t, opt)
		for _, lang := range []string{"en", "da"} {
			b.do(chromedp.Navigate(a.srv.URL + "/staff/login?lang=" + lang))
			b.check("staff-login-" + lang)
			b.press("#email", "admin@ics.dk")
			b.press("#password", "wrong password")
			b.press("form.login button", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#errors")))
			b.check("staff-login-failed-" + lang)
			b.press("#password", staffPassword)
			b.press("form.login button", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS(`a[href="/staff/audit"]`)))
			b.check("staff-home-" + lang)
			b.press(`a[href="/staff/centers/aarhus"]`, kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#agenda")))
			b.check("staff-center-" + lang)
			// Monday's agenda: open a booking and cancel it, book one
			// for a newcomer, print the day.
			// A mistyped day in the address says what is wrong.
			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus?day=30-11-2026"))
			b.do(chromedp.WaitVisible(chromedp.CSS("h1")))
			b.check("staff-bad-day-" + lang)
			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus?day=2026-11-30"))
			b.check("staff-agenda-" + lang)
			b.press("tr:not(.cancelled) .booking-link", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#reason")))
			b.press("#reason", "Staff meeting")
			b.press("#reason", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#notice")))
			b.check("staff-booking-cancelled-" + lang)
			b.press("#back", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#agenda")))
			b.press("#book-for", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#show-times")))
			b.check("staff-book-" + lang)
			b.press("#show-times", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#who")))
			b.press("#book", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#errors")))
			b.check("staff-book-errors-" + lang)
			b.bookFirstTime()
			b.press("#print", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#back")))
			b.check("staff-print-" + lang)
			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus/closures"))
			b.check("staff-closures-" + lang)
			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus/stats"))
			b.check("staff-stats-" + lang)
			b.do(chromedp.Navigate(a.srv.URL + "/staff/audit"))
			b.check("staff-audit-" + lang)
			b.press(".account button", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("form.login")))
			if loc := b.location(); !strings.HasSuffix(loc, "/staff/login") {
				t.Errorf("after logging out at %s", loc)
			}
		}
	}
}

// bookFirstTime books the first free time the staff's booking form
// offers for Ana Silva, by keyboard, and waits for the agenda's notice.
func (b *tab) bookFirstTime() {
	b.t.Helper()
	b.press("input[name=start]", " ")
	b.press("#name", "Ana Silva")
	b.press("#email", "ana@example.com")
	b.press("#book", kb.Enter)
	b.do(chromedp.WaitVisible(chromedp.CSS("#notice")))
}

// tablet is a 768 px wide window, the narrowest desk screen the back
// office expects besides phones.
var tablet = tabOptions{width: 768, height: 1024}

// TestStaffVisitInBrowser looks at the back office's pages of a visit of
// several services and people, in both languages at 1280 and 768 px,
// running axe-core on each: the agenda and its print view, booking a
// visit for a newcomer (and the form's problems), the desk that calls a
// visit, and the statistics.
func TestStaffVisitInBrowser(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withBaseURL("http://127.0.0.1"))
	a.addStaff("admin@ics.dk", "", staff.RoleAdmin)
	a.bookVisit("2026-11-30T09:00:00+01:00", 4, "eu-residence-document", "cpr-number")
	a.book(bookingBody("aarhus", permit, "2026-11-30T13:00:00+01:00"))
	// Today's visit, checked in and called to desk 1, where it stays.
	today := a.bookVisit("2026-11-26T12:00:00+01:00", 4, "eu-residence-document", "cpr-number")
	a.advance(110 * time.Minute)
	if _, _, err := a.queue.CheckIn(t.Context(), "aarhus", today.Reference); err != nil {
		t.Fatal(err)
	}
	a.advance(10 * time.Minute)
	if _, ok, err := a.queue.CallNext(t.Context(), "aarhus", "1"); !ok || err != nil {
		t.Fatalf("call the visit: %v %v", ok, err)
	}

	for _, opt := range []tabOptions{desktop, tablet} {
		b := openTab(t, opt)
		b.do(chromedp.Navigate(a.srv.URL + "/staff/login"))
		b.press("#email", "admin@ics.dk")
		b.press("#password", staffPassword)
		b.press("form.login button", kb.Enter)
		b.do(chromedp.WaitVisible(chromedp.CSS(`a[href="/staff/audit"]`)))
		for _, lang := range []string{"en", "da"} {
			cpr := a.serviceName("cpr-number", lang)
			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus?day=2026-11-30&lang=" + lang))
			b.do(chromedp.WaitVisible(chromedp.CSS("#agenda")))
			b.contains("#agenda tbody tr:first-child .visit", cpr)
			b.check("staff-visit-agenda-" + lang)
			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus/print?day=2026-11-30"))
			b.check("staff-visit-print-" + lang)

			b.do(chromedp.Navigate(a.srv.URL+"/staff/centers/aarhus/book?day=2026-12-01"),
				chromedp.SetValue(chromedp.CSS("#service"), "eu-residence-document"),
				chromedp.SetValue(chromedp.CSS("#also-2"), "cpr-number"),
				chromedp.SetValue(chromedp.CSS("#people"), "4"))
			b.press("#show-times", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#who")))
			b.check("staff-visit-book-" + lang)
			b.bookFirstTime()
			b.contains("#agenda", cpr)

			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus/book?day=2026-12-01&service=cpr-number&also=cpr-number&people=5"))
			b.do(chromedp.WaitVisible(chromedp.CSS("#services-error")))
			b.check("staff-visit-book-problem-" + lang)

			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus/desks/1"))
			b.do(chromedp.WaitVisible(chromedp.CSS("#ticket-services")))
			b.contains("#ticket-services", cpr)
			b.check("staff-visit-desk-" + lang)

			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus/stats?from=2026-11-26&to=2026-12-01"))
			b.do(chromedp.WaitVisible(chromedp.CSS("#visits-note")))
			b.check("staff-visit-stats-" + lang)
		}
	}
}
