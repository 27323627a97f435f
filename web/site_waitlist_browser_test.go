package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ics-booking/icsbooking/booking"
)

// TestWaitlistOnPhoneWithoutJavaScript: on a 360 px screen with
// JavaScript turned off, in English and Danish, a newcomer who finds a
// time full joins the waitlist from the times page (sending the form
// empty first), is offered the seat a cancellation frees, accepts it and
// lands on the booking's confirmation.
func TestWaitlistOnPhoneWithoutJavaScript(t *testing.T) {
	for _, tt := range []struct {
		lang, required, place, offered, booked string
	}{
		{"en", "Enter your name", "You are number 1 in line", "Monday 30 November 2026, 09:00–09:45", "Your appointment is booked"},
		{"da", "Skriv dit navn", "Du er nummer 1 i køen", "mandag den 30. november 2026, kl. 09.00–09.45", "Din tid er bestilt"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			a := newApp(t, "sqlite", thursday)
			ref, token := a.fill("aarhus", permit, "2026-11-30T09:00:00+01:00")
			b := openTab(t, tabOptions{width: phone.width, height: phone.height, noScript: true})
			b.do(chromedp.Navigate(a.srv.URL + "/book/aarhus/" + permit + "?week=2026-11-30&lang=" + tt.lang))
			b.check("wait-phone-times-" + tt.lang)
			if b.exists(`input[value="2026-11-30T09:00:00+01:00"]`) {
				t.Fatal("the full time is listed")
			}
			b.do(chromedp.Click(chromedp.CSS("#join-waitlist")), chromedp.WaitVisible(chromedp.CSS("#until")))
			b.do(chromedp.Click(chromedp.CSS("#join")), chromedp.WaitVisible(chromedp.CSS("#errors")))
			b.check("wait-phone-join-errors-" + tt.lang)
			b.contains("#name-error", tt.required)
			b.do(
				chromedp.SendKeys(chromedp.CSS("#name"), "Оксана Коваленко"),
				chromedp.SendKeys(chromedp.CSS("#email"), "oksana@example.com"),
				chromedp.Click(chromedp.CSS("#consent")),
				chromedp.Click(chromedp.CSS("#join")),
				chromedp.WaitVisible(chromedp.CSS("#wait-status")),
			)
			b.check("wait-phone-entry-" + tt.lang)
			b.contains("#wait-status", tt.place)
			entry := b.location()

			// Someone cancels: the seat is held for the newcomer, whose page
			// offers it.
			if _, err := a.scheduler.Cancel(t.Context(), ref, token); err != nil {
				t.Fatal(err)
			}
			b.do(chromedp.Navigate(entry), chromedp.WaitVisible(chromedp.CSS("#accept")))
			b.check("wait-phone-offer-" + tt.lang)
			b.contains("#offer-when", tt.offered)
			b.do(chromedp.Click(chromedp.CSS("#accept")), chromedp.WaitVisible(chromedp.CSS("#manage-link")))
			b.check("wait-phone-confirmation-" + tt.lang)
			b.contains("h1", tt.booked)
			b.contains("#when", tt.offered)
			loc, err := url.Parse(b.location())
			if err != nil || !strings.HasSuffix(loc.Path, "/confirmation") {
				t.Fatalf("after accepting at %s", b.location())
			}
			bk, err := a.scheduler.Get(t.Context(), strings.Split(loc.Path, "/")[2], loc.Query().Get("token"))
			if err != nil || bk.Email != "oksana@example.com" || bk.Locale != tt.lang {
				t.Errorf("booked %+v, %v", bk, err)
			}
		})
	}
}

// TestWaitlistPagesAreAccessible runs axe-core on the waitlist's pages
// at 1280 and 360 px, in English and Danish: the times page with no free
// time, the join form (and its errors), an entry waiting, offered, left,
// refused an accept, the question before leaving, a link that finds
// nothing, and the manage page that asks for an earlier time.
func TestWaitlistPagesAreAccessible(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	join := func(email string, until booking.Date) (string, string) {
		t.Helper()
		e, token, err := a.scheduler.JoinWaitlist(t.Context(), booking.WaitRequest{
			Center: "aarhus", Service: permit, Name: "Amal Haddad", Email: email, Until: until,
		})
		if err != nil {
			t.Fatal(err)
		}
		return e.Reference, token
	}
	// offer holds the seat freed at start for the first in line it suits.
	offer := func(start string) {
		t.Helper()
		ref, token := a.fill("aarhus", permit, start)
		if _, err := a.scheduler.Cancel(t.Context(), ref, token); err != nil {
			t.Fatal(err)
		}
	}
	// The first in line waits for a day before every seat freed here.
	waiting, waitingToken := join("waiting@example.com", booking.Date{Year: 2026, Month: 11, Day: 30})
	offered, offeredToken := join("offered@example.com", booking.Date{})
	offer("2026-12-01T09:00:00+01:00")
	left, leftToken := join("left@example.com", booking.Date{})
	if _, err := a.scheduler.LeaveWaitlist(t.Context(), left, leftToken); err != nil {
		t.Fatal(err)
	}
	if v, err := a.scheduler.WaitEntry(t.Context(), offered, offeredToken); err != nil || v.Status != booking.WaitOffered {
		t.Fatalf("offered entry %+v, %v", v, err)
	}
	ref, token := a.book(bookingBody("aarhus", permit, "2026-12-10T09:00:00+01:00"))

	title := map[string]string{"en": "Your place on the waitlist", "da": "Din plads på ventelisten"}
	pages := []struct {
		name, path string
		heading    map[string]string
	}{
		{"wait-times-empty", "/book/aarhus/" + permit + "?week=2027-02-01", map[string]string{
			"en": "Residence permit renewal guidance – Aarhus ICS Center", "da": "Vejledning om forlængelse af opholdstilladelse – Aarhus ICS Center"}},
		{"wait-join", "/book/aarhus/cpr-number/waitlist?also=tax-card&people=2", map[string]string{"en": "Join the waitlist", "da": "Skriv dig på ventelisten"}},
		{"wait-entry", waitEntryPath(waiting, waitingToken) + "&done=joined", title},
		{"wait-offer", waitEntryPath(offered, offeredToken), title},
		{"wait-left", waitEntryPath(left, leftToken) + "&done=left", title},
		{"wait-leave", "/waitlist/" + waiting + "/leave?token=" + url.QueryEscape(waitingToken), map[string]string{"en": "Leave the waitlist?", "da": "Vil du forlade ventelisten?"}},
		{"wait-not-found", "/waitlist/AAR-000000?token=x", map[string]string{"en": "Waitlist place not found", "da": "Pladsen på ventelisten findes ikke"}},
		{"manage-earlier", "/bookings/" + ref + "?token=" + url.QueryEscape(token), map[string]string{"en": "Your appointment", "da": "Din tid"}},
	}
	n := 0
	for _, opt := range []tabOptions{desktop, phone} {
		b := openTab(t, opt)
		for _, lang := range []string{"en", "da"} {
			b.do(chromedp.Navigate(a.srv.URL + "/?lang=" + lang))
			for _, page := range pages {
				b.do(chromedp.Navigate(a.srv.URL + page.path))
				if got := b.text("h1"); got != page.heading[lang] {
					t.Errorf("%s in %s at %d px: heading %q, want %q", page.name, lang, opt.width, got, page.heading[lang])
				}
				b.check(page.name + "-" + lang)
			}

			// The join form sent empty.
			b.do(chromedp.Navigate(a.srv.URL+"/book/aarhus/"+permit+"/waitlist"), chromedp.Click(chromedp.CSS("#join")), chromedp.WaitVisible(chromedp.CSS("#errors")))
			b.check("wait-join-errors-" + lang)

			// An offer accepted elsewhere (another tab) meanwhile: accepting
			// here is refused on the entry's page.
			n++
			late, lateToken := join(fmt.Sprintf("late%d@example.com", n), booking.Date{})
			offer(fmt.Sprintf("2026-12-%02dT10:00:00+01:00", []int{2, 3, 4, 7}[n-1]))
			b.do(chromedp.Navigate(a.srv.URL+waitEntryPath(late, lateToken)), chromedp.WaitVisible(chromedp.CSS("#accept")))
			if _, _, _, err := a.scheduler.AcceptOffer(t.Context(), late, lateToken); err != nil {
				t.Fatal(err)
			}
			b.do(chromedp.Click(chromedp.CSS("#accept")), chromedp.WaitVisible(chromedp.CSS("#problem")))
			b.check("wait-accept-refused-" + lang)
		}
	}
}
