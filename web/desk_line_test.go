package web_test

import (
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/staff"
)

// TestIdleDeskCallsEarlyCheckIn: at 09:56 with nobody else in the building,
// a desk that calls next gets the 10:00 appointment holder who checked in,
// rather than "nobody waits"; the desk page showed them waiting for their
// time before. A walk-in who comes first still goes first.
func TestIdleDeskCallsEarlyCheckIn(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday.Add(-4*time.Minute)) // 09:56 in Copenhagen
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		d := desk{a: a, cookie: a.login("mette@ics.dk"), center: "aarhus", name: "1"}
		page := func() string {
			t.Helper()
			r := a.do("GET", "/staff/centers/aarhus/desks/1", nil, "Cookie", d.cookie)
			if r.status != http.StatusOK {
				t.Fatalf("desk page: %d %s", r.status, r.body)
			}
			return html.UnescapeString(string(r.body))
		}

		if body := page(); !strings.Contains(body, `id="line-empty"`) || !strings.Contains(body, "Nobody is waiting.") {
			t.Errorf("the desk page of an empty queue does not say nobody waits:\n%s", body)
		}
		holder := a.checkIn("AAR-DESK10", thursday)["number"].(string)
		walkIn := a.takeTicket("aarhus", "general-information")["number"].(string)
		body := page()
		line := body[strings.Index(body, `id="line"`):]
		line = line[:strings.Index(line, "</ol>")]
		w, h := strings.Index(line, walkIn), strings.Index(line, holder)
		if w < 0 || h < 0 || w > h {
			t.Fatalf("the line shows %s and %s out of order:\n%s", walkIn, holder, line)
		}
		for _, want := range []string{"Walk-in, waiting since 09:56", "Appointment at 10:00; checked in early: called at that time", `class="early"`} {
			if !strings.Contains(line, want) {
				t.Errorf("the line lacks %q:\n%s", want, line)
			}
		}

		// The walk-in's turn has come; the holder's comes at 10:00.
		if got, ok := d.call(); !ok || got.Number != walkIn {
			t.Fatalf("first call at 09:56: %+v, want walk-in %s", got, walkIn)
		}
		a.advance(time.Minute)
		got, ok := d.call()
		if !ok || got.Number != holder || got.Kind != "appointment" || got.Desk != "1" {
			t.Fatalf("call at 09:57 with nobody else waiting: %+v (%v), want the 10:00 holder %s", got, ok, holder)
		}
		if body := page(); !strings.Contains(body, `id="line-empty"`) || !strings.Contains(body, `id="ticket-number">`+holder) {
			t.Errorf("after the call the desk page does not show the holder at the desk and nobody waiting")
		}
		if got, ok := d.call(); ok {
			t.Errorf("a call with nobody waiting got %+v", got)
		}

		// In Danish.
		a.checkIn("AAR-DESK11", thursday.Add(10*time.Minute))
		r := a.do("GET", "/staff/centers/aarhus/desks/1", nil, "Cookie", d.cookie+"; lang=da")
		if body := html.UnescapeString(string(r.body)); !strings.Contains(body, "Hvem venter") || !strings.Contains(body, "Aftale kl. 10.10; tjekket ind før tid") {
			t.Errorf("Danish desk page:\n%s", body)
		}
	})
}
