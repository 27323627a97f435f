package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func form(values url.Values) (string, []string) {
	return values.Encode(), []string{"Content-Type", "application/x-www-form-urlencoded"}
}

func TestManagePage(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		ref, token := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
		page := "/bookings/" + ref + "?token=" + url.QueryEscape(token)

		r := a.do("GET", page, nil)
		body := html.UnescapeString(string(r.body))
		if r.status != 200 || !strings.Contains(body, "Monday 30 November 2026, 09:00–09:45 Copenhagen time (CET)") ||
			!strings.Contains(body, "Banegårdspladsen 1A") || !strings.Contains(body, `value="2026-11-30T10:00:00+01:00"`) {
			t.Fatalf("page %d:\n%s", r.status, body)
		}
		if strings.Contains(body, `value="2026-11-30T09:00:00+01:00"`) {
			t.Error("the booking's own time is offered as a new time")
		}
		if r.header.Get("Referrer-Policy") != "no-referrer" || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("headers %v", r.header)
		}

		for _, bad := range []string{"/bookings/" + ref + "?token=wrong", "/bookings/" + ref, "/bookings/AAR-000000?token=" + url.QueryEscape(token)} {
			if r := a.do("GET", bad, nil); r.status != 404 || !strings.Contains(string(r.body), "Booking not found") {
				t.Errorf("%s: %d %s", bad, r.status, r.body)
			}
		}

		// Move: the form posts the token and a start; the answer shows the new time.
		body, h := form(url.Values{"token": {token}, "start": {"2026-11-30T10:00:00+01:00"}})
		r = a.do("POST", "/bookings/"+ref+"/reschedule", body, h...)
		if r.status != 200 || !strings.Contains(string(r.body), "has been moved") || !strings.Contains(string(r.body), "10:00–10:45") {
			t.Fatalf("move %d:\n%s", r.status, r.body)
		}

		// A full time is refused next to the form, and nothing changes.
		for i := range 3 {
			b := bookingBody("aarhus", permit, "2026-11-30T11:00:00+01:00")
			b["email"] = strings.Repeat("x", i+1) + "@example.com"
			a.book(b)
		}
		body, h = form(url.Values{"token": {token}, "start": {"2026-11-30T11:00:00+01:00"}})
		r = a.do("POST", "/bookings/"+ref+"/reschedule", body, h...)
		if r.status != http.StatusConflict || !strings.Contains(string(r.body), `id="move-error"`) || !strings.Contains(string(r.body), "was taken") ||
			!strings.Contains(string(r.body), "10:00–10:45") {
			t.Errorf("full %d:\n%s", r.status, r.body)
		}
		body, h = form(url.Values{"token": {token}})
		if r = a.do("POST", "/bookings/"+ref+"/reschedule", body, h...); r.status != 400 || !strings.Contains(string(r.body), "Please choose one of the free times.") {
			t.Errorf("no start %d:\n%s", r.status, r.body)
		}

		// Another site cannot post the form.
		body, h = form(url.Values{"token": {token}})
		r = a.do("POST", "/bookings/"+ref+"/cancel", body, append(h, "Sec-Fetch-Site", "cross-site")...)
		if r.status != http.StatusForbidden {
			t.Errorf("cross-site cancel: %d", r.status)
		}
		// A wrong token cancels nothing.
		body, h = form(url.Values{"token": {"wrong"}})
		if r = a.do("POST", "/bookings/"+ref+"/cancel", body, h...); r.status != 404 {
			t.Errorf("cancel with a wrong token: %d", r.status)
		}

		// Cancelling asks first; asking changes nothing.
		r = a.do("GET", "/bookings/"+ref+"/cancel?token="+url.QueryEscape(token), nil)
		if r.status != 200 || !strings.Contains(string(r.body), "Cancel your appointment?") || !strings.Contains(string(r.body), `id="confirm-cancel"`) {
			t.Errorf("confirm %d:\n%s", r.status, r.body)
		}
		if n := a.activeBookings(); n != 4 {
			t.Errorf("%d active bookings after asking to cancel, want 4", n)
		}
		// In Danish, as the browser asks.
		r = a.do("GET", page, nil, "Accept-Language", "da-DK,da;q=0.9")
		if body := html.UnescapeString(string(r.body)); !strings.Contains(body, `<html lang="da">`) ||
			!strings.Contains(body, "mandag den 30. november 2026, kl. 10.00–10.45 dansk tid (CET)") {
			t.Errorf("Danish page:\n%s", body)
		}

		body, h = form(url.Values{"token": {token}})
		r = a.do("POST", "/bookings/"+ref+"/cancel", body, h...)
		if r.status != 200 || !strings.Contains(string(r.body), "has been cancelled") || !strings.Contains(string(r.body), `<dd id="status">Cancelled</dd>`) ||
			strings.Contains(string(r.body), `id="move"`) {
			t.Errorf("cancel %d:\n%s", r.status, r.body)
		}
		if n := a.activeBookings(); n != 3 {
			t.Errorf("%d active bookings, want the 3 others", n)
		}
	})
}
