package booking_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
)

// fixture is a Scheduler and a Queue over a memStore, with the built-in
// catalogue, the default policies and a clock the test sets.
type fixture struct {
	t         *testing.T
	store     *memStore
	scheduler *booking.Scheduler
	queue     *booking.Queue
	clock     *bookingtest.Clock
}

// defaultCatalogue is the built-in catalogue, whose time zone is
// Copenhagen's.
var defaultCatalogue, copenhagen = bookingtest.Catalogue()

// cph is a wall clock time in Copenhagen.
func cph(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, copenhagen)
}

// thursdayAt is a time of the day of bookingtest.Thursday (26 November
// 2026) in Copenhagen.
func thursdayAt(hour, minute int) time.Time {
	year, month, day := bookingtest.Thursday.In(copenhagen).Date()
	return cph(year, month, day, hour, minute)
}

// newFixture starts at bookingtest.Thursday, 10:00 in Copenhagen.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOf(t, defaultCatalogue, bookingtest.Policy(copenhagen))
}

// newFixtureOf is newFixture with another catalogue and policy.
func newFixtureOf(t *testing.T, cat booking.Catalogue, policy booking.Policy) *fixture {
	t.Helper()
	sealer, err := booking.NewSealer(bytes.Repeat([]byte{1}, booking.TokenKeySize))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, store: newMemStore(), clock: bookingtest.NewClock(bookingtest.Thursday)}
	f.scheduler = booking.NewScheduler(cat, f.store, sealer, policy, f.clock.Now)
	f.queue = booking.NewQueue(f.scheduler, f.store, bookingtest.QueuePolicy())
	return f
}

// book stores a confirmed 30-minute booking of the residence permit
// renewal without the booking rules; its manage token is "token-" and its
// reference.
func (f *fixture) book(ref, center string, start time.Time) booking.Booking {
	return f.store.add(booking.Booking{
		Reference: ref, TokenHash: booking.HashToken("token-" + ref), Center: center, Service: "residence-permit-renewal",
		Start: start.UTC(), End: start.Add(30 * time.Minute).UTC(), Name: "Ana Silva", Email: "ana@example.com",
		Locale: "en", Status: booking.Confirmed, CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now(),
	})
}

func (f *fixture) walkIn(service string) booking.TicketStatus {
	f.t.Helper()
	st, err := f.queue.IssueTicket(f.t.Context(), "aarhus", service)
	if err != nil {
		f.t.Fatalf("IssueTicket at %s: %v", f.clock.Now(), err)
	}
	return st
}

func (f *fixture) callNext(desk string) booking.Ticket {
	f.t.Helper()
	tk, ok, err := f.queue.CallNext(f.t.Context(), "aarhus", desk)
	if err != nil || !ok {
		f.t.Fatalf("CallNext: %v, %v", ok, err)
	}
	return tk
}

// refused checks that err is a domain error of kind saying when to come
// back: at, or no time if at is zero.
func refused(t *testing.T, err error, kind error, at time.Time) {
	t.Helper()
	var de *booking.Error
	if !errors.Is(err, kind) || !errors.As(err, &de) {
		t.Fatalf("error %v, want %v", err, kind)
	}
	if !de.At.Equal(at) {
		t.Errorf("%q: come at %s, want %s", de.Detail, de.At, at)
	}
}
