package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/internal/servertest"
	"github.com/ics-booking/icsbooking/notify/smtptest"
)

// settings are servertest.Settings, with the server's files in a temporary
// directory of the test.
func settings(t *testing.T, databaseURL, smtpURL string) map[string]string {
	t.Helper()
	vars, err := servertest.Settings(t.TempDir(), databaseURL, smtpURL)
	if err != nil {
		t.Fatal(err)
	}
	return vars
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

var (
	referenceIn = regexp.MustCompile(`"reference":"([A-Z]+-[0-9A-Z]+)"`)
	createdIn   = regexp.MustCompile(`"reference":"([A-Z]+-[0-9A-Z]+)".*"token":"([^"]+)"`)
)

// everyOther returns every other start of starts, n of them at most: slots
// apart by an hour, so that no two bookings of the burst share a quarter
// hour.
func everyOther(starts []string, n int) []string {
	var picked []string
	for i, start := range starts {
		if i%2 == 0 && len(picked) < n {
			picked = append(picked, start)
		}
	}
	return picked
}

// created is a booking a server answered with 201.
type created struct{ reference, token string }

// burst sends six bookings for each of the slots at once, half of them to
// each server, and returns how many got each status and, by slot, the
// bookings made.
func burst(servers []*servertest.Process, slots []string) (map[int]int, map[string][]created) {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		counted = map[int]int{}
		made    = map[string][]created{}
	)
	for i := range 6 * len(slots) {
		slot := slots[i%len(slots)]
		wg.Go(func() {
			body := fmt.Sprintf(`{"center":"aarhus","service":"residence-permit-renewal","start":%q,"name":"P %d","email":"p%d@example.com"}`, slot, i, i)
			status, data := post(servers[i%len(servers)].URL, "/api/v1/bookings", body)
			mu.Lock()
			defer mu.Unlock()
			counted[status]++
			if m := createdIn.FindSubmatch(data); status == http.StatusCreated && m != nil {
				made[slot] = append(made[slot], created{string(m[1]), string(m[2])})
			}
		})
	}
	wg.Wait()
	return counted, made
}

// TestTwoServersAndACrash runs two real server processes on one
// PostgreSQL database and drives both at once, as an operator would try
// it: a burst of bookings (no slot overbooked), walk-in tickets called by
// two desks, one on each server (no ticket called twice); then one server
// is killed (SIGKILL) during a burst and started again. Every booking
// answered with 201 exists, and every booking in the database gets its
// email: once, or, for a message the mail server accepted from the killed
// server in the moment before the kill, twice with the same Message-ID (the
// guarantee the README states).
func TestTwoServersAndACrash(t *testing.T) {
	dbURL := storetest.URL(t, "postgres")
	// Each server process sends through a mail server of its own, so that
	// whatever the first received came from the server killed, before its
	// death; the others serve the other server and the restarted one.
	mailA, mailB := smtptest.Start(t), smtptest.Start(t)
	vars := settings(t, dbURL, mailA.URL())
	maps.Copy(vars, map[string]string{
		// A delivery the killed server was making is taken up again once
		// it has run longer than a delivery can (three times this, and
		// some seconds). Long enough that a busy machine never cuts a send
		// the mail server accepted, which would then go again.
		"ICS_SMTP_TIMEOUT":       "10s",
		"ICS_JOBS_POLL_INTERVAL": "100ms",
		"ICS_MAIL_WORKERS":       "8",
	})
	others := maps.Clone(vars)
	others["ICS_SMTP_URL"] = mailB.URL()
	var out bytes.Buffer
	err := run(context.Background(), []string{"staff", "add", "--email", "desk@ics.dk", "--center", "aarhus", "--role", "staff"},
		env(vars), strings.NewReader("a desk's long password\n"), &out, &out, nil)
	if err != nil {
		t.Fatalf("staff add: %v\n%s", err, out.String())
	}
	a := startProcess(t, vars)
	b := startProcess(t, others)
	servers := []*servertest.Process{a, b}

	// A burst of 60 bookings over 10 slots of 3 desks, half on each server.
	counted, made := burst(servers, everyOther(freeSlots(t, a.URL), 10))
	if counted[http.StatusCreated] != 30 || counted[http.StatusConflict] != 30 {
		t.Fatalf("burst: %v, want 30 booked and 30 full", counted)
	}
	var (
		mu     sync.Mutex
		booked []string
		wg     sync.WaitGroup
	)
	for _, bookings := range made {
		for _, c := range bookings {
			booked = append(booked, c.reference)
		}
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

	walkIns(t, servers)

	// A second burst of 40 on server a, a week ahead, each in a slot of its
	// own; a is killed once ten are answered.
	week := time.Now().AddDate(0, 0, 7)
	later := everyOther(freeSlotsOf(t, a.URL, week.Format(time.DateOnly), week.AddDate(0, 0, 6).Format(time.DateOnly)), 40)
	if len(later) < 40 {
		t.Fatalf("%d free slots a week ahead, want 40", len(later))
	}
	killed, burst := make(chan struct{}), make(chan struct{})
	answered := 0
	for i := range 40 {
		wg.Go(func() {
			body := fmt.Sprintf(`{"center":"aarhus","service":"residence-permit-renewal","start":%q,"name":"Q %d","email":"q%d@example.com"}`, later[i], i, i)
			status, data := post(a.URL, "/api/v1/bookings", body)
			mu.Lock()
			defer mu.Unlock()
			if m := referenceIn.FindSubmatch(data); status == http.StatusCreated && m != nil {
				booked = append(booked, string(m[1]))
				if answered++; answered == 10 {
					close(killed)
				}
			}
		})
	}
	go func() { wg.Wait(); close(burst) }()
	select {
	case <-killed:
	case <-burst:
		t.Fatalf("the second burst ended with %d bookings answered, before the kill", answered)
	case <-time.After(time.Minute):
		t.Fatal("the second burst had fewer than 10 bookings answered after a minute")
	}
	kill(t, a)
	// A message a was sending when killed goes again only once its job is
	// taken up, far later (see ICS_SMTP_TIMEOUT): after this number.
	seqAtKill := mailB.Seq()
	select {
	case <-burst:
	case <-time.After(time.Minute):
		t.Fatal("the requests to the killed server did not end within a minute")
	}
	startProcess(t, others)

	// Every acknowledged booking exists.
	for _, ref := range booked {
		if _, err := st.Booking(context.Background(), ref); err != nil {
			t.Errorf("booking %s answered 201 is lost: %v", ref, err)
		}
	}
	workers, err := strconv.Atoi(vars["ICS_MAIL_WORKERS"])
	if err != nil {
		t.Fatal(err)
	}
	checkEmails(t, st, deliveries(t, st, mailA, mailB), seqAtKill, workers)
}

// walkIns has twenty walk-ins take tickets on both servers, and a desk on
// each call until nobody waits: no ticket is called twice. Tickets are
// given on days the centers open, and the public holidays are closed even
// round the clock: on such a day every ticket must be refused.
func walkIns(t *testing.T, servers []*servertest.Process) {
	t.Helper()
	_, loc := bookingtest.Catalogue()
	today := func() booking.Date { return booking.DateOf(time.Now().In(loc)) }
	day := today()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		issued  = map[int]int{}
		refused []string
	)
	for i := range 20 {
		wg.Go(func() {
			status, data := post(servers[i%2].URL, "/api/v1/centers/aarhus/tickets", `{"service":"general-information"}`)
			mu.Lock()
			defer mu.Unlock()
			issued[status]++
			if status != http.StatusCreated {
				refused = append(refused, fmt.Sprintf("%d %s", status, data))
			}
		})
	}
	wg.Wait()
	cookie := login(t, servers[0].URL, "desk@ics.dk", "a desk's long password")
	calledBy := map[string]string{}
	for i, server := range servers {
		wg.Go(func() {
			for {
				status, data := post(server.URL, fmt.Sprintf("/api/v1/staff/centers/aarhus/desks/%d/call", i+1), "", "Cookie", cookie)
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
	_, holiday := booking.NewCalendar(nil).Closed(day)
	switch {
	case today() != day:
		// Tickets belong to their day: those issued before midnight are
		// not called after it.
		t.Logf("midnight passed during the walk-ins: %v issued, %d called", issued, len(calledBy))
	case holiday:
		if issued[http.StatusUnprocessableEntity] != 20 || len(calledBy) != 0 {
			t.Errorf("on the holiday %s: tickets %v, %d called; want all refused with 422", day, issued, len(calledBy))
		}
	case issued[http.StatusCreated] != 20:
		t.Errorf("tickets: %v, want 20 issued: %q", issued, refused)
	case len(calledBy) != 20:
		t.Errorf("%d tickets called, want 20", len(calledBy))
	}
}

// freeSlotsOf returns the start times of the free slots in Aarhus on the
// days from to to.
func freeSlotsOf(t *testing.T, base, from, to string) []string {
	t.Helper()
	l := slotsOf(t, base, from, to)
	return slices.DeleteFunc(l.starts, func(start string) bool { return l.available[start] == 0 })
}

// delivery is one message a mail server accepted.
type delivery struct {
	smtptest.Message
	server    *smtptest.Server
	killed    bool // accepted from the killed server, so before its death
	messageID string
	parsed    smtptest.Parsed
}

// deliveries waits until the emails have settled: every email recorded is
// sent, no email job is left to run, and the mail servers have seen the end
// of every connection the killed server had (so that they have read all it
// wrote). It returns what the mail servers accepted, in the order each
// accepted it.
func deliveries(t *testing.T, st *store.Store, killed *smtptest.Server, servers ...*smtptest.Server) []delivery {
	t.Helper()
	var got []delivery
	drain := func() {
		for _, server := range append([]*smtptest.Server{killed}, servers...) {
			for more := true; more; {
				select {
				case m := <-server.Messages:
					p, err := smtptest.Parse(m.Data)
					if err != nil {
						t.Fatalf("message %d: %v\n%s", m.Seq, err, m.Data)
					}
					got = append(got, delivery{Message: m, server: server, killed: server == killed,
						messageID: p.Header.Get("Message-Id"), parsed: p})
				default:
					more = false
				}
			}
		}
	}
	// A job the killed server was running is taken up once it has run
	// three SMTP timeouts and some seconds, at the rescuer's next look
	// (every 30 seconds).
	deadline := time.Now().Add(5 * time.Minute)
	for {
		// Before the query: a message is in its channel before the mail
		// server's reply, so before its email can be recorded as sent.
		drain()
		var unsent, given, jobs int64
		if err := st.DB().Raw(`SELECT count(*) FROM emails WHERE state <> 'sent'`).Scan(&unsent).Error; err != nil {
			t.Fatal(err)
		}
		if err := st.DB().Raw(`SELECT count(*) FROM emails WHERE state IN ('failed', 'skipped')`).Scan(&given).Error; err != nil || given > 0 {
			t.Fatalf("%d emails failed or skipped (%v)", given, err)
		}
		err := st.DB().Raw(`SELECT count(*) FROM river_job WHERE kind = 'email'
			AND state IN ('available', 'pending', 'running', 'retryable', 'scheduled')`).Scan(&jobs).Error
		if err != nil {
			t.Fatal(err)
		}
		if unsent == 0 && jobs == 0 && killed.OpenConnections() == 0 {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 5 minutes: %d emails not sent, %d email jobs to run, %d connections of the killed server open",
				unsent, jobs, killed.OpenConnections())
		}
		time.Sleep(100 * time.Millisecond) // polling a condition, with a deadline
	}
}

// checkEmails checks that every booking in the database got its
// confirmation, and no message was accepted twice except as the guarantee
// allows: a message the mail server accepted from the killed server, on a
// connection that the kill cut (it never said QUIT), sent again after the
// kill (after the message numbered seqAtKill of the other mail server) to
// the same recipient with the same text, at most once per mail worker of
// the killed server. The killed server may have said more on that
// connection after the first copy: go-mail says RSET at once, and the
// connection goes back to the pool, and on to the next message, before the
// outcome is written to the database.
func checkEmails(t *testing.T, st *store.Store, got []delivery, seqAtKill, workers int) {
	t.Helper()
	var refs []string
	if err := st.DB().Raw(`SELECT reference FROM bookings`).Scan(&refs).Error; err != nil {
		t.Fatal(err)
	}
	copies := map[string][]delivery{}
	for _, d := range got {
		copies[d.messageID] = append(copies[d.messageID], d)
	}
	for _, ref := range refs {
		if len(copies["<"+ref+".0.confirmation@127.0.0.1>"]) == 0 {
			t.Errorf("booking %s got no confirmation", ref)
		}
	}
	if len(copies) != len(refs) {
		t.Errorf("%d distinct messages for %d bookings", len(copies), len(refs))
	}
	repeats := 0
	for id, ds := range copies {
		if len(ds) == 1 {
			continue
		}
		repeats++
		// The killed server's copy first.
		slices.SortFunc(ds, func(x, y delivery) int {
			if x.killed != y.killed {
				if x.killed {
					return -1
				}
				return 1
			}
			return cmp.Compare(x.Seq, y.Seq)
		})
		first, second := ds[0], ds[1]
		said, ended := first.server.Said(first.Seq)
		switch {
		case len(ds) > 2:
			t.Errorf("%s: %d copies", id, len(ds))
		case !first.killed || second.killed:
			t.Errorf("%s: sent twice, but not once by the killed server and once by another", id)
		case !ended || slices.Contains(said, "QUIT"):
			t.Errorf("%s: sent again, though the killed server was not cut off after the first copy (it said %q after it, ended %v)", id, said, ended)
		case second.Seq <= seqAtKill:
			t.Errorf("%s: the second copy (%d) came before the kill (%d)", id, second.Seq, seqAtKill)
		case !slices.Equal(first.To, second.To) || first.parsed.Subject != second.parsed.Subject ||
			first.parsed.Text != second.parsed.Text || first.parsed.HTML != second.parsed.HTML:
			t.Errorf("%s: the copies differ: to %q and %q\n%s\n%s", id, first.To, second.To, first.parsed.Text, second.parsed.Text)
		default:
			t.Logf("%s: sent again after the crash; the killed server said %q after the first copy", id, said)
		}
	}
	if repeats > workers {
		t.Errorf("%d messages sent twice, more than the %d the killed server can have had on their way", repeats, workers)
	}
	t.Logf("%d bookings, %d messages, %d of them sent twice", len(refs), len(got), repeats)
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
