package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/configs"
	"github.com/ics-booking/icsbooking/notify/smtptest"
)

// roundTheClock writes the built-in catalogue with Aarhus open every day,
// all day, so that a test against the real clock finds it open.
func roundTheClock(t *testing.T) string {
	t.Helper()
	s := string(configs.Catalogue)
	at := strings.Index(s, "  - id: aarhus")
	hours := at + strings.Index(s[at:], "    hours:\n")
	end := hours + strings.Index(s[hours:], "    languages:")
	var open strings.Builder
	open.WriteString("    hours:\n")
	for _, day := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		open.WriteString("      " + day + `: "00:00-24:00"` + "\n")
	}
	path := filepath.Join(t.TempDir(), "catalogue.yaml")
	if err := os.WriteFile(path, []byte(s[:hours]+open.String()+s[end:]), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// post sends a JSON body with the headers given as name, value pairs and
// returns the status and body; a connection error is status 0.
func post(base, path, body string, headers ...string) (int, []byte) {
	req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, data
}

var referenceIn = regexp.MustCompile(`"reference":"([A-Z]+-[0-9A-Z]+)"`)

// TestTwoServersAndACrash runs two real server processes on one
// PostgreSQL database and drives both at once, as an operator would try
// it: a burst of bookings (no slot overbooked), walk-in tickets called by
// two desks, one on each server (no ticket called twice), each booking's
// email sent once; then one server is killed (SIGKILL) during a burst and
// started again: every booking answered with 201 exists and gets exactly
// its email.
func TestTwoServersAndACrash(t *testing.T) {
	smtp := smtptest.Start(t)
	dbURL := storetest.URL(t, "postgres")
	vars := map[string]string{
		"ICS_ADDR":            "127.0.0.1:0",
		"ICS_DATABASE_URL":    dbURL,
		"ICS_CATALOGUE":       roundTheClock(t),
		"ICS_SECRET_KEY_FILE": filepath.Join(t.TempDir(), "secret.key"),
		"ICS_SMTP_URL":        smtp.URL(),
		"ICS_SMTP_TLS":        "none",
		// A delivery the killed server was making is taken up again once
		// it has run longer than a delivery can: keep that short.
		"ICS_SMTP_TIMEOUT":          "3s",
		"ICS_JOBS_POLL_INTERVAL":    "100ms",
		"ICS_REMINDER_AT":           "off",
		"ICS_RATE_LIMIT_PER_MINUTE": "0",
		"ICS_MAX_ACTIVE_BOOKINGS":   "0",
		// Every walk-in of the test takes a ticket from this one address.
		"ICS_TICKETS_PER_ADDRESS": "0",
		"ICS_BOOKING_NOTICE":      "0s",
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"staff", "add", "--email", "desk@ics.dk", "--center", "aarhus", "--role", "staff"},
		env(vars), strings.NewReader("a desk's long password\n"), &out, &out, nil)
	if err != nil {
		t.Fatalf("staff add: %v\n%s", err, out.String())
	}
	a := startProcess(t, vars)
	b := startProcess(t, vars)
	servers := []*process{a, b}

	// A burst of 60 bookings over 10 slots of 3 desks, half on each server;
	// every other slot, so that no two share a quarter hour.
	var slots []string
	for i, start := range freeSlots(t, a.base)[:20] {
		if i%2 == 0 {
			slots = append(slots, start)
		}
	}
	var (
		mu      sync.Mutex
		booked  []string
		counted = map[int]int{}
		wg      sync.WaitGroup
	)
	for i := range 60 {
		wg.Go(func() {
			body := fmt.Sprintf(`{"center":"aarhus","service":"residence-permit-renewal","start":%q,"name":"P %d","email":"p%d@example.com"}`, slots[i%10], i, i)
			status, data := post(servers[i%2].base, "/api/v1/bookings", body)
			mu.Lock()
			defer mu.Unlock()
			counted[status]++
			if m := referenceIn.FindSubmatch(data); status == http.StatusCreated && m != nil {
				booked = append(booked, string(m[1]))
			}
		})
	}
	wg.Wait()
	if counted[http.StatusCreated] != 30 || counted[http.StatusConflict] != 30 {
		t.Fatalf("burst: %v, want 30 booked and 30 full", counted)
	}
	st, err := store.Open(context.Background(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	perSlot := map[time.Time]int{}
	for _, ref := range booked {
		bk, err := st.Booking(context.Background(), ref)
		if err != nil || bk.Status != booking.Confirmed {
			t.Fatalf("booking %s: %+v %v", ref, bk, err)
		}
		perSlot[bk.Start]++
	}
	for start, n := range perSlot {
		if n > 3 {
			t.Errorf("%d bookings at %s, 3 desks", n, start)
		}
	}

	// Twenty walk-ins take tickets on both servers; a desk on each calls
	// until nobody waits.
	for i := range 20 {
		wg.Go(func() {
			if status, data := post(servers[i%2].base, "/api/v1/centers/aarhus/tickets", `{"service":"general-information"}`); status != http.StatusCreated {
				t.Errorf("ticket: %d %s", status, data)
			}
		})
	}
	wg.Wait()
	cookie := login(t, a.base, "desk@ics.dk", "a desk's long password")
	calledBy := map[string]string{}
	for i, server := range servers {
		wg.Go(func() {
			for {
				status, data := post(server.base, fmt.Sprintf("/api/v1/staff/centers/aarhus/desks/%d/call", i+1), "", "Cookie", cookie)
				if status == http.StatusNoContent {
					return
				}
				m := regexp.MustCompile(`"number":"(W-\d+)"`).FindSubmatch(data)
				if status != http.StatusOK || m == nil {
					t.Errorf("call: %d %s", status, data)
					return
				}
				mu.Lock()
				if other, twice := calledBy[string(m[1])]; twice {
					t.Errorf("%s called by desk %s and desk %d", m[1], other, i+1)
				}
				calledBy[string(m[1])] = fmt.Sprint(i + 1)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(calledBy) != 20 {
		t.Errorf("%d tickets called, want 20", len(calledBy))
	}

	// A second burst on server a, killed once ten bookings are answered.
	killed := make(chan struct{})
	var once sync.Once
	for i := range 40 {
		wg.Go(func() {
			day := time.Now().AddDate(0, 0, 7+i/10).Format(time.DateOnly)
			body := fmt.Sprintf(`{"center":"aarhus","service":"residence-permit-renewal","start":"%sT%02d:00:00Z","name":"Q %d","email":"q%d@example.com"}`, day, 8+i%10, i, i)
			status, data := post(a.base, "/api/v1/bookings", body)
			mu.Lock()
			defer mu.Unlock()
			if m := referenceIn.FindSubmatch(data); status == http.StatusCreated && m != nil {
				booked = append(booked, string(m[1]))
			}
			if len(booked) >= 40 {
				once.Do(func() { close(killed) })
			}
		})
	}
	<-killed
	a.kill()
	wg.Wait()
	a = startProcess(t, vars)

	// Every acknowledged booking exists and gets exactly its email.
	want := map[string]bool{}
	for _, ref := range booked {
		if _, err := st.Booking(context.Background(), ref); err != nil {
			t.Errorf("booking %s answered 201 is lost: %v", ref, err)
		}
		want[ref] = true
	}
	// A booking committed when the server died may have lost its 201 on
	// the way: it exists, so it gets its email too, once.
	got := map[string]int{}
	confirmation := regexp.MustCompile(`Message-ID: <([A-Z]+-[0-9A-Z]+)\.0\.confirmation@`)
	deadline := time.After(2 * time.Minute)
	acknowledged := func() int {
		n := 0
		for ref := range want {
			n += min(got[ref], 1)
		}
		return n
	}
	for quiet := false; !quiet; {
		select {
		case m := <-smtp.Messages:
			if id := confirmation.FindSubmatch(m.Data); id != nil {
				got[string(id[1])]++
			}
		case <-time.After(2 * time.Second): // once all have come: a duplicate would come within a poll or two
			quiet = acknowledged() == len(want)
		case <-deadline:
			t.Fatalf("%d of %d acknowledged bookings got their confirmation", acknowledged(), len(want))
		}
	}
	for ref, n := range got {
		if _, err := st.Booking(context.Background(), ref); n != 1 || err != nil {
			t.Errorf("%s: %d confirmations (booking: %v)", ref, n, err)
		}
	}
	t.Logf("%d bookings answered 201, %d confirmed by email", len(want), len(got))
}

// login logs in at base and returns the session cookie for a Cookie header.
func login(t *testing.T, base, email, password string) string {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(base+"/staff/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "ics_staff" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("login: %d, no session cookie", res.StatusCode)
	return ""
}
