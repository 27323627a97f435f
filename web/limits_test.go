package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking/store/storetest"
)

// spend makes n limited requests from the address in X-Forwarded-For (or
// the connection's peer, if empty) that count but book nothing.
func (a *app) spend(n int, address string) {
	a.t.Helper()
	for i := range n {
		if r := a.do("POST", "/api/v1/bookings", map[string]any{}, "X-Forwarded-For", address); r.status != http.StatusBadRequest {
			a.t.Fatalf("request %d from %q: %d %s", i+1, address, r.status, r.body)
		}
	}
}

// wantLimited checks that r is a 429 problem with a Retry-After.
func wantLimited(t *testing.T, r response) {
	t.Helper()
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "60" || r.json(t)["code"] != "rate_limited" {
		t.Fatalf("over the limit: %d %v %s", r.status, r.header, r.body)
	}
}

// The 31st limited request in a minute from one address is refused with
// 429 and Retry-After, while another address (named by a trusted proxy)
// still books, and the next minute the first may book again.
func TestRateLimitPerAddress(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday, withRateLimit(30), withTrustedProxies("127.0.0.1", "::1"))
		const nine = "2026-11-30T09:00:00+01:00"
		a.spend(30, "192.0.2.1")
		wantLimited(t, a.do("POST", "/api/v1/bookings", bookingBody("aarhus", permit, nine), "X-Forwarded-For", "192.0.2.1"))
		// Cancelling is counted together with booking.
		wantLimited(t, a.do("POST", "/api/v1/bookings/AAR-000000/cancel", nil, "X-Forwarded-For", "192.0.2.1"))
		a.book(bookingBody("aarhus", permit, nine), "X-Forwarded-For", "192.0.2.2")

		a.advance(time.Minute)
		a.book(bookingBody("aarhus", permit, nine), "X-Forwarded-For", "192.0.2.1")
	})
}

// Without a trusted proxy, X-Forwarded-For is ignored: every request is
// the connection's peer's, whatever address it names.
func TestRateLimitIgnoresUntrustedForwardedFor(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withRateLimit(3))
	for i := range 3 {
		a.spend(1, "192.0.2."+string(rune('1'+i)))
	}
	wantLimited(t, a.do("POST", "/api/v1/bookings", map[string]any{}, "X-Forwarded-For", "192.0.2.9"))
}

// A limit of 0 is no limit.
func TestRateLimitOff(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withRateLimit(0))
	a.spend(100, "")
}

// Two servers on one PostgreSQL count together.
func TestRateLimitSharedByServers(t *testing.T) {
	databaseURL := storetest.URL(t, "postgres")
	first := newApp(t, "postgres", thursday, withDatabase(databaseURL), withRateLimit(30))
	second := newApp(t, "postgres", thursday, withDatabase(databaseURL), withRateLimit(30))
	first.spend(15, "")
	second.spend(15, "")
	wantLimited(t, first.do("POST", "/api/v1/bookings", map[string]any{}))
	wantLimited(t, second.do("POST", "/api/v1/centers/aarhus/tickets", map[string]any{}))
}

// The booking form over the limit answers with a page in the visitor's
// language, not a problem.
func TestRateLimitedForm(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withRateLimit(1))
	a.spend(1, "")
	body, h := form(url.Values{"start": {"2026-11-30T09:00:00+01:00"}, "name": {"Ana"}, "email": {"ana@example.com"}})
	r := a.do("POST", "/book/aarhus/"+permit, body, append(h, "Accept-Language", "da")...)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" ||
		!strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "For mange forespørgsler") {
		t.Fatalf("form over the limit: %d %v %s", r.status, r.header, r.body)
	}
}

// One client address takes at most ICS_TICKETS_PER_ADDRESS walk-in tickets
// a day at a center through the API: one more is refused with 429 and a
// Retry-After until midnight, while another address, another center, the
// kiosk (shared by everyone in the room) and the next day still give one.
func TestTicketsPerAddress(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday, withTicketsPerAddress(2), withTrustedProxies("127.0.0.1", "::1"))
		take := func(center, address string) response {
			t.Helper()
			return a.do("POST", "/api/v1/centers/"+center+"/tickets", map[string]any{"service": "tax-card"}, "X-Forwarded-For", address)
		}
		for i := range 2 {
			if r := take("aarhus", "192.0.2.1"); r.status != http.StatusCreated {
				t.Fatalf("ticket %d: %d %s", i+1, r.status, r.body)
			}
		}
		r := take("aarhus", "192.0.2.1")
		p := expectProblem(t, r, http.StatusTooManyRequests, "too_many_tickets")
		// 10:00 in Copenhagen: 14 hours to midnight, when the count starts again.
		if got := r.header.Get("Retry-After"); got != "50400" {
			t.Errorf("Retry-After %q, want 50400", got)
		}
		if d := p["detail"].(string); !strings.Contains(d, "kiosk") || !strings.Contains(d, "2 walk-in tickets") {
			t.Errorf("the refusal does not say why or what to do: %q", d)
		}
		if q := a.do("GET", "/api/v1/centers/aarhus/queue", nil).json(t); q["waiting"] != 2.0 {
			t.Errorf("a refused ticket joined the queue: %v", q)
		}

		for _, ok := range []struct{ center, address string }{{"odense", "192.0.2.1"}, {"aarhus", "192.0.2.2"}} {
			if r := take(ok.center, ok.address); r.status != http.StatusCreated {
				t.Errorf("a ticket at %s from %s: %d %s", ok.center, ok.address, r.status, r.body)
			}
		}
		for range 3 {
			kiosk := a.do("POST", "/centers/aarhus/kiosk/tickets", "service=tax-card",
				"X-Forwarded-For", "192.0.2.1", "Content-Type", "application/x-www-form-urlencoded")
			if kiosk.status != http.StatusOK || !strings.Contains(string(kiosk.body), `id="number">W-`) {
				t.Fatalf("a kiosk ticket from the same address: %d", kiosk.status)
			}
		}

		a.advance(24 * time.Hour)
		if r := take("aarhus", "192.0.2.1"); r.status != http.StatusCreated {
			t.Errorf("the next day: %d %s", r.status, r.body)
		}
	})
}

// One email address may hold ICS_MAX_ACTIVE_BOOKINGS upcoming bookings;
// the next is refused with 422 until one is cancelled.
func TestMaxActiveBookings(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday, withMaxActiveBookings(3))
		starts := []string{"2026-11-30T09:00:00+01:00", "2026-11-30T10:00:00+01:00", "2026-11-30T11:00:00+01:00", "2026-12-01T09:00:00+01:00"}
		var ref, token string
		for _, start := range starts[:3] {
			ref, token = a.book(bookingBody("aarhus", permit, start))
		}
		fourth := bookingBody("aarhus", permit, starts[3])
		fourth["email"] = "ANA@example.com"
		r := a.do("POST", "/api/v1/bookings", fourth)
		if r.status != http.StatusUnprocessableEntity || r.json(t)["code"] != "not_bookable" || !strings.Contains(string(r.body), "at most 3") {
			t.Fatalf("fourth booking: %d %s", r.status, r.body)
		}
		if r := a.do("POST", "/api/v1/bookings/"+ref+"/cancel", nil, "Authorization", "Bearer "+token); r.status != http.StatusOK {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		a.book(fourth)
	})
}
