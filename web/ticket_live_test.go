package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/staff"
)

// openEvents opens a stream of Server-Sent Events at path with the headers
// given (name, value pairs). If it is answered 200, events receives the
// data of each event named event, as JSON, until the test ends or leave is
// called; otherwise the answer is read whole.
func (a *app) openEvents(path, event string, headers ...string) (response, <-chan map[string]any, func()) {
	a.t.Helper()
	ctx, leave := context.WithCancel(context.Background())
	a.t.Cleanup(leave)
	req := a.request("GET", path, nil, headers...)
	res, err := a.srv.Client().Do(req.WithContext(ctx))
	if err != nil {
		a.t.Fatal(err)
	}
	if res.StatusCode != 200 {
		return a.read(res, nil), nil, leave
	}
	events := make(chan map[string]any, 100)
	go func() {
		defer res.Body.Close()
		scanner := bufio.NewScanner(res.Body)
		name := ""
		for scanner.Scan() {
			line := scanner.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && name == event:
				var data map[string]any
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &data) == nil {
					events <- data
				}
			}
		}
	}()
	return response{status: res.StatusCode, header: res.Header, body: nil}, events, leave
}

// listen feeds the app's live pages with the changes every server process
// on its database commits, as cmd/icsbooking does, until the test ends; it
// returns once the app listens (at once on SQLite, which has one process).
func (a *app) listen() {
	a.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a.t.Cleanup(cancel)
	listening := make(chan struct{})
	var once sync.Once
	go func() {
		// Listen tells every listener of a change when it starts.
		a.store.Listen(ctx, store.Listeners{
			Queue: func(center string) { once.Do(func() { close(listening) }); a.web.QueueChanged(center) },
			Seats: a.scheduler.Changed,
		})
		once.Do(func() { close(listening) }) // SQLite: at once
	}()
	select {
	case <-listening:
	case <-time.After(waitLimit):
		a.t.Fatal("the app does not listen")
	}
}

// TestTicketPageFollowsTheQueue: a ticket's stream sends the ticket's place
// and wait, then the desk that calls it, a call again, serving and the
// end, in the page's language; a call made on another server process
// reaches it through the database on PostgreSQL (the poll is an hour).
// The page itself carries the stream for its script and, for browsers
// without one, the reload inside <noscript> with the link that stops it.
func TestTicketPageFollowsTheQueue(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		databaseURL := storetest.URL(t, dialect)
		poll := time.Hour
		if dialect == "sqlite" {
			poll = 200 * time.Millisecond
		}
		a := newApp(t, dialect, thursday, withLivePoll(poll), withDatabase(databaseURL))
		a.listen()
		// The desk works on another server process on PostgreSQL.
		other := a
		if dialect == "postgres" {
			other = newApp(t, dialect, thursday, withDatabase(databaseURL))
		}
		other.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		d := desk{a: other, cookie: other.login("mette@ics.dk"), center: "aarhus", name: "3"}

		a.takeTicket("aarhus", "general-information")
		ticket := a.takeTicket("aarhus", "general-information")
		path := pagePath(t, ticket["url"])
		page := html.UnescapeString(string(a.do("GET", path, nil).body))
		for _, want := range []string{`data-events="` + path + `/events"`,
			`<noscript><p class="hint">This page does not update itself. <a href="` + path + `?refresh=on" id="refresh-on">`,
			`id="ticket-live" hidden`, `id="notify-box" hidden`, `id="ticket-desk" hidden`} {
			if !strings.Contains(page, want) {
				t.Errorf("the ticket page lacks %s:\n%s", want, page)
			}
		}

		_, events, _ := a.openEvents(path+"/events", "ticket")
		_, danish, _ := a.openEvents(path+"/events", "ticket", "Cookie", "lang=da")
		want := func(events <-chan map[string]any, fields map[string]any) {
			t.Helper()
			got := nextEvent(t, events)
			for k, v := range fields {
				if got[k] != v {
					t.Fatalf("event %v, want %s %v", got, k, v)
				}
			}
		}
		want(events, map[string]any{"number": ticket["number"], "state": "waiting", "position": 2.0, "wait": "about 5 minutes",
			"desk": "", "desk_name": "", "final": false,
			"status": "Please wait. Your number will be shown on the screen when a desk calls you."})
		want(danish, map[string]any{"state": "waiting", "position": 2.0, "wait": "cirka 5 minutter"})

		d.call() // the first ticket: this one moves up
		want(events, map[string]any{"state": "waiting", "position": 1.0})
		want(danish, map[string]any{"position": 1.0})
		other.advance(time.Minute)
		a.advance(time.Minute)
		called, _ := d.call()
		if called.Number != ticket["number"] {
			t.Fatalf("called %+v, want %v", called, ticket["number"])
		}
		want(events, map[string]any{"state": "called", "desk": "3", "desk_name": "Desk 3", "calls": 1.0, "position": 0.0, "wait": "",
			"status": "It is your turn: please go to desk 3."})
		want(danish, map[string]any{"state": "called", "desk_name": "Skranke 3", "status": "Det er din tur: gå venligst til skranke 3."})
		other.advance(time.Minute)
		a.advance(time.Minute)
		if r := d.act(called.ID, "recall", map[string]any{"desk": "3"}); r.status != http.StatusOK {
			t.Fatalf("recall: %d %s", r.status, r.body)
		}
		want(events, map[string]any{"state": "called", "calls": 2.0})
		d.act(called.ID, "attend", nil)
		want(events, map[string]any{"state": "serving", "desk_name": "Desk 3", "final": false})
		d.act(called.ID, "serve", nil)
		want(events, map[string]any{"state": "done", "desk_name": "", "final": true, "status": "You have been served. Thank you for your visit."})

		// Served, the page is final: no stream, no reload.
		page = string(a.do("GET", path, nil).body)
		if strings.Contains(page, "data-events") || strings.Contains(page, "http-equiv") || strings.Contains(page, "noscript") {
			t.Errorf("the page of a served ticket follows the queue or reloads:\n%s", page)
		}
		expectProblem(t, a.do("GET", path+"/events", nil), http.StatusGone, "ticket_over")
		expectProblem(t, a.do("GET", "/tickets/AAAAAAAAAA/events", nil), http.StatusNotFound, "not_found")
	})
}

// Only today's tickets in the queue are followed: a stream of yesterday's
// is refused, and its page carries none, so that old tokens cannot hold the
// streams the waiting rooms' displays need.
func TestTicketOfAnotherDayNotFollowed(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	path := pagePath(t, a.takeTicket("aarhus", "general-information")["url"])
	if r, events, leave := a.openEvents(path+"/events", "ticket"); r.status != http.StatusOK {
		t.Fatalf("today's ticket's stream: %d %s", r.status, r.body)
	} else {
		nextEvent(t, events)
		leave()
	}
	a.advance(24 * time.Hour)
	expectProblem(t, a.do("GET", path+"/events", nil), http.StatusGone, "ticket_over")
	if page := string(a.do("GET", path, nil).body); strings.Contains(page, "data-events") || strings.Contains(page, "noscript") {
		t.Errorf("yesterday's ticket's page follows the queue:\n%s", page)
	}
}

// A ticket's streams are counted under its token, not the client's
// address: the phones of a waiting room often share one address.
func TestTicketStreamsCountPerTicket(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withMaxStreams(10, 1))
	if r, _, _ := a.openStream("aarhus"); r.status != http.StatusOK {
		t.Fatalf("the display's stream: %d %s", r.status, r.body)
	}
	var paths []string
	for range 3 {
		paths = append(paths, pagePath(t, a.takeTicket("aarhus", "general-information")["url"])+"/events")
	}
	for _, path := range paths {
		if r, events, _ := a.openEvents(path, "ticket"); r.status != http.StatusOK {
			t.Fatalf("%s from the address of an open display: %d %s", path, r.status, r.body)
		} else {
			nextEvent(t, events)
		}
	}
	r, _, _ := a.openEvents(paths[0], "ticket")
	if r.status != http.StatusTooManyRequests || r.json(t)["code"] != "too_many_streams" {
		t.Errorf("a second stream of one ticket past the cap of 1: %d %s", r.status, r.body)
	}
}
