package web_test

import (
	"context"
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
