package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
)

// statementLog counts the statements a store logs (every one, at debug
// level, GORM's and the prepared reads alike) and keeps their SQL.
type statementLog struct {
	mu  sync.Mutex
	sql []string
}

func (l *statementLog) Enabled(context.Context, slog.Level) bool { return true }

func (l *statementLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "sql" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "sql" {
			l.mu.Lock()
			l.sql = append(l.sql, a.Value.String())
			l.mu.Unlock()
			return false
		}
		return true
	})
	return nil
}

func (l *statementLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *statementLog) WithGroup(string) slog.Handler      { return l }

// since returns the statements logged after the first n.
func (l *statementLog) since(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.sql[n:]...)
}

func (l *statementLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.sql)
}

// TestListingReadsNothingWithOffersHeld: a week's listing, the figure (b)
// of make bench, is served without a statement while nothing changes, and
// the waitlist's holds and offers add none: a held seat is taken on the
// seat counters as a booking is, so the one read of a day after a change
// is the counters' (and the closures'), never the waitlist's (issue 19,
// point 3).
func TestListingReadsNothingWithOffersHeld(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		log := &statementLog{}
		a := newApp(t, dialect, thursday, func(s *appSetup) { s.storeLog = log })
		nine := aarhusTime(nov30, "09:00")
		var refs, tokens []string
		for i := range 3 { // Aarhus has three desks
			ref, tok := a.book(withField(bookingBody("aarhus", "mitid", nine), "email", fmt.Sprintf("holder%d@example.com", i)))
			refs, tokens = append(refs, ref), append(tokens, tok)
		}
		for i := range 2 {
			if r := a.do("POST", "/api/v1/waitlist", joinBody(fmt.Sprintf("waiter%d@example.com", i))); r.status != http.StatusCreated {
				t.Fatalf("join: %d %s", r.status, r.body)
			}
		}
		week := "service=mitid&from=" + nov30 + "&to=2026-12-06"
		list := func() map[string]int {
			t.Helper()
			return a.slots("aarhus", week)
		}
		list()
		before := log.count()
		for range 3 {
			list()
		}
		if read := log.since(before); len(read) > 0 {
			t.Errorf("listing an unchanged week ran %d statements: %q", len(read), read)
		}

		// A cancellation frees a seat, which is held and offered to the
		// first in line: the listing reads the day's counters again, and
		// nothing of the waitlist.
		if r := a.do("POST", "/api/v1/bookings/"+refs[0]+"/cancel", nil, "Authorization", "Bearer "+tokens[0]); r.status != http.StatusOK {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		before = log.count()
		if n := list()[nine]; n != 0 {
			t.Errorf("the held seat is listed: %d free", n)
		}
		read := log.since(before)
		if len(read) == 0 {
			// The counters were dropped by the change: this shows that
			// the prepared reads are counted too.
			t.Error("the listing after a change read nothing")
		}
		for _, sql := range read {
			if low := strings.ToLower(sql); strings.Contains(low, "wait") || strings.Contains(low, "hold") || strings.Contains(low, "offer") {
				t.Errorf("the listing read the waitlist: %s", sql)
			}
		}
		before = log.count()
		for range 3 {
			list()
		}
		if read := log.since(before); len(read) > 0 {
			t.Errorf("listing the week again with an offer held ran %d statements: %q", len(read), read)
		}
	})
}

// TestQueueReadOncePerChange: with the queue's tickets kept (ReadTTL), a
// ticket's page reads nothing, neither its ticket nor its center's queue,
// until the queue changes: at once for a change made by this process, and
// on the announcement (Changed) for one made by another.
func TestQueueReadOncePerChange(t *testing.T) {
	log := &statementLog{}
	keep := func(s *appSetup) { s.queueReadTTL = time.Hour } // longer than the test: only changes drop
	url := storetest.URL(t, "postgres")
	a := newApp(t, "postgres", thursday, keep, withDatabase(url), func(s *appSetup) { s.storeLog = log })
	other := newApp(t, "postgres", thursday, keep, withDatabase(url))
	ctx := context.Background()
	var last booking.TicketStatus
	for range 3 {
		st, err := a.queue.IssueTicket(ctx, "aarhus", "general-information")
		if err != nil {
			t.Fatal(err)
		}
		last = st
	}
	place := func() int {
		t.Helper()
		st, err := a.queue.TicketByToken(ctx, last.Ticket.Token)
		if err != nil {
			t.Fatal(err)
		}
		return st.Position
	}
	if p := place(); p != 3 {
		t.Fatalf("third ticket at place %d", p)
	}
	before := log.count()
	if p := place(); p != 3 {
		t.Errorf("third ticket at place %d", p)
	}
	if read := log.since(before); len(read) != 0 {
		t.Errorf("a ticket's place read %d statements while its queue stood still: %q", len(read), read)
	}

	// Called by this process: seen at once.
	if _, ok, err := a.queue.CallNext(ctx, "aarhus", "1"); err != nil || !ok {
		t.Fatalf("call: %v %v", ok, err)
	}
	if p := place(); p != 2 {
		t.Errorf("after a call here, place %d, want 2", p)
	}
	// Called by another process: seen once announced.
	if _, ok, err := other.queue.CallNext(ctx, "aarhus", "2"); err != nil || !ok {
		t.Fatalf("call: %v %v", ok, err)
	}
	a.queue.Changed("aarhus")
	if p := place(); p != 1 {
		t.Errorf("after a call announced, place %d, want 1", p)
	}
}

// TestQueueKeepsTodayPastYesterdaysTicket: the page of yesterday's ticket
// reads yesterday's queue without taking the place of today's in memory.
func TestQueueKeepsTodayPastYesterdaysTicket(t *testing.T) {
	log := &statementLog{}
	a := newApp(t, "postgres", thursday, func(s *appSetup) { s.queueReadTTL = time.Hour; s.storeLog = log })
	ctx := context.Background()
	yesterday, err := a.queue.IssueTicket(ctx, "aarhus", "general-information")
	if err != nil {
		t.Fatal(err)
	}
	a.advance(24 * time.Hour)
	today, err := a.queue.IssueTicket(ctx, "aarhus", "general-information")
	if err != nil {
		t.Fatal(err)
	}
	read := func(token string) booking.TicketStatus {
		t.Helper()
		st, err := a.queue.TicketByToken(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := read(today.Ticket.Token); st.Position != 1 {
		t.Fatalf("today's ticket at place %d, want 1", st.Position)
	}
	if st := read(yesterday.Ticket.Token); st.Ticket.Day == today.Ticket.Day {
		t.Fatalf("yesterday's ticket is of day %s, today's too", st.Ticket.Day)
	}
	before := log.count()
	if st := read(today.Ticket.Token); st.Position != 1 {
		t.Errorf("today's ticket at place %d, want 1", st.Position)
	}
	if read := log.since(before); len(read) != 0 {
		t.Errorf("today's queue was read again (%q) after yesterday's ticket's page", read)
	}
}
