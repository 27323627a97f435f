package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/staff"
)

// waiter is a newcomer on Aarhus' waitlist, with the entry's token.
type waiter struct {
	booking.WaitEntry
	token string
}

// joinWaitlist puts a newcomer in Aarhus' line for a visit of the services
// in order, as the site and the API do, until the booking horizon.
func (a *app) joinWaitlist(name, email string, services ...string) waiter {
	a.t.Helper()
	e, token, err := a.scheduler.JoinWaitlist(a.t.Context(), booking.WaitRequest{
		Center: "aarhus", Services: services, Name: name, Email: email, Locale: "en",
	})
	if err != nil {
		a.t.Fatalf("%s joins the waitlist for %v: %v", name, services, err)
	}
	return waiter{WaitEntry: e, token: token}
}

// waitEntry is an entry as its holder sees it now.
func (a *app) waitEntry(w waiter) booking.WaitView {
	a.t.Helper()
	v, err := a.scheduler.WaitEntry(a.t.Context(), w.Reference, w.token)
	if err != nil {
		a.t.Fatal(err)
	}
	return v
}

// offer posts the waitlist page's form that offers a time by hand.
func (a *app) offer(cookie, day, clock string) response {
	a.t.Helper()
	return a.staffPost(cookie, "/staff/centers/aarhus/waitlist/offer", url.Values{"day": {day}, "time": {clock}})
}

// waitlistRowOf is the row of an entry on the waitlist page.
func waitlistRowOf(t *testing.T, body string, id int64) string {
	t.Helper()
	start := strings.Index(body, `<tr id="entry-`+strconv.FormatInt(id, 10)+`"`)
	if start < 0 {
		t.Fatalf("no row of entry %d:\n%s", id, body)
	}
	end := strings.Index(body[start:], "</tr>")
	return body[start : start+end]
}

// summary is the waitlist page's summary: waiting, offers out, seats held.
func summary(body string) string {
	var parts []string
	for _, id := range []string{"summary-waiting", "summary-offered", "summary-seats"} {
		i := strings.Index(body, `id="`+id+`">`)
		if i < 0 {
			return "no " + id
		}
		rest := body[i+len(`id="`+id+`">`):]
		parts = append(parts, rest[:strings.Index(rest, "</dd>")])
	}
	return strings.Join(parts, " | ")
}

// Staff see their center's line in the order it joined, each entry with
// its place among those waiting for the same visit, and how to reach the
// newcomer; staff of another center are refused.
func TestStaffWaitlist(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a, mette := newStaffApp(t, dialect)
		a.addStaff("lars@ics.dk", "copenhagen", staff.RoleStaff)
		lars := a.login("lars@ics.dk")

		_, body := a.page(mette, "/staff/centers/aarhus")
		if !strings.Contains(body, `<a href="/staff/centers/aarhus/waitlist" id="waitlist-link">Waitlist</a>`) {
			t.Errorf("the agenda has no link to the waitlist:\n%s", body)
		}
		status, body := a.page(mette, "/staff/centers/aarhus/waitlist")
		if status != 200 || !strings.Contains(body, "<h1>Waitlist of Aarhus ICS Center</h1>") || !strings.Contains(body, "Nobody is on the waitlist.") ||
			summary(body) != "0 | 0 | 0 at the desks, 0 interpreters" {
			t.Fatalf("an empty waitlist: %d\n%s", status, body)
		}

		ana := a.joinWaitlist("Ana Silva", "ana@example.com", permit)
		a.advance(time.Minute)
		bo := a.joinWaitlist("Bo Nielsen", "bo@example.com", "cpr-number")
		a.advance(time.Minute)
		carla := a.joinWaitlist("Carla Jensen", "carla@example.com", permit)

		for _, tt := range []struct{ lang, joined, at, until, state, people, missed string }{
			{"en", "26 November 2026<br>", "10:0", "25 January 2027", "Waiting", "People: 1", "Offers let expire: 0 of 2"},
			{"da", "26. november 2026<br>", "10.0", "25. januar 2027", "Venter", "Personer: 1", "Udløbne tilbud: 0 af 2"},
		} {
			status, body := a.page(mette, "/staff/centers/aarhus/waitlist", "Accept-Language", tt.lang)
			if status != 200 {
				t.Fatalf("%s: %d\n%s", tt.lang, status, body)
			}
			if !inOrder(body, `id="entry-`+strconv.FormatInt(ana.ID, 10), `id="entry-`+strconv.FormatInt(bo.ID, 10),
				`id="entry-`+strconv.FormatInt(carla.ID, 10)) {
				t.Errorf("%s: the line is not in the order it joined:\n%s", tt.lang, body)
			}
			for _, w := range []struct {
				waiter
				name, email, service string
				position             int
			}{
				{ana, "Ana Silva", "ana@example.com", permit, 1},
				{bo, "Bo Nielsen", "bo@example.com", "cpr-number", 1},
				{carla, "Carla Jensen", "carla@example.com", permit, 2},
			} {
				row := waitlistRowOf(t, body, w.ID)
				if !inOrder(row, `<td class="position">`+strconv.Itoa(w.position)+`</td>`, tt.joined, tt.at, w.Reference, w.name,
					`<a href="mailto:`+w.email+`">`, a.serviceName(w.service, tt.lang), tt.people, tt.until, tt.state, tt.missed) {
					t.Errorf("%s: the row of %s, number %d for %s:\n%s", tt.lang, w.name, w.position, w.service, row)
				}
			}
		}
		if _, body := a.page(mette, "/staff/centers/aarhus/waitlist"); summary(body) != "3 | 0 | 0 at the desks, 0 interpreters" {
			t.Errorf("summary %q", summary(body))
		}

		// Another center's staff see nothing of it, and offer nothing.
		if r := a.do("GET", "/staff/centers/aarhus/waitlist", nil, "Cookie", lars); r.status != http.StatusForbidden ||
			strings.Contains(string(r.body), "ana@example.com") {
			t.Errorf("Copenhagen's staff on Aarhus' waitlist: %d", r.status)
		}
		if r := a.offer(lars, "2026-11-30", "10:00"); r.status != http.StatusForbidden {
			t.Errorf("Copenhagen's staff offering Aarhus' times: %d", r.status)
		}
		if r := a.do("GET", "/staff/centers/roskilde/waitlist", nil, "Cookie", mette); r.status != http.StatusNotFound {
			t.Errorf("an unknown center's waitlist: %d", r.status)
		}
		if v := a.waitEntry(ana); v.Status != booking.WaitWaiting {
			t.Errorf("Ana after Copenhagen's attempt: %s", v.Status)
		}
	})
}

// A time offered by hand goes to the first entry in line whose visit fits
// then, and its seat is held as a booking's is; when nobody fits, or no
// seat is free, the form says so next to the time.
func TestStaffOfferTime(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a, mette := newStaffApp(t, dialect)
		ana := a.joinWaitlist("Ana Silva", "ana@example.com", permit) // 45 minutes
		bo := a.joinWaitlist("Bo Nielsen", "bo@example.com", "cpr-number")
		carla := a.joinWaitlist("Carla Jensen", "carla@example.com", permit)

		// Two of Aarhus' three desks are taken at 14:30 on Monday; the
		// center closes at 15:00, where only Bo's visit fits.
		a.bookVisit("2026-11-30T14:30:00+01:00", 1, "cpr-number")
		a.bookVisit("2026-11-30T14:30:00+01:00", 1, "cpr-number")
		cprMonday := "service=cpr-number&from=2026-11-30&to=2026-11-30"
		if n := a.slots("aarhus", cprMonday)["2026-11-30T14:30:00+01:00"]; n != 1 {
			t.Fatalf("14:30 before the offer: %d free, want 1", n)
		}
		r := a.offer(mette, "2026-11-30", "14:30")
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/staff/centers/aarhus/waitlist" {
			t.Fatalf("offer 14:30: %d %v\n%s", r.status, r.header, r.body)
		}
		v := a.waitEntry(bo)
		if v.Status != booking.WaitOffered || !v.Offer.Start.Equal(time.Date(2026, 11, 30, 13, 30, 0, 0, time.UTC)) || v.Position != 1 {
			t.Fatalf("Bo after the offer: %+v", v)
		}
		for _, w := range []waiter{ana, carla} {
			if v := a.waitEntry(w); v.Status != booking.WaitWaiting {
				t.Errorf("%s, whose visit does not fit at 14:30: %s", w.Name, v.Status)
			}
		}
		_, body := a.page(mette, "/staff/centers/aarhus/waitlist")
		if want := "Monday 30 November 2026 at 14:30 is offered to " + bo.Reference + ", number 1 in line for " +
			a.serviceName("cpr-number", "en") + ". They are emailed; the time is held until 10:30."; !strings.Contains(body, want) {
			t.Errorf("notice: want %q in\n%s", want, body)
		}
		if row := waitlistRowOf(t, body, bo.ID); !inOrder(row, "Offered", "30 November 2026, 14:30–15:00", "Held until", "10:30") {
			t.Errorf("Bo's row while offered:\n%s", row)
		}
		if got := summary(body); got != "2 | 1 | 1 at the desks, 0 interpreters" {
			t.Errorf("summary %q", got)
		}
		// The seat is held: listed as full, and a booking for it is full.
		if n, listed := a.slots("aarhus", cprMonday)["2026-11-30T14:30:00+01:00"]; !listed || n != 0 {
			t.Errorf("14:30 while held for Bo: listed %v with %d free, want listed as full", listed, n)
		}
		expectProblem(t, a.do("POST", "/api/v1/bookings", bookingBody("aarhus", "cpr-number", "2026-11-30T14:30:00+01:00")),
			http.StatusConflict, "slot_full")
		entries, err := a.staff.Entries(t.Context(), 10)
		if err != nil || len(entries) == 0 || entries[0].Action != "waitlist.offer" || entries[0].Subject != bo.Reference ||
			entries[0].Detail != "2026-11-30 14:30" || entries[0].Center != "aarhus" || entries[0].Email != "mette@ics.dk" {
			t.Errorf("audit trail: %v %+v", err, entries)
		}

		// Nobody else's visit fits at 14:30: the field says so.
		r = a.offer(mette, "2026-11-30", "14:30")
		body = string(r.body)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(body, `<span class="field-error" id="time-error">Nobody in line can take a visit starting then`) ||
			!strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, `<option value="14:30" selected>`) {
			t.Errorf("offer when nobody fits: %d\n%s", r.status, body)
		}
		// Every desk is taken at 09:00: Ana's visit fits, but no seat.
		for range 3 {
			a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
		}
		r = a.offer(mette, "2026-11-30", "09:00")
		if body := string(r.body); r.status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="time-error">No seat is free then`) {
			t.Errorf("offer when no seat is free: %d\n%s", r.status, body)
		}
		// A form without a day or with a time of no slot.
		for _, tt := range []struct{ day, clock, field string }{{"", "10:00", "day-error"}, {"30-11-2026", "10:00", "day-error"}, {"2026-11-30", "25:00", "time-error"}} {
			if r := a.offer(mette, tt.day, tt.clock); r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), `id="`+tt.field+`"`) {
				t.Errorf("offer %q %q: %d, want 422 with %s", tt.day, tt.clock, r.status, tt.field)
			}
		}
		for _, w := range []waiter{ana, carla} {
			if v := a.waitEntry(w); v.Status != booking.WaitWaiting {
				t.Errorf("%s after the refused offers: %s", w.Name, v.Status)
			}
		}

		// At 10:00 one desk is free: the time goes to Ana, first in line
		// for it, and not to Carla behind her.
		a.bookVisit("2026-11-30T10:00:00+01:00", 1, permit)
		a.bookVisit("2026-11-30T10:00:00+01:00", 1, permit)
		if r := a.offer(mette, "2026-11-30", "10:00"); r.status != http.StatusSeeOther {
			t.Fatalf("offer 10:00: %d\n%s", r.status, r.body)
		}
		if v := a.waitEntry(ana); v.Status != booking.WaitOffered {
			t.Errorf("Ana after 10:00 was offered: %s", v.Status)
		}
		if v := a.waitEntry(carla); v.Status != booking.WaitWaiting {
			t.Errorf("Carla after 10:00 was offered to the first in line: %s", v.Status)
		}
	})
}

// A time offered by hand is one visit's seats, offered to one entry, even
// when more seats are free then.
func TestStaffOfferTimeOneEntry(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a, mette := newStaffApp(t, dialect)
		ana := a.joinWaitlist("Ana Silva", "ana@example.com", permit)
		carla := a.joinWaitlist("Carla Jensen", "carla@example.com", permit)
		// All three of Aarhus' desks are free at 10:00 on Monday.
		if r := a.offer(mette, "2026-11-30", "10:00"); r.status != http.StatusSeeOther {
			t.Fatalf("offer 10:00: %d\n%s", r.status, r.body)
		}
		if v := a.waitEntry(ana); v.Status != booking.WaitOffered {
			t.Errorf("Ana, first in line: %s", v.Status)
		}
		if v := a.waitEntry(carla); v.Status != booking.WaitWaiting {
			t.Errorf("Carla, second in line, after one time was offered: %s for %v", v.Status, v.Offer.Start)
		}
		if n := a.slots("aarhus", "service="+permit+"&from=2026-11-30&to=2026-11-30")["2026-11-30T10:00:00+01:00"]; n != 2 {
			t.Errorf("10:00 after one offer: %d free, want 2", n)
		}
	})
}

// The statistics count the waitlist's offers, accepts, declines and
// expiries of the period, on the page and in the CSV.
func TestStaffWaitlistStats(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a, mette := newStaffApp(t, dialect)
		ana := a.joinWaitlist("Ana Silva", "ana@example.com", permit)
		bo := a.joinWaitlist("Bo Nielsen", "bo@example.com", "cpr-number")
		ctx := t.Context()

		// Bo is offered 14:30 and accepts.
		if r := a.offer(mette, "2026-11-30", "14:30"); r.status != http.StatusSeeOther {
			t.Fatalf("offer 14:30: %d\n%s", r.status, r.body)
		}
		if _, _, _, err := a.scheduler.AcceptOffer(ctx, bo.Reference, bo.token); err != nil {
			t.Fatal(err)
		}
		// Ana is offered 10:00 and lets the hold run out: the sweep ends
		// it, and nobody else waits for it.
		if r := a.offer(mette, "2026-11-30", "10:00"); r.status != http.StatusSeeOther {
			t.Fatalf("offer 10:00: %d\n%s", r.status, r.body)
		}
		a.advance(31 * time.Minute)
		if n, err := a.scheduler.SweepWaitlist(ctx); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		if v := a.waitEntry(ana); v.Status != booking.WaitWaiting || v.Missed != 1 {
			t.Fatalf("Ana after her offer expired: %s, missed %d", v.Status, v.Missed)
		}
		if _, body := a.page(mette, "/staff/centers/aarhus/waitlist"); !inOrder(waitlistRowOf(t, body, ana.ID), "Waiting", "Offers let expire: 1 of 2") {
			t.Errorf("Ana's row after her offer expired:\n%s", waitlistRowOf(t, body, ana.ID))
		}
		// Then she is offered 11:00 and declines it.
		if r := a.offer(mette, "2026-11-30", "11:00"); r.status != http.StatusSeeOther {
			t.Fatalf("offer 11:00: %d\n%s", r.status, r.body)
		}
		if _, err := a.scheduler.DeclineOffer(ctx, ana.Reference, ana.token); err != nil {
			t.Fatal(err)
		}

		for _, tt := range []struct{ lang, heading string }{{"en", "Waitlist in this period"}, {"da", "Venteliste i perioden"}} {
			_, body := a.page(mette, "/staff/centers/aarhus/stats?from=2026-11-26&to=2026-11-26", "Accept-Language", tt.lang)
			if !inOrder(body, "<h2>"+tt.heading+"</h2>", `id="waitlist-offers">3</dd>`, `id="waitlist-accepts">1</dd>`,
				`id="waitlist-declines">1</dd>`, `id="waitlist-expiries">1</dd>`) {
				t.Errorf("%s: the statistics' waitlist:\n%s", tt.lang, body)
			}
		}
		if _, body := a.page(mette, "/staff/centers/aarhus/stats?from=2026-11-27&to=2026-12-01"); !inOrder(body,
			`id="waitlist-offers">0</dd>`, `id="waitlist-accepts">0</dd>`, `id="waitlist-declines">0</dd>`, `id="waitlist-expiries">0</dd>`) {
			t.Errorf("a period without offers:\n%s", body)
		}

		r := a.do("GET", "/staff/centers/aarhus/stats.csv?from=2026-11-25&to=2026-11-27", nil, "Cookie", mette)
		rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
		if err != nil || len(rows) != 5 {
			t.Fatalf("CSV %v %q", err, rows)
		}
		want := []string{"day,waitlist_offers,waitlist_accepts,waitlist_declines,waitlist_expiries",
			"2026-11-25,0,0,0,0", "2026-11-26,3,1,1,1", "2026-11-27,0,0,0,0", "total,3,1,1,1"}
		for i, row := range rows {
			if got := strings.Join(append([]string{row[0]}, row[len(row)-4:]...), ","); got != want[i] {
				t.Errorf("CSV row %q, want %s in its day and last four columns", row, want[i])
			}
		}
	})
}

// TestStaffWaitlistInBrowser looks at a center's waitlist in both
// languages at 1280 and 360 px, running axe-core on each page: the line
// with an offer out, a visit of several services and people, an
// interpreter and an entry that improves a booking; an offer nobody can
// take, its error next to the time; and, at 1280 px, an offer made.
func TestStaffWaitlistInBrowser(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withBaseURL("http://127.0.0.1"))
	a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
	ctx := t.Context()
	if _, _, err := a.scheduler.JoinWaitlist(ctx, booking.WaitRequest{Center: "aarhus", Service: permit, Language: "ar",
		Name: "Amina Hassan", Email: "amina.hassan.long.address@example.com", Locale: "en"}); err != nil {
		t.Fatal(err)
	}
	a.joinWaitlist("Bo Nielsen", "bo@example.com", "cpr-number")
	if _, _, err := a.scheduler.JoinWaitlist(ctx, booking.WaitRequest{Center: "aarhus", Services: []string{"eu-residence-document", "cpr-number"},
		People: 3, Name: "Carla Jensen", Email: "carla@example.com", Locale: "da"}); err != nil {
		t.Fatal(err)
	}
	ref, token := a.book(bookingBody("aarhus", permit, "2026-12-10T09:00:00+01:00"))
	if _, _, err := a.scheduler.JoinWaitlist(ctx, booking.WaitRequest{Booking: ref, BookingToken: token}); err != nil {
		t.Fatal(err)
	}
	a.joinWaitlist("Eva Holm", "eva@example.com", permit)
	// Bo, the only one whose visit fits at 14:30, has an offer out.
	if _, err := a.scheduler.OfferTime(ctx, "aarhus", time.Date(2026, 11, 30, 13, 30, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	// One desk is free at 11:00 and at 12:00, for the offers made below.
	for _, at := range []string{"11", "12"} {
		a.book(bookingBody("aarhus", permit, "2026-11-30T"+at+":00:00+01:00"))
		a.book(bookingBody("aarhus", permit, "2026-11-30T"+at+":00:00+01:00"))
	}

	for _, opt := range []tabOptions{desktop, phone} {
		b := openTab(t, opt)
		b.do(chromedp.Navigate(a.srv.URL + "/staff/login"))
		b.press("#email", "mette@ics.dk")
		b.press("#password", staffPassword)
		b.press("form.login button", kb.Enter)
		b.do(chromedp.WaitVisible(chromedp.CSS(`a[href="/staff/centers/aarhus"]`)))
		for i, lang := range []string{"en", "da"} {
			b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus?day=2026-11-30&lang=" + lang))
			b.press("#waitlist-link", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#waitlist table")))
			b.contains("#waitlist tbody tr.offered .state", map[string]string{"en": "Offered", "da": "Tilbudt"}[lang])
			if opt == desktop {
				b.contains("#summary-seats", []string{"1 at the desks, 0 interpreters", "2 ved skrankerne, 1 tolk"}[i])
			}
			b.check("staff-waitlist-" + lang)

			b.do(chromedp.SetValue(chromedp.CSS("#day"), "2026-11-30"), chromedp.SetValue(chromedp.CSS("#time"), "14:30"))
			b.press("#offer", kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#time-error")))
			b.check("staff-waitlist-nobody-" + lang)

			if opt == desktop {
				b.do(chromedp.SetValue(chromedp.CSS("#time"), []string{"11:00", "12:00"}[i]))
				b.press("#offer", kb.Enter)
				b.do(chromedp.WaitVisible(chromedp.CSS("#notice")))
				b.check("staff-waitlist-offered-" + lang)
			}
		}
	}
}
