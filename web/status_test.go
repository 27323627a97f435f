package web_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/web"
)

// rawRequest writes a request on a connection of its own, then reads the
// answer, for up to waitLimit: a server that never answers fails the test
// with a message instead of hanging it until the package's timeout.
func (a *app) rawRequest(request string) response {
	a.t.Helper()
	conn, err := net.DialTimeout("tcp", a.srv.Listener.Addr().String(), waitLimit)
	if err != nil {
		a.t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(waitLimit)); err != nil {
		a.t.Fatal(err)
	}
	if _, err := io.WriteString(conn, request); err != nil {
		a.t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		line, _, _ := strings.Cut(request, "\r\n")
		a.t.Fatalf("%s: no answer within %s", line, waitLimit)
	}
	return a.read(res, err)
}

// slowRequest is a POST whose body stops halfway: it announces more bytes
// than it sends, so the server waits for the rest until its ReadTimeout.
func slowRequest(path, contentType, partialBody string, headers ...string) string {
	var h strings.Builder
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(&h, "%s: %s\r\n", headers[i], headers[i+1])
	}
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: booking.example.dk\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n%s",
		path, contentType, len(partialBody)+100, h.String(), partialBody)
}

func TestSlowBodyIs408(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	ref, token := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
	slow := a.withReadTimeout(500 * time.Millisecond)
	host, port, _ := net.SplitHostPort(slow.srv.Listener.Addr().String())

	for _, path := range []string{"/api/v1/bookings", "/api/v1/bookings/" + ref + "/reschedule"} {
		r := slow.rawRequest(slowRequest(path, "application/json", `{"center":"aar`, "Authorization", "Bearer "+token))
		p := expectProblem(t, r, http.StatusRequestTimeout, "request_timeout")
		if d := p["detail"].(string); strings.Contains(d, host) || strings.Contains(d, port) || strings.Contains(d, "tcp") {
			t.Errorf("%s: detail %q names an address", path, d)
		}
	}
	// The manage page's forms get a page.
	r := slow.rawRequest(slowRequest("/bookings/"+ref+"/cancel", "application/x-www-form-urlencoded", "token="+url.QueryEscape(token)))
	if r.status != http.StatusRequestTimeout || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("slow form: %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if n := a.activeBookings(); n != 1 {
		t.Errorf("%d active bookings, want the one", n)
	}
}

// syncBuffer is a log destination that the server and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitingScheduler holds Get until the request's context ends (or
// waitLimit passes, and the test fails), then lets the real scheduler run
// with that context.
type waitingScheduler struct {
	web.Scheduler
	entered chan struct{}
}

func (s waitingScheduler) Get(ctx context.Context, reference, token string) (booking.Booking, error) {
	s.entered <- struct{}{}
	select {
	case <-ctx.Done():
	case <-time.After(waitLimit):
	}
	return s.Scheduler.Get(ctx, reference, token)
}

func TestClientGoneIsInfo(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		var log syncBuffer
		entered := make(chan struct{}, 1)
		a := newApp(t, dialect, thursday, withLog(&log), withScheduler(func(s web.Scheduler) web.Scheduler {
			return waitingScheduler{Scheduler: s, entered: entered}
		}))
		ref, token := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))

		conn, err := net.Dial("tcp", a.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET /api/v1/bookings/%s HTTP/1.1\r\nHost: booking.example.dk\r\nAuthorization: Bearer %s\r\n\r\n", ref, token)
		select {
		case <-entered:
		case <-time.After(waitLimit):
			t.Fatal("the request never reached the scheduler")
		}
		conn.Close()

		deadline := time.Now().Add(waitLimit)
		for !strings.Contains(log.String(), "method=GET route=/api/v1/bookings/:reference") {
			if time.Now().After(deadline) {
				t.Fatalf("the request is not logged:\n%s", log.String())
			}
			time.Sleep(10 * time.Millisecond) // polling a condition
		}
		out := log.String()
		if !strings.Contains(out, "method=GET route=/api/v1/bookings/:reference status=499") {
			t.Errorf("the request is not logged with status 499:\n%s", out)
		}
		if !strings.Contains(out, `level=INFO msg="client went away before the answer"`) {
			t.Errorf("the client's leaving is not logged at info:\n%s", out)
		}
		if strings.Contains(out, "level=ERROR") || strings.Contains(out, "status=500") {
			t.Errorf("the client's leaving is logged as an error:\n%s", out)
		}
	})
}

func TestManageFormTooLarge(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		ref, token := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
		body, h := form(url.Values{"token": {token}, "padding": {strings.Repeat("x", 70<<10)}})
		r := a.do("POST", "/bookings/"+ref+"/cancel", body, h...)
		if r.status != http.StatusRequestEntityTooLarge || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(r.body), "Form too large") {
			t.Errorf("large form: %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
		}
		if n := a.activeBookings(); n != 1 {
			t.Errorf("%d active bookings after a refused form", n)
		}
	})
}

func TestCrossOriginFormGetsAPage(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	ref, token := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
	body, h := form(url.Values{"token": {token}})
	for _, headers := range [][]string{
		append(h, "Sec-Fetch-Site", "cross-site"),
		{"Sec-Fetch-Site", "cross-site", "Accept", "text/html,application/xhtml+xml,*/*;q=0.8", "Content-Type", "text/plain"},
	} {
		r := a.do("POST", "/bookings/"+ref+"/cancel", body, headers...)
		if r.status != http.StatusForbidden || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(r.body), "another website") {
			t.Errorf("cross-site form %v: %d %s\n%s", headers, r.status, r.header.Get("Content-Type"), r.body)
		}
	}
	// An API client gets a problem.
	expectProblem(t, a.do("POST", "/api/v1/bookings/"+ref+"/cancel", nil, "Sec-Fetch-Site", "cross-site", "Authorization", "Bearer "+token),
		http.StatusForbidden, "cross_origin")
	if n := a.activeBookings(); n != 1 {
		t.Errorf("%d active bookings after cross-site posts", n)
	}
}

func TestHeadOnGetRoutes(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	for _, path := range []string{"/healthz", "/api/v1/centers", "/"} {
		get := a.do("GET", path, nil)
		head := a.do("HEAD", path, nil)
		if head.status != http.StatusOK || len(head.body) != 0 || head.header.Get("Content-Type") != get.header.Get("Content-Type") {
			t.Errorf("HEAD %s: %d %q %q, GET: %d %q", path, head.status, head.header.Get("Content-Type"), head.body, get.status, get.header.Get("Content-Type"))
		}
	}
	if r := a.do("HEAD", "/api/v1/nothing", nil); r.status != http.StatusNotFound {
		t.Errorf("HEAD of no route: %d", r.status)
	}
}

func TestContentEncodingIs415(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	fmt.Fprintf(w, `{"center":"aarhus","service":%q,"start":"2026-11-30T09:00:00+01:00","name":"Ana Silva","email":"ana@example.com"}`, permit)
	w.Close()
	for _, encoding := range []string{"gzip", "br", "identity, gzip", "x-unknown"} {
		r := a.do("POST", "/api/v1/bookings", gz.String(), "Content-Encoding", encoding)
		expectProblem(t, r, http.StatusUnsupportedMediaType, "unsupported_encoding")
		if r.header.Get("Accept-Encoding") != "identity" {
			t.Errorf("%s: Accept-Encoding %q", encoding, r.header.Get("Accept-Encoding"))
		}
	}
	// identity is no encoding at all.
	r := a.do("POST", "/api/v1/bookings", bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"), "Content-Encoding", "identity")
	if r.status != http.StatusCreated {
		t.Fatalf("identity: %d %s", r.status, r.body)
	}
	ref, token := r.json(t)["reference"].(string), r.json(t)["token"].(string)
	body, h := form(url.Values{"token": {token}})
	r = a.do("POST", "/bookings/"+ref+"/cancel", body, append(h, "Content-Encoding", "gzip")...)
	if r.status != http.StatusUnsupportedMediaType || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("compressed form: %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if n := a.activeBookings(); n != 1 {
		t.Errorf("%d active bookings, want 1", n)
	}
}
