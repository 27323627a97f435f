package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
)

// saturday is Saturday 28 November 2026, 11:00 in Copenhagen: every center
// is closed.
var saturday = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

// storeBooking stores a confirmed booking at an Aarhus time without the
// booking rules (the notice would forbid one today), for checking in.
func (a *app) storeBooking(reference, center string, start time.Time) {
	a.t.Helper()
	_, err := a.store.CreateBooking(a.t.Context(), booking.Booking{
		Reference: reference, TokenHash: booking.HashToken("t"), TokenSealed: []byte("sealed"), Center: center, Service: permit,
		Start: start, End: start.Add(45 * time.Minute), Name: "Ana Silva", Email: "ana@example.com", Locale: "en",
		Status: booking.Confirmed, CreatedAt: start.Add(-72 * time.Hour), UpdatedAt: start.Add(-72 * time.Hour),
	}, nil, nil, "")
	if err != nil {
		a.t.Fatal(err)
	}
}

// takeTicket takes a walk-in ticket over the API.
func (a *app) takeTicket(center, service string) map[string]any {
	a.t.Helper()
	r := a.do("POST", "/api/v1/centers/"+center+"/tickets", map[string]any{"service": service})
	if r.status != http.StatusCreated {
		a.t.Fatalf("take a ticket for %s at %s: %d %s", service, center, r.status, r.body)
	}
	return r.json(a.t)
}

// pagePath is the path of a URL the server answered with.
func pagePath(t testing.TB, u any) string {
	t.Helper()
	parsed, err := url.Parse(u.(string))
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Path
}

func TestOpenAPIQueueContract(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	c := newContract(t, loadDocument(t, a))
	const valid, invalid = true, false
	tickets := "/api/v1/centers/aarhus/tickets"
	checkIns := "/api/v1/centers/aarhus/check-ins"
	queue := "/api/v1/centers/aarhus/queue"

	// Tickets.
	r := c.exchange(a, "POST", tickets, map[string]any{"service": "general-information"}, 201, valid)
	if loc := r.header.Get("Location"); loc != r.json(t)["url"] {
		t.Errorf("Location %q, url %v", loc, r.json(t)["url"])
	}
	c.exchange(a, "POST", tickets, map[string]any{"service": "tax-card"}, 201, valid)
	c.exchange(a, "POST", tickets, `{}`, 400, invalid)
	c.exchange(a, "POST", tickets, `{"service":`, 400, invalid)
	c.exchange(a, "POST", tickets, `{"Service":"tax-card"}`, 400, invalid)
	c.exchange(a, "POST", tickets, map[string]any{"service": "tax-card"}, 403, valid, "Sec-Fetch-Site", "cross-site")
	c.exchange(a, "POST", "/api/v1/centers/roskilde/tickets", map[string]any{"service": "tax-card"}, 404, valid)
	c.exchange(a, "POST", tickets, map[string]any{"service": "haircut"}, 404, valid)
	c.exchange(a, "POST", tickets, `{"service":"`+strings.Repeat("a", 70<<10)+`"}`, 413, invalid)
	c.exchange(a, "POST", tickets, `service=tax-card`, 415, invalid, "Content-Type", "application/x-www-form-urlencoded")
	c.exchange(a, "POST", tickets, map[string]any{"service": permit}, 422, valid)
	closed := newApp(t, "sqlite", saturday)
	c.exchange(closed, "POST", tickets, map[string]any{"service": "tax-card"}, 422, valid)

	// Check-ins.
	a.storeBooking("AAR-CHECK1", "aarhus", thursday.Add(10*time.Minute))
	a.storeBooking("AAR-CHECK2", "aarhus", thursday.Add(24*time.Hour))
	c.exchange(a, "POST", checkIns, map[string]any{"reference": "AAR-CHECK1"}, 201, valid)
	c.exchange(a, "POST", checkIns, map[string]any{"reference": "aar-check1"}, 200, valid)
	c.exchange(a, "POST", checkIns, map[string]any{"reference": "AAR-CHECK2"}, 422, valid)
	c.exchange(a, "POST", checkIns, map[string]any{"reference": "AAR-000000"}, 404, valid)
	c.exchange(a, "POST", "/api/v1/centers/roskilde/check-ins", map[string]any{"reference": "AAR-CHECK1"}, 404, valid)
	c.exchange(a, "POST", checkIns, map[string]any{"reference": ""}, 400, invalid)
	c.exchange(a, "POST", checkIns, `{"ref":"AAR-CHECK1"}`, 400, invalid)
	c.exchange(a, "POST", checkIns, map[string]any{"reference": "AAR-CHECK1"}, 403, valid, "Sec-Fetch-Site", "cross-site")
	c.exchange(a, "POST", checkIns, `{"reference":"`+strings.Repeat("A", 70<<10)+`"}`, 413, invalid)
	c.exchange(a, "POST", checkIns, `reference=x`, 415, invalid, "Content-Type", "text/plain")

	// The queue.
	c.exchange(a, "GET", queue, nil, 200, valid)
	c.exchange(closed, "GET", queue, nil, 200, valid)
	c.exchange(a, "GET", "/api/v1/centers/roskilde/queue", nil, 404, valid)

	// A body that stops halfway is answered 408 once the server's read
	// timeout ends.
	slow := a.withReadTimeout(500 * time.Millisecond)
	for _, path := range []string{tickets, checkIns} {
		const partial = `{"service":"tax-`
		res := slow.rawRequest(slowRequest(path, "application/json", partial))
		if res.status != http.StatusRequestTimeout {
			t.Errorf("POST %s with a slow body: %d %s", path, res.status, res.body)
		}
		if err := c.validate("POST", path, []byte(partial), true, nil, res, invalid); err != nil {
			t.Errorf("POST %s: the %d response does not match the document: %v", path, res.status, err)
		}
	}

	limited := newApp(t, "sqlite", thursday, withRateLimit(1))
	limited.spend(1, "")
	c.exchange(limited, "POST", tickets, map[string]any{"service": "tax-card"}, 429, valid)
	c.exchange(limited, "POST", checkIns, map[string]any{"reference": "AAR-CHECK1"}, 429, valid)
	counted := newApp(t, "sqlite", thursday, withTicketsPerAddress(1))
	c.exchange(counted, "POST", tickets, map[string]any{"service": "tax-card"}, 201, valid)
	if r := c.exchange(counted, "POST", tickets, map[string]any{"service": "tax-card"}, 429, valid); r.json(t)["code"] != "too_many_tickets" {
		t.Errorf("a second ticket from one address: %s", r.body)
	}

	if err := a.store.Close(); err != nil {
		t.Fatal(err)
	}
	c.exchange(a, "POST", tickets, map[string]any{"service": "tax-card"}, 500, valid)
	c.exchange(a, "POST", checkIns, map[string]any{"reference": "AAR-CHECK1"}, 500, valid)
	c.exchange(a, "GET", queue, nil, 500, valid)
	c.sawEveryStatus(queueOperations)
}

// TestQueueAPI takes tickets and checks in over HTTP on both databases, and
// follows a ticket on its public page.
func TestQueueAPI(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		first := a.takeTicket("aarhus", "general-information")
		if first["number"] != "W-001" || first["service"] != "general-information" || first["position"] != 1.0 || first["estimated_wait_minutes"] != 0.0 {
			t.Errorf("first ticket %v", first)
		}
		second := a.takeTicket("aarhus", "tax-card")
		if second["number"] != "W-002" || second["position"] != 2.0 || second["estimated_wait_minutes"] != 5.0 {
			t.Errorf("second ticket %v", second)
		}
		if other := a.takeTicket("odense", "tax-card"); other["number"] != "W-001" {
			t.Errorf("Odense's first ticket %v", other)
		}
		u := second["url"].(string)
		if !strings.HasPrefix(u, "https://booking.example.dk/tickets/") || len(u) != len("https://booking.example.dk/tickets/")+10 {
			t.Errorf("url %s", u)
		}

		// Its page shows the number, the place and the wait; where no
		// script runs it offers to reload itself, and to stop again.
		page := a.do("GET", pagePath(t, u), nil)
		body := html.UnescapeString(string(page.body))
		if page.status != 200 || !strings.Contains(body, `id="number">W-002<`) || !strings.Contains(body, `id="position">2<`) ||
			!strings.Contains(body, "about 5 minutes") || strings.Contains(body, "http-equiv") {
			t.Errorf("ticket page %d:\n%s", page.status, body)
		}
		if strings.Contains(body, "Ana") {
			t.Error("the ticket page names someone")
		}
		if !strings.Contains(body, `href="`+pagePath(t, u)+`?refresh=on" id="refresh-on"`) {
			t.Error("the ticket page has no link that makes it reload itself")
		}
		reloading := a.do("GET", pagePath(t, u)+"?refresh=on", nil)
		if body := string(reloading.body); !strings.Contains(body, `<noscript><meta http-equiv="refresh" content="15"></noscript>`) ||
			!strings.Contains(body, `href="`+pagePath(t, u)+`" id="refresh-off"`) {
			t.Errorf("with the refresh on:\n%s", body)
		}
		lower := a.do("GET", strings.ToLower(pagePath(t, u)), nil, "Accept-Language", "da")
		if lower.status != 200 || !strings.Contains(html.UnescapeString(string(lower.body)), "cirka 5 minutter") {
			t.Errorf("the page in lower case, in Danish: %d", lower.status)
		}
		if r := a.do("GET", "/tickets/ABCDEFGHJK", nil); r.status != 404 || !strings.Contains(string(r.body), "Ticket not found") {
			t.Errorf("an unknown ticket: %d", r.status)
		}

		// An appointment holder checks in: an A ticket, called at the
		// appointment's time, ahead of the walk-ins.
		a.storeBooking("AAR-CHECK1", "aarhus", thursday.Add(-5*time.Minute))
		a.storeBooking("ODE-CHECK2", "odense", thursday.Add(10*time.Minute))
		r := a.do("POST", "/api/v1/centers/aarhus/check-ins", map[string]any{"reference": "AAR-CHECK1"})
		if r.status != http.StatusCreated || r.json(t)["number"] != "A-001" || r.json(t)["position"] != 1.0 {
			t.Errorf("check in: %d %s", r.status, r.body)
		}
		// A reference typed at a kiosk tells nothing of its booking: one
		// of another center, of another day or cancelled gets the same
		// answer, with this center's own hours.
		p := expectProblem(t, a.do("POST", "/api/v1/centers/aarhus/check-ins", map[string]any{"reference": "ODE-CHECK2"}), 422, "check_in_refused")
		detail := p["detail"].(string)
		if !strings.Contains(detail, "Aarhus ICS Center") || !strings.Contains(detail, "09:00-15:00") {
			t.Errorf("another center's booking: %q, want Aarhus' hours", detail)
		}
		for _, secret := range []string{"Odense", "Østre Stationsvej", "10:10", "26 November", "2026-11-26", "confirmed", "cancel"} {
			if strings.Contains(detail, secret) {
				t.Errorf("another center's booking: %q tells %q", detail, secret)
			}
		}
		a.storeBooking("AAR-CHECK3", "aarhus", thursday.Add(24*time.Hour))
		a.storeBooking("AAR-CHECK4", "aarhus", thursday.Add(30*time.Minute))
		if err := a.store.DB().WithContext(t.Context()).Table("bookings").Where("reference = ?", "AAR-CHECK4").
			Update("status", string(booking.Cancelled)).Error; err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{"AAR-CHECK3", "AAR-CHECK4"} {
			p := expectProblem(t, a.do("POST", "/api/v1/centers/aarhus/check-ins", map[string]any{"reference": ref}), 422, "check_in_refused")
			if p["detail"] != detail {
				t.Errorf("%s: %q, want the answer to another center's booking, %q", ref, p["detail"], detail)
			}
		}

		// The display's data and the centers' waits.
		q := a.do("GET", "/api/v1/centers/aarhus/queue", nil).json(t)
		if q["waiting"] != 3.0 || q["estimated_wait_minutes"] != 30.0 || len(q["at_desks"].([]any)) != 0 {
			t.Errorf("queue %v: want 3 waiting, (45+15+30)/3 desks = 30 minutes", q)
		}
		centers := a.do("GET", "/api/v1/centers", nil).json(t)["centers"].([]any)
		waits := map[any]any{}
		for _, ce := range centers {
			m := ce.(map[string]any)
			waits[m["id"]] = m["estimated_wait_minutes"]
		}
		if waits["aarhus"] != 30.0 || waits["odense"] != 15.0 || waits["copenhagen"] != 0.0 {
			t.Errorf("estimated waits %v", waits)
		}
		if w := a.do("GET", "/api/v1/centers/aarhus", nil).json(t)["estimated_wait_minutes"]; w != 30.0 {
			t.Errorf("Aarhus' wait %v", w)
		}
		home := html.UnescapeString(string(a.do("GET", "/", nil).body))
		if !strings.Contains(home, `id="wait-aarhus">Walk-in wait now: about 30 minutes<`) ||
			!strings.Contains(home, `id="wait-copenhagen">Walk-in wait now: no wait<`) {
			t.Errorf("the home page does not show the waits")
		}
	})
}

// While the centers give no tickets, their waits are null and a ticket is
// refused saying when to come.
func TestQueueClosed(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		for _, tt := range []struct {
			name string
			now  time.Time
			come string
		}{
			{"on a Saturday", saturday, "come on Monday 30 November 2026 from 09:00"},
			{"after the cutoff", time.Date(2026, 11, 26, 13, 45, 0, 0, time.UTC), "come on Friday 27 November 2026 from 09:00"},
			{"on Christmas Day", time.Date(2026, 12, 25, 9, 0, 0, 0, time.UTC), "come on Monday 28 December 2026 from 09:00"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				a := newApp(t, dialect, tt.now)
				p := expectProblem(t, a.do("POST", "/api/v1/centers/aarhus/tickets", map[string]any{"service": "tax-card"}), 422, "queue_closed")
				if !strings.Contains(p["detail"].(string), tt.come) {
					t.Errorf("detail %q, want it to say %q", p["detail"], tt.come)
				}
				for _, ce := range a.do("GET", "/api/v1/centers", nil).json(t)["centers"].([]any) {
					m := ce.(map[string]any)
					if w, ok := m["estimated_wait_minutes"]; !ok || w != nil {
						t.Errorf("%s: estimated_wait_minutes %v, want null", m["id"], w)
					}
				}
				if q := a.do("GET", "/api/v1/centers/aarhus/queue", nil).json(t); q["estimated_wait_minutes"] != nil {
					t.Errorf("queue %v", q)
				}
				if home := string(a.do("GET", "/", nil).body); strings.Contains(home, `class="wait"`) {
					t.Error("the home page shows a wait while closed")
				}
			})
		}
	})
}

// The kiosk gives tickets and checks in with plain forms, in both
// languages, and says when to come when it cannot.
func TestKiosk(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	kiosk := a.do("GET", "/centers/aarhus/kiosk", nil)
	body := string(kiosk.body)
	if kiosk.status != 200 || !strings.Contains(body, `action="/centers/aarhus/kiosk/tickets"`) ||
		!strings.Contains(body, `value="general-information"`) || strings.Contains(body, `value="`+permit+`"`) ||
		!strings.Contains(body, `action="/centers/aarhus/kiosk/check-ins"`) {
		t.Fatalf("kiosk %d:\n%s", kiosk.status, body)
	}
	form := func(path, values string, headers ...string) response {
		t.Helper()
		req := a.request("POST", path, values, headers...)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return a.read(a.srv.Client().Do(req))
	}

	r := form("/centers/aarhus/kiosk/tickets", "service=general-information")
	body = html.UnescapeString(string(r.body))
	if r.status != 200 || !strings.Contains(body, `class="ticket-number" id="number">W-001<`) ||
		!strings.Contains(body, `id="ticket-url">https://booking.example.dk/tickets/`) ||
		!strings.Contains(body, `data-kiosk="/centers/aarhus/kiosk" data-return="30"`) || strings.Contains(body, "http-equiv") {
		t.Errorf("kiosk ticket %d:\n%s", r.status, body)
	}
	r = form("/centers/aarhus/kiosk/tickets", "service=haircut", "Accept-Language", "da")
	if r.status != 422 || !strings.Contains(html.UnescapeString(string(r.body)), "Vælg venligst en af ydelserne") {
		t.Errorf("an unknown service: %d", r.status)
	}

	a.storeBooking("AAR-CHECK1", "aarhus", thursday.Add(5*time.Minute))
	a.storeBooking("AAR-CHECK2", "aarhus", thursday.Add(2*time.Hour))
	r = form("/centers/aarhus/kiosk/check-ins", "reference=aar-check1")
	if body := string(r.body); r.status != 200 || !strings.Contains(body, `id="number">A-001<`) {
		t.Errorf("check in at the kiosk %d:\n%s", r.status, body)
	}
	r = form("/centers/aarhus/kiosk/check-ins", "reference=AAR-CHECK2", "Accept-Language", "da")
	if body := html.UnescapeString(string(r.body)); r.status != 422 || !strings.Contains(body, "Tjek venligst ind i dag kl. 11.45") ||
		!strings.Contains(body, `value="AAR-CHECK2"`) {
		t.Errorf("too early at the kiosk %d:\n%s", r.status, body)
	}
	r = form("/centers/aarhus/kiosk/check-ins", "reference=AAR-NOSUCH")
	if r.status != 422 || !strings.Contains(string(r.body), "We found no booking with this reference") {
		t.Errorf("an unknown reference at the kiosk: %d", r.status)
	}
	r = form("/centers/aarhus/kiosk/tickets", "service=general-information", "Sec-Fetch-Site", "cross-site")
	if r.status != 403 {
		t.Errorf("a cross-site kiosk form: %d", r.status)
	}

	closed := newApp(t, "sqlite", saturday)
	req := closed.request("POST", "/centers/aarhus/kiosk/tickets", "service=tax-card", "Accept-Language", "da")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r = closed.read(closed.srv.Client().Do(req))
	if body := html.UnescapeString(string(r.body)); r.status != 422 || !strings.Contains(body, "Kom venligst igen mandag den 30. november 2026 kl. 09.00") {
		t.Errorf("the kiosk while closed %d:\n%s", r.status, body)
	}
}
