package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestRequestID: a proxy's X-Request-ID is kept, a missing or odd one is
// replaced, and the ID is in the answer, the problem document and the log.
func TestRequestID(t *testing.T) {
	var log syncBuffer
	a := newApp(t, "sqlite", thursday, withLog(&log))
	r := a.do("GET", "/api/v1/centers/nowhere", nil, "X-Request-ID", "proxy-abc123DEF")
	if r.header.Get("X-Request-ID") != "proxy-abc123DEF" {
		t.Errorf("X-Request-ID %q", r.header.Get("X-Request-ID"))
	}
	if p := expectProblem(t, r, 404, "not_found"); p["request_id"] != "proxy-abc123DEF" {
		t.Errorf("problem %v", p)
	}
	if !strings.Contains(log.String(), "request_id=proxy-abc123DEF") {
		t.Errorf("log:\n%s", log.String())
	}
	for _, odd := range []string{"", "short", "has spaces in it", strings.Repeat("x", 65), "semi;colon&amp"} {
		r := a.do("GET", "/healthz", nil, "X-Request-ID", odd)
		if id := r.header.Get("X-Request-ID"); id == odd || !regexp.MustCompile(`^[A-Z2-7]{16}$`).MatchString(id) {
			t.Errorf("X-Request-ID %q for %q", id, odd)
		}
	}
}

// TestReadyz answers 503 with the reasons while the server cannot serve.
func TestReadyz(t *testing.T) {
	var reasons []string
	a := newApp(t, "sqlite", thursday, withReady(func(context.Context) []string { return reasons }))
	if r := a.do("GET", "/readyz", nil); r.status != 200 || r.json(t)["status"] != "ready" {
		t.Errorf("ready: %d %s", r.status, r.body)
	}
	reasons = []string{"the job workers are not running"}
	r := a.do("GET", "/readyz", nil)
	if r.status != 503 || !strings.Contains(string(r.body), "the job workers are not running") {
		t.Errorf("not ready: %d %s", r.status, r.body)
	}
	if r := a.do("HEAD", "/readyz", nil); r.status != 503 {
		t.Errorf("HEAD: %d", r.status)
	}
}

// TestBookingMetrics counts each booking request by its outcome, on the
// API and on the site.
func TestBookingMetrics(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	const slot = "2026-11-30T09:00:00+01:00"
	for i := range 4 { // three desks: the fourth finds the slot full
		body := bookingBody("aarhus", permit, slot)
		body["email"] = fmt.Sprintf("p%d@example.com", i)
		a.do("POST", "/api/v1/bookings", body)
	}
	a.do("POST", "/api/v1/bookings", map[string]any{"center": "aarhus"})                         // refused: invalid
	a.do("POST", "/api/v1/bookings", bookingBody("aarhus", permit, "2026-11-29T09:00:00+01:00")) // refused: a Sunday
	ref, token := a.book(bookingBody("aarhus", permit, "2026-11-30T10:00:00+01:00"))
	a.do("POST", "/api/v1/bookings/"+ref+"/cancel", nil, "Authorization", "Bearer "+token)
	body := string(a.do("GET", "/metrics", nil).body)
	for _, want := range []string{
		`icsbooking_bookings_total{outcome="created"} 4`,
		`icsbooking_bookings_total{outcome="full"} 1`,
		`icsbooking_bookings_total{outcome="refused"} 2`,
		`icsbooking_bookings_total{outcome="cancelled"} 1`,
		`icsbooking_http_request_duration_seconds_count{method="POST",route="/api/v1/bookings",status="409"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
