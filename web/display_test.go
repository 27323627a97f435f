package web_test

import (
	"context"
	"html"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/web"
)

// queueEvents reads the display's stream of a center until the test ends.
func (a *app) queueEvents(center string) <-chan map[string]any {
	a.t.Helper()
	res, events, _ := a.openStream(center)
	if res.status != 200 || res.header.Get("Content-Type") != "text/event-stream" {
		a.t.Fatalf("stream: %d %s", res.status, res.header.Get("Content-Type"))
	}
	return events
}

// openStream opens the display's stream of a center with the headers
// given (name, value pairs). If it is answered 200, events receives each
// state of the queue until the test ends or leave is called; otherwise
// the answer is read whole.
func (a *app) openStream(center string, headers ...string) (response, <-chan map[string]any, func()) {
	a.t.Helper()
	return a.openEvents("/centers/"+center+"/display/events", "queue", headers...)
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

// TestDisplayHearsTicketsTakenHere: on a single SQLite server, which
// hears no announcement, a ticket taken over the API or at the kiosk and a
// check-in reach the display at once, as a desk's call does, not at the
// next poll (an hour here).
func TestDisplayHearsTicketsTakenHere(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withLivePoll(time.Hour))
	a.storeBooking("AAR-CHECK1", "aarhus", thursday.Add(10*time.Minute))
	events := a.queueEvents("aarhus")
	if q := nextEvent(t, events); q["waiting"] != float64(0) {
		t.Fatalf("first state %v", q)
	}
	form := func(path, values string) response {
		t.Helper()
		req := a.request("POST", path, values)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return a.read(a.srv.Client().Do(req))
	}
	for i, take := range []func() int{
		func() int {
			return a.do("POST", "/api/v1/centers/aarhus/tickets", map[string]any{"service": "general-information"}).status
		},
		func() int { return form("/centers/aarhus/kiosk/tickets", "service=general-information").status },
		func() int {
			return a.do("POST", "/api/v1/centers/aarhus/check-ins", map[string]any{"reference": "AAR-CHECK1"}).status
		},
	} {
		if status := take(); status != http.StatusCreated && status != http.StatusOK {
			t.Fatalf("change %d: status %d", i+1, status)
		}
		if q := nextEvent(t, events); q["waiting"] != float64(i+1) {
			t.Errorf("after change %d the display shows %v waiting, want %d", i+1, q["waiting"], i+1)
		}
	}
}

// countingWalkIns counts the computations of each center's queue state.
type countingWalkIns struct {
	web.WalkIns
	mu sync.Mutex
	n  map[string]int
}

func (q *countingWalkIns) QueueState(ctx context.Context, center string) (booking.QueueState, error) {
	q.mu.Lock()
	q.n[center]++
	q.mu.Unlock()
	return q.WalkIns.QueueState(ctx, center)
}

// count returns how often the center's state was computed.
func (q *countingWalkIns) count(center string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n[center]
}

// However many displays follow a center, a change of its queue is
// computed once, and each display gets it; another center's displays cost
// nothing.
func TestDisplayStreamsShareOneComputation(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		counting := &countingWalkIns{n: map[string]int{}}
		// No poll in the test's time: only the change announced computes.
		a := newApp(t, dialect, thursday, withLivePoll(time.Hour), withWalkIns(func(q web.WalkIns) web.WalkIns {
			counting.WalkIns = q
			return counting
		}))
		var aarhus, odense []<-chan map[string]any
		for range 20 {
			aarhus = append(aarhus, a.queueEvents("aarhus"))
		}
		for range 3 {
			odense = append(odense, a.queueEvents("odense"))
		}
		for _, events := range slices.Concat(aarhus, odense) {
			if q := nextEvent(t, events); q["waiting"] != 0.0 {
				t.Fatalf("first state %v", q)
			}
		}
		if n := counting.count("aarhus"); n != 1 {
			t.Errorf("20 displays opened: %d computations of Aarhus' queue, want 1", n)
		}

		if _, err := a.queue.IssueTicket(t.Context(), "aarhus", "tax-card"); err != nil {
			t.Fatal(err)
		}
		a.web.QueueChanged("aarhus")
		for i, events := range aarhus {
			if q := nextEvent(t, events); q["waiting"] != 1.0 {
				t.Fatalf("display %d after the change: %v", i, q)
			}
		}
		if n := counting.count("aarhus"); n != 2 {
			t.Errorf("a change seen by 20 displays: %d computations of Aarhus' queue in all, want 2", n)
		}
		if n := counting.count("odense"); n != 1 {
			t.Errorf("Aarhus' change computed Odense's queue: %d computations, want 1", n)
		}
	})
}

// Streams are capped per client address and in total: past a cap the
// answer is 429 with a Retry-After, while other addresses still get theirs
// up to the total. A client that leaves frees its place, and leaving is
// not a warning in the log.
func TestDisplayStreamCaps(t *testing.T) {
	var log syncBuffer
	a := newApp(t, "sqlite", thursday, withMaxStreams(6, 3), withTrustedProxies("127.0.0.1", "::1"), withLog(&log))
	open := func(address string) (response, func()) {
		t.Helper()
		r, _, leave := a.openStream("aarhus", "X-Forwarded-For", address)
		return r, leave
	}
	refused := func(r response, why string) {
		t.Helper()
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "10" || r.json(t)["code"] != "too_many_streams" {
			t.Errorf("%s: %d %v %s, want 429 too_many_streams with Retry-After 10", why, r.status, r.header, r.body)
		}
	}

	// One address opening a hundred streams gets the cap's three.
	var first func()
	opened := 0
	for i := range 100 {
		r, leave := open("192.0.2.1")
		if r.status == http.StatusOK {
			opened++
			if first == nil {
				first = leave
			}
			continue
		}
		if i < 3 {
			t.Fatalf("stream %d from one address: %d %s", i+1, r.status, r.body)
		}
		refused(r, "past the cap of one address")
	}
	if opened != 3 {
		t.Fatalf("one address opened %d streams, want 3", opened)
	}
	// Others get theirs up to the total of six.
	for _, address := range []string{"192.0.2.2", "192.0.2.2", "192.0.2.3"} {
		if r, _ := open(address); r.status != http.StatusOK {
			t.Fatalf("a stream from %s: %d %s", address, r.status, r.body)
		}
	}
	r, _ := open("192.0.2.4")
	refused(r, "past the total")

	// The first client leaves: its place is freed once the server sees it
	// gone.
	first()
	deadline := time.Now().Add(waitLimit)
	for {
		r, _ := open("192.0.2.4")
		if r.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a stream after one left: %d %s", r.status, r.body)
		}
		time.Sleep(10 * time.Millisecond) // the server notices the close on its own time
	}
	if text := log.String(); strings.Contains(text, "level=WARN") || strings.Contains(text, "context canceled") {
		t.Errorf("the log warns of a client that left:\n%s", text)
	}
}

// A display whose stream is refused (all the streams allowed are open)
// opens it again later by itself, and shows the queue as it is then.
func TestDisplayRetriesRefusedStream(t *testing.T) {
	var log syncBuffer
	a := newApp(t, "sqlite", thursday, withLivePoll(time.Hour), withMaxStreams(1, 1), withLog(&log))
	held, _, leave := a.openStream("aarhus")
	if held.status != http.StatusOK {
		t.Fatalf("the test's stream: %d", held.status)
	}
	display := openTab(t, desktop)
	display.do(chromedp.Navigate(a.srv.URL + "/centers/aarhus/display"))
	refused := `route=/centers/:center/display/events status=429`
	for deadline := time.Now().Add(waitLimit); !strings.Contains(log.String(), refused); {
		if time.Now().After(deadline) {
			t.Fatalf("the display's stream was not refused:\n%s", log.String())
		}
		time.Sleep(20 * time.Millisecond) // polling the condition, with a deadline
	}

	if _, err := a.queue.IssueTicket(t.Context(), "aarhus", "tax-card"); err != nil {
		t.Fatal(err)
	}
	called, ok, err := a.queue.CallNext(t.Context(), "aarhus", "2")
	if err != nil || !ok {
		t.Fatalf("call next: %v %v", ok, err)
	}
	a.web.QueueChanged("aarhus")
	leave()
	if _, err := chromedp.Run(display.ctx, chromedp.Poll[bool](
		`document.querySelector('#at-desks').textContent.includes(`+jsString(called.Number)+`)`,
		chromedp.WithPollingTimeout(waitLimit))); err != nil {
		t.Fatalf("the display does not show %s after its stream was refused: %v (it shows %q)", called.Number, err, display.text("#at-desks"))
	}
}
