package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/staff"
)

// deskTicket is a ticket as the desk API answers it.
type deskTicket struct {
	ID       int64    `json:"id"`
	Number   string   `json:"number"`
	Kind     string   `json:"kind"`
	Service  string   `json:"service"`
	Services []string `json:"services"`
	State    string   `json:"state"`
	Desk     string   `json:"desk"`
	Calls    int      `json:"calls"`
	IssuedAt string   `json:"issued_at"`
	CalledAt *string  `json:"called_at"`
}

// ticketOf reads the ticket of a desk API's answer.
func ticketOf(t testing.TB, r response) deskTicket {
	t.Helper()
	var body struct{ Ticket deskTicket }
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return body.Ticket
}

// desk works a desk of a center over the API with a staff session.
type desk struct {
	a      *app
	cookie string
	center string
	name   string
}

// call calls the next ticket; ok is false on 204.
func (d desk) call() (deskTicket, bool) {
	d.a.t.Helper()
	r := d.a.do("POST", "/api/v1/staff/centers/"+d.center+"/desks/"+d.name+"/call", nil, "Cookie", d.cookie)
	switch r.status {
	case http.StatusNoContent:
		return deskTicket{}, false
	case http.StatusOK:
		return ticketOf(d.a.t, r), true
	}
	d.a.t.Fatalf("call at desk %s: %d %s", d.name, r.status, r.body)
	return deskTicket{}, false
}

// act posts a ticket action (recall, attend, serve, no-show, move).
func (d desk) act(id int64, action string, body any) response {
	d.a.t.Helper()
	return d.a.do("POST", fmt.Sprintf("/api/v1/staff/centers/%s/tickets/%d/%s", d.center, id, action), body, "Cookie", d.cookie)
}

// checkIn checks in a booking of Aarhus that starts at start.
func (a *app) checkIn(reference string, start time.Time) map[string]any {
	a.t.Helper()
	a.storeBooking(reference, "aarhus", start)
	r := a.do("POST", "/api/v1/centers/aarhus/check-ins", map[string]any{"reference": reference})
	if r.status != http.StatusCreated {
		a.t.Fatalf("check in %s: %d %s", reference, r.status, r.body)
	}
	return r.json(a.t)
}

func TestDeskAPI(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		a.addStaff("admin@ics.dk", "", staff.RoleAdmin)
		d := desk{a: a, cookie: a.login("mette@ics.dk"), center: "aarhus", name: "1"}

		// Who may.
		expectProblem(t, a.do("POST", "/api/v1/staff/centers/aarhus/desks/1/call", nil), 401, "unauthenticated")
		expectProblem(t, a.do("POST", "/api/v1/staff/centers/aarhus/tickets/1/attend", nil), 401, "unauthenticated")
		copenhagen := desk{a: a, cookie: d.cookie, center: "copenhagen", name: "1"}
		expectProblem(t, a.do("POST", "/api/v1/staff/centers/copenhagen/desks/1/call", nil, "Cookie", d.cookie), 403, "forbidden")
		expectProblem(t, copenhagen.act(1, "recall", map[string]any{"desk": "1"}), 403, "forbidden")
		expectProblem(t, copenhagen.act(1, "serve", nil), 403, "forbidden")

		if _, ok := d.call(); ok {
			t.Fatal("a call on an empty queue got a ticket")
		}

		// A mixed queue: two walk-ins, then an appointment holder who
		// checks in early for 10:10.
		w1 := a.takeTicket("aarhus", "general-information")["number"]
		w2 := a.takeTicket("aarhus", "tax-card")["number"]
		a1 := a.checkIn("AAR-DESK01", thursday.Add(10*time.Minute))["number"]
		first, _ := d.call()
		if first.Number != w1 || first.State != "called" || first.Desk != "1" || first.Calls != 1 || first.Kind != "walk_in" || first.CalledAt == nil {
			t.Fatalf("first call at 10:00: %+v, want %v", first, w1)
		}
		// Only Aarhus' desks, 1 to 3, call or recall: an invented desk
		// would show on the display and lower the wait it shows. The
		// called ticket and the two waiting are left as they were, as the
		// calls below and the audit trail show.
		for _, invented := range []string{"0", "4", "99", "-1", "01", "1.0"} {
			expectProblem(t, a.do("POST", "/api/v1/staff/centers/aarhus/desks/"+invented+"/call", nil, "Cookie", d.cookie), 404, "not_found")
			expectProblem(t, d.act(first.ID, "recall", map[string]any{"desk": invented}), 404, "not_found")
		}
		a.advance(10 * time.Minute)
		other := desk{a: a, cookie: a.login("admin@ics.dk"), center: "aarhus", name: "2"}
		second, _ := other.call()
		if second.Number != a1 || second.Kind != "appointment" || second.Desk != "2" {
			t.Fatalf("second call at 10:10: %+v, want the appointment %v before the earlier walk-in %v", second, a1, w2)
		}
		third, _ := d.call()
		if third.Number != w2 {
			t.Fatalf("third call: %+v, want %v", third, w2)
		}
		if got, ok := d.call(); ok {
			t.Fatalf("a fourth call got %+v", got)
		}

		// No-show only after three calls.
		expectProblem(t, d.act(first.ID, "no-show", nil), 422, "too_few_calls")
		for calls := 2; calls <= 3; calls++ {
			r := d.act(first.ID, "recall", map[string]any{"desk": "1"})
			if got := ticketOf(t, r); r.status != 200 || got.Calls != calls {
				t.Fatalf("recall: %d %+v, want %d calls", r.status, got, calls)
			}
			if calls < 3 {
				expectProblem(t, d.act(first.ID, "no-show", nil), 422, "too_few_calls")
			}
		}
		if r := d.act(first.ID, "no-show", nil); r.status != 200 || ticketOf(t, r).State != "no_show" {
			t.Fatalf("no-show after 3 calls: %d %s", r.status, r.body)
		}
		expectProblem(t, d.act(first.ID, "no-show", nil), 409, "conflict")

		// Serving, at the other desk.
		if r := other.act(second.ID, "attend", nil); r.status != 200 || ticketOf(t, r).State != "serving" {
			t.Fatalf("attend: %d %s", r.status, r.body)
		}
		if r := other.act(second.ID, "serve", nil); r.status != 200 || ticketOf(t, r).State != "done" {
			t.Fatalf("serve: %d %s", r.status, r.body)
		}
		expectProblem(t, other.act(second.ID, "serve", nil), 409, "conflict")
		// An Aarhus ticket is not Copenhagen's.
		expectProblem(t, a.do("POST", fmt.Sprintf("/api/v1/staff/centers/copenhagen/tickets/%d/attend", third.ID), nil, "Cookie", other.cookie), 404, "not_found")

		// Moving keeps the ticket and its place: called again before a
		// later one.
		w3 := a.takeTicket("aarhus", "general-information")["number"]
		w4 := a.takeTicket("aarhus", "general-information")["number"]
		called, _ := d.call()
		if called.Number != w3 {
			t.Fatalf("call: %+v, want %v", called, w3)
		}
		r := d.act(called.ID, "move", map[string]any{"service": "tax-card"})
		moved := ticketOf(t, r)
		if r.status != 200 || moved.ID != called.ID || moved.Number != w3 || moved.Service != "tax-card" || moved.State != "waiting" ||
			moved.Desk != "" || moved.Calls != 0 || moved.CalledAt != nil || moved.IssuedAt != called.IssuedAt {
			t.Fatalf("move: %d %+v", r.status, moved)
		}
		expectProblem(t, d.act(called.ID, "move", map[string]any{"service": "haircut"}), 404, "not_found")
		if again, _ := d.call(); again.ID != called.ID {
			t.Fatalf("after the move the call got %+v, want %v again before %v", again, w3, w4)
		}

		// Every action is in the audit trail, by ticket number.
		entries, err := a.staff.Entries(t.Context(), 100)
		if err != nil {
			t.Fatal(err)
		}
		var did []string
		for _, e := range entries {
			if e.Action != "login" {
				did = append(did, e.Action+" "+e.Subject+" "+e.Detail)
			}
		}
		slices.Reverse(did)
		want := []string{"call " + w1.(string) + " desk 1", "call " + a1.(string) + " desk 2", "call " + w2.(string) + " desk 1",
			"recall " + w1.(string) + " desk 1", "recall " + w1.(string) + " desk 1", "no-show " + w1.(string) + " ",
			"attend " + a1.(string) + " ", "serve " + a1.(string) + " ", "call " + w3.(string) + " desk 1",
			"move " + w3.(string) + " to tax-card", "call " + w3.(string) + " desk 1"}
		if !slices.Equal(did, want) {
			t.Errorf("audit trail\n\t%s\nwant\n\t%s", strings.Join(did, "\n\t"), strings.Join(want, "\n\t"))
		}
	})
}

// ticketActions are the last parts of the ticket actions' paths.
var ticketActions = []string{"recall", "attend", "serve", "no-show", "move"}

// actionBody is a valid body of a ticket action, nil for none.
func actionBody(action string) any {
	switch action {
	case "recall":
		return map[string]any{"desk": "1"}
	case "move":
		return map[string]any{"service": "tax-card"}
	}
	return nil
}

func TestOpenAPIDeskContract(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	c := newContract(t, loadDocument(t, a))
	const valid, invalid = true, false
	a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
	session := []string{"Cookie", a.login("mette@ics.dk")}
	call := "/api/v1/staff/centers/aarhus/desks/1/call"
	ticket := func(id int64, action string) string {
		return fmt.Sprintf("/api/v1/staff/centers/aarhus/tickets/%d/%s", id, action)
	}

	c.exchange(a, "POST", call, nil, 204, valid, session...)
	c.exchange(a, "POST", call, nil, 401, invalid)
	c.exchange(a, "POST", "/api/v1/staff/centers/copenhagen/desks/1/call", nil, 403, valid, session...)
	c.exchange(a, "POST", call, nil, 403, valid, "Sec-Fetch-Site", "cross-site", session[0], session[1])
	c.exchange(a, "POST", "/api/v1/staff/centers/roskilde/desks/1/call", nil, 404, valid, session...)
	c.exchange(a, "POST", "/api/v1/staff/centers/aarhus/desks/99/call", nil, 404, valid, session...)
	c.exchange(a, "POST", "/api/v1/staff/centers/aarhus/desks/0/call", nil, 404, invalid, session...)
	c.exchange(a, "POST", "/api/v1/staff/centers/aarhus/desks/-1/call", nil, 404, invalid, session...)
	c.exchange(a, "POST", call, `{}`, 415, valid, "Content-Encoding", "gzip", session[0], session[1])

	for range 3 {
		a.takeTicket("aarhus", "general-information")
	}
	id := ticketOf(t, c.exchange(a, "POST", call, nil, 200, valid, session...)).ID
	for _, action := range ticketActions {
		path := ticket(id, action)
		body := actionBody(action)
		c.exchange(a, "POST", path, body, 401, invalid)
		c.exchange(a, "POST", strings.Replace(path, "aarhus", "copenhagen", 1), body, 403, valid, session...)
		c.exchange(a, "POST", path, body, 403, valid, "Sec-Fetch-Site", "cross-site", session[0], session[1])
		c.exchange(a, "POST", ticket(999, action), body, 404, valid, session...)
		if body == nil {
			c.exchange(a, "POST", path, `{}`, 415, valid, "Content-Encoding", "gzip", session[0], session[1])
		} else {
			c.exchange(a, "POST", path, body, 415, valid, "Content-Encoding", "gzip", session[0], session[1])
			c.exchange(a, "POST", path, `{}`, 400, invalid, session...)
			c.exchange(a, "POST", path, `{"desk":"1","service":"x"}`, 400, invalid, session...)
			c.exchange(a, "POST", path, `{"desk":"`+strings.Repeat("1", 70<<10)+`"}`, 413, invalid, session...)
		}
	}
	c.exchange(a, "POST", ticket(id, "recall"), map[string]any{"desk": "99"}, 404, valid, session...)
	c.exchange(a, "POST", ticket(id, "recall"), map[string]any{"desk": "0"}, 404, invalid, session...)
	c.exchange(a, "POST", ticket(id, "no-show"), nil, 422, valid, session...)
	c.exchange(a, "POST", ticket(id, "recall"), map[string]any{"desk": "1"}, 200, valid, session...)
	c.exchange(a, "POST", ticket(id, "recall"), map[string]any{"desk": "1"}, 200, valid, session...)
	c.exchange(a, "POST", ticket(id, "no-show"), nil, 200, valid, session...)
	for _, action := range ticketActions {
		c.exchange(a, "POST", ticket(id, action), actionBody(action), 409, valid, session...)
	}
	id = ticketOf(t, c.exchange(a, "POST", call, nil, 200, valid, session...)).ID
	c.exchange(a, "POST", ticket(id, "move"), map[string]any{"service": "tax-card"}, 200, valid, session...)
	id = ticketOf(t, c.exchange(a, "POST", call, nil, 200, valid, session...)).ID
	c.exchange(a, "POST", ticket(id, "attend"), nil, 200, valid, session...)
	c.exchange(a, "POST", ticket(id, "serve"), nil, 200, valid, session...)

	// A body that stops halfway is answered 408 once the read timeout ends.
	fresh := newApp(t, "sqlite", thursday)
	fresh.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
	slowSession := []string{"Cookie", fresh.login("mette@ics.dk")}
	slow := fresh.withReadTimeout(500 * time.Millisecond)
	for _, path := range []string{ticket(1, "recall"), ticket(1, "move")} {
		const partial = `{"desk":"`
		res := slow.rawRequest(slowRequest(path, "application/json", partial, slowSession...))
		if res.status != http.StatusRequestTimeout {
			t.Errorf("POST %s with a slow body: %d %s", path, res.status, res.body)
		}
		if err := c.validate("POST", path, []byte(partial), true, slowSession, res, invalid); err != nil {
			t.Errorf("POST %s: the %d response does not match the document: %v", path, res.status, err)
		}
	}

	if err := a.store.Close(); err != nil {
		t.Fatal(err)
	}
	c.exchange(a, "POST", call, nil, 500, valid, session...)
	for _, action := range ticketActions {
		c.exchange(a, "POST", ticket(id, action), actionBody(action), 500, valid, session...)
	}
	c.sawEveryStatus(deskOperations)
}

// TestDeskPage works a desk with its page's forms, without JavaScript:
// call, refuse a no-show before enough calls, move, serve; a post answers
// with a redirect back to the page and its notice.
func TestDeskPage(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		cookie := a.login("mette@ics.dk")
		page := "/staff/centers/aarhus/desks/1"
		form := func(path string, values url.Values) response {
			t.Helper()
			return a.doNoRedirect("POST", path, values.Encode(), "Cookie", cookie, "Content-Type", "application/x-www-form-urlencoded")
		}
		get := func(path string) string {
			t.Helper()
			r := a.do("GET", path, nil, "Cookie", cookie)
			if r.status != 200 {
				t.Fatalf("GET %s: %d %s", path, r.status, r.body)
			}
			return html.UnescapeString(string(r.body))
		}
		expectRedirect := func(r response, done string) {
			t.Helper()
			if r.status != http.StatusSeeOther || r.header.Get("Location") != page+"?done="+done {
				t.Fatalf("post: %d %v %s, want a redirect to the page with done=%s", r.status, r.header, r.body, done)
			}
		}

		if r := a.doNoRedirect("GET", page, nil); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/staff/login") {
			t.Errorf("without a session: %d %v", r.status, r.header)
		}
		if r := a.do("GET", "/staff/centers/copenhagen/desks/1", nil, "Cookie", cookie); r.status != http.StatusForbidden {
			t.Errorf("Copenhagen's desk for an Aarhus account: %d", r.status)
		}
		if r := form("/staff/centers/copenhagen/desks/1/call", nil); r.status != http.StatusForbidden {
			t.Errorf("calling at Copenhagen's desk for an Aarhus account: %d", r.status)
		}
		if r := a.doNoRedirect("GET", "/staff/centers/aarhus/desks?desk=2", nil, "Cookie", cookie); r.header.Get("Location") != "/staff/centers/aarhus/desks/2" {
			t.Errorf("picking desk 2: %d %v", r.status, r.header)
		}
		if body := get("/staff/centers/aarhus/desks"); !strings.Contains(body, `href="/staff/centers/aarhus/desks/1"`) {
			t.Errorf("the desks page lacks desk 1:\n%s", body)
		}
		// Aarhus has desks 1 to 3: no page, form or pick leads to another.
		for _, invented := range []string{"0", "4", "99", "-1", "01"} {
			path := "/staff/centers/aarhus/desks/" + invented
			if r := a.do("GET", path, nil, "Cookie", cookie); r.status != http.StatusNotFound || !strings.Contains(string(r.body), "Page not found") {
				t.Errorf("GET %s: %d, want the page that is not found", path, r.status)
			}
			if r := a.doNoRedirect("GET", "/staff/centers/aarhus/desks?desk="+url.QueryEscape(invented), nil, "Cookie", cookie); r.status != http.StatusNotFound {
				t.Errorf("picking desk %s: %d %v", invented, r.status, r.header)
			}
		}

		body := get(page)
		for _, want := range []string{"Desk 1, Aarhus ICS Center", `id="no-ticket"`, "Waiting in the queue: 0", `action="` + page + `/call"`} {
			if !strings.Contains(body, want) {
				t.Errorf("empty desk page lacks %s", want)
			}
		}
		expectRedirect(form(page+"/call", nil), "nobody")
		if body := get(page + "?done=nobody"); !strings.Contains(body, "Nobody is waiting to be called.") {
			t.Errorf("no notice after calling nobody")
		}

		number := a.takeTicket("aarhus", "general-information")["number"].(string)
		a.takeTicket("aarhus", "general-information")
		expectRedirect(form(page+"/call", nil), "called")
		body = get(page + "?done=called")
		for _, want := range []string{"The next ticket is called.", `id="ticket-number">` + number, "General information", "Walk-in",
			`id="ticket-calls">1`, "Waiting in the queue: 1", `id="no-show" disabled aria-describedby="no-show-hint"`,
			`<option value="tax-card">`} {
			if !strings.Contains(body, want) {
				t.Errorf("desk page with a ticket lacks %s", want)
			}
		}
		if strings.Contains(body, `<option value="general-information">`) {
			t.Error("the move form offers the ticket's own service")
		}
		var id int64
		if _, err := fmt.Sscanf(body[strings.Index(body, page+"/tickets/")+len(page+"/tickets/"):], "%d", &id); err != nil {
			t.Fatal(err)
		}
		ticketPath := fmt.Sprintf("%s/tickets/%d", page, id)

		// Nor does any form of another desk act, on the called ticket or
		// the waiting one: the ticket is still called once at desk 1.
		for _, invented := range []string{"0", "4", "99", "-1", "01"} {
			path := fmt.Sprintf("/staff/centers/aarhus/desks/%s/tickets/%d", invented, id)
			for _, action := range ticketActions {
				if r := form(path+"/"+action, url.Values{"service": {"tax-card"}}); r.status != http.StatusNotFound {
					t.Errorf("POST %s/%s: %d", path, action, r.status)
				}
			}
			if r := form("/staff/centers/aarhus/desks/"+invented+"/call", nil); r.status != http.StatusNotFound {
				t.Errorf("POST desk %s's call: %d", invented, r.status)
			}
		}
		body = get(page)
		for _, want := range []string{`id="ticket-number">` + number, `id="ticket-calls">1`, "Waiting in the queue: 1"} {
			if !strings.Contains(body, want) {
				t.Errorf("after the forms of invented desks the desk page lacks %s", want)
			}
		}

		r := form(ticketPath+"/no-show", nil)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "Call the ticket again first") {
			t.Errorf("no-show after one call: %d %s", r.status, r.body)
		}
		expectRedirect(form(ticketPath+"/recall", nil), "recall")
		expectRedirect(form(ticketPath+"/recall", nil), "recall")
		if body := get(page); !strings.Contains(body, `id="ticket-calls">3`) || strings.Contains(body, `id="no-show" disabled`) {
			t.Errorf("after three calls the no-show button is not ready")
		}
		expectRedirect(form(ticketPath+"/move", url.Values{"service": {"tax-card"}}), "move")
		if body := get(page + "?done=move"); !strings.Contains(body, "It keeps its place") || !strings.Contains(body, `id="no-ticket"`) {
			t.Errorf("after the move:\n%s", body)
		}
		expectRedirect(form(page+"/call", nil), "called")
		if body := get(page); !strings.Contains(body, `id="ticket-number">`+number) || !strings.Contains(body, "Tax card application support") {
			t.Errorf("the moved ticket is not called first again")
		}
		expectRedirect(form(ticketPath+"/attend", nil), "attend")
		if body := get(page); !strings.Contains(body, `id="serve"`) || !strings.Contains(body, "At the desk") {
			t.Errorf("serving page lacks the Served button")
		}
		expectRedirect(form(ticketPath+"/serve", nil), "serve")
		if r := form(ticketPath+"/serve", nil); r.status != http.StatusConflict || !strings.Contains(string(r.body), "changed meanwhile") {
			t.Errorf("serving twice: %d", r.status)
		}

		// In Danish.
		r = a.do("GET", page, nil, "Cookie", cookie+"; lang=da")
		if body := html.UnescapeString(string(r.body)); !strings.Contains(body, "Skranke 1") || !strings.Contains(body, "Kald næste") {
			t.Errorf("Danish desk page:\n%s", body)
		}
	})
}

// TestDesksOnTwoServers: two server processes on one PostgreSQL database,
// a desk on each calling as fast as it can until nobody waits: every
// ticket is called exactly once.
func TestDesksOnTwoServers(t *testing.T) {
	databaseURL := storetest.URL(t, "postgres")
	first := newApp(t, "postgres", thursday, withDatabase(databaseURL))
	second := newApp(t, "postgres", thursday, withDatabase(databaseURL))
	first.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
	const tickets = 40
	for range tickets {
		first.takeTicket("aarhus", "general-information")
	}

	var wg sync.WaitGroup
	calledBy := make([][]int64, 2)
	errs := make(chan error, 2)
	for i, a := range []*app{first, second} {
		cookie := a.login("mette@ics.dk")
		wg.Go(func() {
			path := fmt.Sprintf("%s/api/v1/staff/centers/aarhus/desks/%d/call", a.srv.URL, i+1)
			for {
				req, err := http.NewRequest("POST", path, nil)
				if err != nil {
					errs <- err
					return
				}
				req.Header.Set("Cookie", cookie)
				res, err := a.srv.Client().Do(req)
				if err != nil {
					errs <- err
					return
				}
				var body struct{ Ticket deskTicket }
				err = json.NewDecoder(res.Body).Decode(&body)
				res.Body.Close()
				switch {
				case res.StatusCode == http.StatusNoContent:
					return
				case res.StatusCode != http.StatusOK || err != nil:
					errs <- fmt.Errorf("desk %d: %d %v", i+1, res.StatusCode, err)
					return
				}
				calledBy[i] = append(calledBy[i], body.Ticket.ID)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	all := slices.Concat(calledBy[0], calledBy[1])
	slices.Sort(all)
	if len(all) != tickets || len(slices.Compact(slices.Clone(all))) != tickets {
		t.Errorf("desks called %d tickets (%d and %d), %d distinct, want each of %d once",
			len(all), len(calledBy[0]), len(calledBy[1]), len(slices.Compact(all)), tickets)
	}
	t.Logf("desk 1 called %d, desk 2 called %d", len(calledBy[0]), len(calledBy[1]))
}

// TestDeskInBrowser works a desk by keyboard through a short mixed queue
// while a second tab shows the waiting room's display: each call appears
// there within seconds, woken by the desk's server itself (the display's
// poll is an hour). axe-core checks the desk page on the way.
func TestDeskInBrowser(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withBaseURL("http://127.0.0.1"), withLivePoll(time.Hour))
	a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
	w1 := a.takeTicket("aarhus", "general-information")["number"].(string)
	w2 := a.takeTicket("aarhus", "tax-card")["number"].(string)
	// Checked in on time for 09:55: called first.
	a1 := a.checkIn("AAR-DESK02", thursday.Add(-5*time.Minute))["number"].(string)

	display := openTab(t, desktop)
	display.do(chromedp.Navigate(a.srv.URL + "/centers/aarhus/display"))
	b := openTab(t, desktop)
	b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus/desks/1"))
	b.press("#email", "mette@ics.dk")
	b.press("#password", staffPassword)
	b.press("form.login button", kb.Enter)
	b.do(chromedp.WaitVisible(chromedp.CSS("#no-ticket")))
	b.check("staff-desk-empty")

	for i, number := range []string{a1, w1, w2} {
		a.advance(time.Minute) // a desk's calls follow each other
		b.press("#call-next", kb.Enter)
		b.do(chromedp.WaitVisible(chromedp.CSS("#desk-ticket")))
		b.contains("#ticket-number", number)
		if i == 0 {
			b.check("staff-desk-called")
		}
		if _, err := chromedp.Run(display.ctx, chromedp.Poll[bool](
			`document.querySelector('#at-desks').textContent.includes(`+jsString(number)+`)`,
			chromedp.WithPollingTimeout(waitLimit))); err != nil {
			t.Fatalf("the display does not show %s at a desk: %v (it shows %q)", number, err, display.text("#at-desks"))
		}
		b.press("#attend", kb.Enter)
		b.do(chromedp.WaitVisible(chromedp.CSS("#serve")))
		if i == 0 {
			b.check("staff-desk-serving")
		}
		b.press("#serve", kb.Enter)
		b.do(chromedp.WaitVisible(chromedp.CSS("#no-ticket")))
	}
	b.press("#call-next", kb.Enter)
	// The page before showed a notice too ("served"): wait for the new
	// one, across the navigation (which loses the page's script context).
	for deadline := time.Now().Add(waitLimit); ; {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](
			`(document.querySelector('#desk-notice') || {textContent: ''}).textContent.includes('Nobody is waiting')`))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no notice that nobody waits (%v): %q", err, b.text("#desk-notice"))
		}
		time.Sleep(50 * time.Millisecond) // polling the condition, with a deadline
	}
}

// A visit of two services for four people checks in as one ticket, and the
// desk that calls it sees every service, over the API and on its page; a
// walk-in's ticket has no services.
func TestDeskVisit(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a, cookie := newStaffApp(t, dialect)
		d := desk{a: a, cookie: cookie, center: "aarhus", name: "1"}
		visit := a.bookVisit("2026-11-26T12:00:00+01:00", 4, "eu-residence-document", "cpr-number")
		a.advance(110 * time.Minute) // 11:50: in time to check in
		checkIn := func() response {
			return a.do("POST", "/api/v1/centers/aarhus/check-ins", map[string]any{"reference": visit.Reference})
		}
		first, again := checkIn(), checkIn()
		if first.status != http.StatusCreated || again.status != http.StatusOK || first.json(t)["number"] != again.json(t)["number"] {
			t.Fatalf("check in twice: %d %s, then %d %s; want one ticket", first.status, first.body, again.status, again.body)
		}
		tickets, err := a.queue.Tickets(t.Context(), "aarhus", booking.Date{Year: 2026, Month: time.November, Day: 26})
		if err != nil || len(tickets) != 1 {
			t.Fatalf("%d tickets for one visit (%v)", len(tickets), err)
		}
		walkIn := a.takeTicket("aarhus", "general-information")["number"]

		a.advance(10 * time.Minute) // 12:00: the visit's time
		called, _ := d.call()
		if called.Number != first.json(t)["number"] || called.Kind != "appointment" || called.Service != "eu-residence-document" ||
			!slices.Equal(called.Services, []string{"eu-residence-document", "cpr-number"}) {
			t.Errorf("the visit's ticket at the desk: %+v", called)
		}
		for _, tt := range []struct{ lang, visit, cpr, people string }{
			{"en", "Services of the visit", a.serviceName("cpr-number", "en"), "People"},
			{"da", "Besøgets ydelser", a.serviceName("cpr-number", "da"), "Personer"},
		} {
			_, body := a.page(d.cookie, "/staff/centers/aarhus/desks/1", "Accept-Language", tt.lang)
			eu := a.serviceName("eu-residence-document", tt.lang)
			if !inOrder(body, `id="ticket-service">`+eu, tt.visit, `id="ticket-services"><ol><li>`+eu+`</li><li>`+tt.cpr+`</li></ol>`,
				tt.people, `id="ticket-people">4`) {
				t.Errorf("%s desk page of the visit:\n%s", tt.lang, body)
			}
		}
		served := d.act(called.ID, "serve", nil)
		if !slices.Equal(ticketOf(t, served).Services, called.Services) {
			t.Errorf("the served visit's ticket: %s", served.body)
		}
		path := fmt.Sprintf("/api/v1/staff/centers/aarhus/tickets/%d/serve", called.ID)
		if err := newContract(t, loadDocument(t, a)).validate("POST", path, nil, false, []string{"Cookie", d.cookie}, served, true); err != nil {
			t.Errorf("the visit's ticket does not match the document: %v", err)
		}

		r := a.do("POST", "/api/v1/staff/centers/aarhus/desks/1/call", nil, "Cookie", d.cookie)
		if ticketOf(t, r).Number != walkIn || strings.Contains(string(r.body), `"services"`) {
			t.Errorf("a walk-in's ticket: %s", r.body)
		}
		if _, body := a.page(d.cookie, "/staff/centers/aarhus/desks/1"); strings.Contains(body, `id="ticket-services"`) {
			t.Errorf("a walk-in's desk page names a visit:\n%s", body)
		}
	})
}
