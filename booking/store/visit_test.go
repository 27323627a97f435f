package store_test

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/booking/store"
)

// visitScheduler books on s with the built-in catalogue, at
// bookingtest.Thursday; friday is a time of the next day, which it may
// book all of. Aarhus, open 09:00-15:00, has three desks.
func visitScheduler(t *testing.T, s *store.Store) (sch *booking.Scheduler, friday func(hour, minute int) time.Time) {
	t.Helper()
	sealer, err := booking.NewSealer(bytes.Repeat([]byte{7}, booking.TokenKeySize))
	if err != nil {
		t.Fatal(err)
	}
	cat, loc := bookingtest.Catalogue()
	sch = booking.NewScheduler(cat, s, sealer, bookingtest.Policy(loc), bookingtest.NewClock(bookingtest.Thursday).Now)
	y, m, d := bookingtest.Thursday.In(loc).AddDate(0, 0, 1).Date()
	return sch, func(hour, minute int) time.Time { return time.Date(y, m, d, hour, minute, 0, 0, loc) }
}

func visitTo(start time.Time, email string, people int, services ...string) booking.Request {
	return booking.Request{Center: "aarhus", Services: services, People: people, Start: start, Name: "Ana Silva", Email: email}
}

// A visit is stored with its services in order and its people, and the
// catalogue check at startup counts it for each of its services.
func TestVisitRoundTrip(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		sch, friday := visitScheduler(t, s)
		b, _, err := sch.Book(ctx, visitTo(friday(9, 0), "ana@example.com", 4, "tax-card", "cpr-number"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := sch.Book(ctx, booking.Request{Center: "aarhus", Service: "cpr-number", Start: friday(11, 0), Name: "Bo", Email: "bo@example.com"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Booking(ctx, b.Reference)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Services, []string{"tax-card", "cpr-number"}) || got.Service != "tax-card" || got.People != 4 || !got.End.Equal(friday(11, 30)) {
			t.Errorf("stored %v (service %s) for %d until %s", got.Services, got.Service, got.People, got.End)
		}
		uses, err := s.CatalogueUses(ctx, friday(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		want := []booking.CatalogueUse{{Center: "aarhus", Service: "cpr-number", Bookings: 2}, {Center: "aarhus", Service: "tax-card", Bookings: 1}}
		if !slices.Equal(uses, want) {
			t.Errorf("catalogue uses %+v, want %+v", uses, want)
		}
	})
}

// A visit holds its desk for its whole length: a booking of one service
// cannot take a unit that a visit of two covers when the desks are full,
// also when they race for it.
func TestVisitHoldsItsSeat(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		sch, friday := visitScheduler(t, s)
		// 09:00-10:00 for the visit; 09:30-10:00 for two others.
		if _, _, err := sch.Book(ctx, visitTo(friday(9, 0), "a@example.com", 1, "cpr-number", "tax-card")); err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"b@example.com", "c@example.com"} {
			if _, _, err := sch.Book(ctx, visitTo(friday(9, 30), email, 1, "mitid")); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := sch.Book(ctx, visitTo(friday(9, 30), "d@example.com", 1, "mitid")); !errors.Is(err, booking.ErrSlotFull) {
			t.Errorf("a fourth at 09:30 with three desks: %v", err)
		}
		day := booking.DateOf(friday(9, 0))
		slots, err := sch.Slots(ctx, booking.SlotQuery{Center: "aarhus", Service: "mitid", From: day, To: day})
		if err != nil {
			t.Fatal(err)
		}
		free := map[string]int{}
		for _, sl := range slots[:2] {
			free[sl.Start.Format("15:04")] = sl.Available
		}
		if free[friday(9, 0).Format("15:04")] != 2 || free[friday(9, 30).Format("15:04")] != 0 {
			t.Errorf("free seats %v, want 2 at 09:00 and 0 at 09:30", free)
		}
	})
}

func TestVisitRacesForItsSeat(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		sch, friday := visitScheduler(t, s)
		// Twenty visits of an hour from 10:00 and twenty bookings of half
		// an hour from 10:30 all want the units of 10:30 and 10:45, of
		// which three desks can serve three.
		var (
			start     = make(chan struct{})
			wg        sync.WaitGroup
			mu        sync.Mutex
			won, full int
			visits    int // of the bookings won
		)
		for i := range 40 {
			wg.Go(func() {
				r := visitTo(friday(10, 0), "v"+string(rune('a'+i%26))+"@example.com", 1, "cpr-number", "tax-card")
				if i%2 == 1 {
					r = visitTo(friday(10, 30), "s"+string(rune('a'+i%26))+"@example.com", 1, "mitid")
				}
				<-start
				_, _, err := sch.Book(t.Context(), r)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
					if i%2 == 0 {
						visits++
					}
				case errors.Is(err, booking.ErrSlotFull):
					full++
				default:
					t.Errorf("Book: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		if won != 3 || full != 37 {
			t.Errorf("%d booked, %d full; want 3 and 37", won, full)
		}
		us, err := s.Usage(t.Context(), "aarhus", friday(0, 0), friday(23, 0))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, u := range us {
			got[u.Start.In(friday(0, 0).Location()).Format("15:04")] = u.Booked
		}
		want := map[string]int{"10:00": visits, "10:15": visits, "10:30": 3, "10:45": 3}
		for k, v := range want {
			if v == 0 {
				delete(want, k)
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("desk usage %v, want %v", got, want)
		}
	})
}
