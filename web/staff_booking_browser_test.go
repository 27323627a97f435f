package web_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/staff"
)

// ticketNumber is how a ticket's number reads.
var ticketNumber = regexp.MustCompile(`^A-\d{3}$`)

// TestStaffBookingInBrowser runs reception's day by keyboard alone, in
// English and Danish, at 1280, 768 and 360 px, running axe-core on every
// page on the way: today's compact agenda, a check-in from it and from a
// booking's page (the ticket's number shown large), a check-in refused,
// the page of a booking with a history and emails, and a search.
func TestStaffBookingInBrowser(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withBaseURL("http://127.0.0.1"))
	a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
	// Today, Thursday at 10:00: two appointments for each run to check
	// in, from 09:55 on, and one at 13:00, too early to check in.
	for i := range 12 {
		a.storeBooking(fmt.Sprintf("AAR-BRWS%02d", i), "aarhus", thursday.Add(time.Duration(i-5)*time.Minute))
	}
	a.storeBooking("AAR-NEXT01", "aarhus", thursday.Add(3*time.Hour))
	// Monday: a visit booked, moved, its email sent again and the first
	// one failed.
	body := bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00")
	body["name"], body["phone"], body["notes"] = "Ana Silva", "+45 12 34 56 78", "Brings her daughter and a long list of documents to look at"
	ref, token := a.book(body)
	a.advance(time.Minute)
	if _, err := a.scheduler.Reschedule(t.Context(), ref, token, time.Date(2026, 11, 30, 10, 0, 0, 0, a.loc)); err != nil {
		t.Fatal(err)
	}
	first, err := a.store.Emails(t.Context(), a.bookingOf(ref).ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.store.RecordEmailAttempt(t.Context(), first[0].ID, 5, smtpError("550 5.1.1 mailbox unavailable: no such user here"), true, thursday); err != nil {
		t.Fatal(err)
	}
	a.advance(time.Minute)
	if _, _, err := a.scheduler.Resend(t.Context(), "aarhus", ref); err != nil {
		t.Fatal(err)
	}

	for _, opt := range []tabOptions{desktop, tablet, phone} {
		for _, lang := range []string{"en", "da"} {
			// A tab for each language: the bound of a tab's steps then
			// holds on a busy machine.
			b := openTab(t, opt)
			b.do(chromedp.Navigate(a.srv.URL + "/staff/login"))
			b.press("#email", "mette@ics.dk")
			b.press("#password", staffPassword)
			b.press("form.login button", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS(".account")))
			// From the agenda: the first not checked in, by keyboard.
			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus?lang=" + lang))
			b.do(chromedp.WaitVisible(chromedp.CSS("#agenda")))
			b.check("staff-agenda-today-" + lang)
			b.checkIn("button.check-in")
			b.check("staff-agenda-checked-in-" + lang)

			// From a booking's page, opened from the agenda.
			b.press("tr:has(button.check-in) .booking-link", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#check-in")))
			b.check("staff-booking-today-" + lang)
			b.checkIn("#check-in")
			b.contains("#story", map[string]string{"en": "Checked in with ticket", "da": "Tjekket ind med billet"}[lang])
			b.check("staff-booking-checked-in-" + lang)

			// Too early: said next to the button.
			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus/bookings/AAR-NEXT01"))
			b.press("#check-in", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#check-in-error")))
			b.check("staff-booking-refused-" + lang)

			// A booking with a history and emails, and a search.
			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus/bookings/" + ref))
			b.do(chromedp.WaitVisible(chromedp.CSS("#story")))
			b.check("staff-booking-history-" + lang)
			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus?day=2026-11-30"))
			b.press("#q", "ana")
			b.press("#q", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#back"))) // the search's results only
			b.check("staff-search-" + lang)
		}
	}
	tickets, err := a.queue.Tickets(t.Context(), "aarhus", booking.DateOf(thursday.In(a.loc)))
	if err != nil || len(tickets) != 12 {
		t.Errorf("%d tickets after 12 check-ins (%v)", len(tickets), err)
	}
}

// checkIn presses the check-in button sel by keyboard and checks that the
// next page shows a ticket's number.
func (b *tab) checkIn(sel string) {
	b.t.Helper()
	b.press(sel, kb.Enter)
	b.do(chromedp.WaitVisible(chromedp.CSS("#ticket-number")))
	if n := b.text("#ticket-number"); !ticketNumber.MatchString(n) {
		b.t.Errorf("after %s the page shows ticket %q", sel, n)
	}
}
