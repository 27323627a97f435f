package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/notify/smtptest"
)

// TestLiveTicketFollowsCallOnOtherServer: a newcomer's ticket page, served
// by one server process, follows its ticket's stream; a desk on another
// server process, on the same PostgreSQL database, calls the ticket, and
// the stream tells the page the desk at once, as its page shows it (the
// browser's side of it is web's TestLiveTicketInBrowser).
func TestLiveTicketFollowsCallOnOtherServer(t *testing.T) {
	dbURL := storetest.URL(t, "postgres")
	vars := settings(t, dbURL, smtptest.Start(t).URL())
	var out bytes.Buffer
	err := run(context.Background(), []string{"staff", "add", "--email", "desk@ics.dk", "--center", "aarhus", "--role", "staff"},
		env(vars), strings.NewReader("a desk's long password\n"), &out, &out, nil)
	if err != nil {
		t.Fatalf("staff add: %v\n%s", err, out.String())
	}
	site, desk := startProcess(t, vars), startProcess(t, vars)

	status, data := post(site.URL, "/api/v1/centers/aarhus/tickets", `{"service":"general-information"}`)
	if status == http.StatusUnprocessableEntity {
		_, loc := bookingtest.Catalogue()
		if _, holiday := booking.NewCalendar(nil).Closed(booking.DateOf(time.Now().In(loc))); holiday {
			t.Skip("a public holiday: the center gives no tickets today")
		}
	}
	var ticket struct{ Number, URL string }
	if err := json.Unmarshal(data, &ticket); status != http.StatusCreated || err != nil {
		t.Fatalf("ticket: %d %s", status, data)
	}
	page, err := url.Parse(ticket.URL)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", site.URL+page.Path+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "da")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	type view struct {
		State    string `json:"state"`
		DeskName string `json:"desk_name"`
		Status   string `json:"status"`
		Calls    int    `json:"calls"`
	}
	events := make(chan view)
	go func() {
		defer close(events)
		lines := bufio.NewScanner(res.Body)
		name := ""
		for lines.Scan() {
			line := lines.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && name == "ticket":
				var v view
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &v); err != nil {
					t.Errorf("event %q: %v", line, err)
					return
				}
				select {
				case events <- v:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	next := func(what string) view {
		t.Helper()
		select {
		case v, ok := <-events:
			if !ok {
				t.Fatalf("the stream ended before %s", what)
			}
			return v
		case <-ctx.Done():
			t.Fatalf("no event of %s", what)
		}
		return view{}
	}
	if v := next("the ticket waiting"); v.State != string(booking.Waiting) || v.DeskName != "" {
		t.Fatalf("first event %+v, want the ticket waiting", v)
	}

	cookie := login(t, desk.URL, "desk@ics.dk", "a desk's long password")
	status, data = post(desk.URL, "/api/v1/staff/centers/aarhus/desks/3/call", "", "Cookie", cookie)
	if status != http.StatusOK || !strings.Contains(string(data), fmt.Sprintf("%q", ticket.Number)) {
		t.Fatalf("call on the other server: %d %s, want %s", status, data, ticket.Number)
	}
	v := next("the call")
	for v.State == string(booking.Waiting) { // a change of the queue before the call's
		v = next("the call")
	}
	if v.State != string(booking.Called) || v.DeskName != "Skranke 3" || v.Calls != 1 || !strings.Contains(v.Status, "skranke 3") {
		t.Errorf("after the call on the other server: %+v, want called to Skranke 3, in Danish", v)
	}
}
