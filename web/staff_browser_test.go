package web_test

import (
	"fmt"
	"strings"
	"testing"

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
			// Monday's agenda: cancel a booking, book one for a
			// newcomer, print the day.
			// A mistyped day in the address says what is wrong.
			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus?day=30-11-2026"))
			b.do(chromedp.WaitVisible(chromedp.CSS("h1")))
			b.check("staff-bad-day-" + lang)
			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus?day=2026-11-30"))
			b.check("staff-agenda-" + lang)
			b.press(".cancel-form input[name=reason]", "Staff meeting")
			b.press(".cancel-form input[name=reason]", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#notice")))
			b.check("staff-agenda-cancelled-" + lang)
			b.press("#book-for", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#show-times")))
			b.check("staff-book-" + lang)
			b.press("#show-times", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#who")))
			b.press("#book", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#errors")))
			b.check("staff-book-errors-" + lang)
			b.press("input[name=start]", " ")
			b.press("#name", "Ana Silva")
			b.press("#email", "ana@example.com")
			b.press("#book", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#notice")))
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
