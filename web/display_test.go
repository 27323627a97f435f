package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking/store"
)

// queueEvents reads the display's stream of a center until the test ends.
func (a *app) queueEvents(center string) <-chan map[string]any {
	a.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a.t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", a.srv.URL+"/centers/"+center+"/display/events", nil)
	if err != nil {
		a.t.Fatal(err)
	}
	res, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		a.t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	events := make(chan map[string]any, 100)
	go func() {
		defer res.Body.Close()
		scanner := bufio.NewScanner(res.Body)
		event := ""
		for scanner.Scan() {
			line := scanner.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "queue":
				var q map[string]any
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &q) == nil {
					events <- q
				}
			}
		}
	}()
	return events
}

// nextEvent waits for the next state of the queue, or fails. The wait is
// long: it only ends a test that fails, and a busy machine must not.
func nextEvent(t *testing.T, events <-chan map[string]any) map[string]any {
	t.Helper()
	select {
	case q := <-events:
		return q
	case <-time.After(waitLimit):
		t.Fatal("no update of the display")
		return nil
	}
}

// TestDisplayFollowsTheQueue: the display's stream shows each call to a
// desk as it happens, with numbers and desks only. On PostgreSQL the change
// is heard through the database's notification (the poll is an hour), as it
// would be from another server process; on SQLite by a short poll.
func TestDisplayFollowsTheQueue(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		poll := time.Hour
		if dialect == "sqlite" {
			poll = 200 * time.Millisecond
		}
		a := newApp(t, dialect, thursday, withLivePoll(poll))
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		go a.store.Listen(ctx, store.Listeners{Queue: a.web.QueueChanged, Seats: a.scheduler.Changed})

		page := html.UnescapeString(string(a.do("GET", "/centers/aarhus/display", nil).body))
		if !strings.Contains(page, "Queue at Aarhus ICS Center") || !strings.Contains(page, `data-events="/centers/aarhus/display/events"`) {
			t.Fatalf("display page:\n%s", page)
		}
		events := a.queueEvents("aarhus")
		if q := nextEvent(t, events); len(q["at_desks"].([]any)) != 0 {
			t.Fatalf("first state %v", q)
		}

		ticket := a.do("POST", "/api/v1/centers/aarhus/tickets", map[string]any{"service": "general-information"})
		if ticket.status != http.StatusCreated {
			t.Fatalf("ticket: %d %s", ticket.status, ticket.body)
		}
		number := ticket.json(t)["number"].(string)
		// On PostgreSQL the listener may start after the ticket's
		// notification: wait for the state with the ticket waiting.
		for q := nextEvent(t, events); q["waiting"] != float64(1); q = nextEvent(t, events) {
		}

		called, ok, err := a.queue.CallNext(context.Background(), "aarhus", "3")
		if err != nil || !ok || called.Number != number {
			t.Fatalf("call next: %+v %v %v", called, ok, err)
		}
		q := nextEvent(t, events)
		desks := q["at_desks"].([]any)
		if len(desks) != 1 || desks[0].(map[string]any)["number"] != number || desks[0].(map[string]any)["desk"] != "3" {
			t.Fatalf("after the call: %v", q)
		}
		for key := range desks[0].(map[string]any) {
			if key != "number" && key != "desk" && key != "state" && key != "called_at" {
				t.Errorf("the display's data has %q", key)
			}
		}
	})
}
