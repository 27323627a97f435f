package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/notify/smtptest"
)

// The waitlist across two real server processes on one PostgreSQL
// database, one of them killed (SIGKILL) as the seats it freed were being
// offered: six newcomers wait, having joined on either, when the three
// bookings of a full slot are cancelled at once, two on one server and one
// on the other. Nobody
// answers the offers, whose holds last two seconds: each entry is offered
// a seat twice, lets both expire and ends, whichever process runs the
// expiry jobs (the killed one's are in the database). In the end every
// offer was made once, each offer email went out once or was skipped as
// its hold had ended (one the mail server took from the killed server in
// the moment before its death may have gone out twice with the same
// Message-ID, or once and then been skipped), and no seat is held: the
// slot is listed free on both servers.
func TestWaitlistAcrossTwoServersAndACrash(t *testing.T) {
	dbURL := storetest.URL(t, "postgres")
	mailA, mailB := smtptest.Start(t), smtptest.Start(t)
	vars := settings(t, dbURL, mailA.URL())
	maps.Copy(vars, map[string]string{
		"ICS_WAITLIST_HOLD":      "2s",
		"ICS_SMTP_TIMEOUT":       "10s",
		"ICS_JOBS_POLL_INTERVAL": "100ms",
	})
	others := maps.Clone(vars)
	others["ICS_SMTP_URL"] = mailB.URL()
	a := startProcess(t, vars)
	b := startProcess(t, others)
	st, err := store.Open(context.Background(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	slot := freeSlots(t, a.URL)[0]
	start, err := time.Parse(time.RFC3339, slot)
	if err != nil {
		t.Fatal(err)
	}
	var bookings []struct{ ref, token string }
	for i := range 3 {
		status, data := post(a.URL, "/api/v1/bookings", fmt.Sprintf(`{"center":"aarhus","service":"residence-permit-renewal","start":%q,"name":"Holder","email":"holder%d@example.com"}`, slot, i))
		m := createdIn.FindSubmatch(data)
		if status != http.StatusCreated || m == nil {
			t.Fatalf("book: %d %s", status, data)
		}
		bookings = append(bookings, struct{ ref, token string }{string(m[1]), string(m[2])})
	}
	until := start.In(copenhagen()).Format(time.DateOnly)
	for i := range 6 {
		base := []string{a.URL, b.URL}[i%2]
		status, data := post(base, "/api/v1/waitlist", fmt.Sprintf(`{"center":"aarhus","service":"residence-permit-renewal","name":"Waiter %d","email":"waiter%d@example.com","until":%q}`, i, i, until))
		if status != http.StatusCreated || createdIn.FindSubmatch(data) == nil {
			t.Fatalf("join: %d %s", status, data)
		}
	}

	// Three cancellations at once, two on a, which is killed as soon as
	// they are answered: its offer emails and expiries are on their way.
	var wg sync.WaitGroup
	for i, bk := range bookings {
		base := []string{a.URL, a.URL, b.URL}[i]
		wg.Go(func() {
			if status, data := post(base, "/api/v1/bookings/"+bk.ref+"/cancel", "", "Authorization", "Bearer "+bk.token); status != http.StatusOK {
				t.Errorf("cancel: %d %s", status, data)
			}
		})
	}
	wg.Wait()
	kill(t, a)
	startProcess(t, others)

	// Every entry ends after two missed offers; then nothing is held.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var ended int64
		if err := st.DB().Raw(`SELECT count(*) FROM waitlist WHERE status = 'expired'`).Scan(&ended).Error; err != nil {
			t.Fatal(err)
		}
		if ended == 6 {
			break
		}
		if time.Now().After(deadline) {
			var rows []struct {
				Reference, Status string
				Offers, Missed    int
			}
			st.DB().Raw(`SELECT reference, status, offers, missed FROM waitlist ORDER BY id`).Scan(&rows)
			t.Fatalf("after 3 minutes %d of 6 entries ended: %+v", ended, rows)
		}
		time.Sleep(100 * time.Millisecond) // polling a condition, with a deadline
	}
	var entries []struct{ Offers, Missed int }
	if err := st.DB().Raw(`SELECT offers, missed FROM waitlist ORDER BY id`).Scan(&entries).Error; err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		if e.Offers != booking.MaxMissedOffers || e.Missed != booking.MaxMissedOffers {
			t.Errorf("entry %d: %d offers, %d missed; want %d each", i+1, e.Offers, e.Missed, booking.MaxMissedOffers)
		}
	}
	events := map[string]int{}
	var counted []struct {
		Kind string
		N    int
	}
	if err := st.DB().Raw(`SELECT kind, count(*) AS n FROM waitlist_events GROUP BY kind`).Scan(&counted).Error; err != nil {
		t.Fatal(err)
	}
	for _, c := range counted {
		events[c.Kind] = c.N
	}
	if want := 6 * booking.MaxMissedOffers; events["offer"] != want || events["expiry"] != want || events["accept"] != 0 {
		t.Errorf("events %v, want %d offers and %d expiries", events, want, want)
	}
	var held int64
	if err := st.DB().Raw(`SELECT coalesce(sum(booked), 0) FROM slot_counters`).Scan(&held).Error; err != nil || held != 0 {
		t.Errorf("%d seats still taken with no booking (%v)", held, err)
	}
	day := start.In(copenhagen()).Format(time.DateOnly)
	if l := slotsOf(t, b.URL, day, day); l.available[slot] != 3 {
		t.Errorf("the server left lists %d free seats at %s, want 3", l.available[slot], slot)
	}

	// Each email once: none left queued or failed, and no message twice
	// but as the killed server may have sent it.
	deadline = time.Now().Add(3 * time.Minute)
	for {
		var open int64
		if err := st.DB().Raw(`SELECT count(*) FROM emails WHERE state IN ('queued', 'failed')`).Scan(&open).Error; err != nil {
			t.Fatal(err)
		}
		if open == 0 && mailA.OpenConnections() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 3 minutes %d emails queued or failed", open)
		}
		time.Sleep(100 * time.Millisecond) // polling a condition, with a deadline
	}
	copies := map[string][]bool{} // Message-ID's part before the @: from the killed server?
	for _, server := range []*smtptest.Server{mailA, mailB} {
		for more := true; more; {
			select {
			case m := <-server.Messages:
				p, err := smtptest.Parse(m.Data)
				if err != nil {
					t.Fatal(err)
				}
				id, _, _ := strings.Cut(strings.TrimPrefix(p.Header.Get("Message-Id"), "<"), "@")
				copies[id] = append(copies[id], server == mailA)
			default:
				more = false
			}
		}
	}
	// An offer email's record says what became of it. One recorded sent
	// reached a mail server; one recorded skipped (its hold ended before
	// its turn) did not, unless the killed server handed it to its mail
	// server in the moment before its death, before it could record that.
	var records []struct {
		Reference, State string
		Sequence         int
	}
	if err := st.DB().Raw(`SELECT w.reference, e.state, e.sequence FROM emails e JOIN waitlist w ON w.id = e.waitlist_id WHERE e.kind = 'waitlist-offer'`).Scan(&records).Error; err != nil {
		t.Fatal(err)
	}
	sentOffers := 0
	for _, r := range records {
		from := copies[fmt.Sprintf("%s.waitlist.offer.%d", r.Reference, r.Sequence)]
		switch {
		case r.State == string(booking.EmailSent):
			sentOffers++
			if len(from) == 0 {
				t.Errorf("offer %s #%d recorded as sent, never delivered", r.Reference, r.Sequence)
			}
		case r.State == string(booking.EmailSkipped) && (len(from) == 0 || len(from) == 1 && from[0]):
		default:
			t.Errorf("offer %s #%d recorded %s, delivered %d times (from the killed server: %v)", r.Reference, r.Sequence, r.State, len(from), from)
		}
	}
	offers := 0
	for id, from := range copies {
		if strings.Contains(id, ".waitlist.offer.") {
			offers++
		}
		if len(from) > 2 || (len(from) == 2 && from[0] == from[1]) {
			t.Errorf("%s sent %d times (from the killed server: %v)", id, len(from), from)
		}
	}
	if offers > len(records) {
		t.Errorf("%d offer emails delivered, %d recorded", offers, len(records))
	}
	t.Logf("%d offers made, %d offer emails sent (an offer whose hold ended first is skipped)", events["offer"], sentOffers)
}

// copenhagen is the centers' time zone.
func copenhagen() *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		panic(err)
	}
	return loc
}
