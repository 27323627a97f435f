package booking_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/configs"
)

// fixture is a Scheduler and a Queue over a memStore, with the catalogue of
// configs and a clock the test sets.
type fixture struct {
	t         *testing.T
	store     *memStore
	scheduler *booking.Scheduler
	queue     *booking.Queue
	now       time.Time
}

// defaultCatalogue is the catalogue of configs, whose time zone is
// Copenhagen's.
var defaultCatalogue, copenhagen = parseCatalogue()

func parseCatalogue() (booking.Catalogue, *time.Location) {
	cat, loc, err := catalogue.Parse(configs.CatalogueName, configs.Catalogue)
	if err != nil {
		panic(err)
	}
	return cat, loc
}

// cph is a wall clock time in Copenhagen.
func cph(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, copenhagen)
}

// thursdayAt is Thursday 26 November 2026 at a time in Copenhagen.
func thursdayAt(hour, minute int) time.Time { return cph(2026, time.November, 26, hour, minute) }

// newFixture starts at thursdayAt(10, 0).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	sealer, err := booking.NewSealer(bytes.Repeat([]byte{1}, booking.TokenKeySize))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, store: newMemStore(), now: thursdayAt(10, 0)}
	clock := func() time.Time { return f.now }
	f.scheduler = booking.NewScheduler(defaultCatalogue, f.store, sealer, booking.Policy{
		Location: copenhagen, Notice: 2 * time.Hour, HorizonDays: 60, InterpreterNoticeDays: 2,
		ExtraClosedDays: booking.DefaultExtraClosedDays, MaxSlotDays: 31, LinkGrace: 24 * time.Hour,
	}, clock)
	f.queue = booking.NewQueue(f.scheduler, f.store, booking.QueuePolicy{
		WalkInCutoff: 30 * time.Minute, CheckInEarly: 15 * time.Minute, CheckInLate: 15 * time.Minute, NoShowCalls: 3,
		TicketsPerClient: 2,
	})
	return f
}

// book stores a confirmed 30-minute booking of the residence permit
// renewal without the booking rules; its manage token is "token-" and its
// reference.
func (f *fixture) book(ref, center string, start time.Time) booking.Booking {
	return f.store.add(booking.Booking{
		Reference: ref, TokenHash: booking.HashToken("token-" + ref), Center: center, Service: "residence-permit-renewal",
		Start: start.UTC(), End: start.Add(30 * time.Minute).UTC(), Name: "Ana Silva", Email: "ana@example.com",
		Locale: "en", Status: booking.Confirmed, CreatedAt: f.now, UpdatedAt: f.now,
	})
}

func (f *fixture) walkIn(service string) booking.TicketStatus {
	f.t.Helper()
	st, err := f.queue.IssueTicket(f.t.Context(), "aarhus", service)
	if err != nil {
		f.t.Fatalf("IssueTicket at %s: %v", f.now, err)
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
