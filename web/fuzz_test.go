package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzBookingRequest posts any body as a booking: the answer is a booking
// or a problem of the client's making (4xx), never a 500, and nothing is
// booked for a body that does not hold every field.
func FuzzBookingRequest(f *testing.F) {
	f.Add(`{"center":"aarhus","service":"residence-permit-renewal","start":"2026-11-30T09:00:00+01:00","name":"Ana Silva","email":"ana@example.com"}`)
	f.Add(`{"email":"a@example.com","email":"b@example.com"}`)
	f.Add(`{"Center":"aarhus","start":"2026-11-30T09:00:00+24:00"}`)
	f.Add(`{"name":"\u202eevil","email":"ü@bücher.example"}`)
	f.Add(`[1,2,3]`)
	server := newApp(f, "sqlite", thursday)
	f.Fuzz(func(t *testing.T, body string) {
		a := *server
		a.t = t // the fuzz target reports to t, not f
		r := a.do("POST", "/api/v1/bookings", body)
		switch {
		case r.status == http.StatusCreated:
			if !strings.Contains(body, `"email"`) || !strings.Contains(body, `"name"`) {
				t.Fatalf("booked for %s", body)
			}
		case r.status < 400 || r.status >= 500:
			t.Fatalf("%d for %q: %s", r.status, body, r.body)
		case r.header.Get("Content-Type") != "application/problem+json":
			t.Fatalf("%d without a problem document for %q", r.status, body)
		}
	})
}
