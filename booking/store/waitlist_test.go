package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/booking/store"
)

// waitFixture is a scheduler on a real store at bookingtest.Thursday with a
// clock the test moves, and the next day, Friday, whose 09:00 slot at
// Aarhus (three desks) it fills.
type waitFixture struct {
	s      *store.Store
	sch    *booking.Scheduler
	clock  *bookingtest.Clock
	friday func(hour, minute int) time.Time
}

func newWaitFixture(t *testing.T, s *store.Store) *waitFixture {
	t.Helper()
	sealer, err := booking.NewSealer(bytes.Repeat([]byte{7}, booking.TokenKeySize))
	if err != nil {
		t.Fatal(err)
	}
	cat, loc := bookingtest.Catalogue()
	clock := bookingtest.NewClock(bookingtest.Thursday)
	y, m, d := bookingtest.Thursday.In(loc).AddDate(0, 0, 1).Date()
	return &waitFixture{
		s:      s,
		sch:    booking.NewScheduler(cat, s, sealer, bookingtest.Policy(loc), clock.Now),
		clock:  clock,
		friday: func(hour, minute int) time.Time { return time.Date(y, m, d, hour, minute, 0, 0, loc) },
	}
}

// fill books every desk at 09:00 on Friday and returns the bookings with
// their tokens.
func (f *waitFixture) fill(t *testing.T) (bookings []booking.Booking, tokens []string) {
	t.Helper()
	for i := range 3 {
		b, tok, err := f.sch.Book(t.Context(), booking.Request{Center: "aarhus", Service: "mitid",
			Start: f.friday(9, 0), Name: "Holder", Email: fmt.Sprintf("holder%d@example.com", i)})
		if err != nil {
			t.Fatal(err)
		}
		bookings, tokens = append(bookings, b), append(tokens, tok)
	}
	return bookings, tokens
}

// join puts n newcomers in line for mitid at Aarhus until Friday.
func (f *waitFixture) join(t *testing.T, n int) (entries []booking.WaitEntry, tokens []string) {
	t.Helper()
	for i := range n {
		e, tok, err := f.sch.JoinWaitlist(t.Context(), booking.WaitRequest{Center: "aarhus", Service: "mitid",
			Name: fmt.Sprintf("Waiter %d", i), Email: fmt.Sprintf("waiter%d@example.com", i), Until: booking.DateOf(f.friday(12, 0))})
		if err != nil {
			t.Fatal(err)
		}
		entries, tokens = append(entries, e), append(tokens, tok)
	}
	return entries, tokens
}

// status reads an entry as its holder sees it.
func (f *waitFixture) status(t *testing.T, e booking.WaitEntry, token string) booking.WaitView {
	t.Helper()
	v, err := f.sch.WaitEntry(t.Context(), e.Reference, token)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkCounters fails the test unless every desk counter of Friday equals
// the confirmed bookings plus the holds of offered entries on its unit.
func (f *waitFixture) checkCounters(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	want := map[time.Time]int{}
	bookings, err := f.s.Appointments(ctx, "aarhus", f.friday(0, 0), f.friday(23, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bookings {
		for u := b.Start; u.Before(b.End); u = u.Add(booking.Unit) {
			want[u.UTC()]++
		}
	}
	line, err := f.s.Waitlist(ctx, "aarhus")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range line {
		if e.Status == booking.WaitOffered {
			for u := e.Offer.Start; u.Before(e.Offer.End); u = u.Add(booking.Unit) {
				want[u.UTC()]++
			}
		}
	}
	usage, err := f.s.Usage(ctx, "aarhus", f.friday(0, 0), f.friday(23, 0))
	if err != nil {
		t.Fatal(err)
	}
	got := map[time.Time]int{}
	for _, u := range usage {
		if u.Resource == "desk" && u.Booked > 0 {
			got[u.Start.UTC()] = u.Booked
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("desk at %s: counter %d, bookings and holds %d", k.In(copenhagen).Format("15:04"), got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("desk at %s: counter %d, no booking or hold", k.In(copenhagen).Format("15:04"), v)
		}
	}
}

// Two seats freed at once go to the first two in line, one each, never to
// a newcomer racing in through the booking API, and the counters always
// equal the bookings plus the holds.
func TestWaitlistOffersFreedSeatsInOrder(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := newWaitFixture(t, s)
		bookings, tokens := f.fill(t)
		entries, etokens := f.join(t, 3)
		if v := f.status(t, entries[2], etokens[2]); v.Status != booking.WaitWaiting || v.Position != 3 {
			t.Fatalf("third in line: %s at %d", v.Status, v.Position)
		}

		var wg sync.WaitGroup
		racers := make([]error, 10)
		for i := range 2 {
			wg.Go(func() {
				if _, err := f.sch.Cancel(ctx, bookings[i].Reference, tokens[i]); err != nil {
					t.Errorf("cancel: %v", err)
				}
			})
		}
		for i := range racers {
			wg.Go(func() {
				_, _, racers[i] = f.sch.Book(ctx, booking.Request{Center: "aarhus", Service: "mitid",
					Start: f.friday(9, 0), Name: "Racer", Email: fmt.Sprintf("racer%d@example.com", i)})
			})
		}
		wg.Wait()
		for i, err := range racers {
			if !errors.Is(err, booking.ErrSlotFull) {
				t.Errorf("racer %d: %v, want the slot full", i, err)
			}
		}
		for i, want := range []booking.WaitStatus{booking.WaitOffered, booking.WaitOffered, booking.WaitWaiting} {
			v := f.status(t, entries[i], etokens[i])
			if v.Status != want {
				t.Errorf("entry %d: %s, want %s", i+1, v.Status, want)
			}
			if want == booking.WaitOffered && (!v.Offer.Start.Equal(f.friday(9, 0)) || !v.Offer.Expires.Equal(f.clock.Now().Add(30*time.Minute))) {
				t.Errorf("entry %d offered %+v", i+1, v.Offer)
			}
		}
		f.checkCounters(t)

		// The listing does not show the held seats.
		day := booking.DateOf(f.friday(9, 0))
		slots, err := f.sch.Slots(ctx, booking.SlotQuery{Center: "aarhus", Service: "mitid", From: day, To: day})
		if err != nil {
			t.Fatal(err)
		}
		if slots[0].Available != 0 {
			t.Errorf("09:00 lists %d free seats during the holds", slots[0].Available)
		}
	})
}

// A declined offer goes to the next in line and the decliner keeps its
// place; an expired one goes on too, and a second expiry ends the entry;
// an offer nobody waits for is listed again at once.
func TestWaitlistDeclineAndExpiry(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := newWaitFixture(t, s)
		bookings, tokens := f.fill(t)
		entries, etokens := f.join(t, 2)
		if _, err := f.sch.Cancel(ctx, bookings[0].Reference, tokens[0]); err != nil {
			t.Fatal(err)
		}
		if v, err := f.sch.DeclineOffer(ctx, entries[0].Reference, etokens[0]); err != nil || v.Status != booking.WaitWaiting || v.Position != 1 {
			t.Fatalf("decline: %+v, %v", v, err)
		}
		second := f.status(t, entries[1], etokens[1])
		if second.Status != booking.WaitOffered {
			t.Fatalf("the second after a decline: %s", second.Status)
		}
		f.checkCounters(t)

		// The hold runs out: early, the expiry changes nothing.
		if err := f.sch.ExpireOffer(ctx, entries[1].ID, second.Offers); err != nil {
			t.Fatal(err)
		}
		if v := f.status(t, entries[1], etokens[1]); v.Status != booking.WaitOffered {
			t.Fatalf("expired early: %s", v.Status)
		}
		f.clock.Advance(31 * time.Minute)
		if err := f.sch.ExpireOffer(ctx, entries[1].ID, second.Offers); err != nil {
			t.Fatal(err)
		}
		if v := f.status(t, entries[1], etokens[1]); v.Status != booking.WaitWaiting || v.Missed != 1 {
			t.Fatalf("after one expiry: %s, missed %d", v.Status, v.Missed)
		}
		// ... and the first in line, who declined another hold, is offered
		// this seat.
		first := f.status(t, entries[0], etokens[0])
		if first.Status != booking.WaitOffered {
			t.Fatalf("the first after the expiry: %s", first.Status)
		}
		f.checkCounters(t)

		// Both leave: the seat is listed again.
		for i := range entries {
			if v, err := f.sch.LeaveWaitlist(ctx, entries[i].Reference, etokens[i]); err != nil || v.Status != booking.WaitLeft {
				t.Fatalf("leave: %+v, %v", v, err)
			}
		}
		f.checkCounters(t)
		if _, _, err := f.sch.Book(ctx, booking.Request{Center: "aarhus", Service: "mitid", Start: f.friday(9, 0), Name: "Late", Email: "late@example.com"}); err != nil {
			t.Errorf("book the seat nobody waits for: %v", err)
		}

		// Two missed offers end an entry.
		more, mtokens := f.join(t, 1)
		_ = mtokens
		bookingsLeft := []int{1, 2}
		for n, i := range bookingsLeft {
			if _, err := f.sch.Cancel(ctx, bookings[i].Reference, tokens[i]); err != nil {
				t.Fatal(err)
			}
			e, err := s.WaitEntryByID(ctx, more[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if e.Status != booking.WaitOffered {
				t.Fatalf("offer %d: %s", n+1, e.Status)
			}
			f.clock.Advance(31 * time.Minute)
			if _, err := f.sch.SweepWaitlist(ctx); err != nil {
				t.Fatal(err)
			}
		}
		e, err := s.WaitEntryByID(ctx, more[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != booking.WaitExpired || e.Missed != 2 {
			t.Errorf("after two missed offers: %s, missed %d", e.Status, e.Missed)
		}
		emails, err := s.WaitEmails(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []booking.EmailKind
		for _, m := range emails {
			kinds = append(kinds, m.Kind)
		}
		if want := []booking.EmailKind{booking.EmailWaitJoined, booking.EmailWaitOffer, booking.EmailWaitOffer, booking.EmailWaitEnded}; fmt.Sprint(kinds) != fmt.Sprint(want) {
			t.Errorf("emails %v, want %v", kinds, want)
		}
		// Delivery reads the last with the one before it, still queued.
		if d, err := s.Delivery(ctx, emails[3].ID); err != nil || fmt.Sprint(d.Email) != fmt.Sprint(emails[3]) || d.Booking.ID != 0 || d.EarlierQueued != emails[2].ID {
			t.Errorf("Delivery of the last email: %+v, %v; want %+v after %d", d, err, emails[3], emails[2].ID)
		}
		f.checkCounters(t)
	})
}

// Accepting books the held seat (no counter moves), once; accepting racing
// the expiry has exactly one outcome.
func TestWaitlistAcceptRacesExpiry(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := newWaitFixture(t, s)
		bookings, tokens := f.fill(t)
		entries, etokens := f.join(t, 2)
		for i := range 2 {
			if _, err := f.sch.Cancel(ctx, bookings[i].Reference, tokens[i]); err != nil {
				t.Fatal(err)
			}
		}
		b, tok, moved, err := f.sch.AcceptOffer(ctx, entries[0].Reference, etokens[0])
		if err != nil || moved || tok == "" || !b.Start.Equal(f.friday(9, 0)) || b.Email != "waiter0@example.com" {
			t.Fatalf("accept: %+v %q %v %v", b, tok, moved, err)
		}
		if _, _, _, err := f.sch.AcceptOffer(ctx, entries[0].Reference, etokens[0]); !errors.Is(err, booking.ErrConflict) {
			t.Errorf("accept twice: %v", err)
		}
		f.checkCounters(t)

		// The second's hold ends as it accepts.
		e := f.status(t, entries[1], etokens[1])
		f.clock.Advance(30*time.Minute - time.Nanosecond)
		var (
			wg        sync.WaitGroup
			acceptErr error
		)
		wg.Go(func() { _, _, _, acceptErr = f.sch.AcceptOffer(ctx, entries[1].Reference, etokens[1]) })
		wg.Go(func() {
			f.clock.Advance(time.Nanosecond)
			if err := f.sch.ExpireOffer(ctx, e.ID, e.Offers); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		after := f.status(t, entries[1], etokens[1])
		switch {
		case acceptErr == nil && after.Status == booking.WaitBooked:
		case errors.Is(acceptErr, booking.ErrConflict) && after.Status == booking.WaitWaiting && after.Missed == 1:
		default:
			t.Errorf("accept %v and expiry left the entry %s (missed %d)", acceptErr, after.Status, after.Missed)
		}
		f.checkCounters(t)
	})
}

// An entry that improves a booking moves it when it accepts, and the seat
// it leaves goes on to the next in line.
func TestWaitlistImprovesABooking(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := newWaitFixture(t, s)
		bookings, tokens := f.fill(t)
		// Holder 0 would rather come a day earlier... book a later day
		// and wait for Friday 09:00.
		monday := f.friday(9, 0).AddDate(0, 0, 3)
		late, lateToken, err := f.sch.Book(ctx, booking.Request{Center: "aarhus", Service: "mitid", Start: monday, Name: "Ana", Email: "ana@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		e, etok, err := f.sch.JoinWaitlist(ctx, booking.WaitRequest{Booking: late.Reference, BookingToken: lateToken})
		if err != nil {
			t.Fatal(err)
		}
		if e.Until != booking.DateOf(monday.AddDate(0, 0, -1)) || e.Email != "ana@example.com" {
			t.Errorf("improving entry: until %s, email %s", e.Until, e.Email)
		}
		if _, _, err := f.sch.JoinWaitlist(ctx, booking.WaitRequest{Booking: late.Reference, BookingToken: "wrong"}); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("wrong booking token: %v", err)
		}
		if _, err := f.sch.Cancel(ctx, bookings[0].Reference, tokens[0]); err != nil {
			t.Fatal(err)
		}
		b, tok, moved, err := f.sch.AcceptOffer(ctx, e.Reference, etok)
		if err != nil || !moved || tok != lateToken || b.Reference != late.Reference || !b.Start.Equal(f.friday(9, 0)) || b.Sequence != late.Sequence+1 {
			t.Fatalf("accept: %+v %v %v", b, moved, err)
		}
		f.checkCounters(t)
		usage, err := s.Usage(ctx, "aarhus", monday, monday.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range usage {
			if u.Booked != 0 {
				t.Errorf("Monday's seat still taken: %+v", u)
			}
		}
	})
}

// Joining refuses what it must, naming the field.
func TestWaitlistJoinRefuses(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := newWaitFixture(t, s)
		ok := booking.WaitRequest{Center: "aarhus", Service: "mitid", Name: "Ana", Email: "ana@example.com"}
		e, _, err := f.sch.JoinWaitlist(ctx, ok)
		if err != nil {
			t.Fatal(err)
		}
		_, lastDay := booking.DateOf(f.clock.Now()), booking.DateOf(f.clock.Now()).AddDays(60)
		if e.Until != lastDay {
			t.Errorf("until %s by default, want the horizon %s", e.Until, lastDay)
		}
		cases := map[string]booking.WaitRequest{
			"email":   {Center: "aarhus", Service: "mitid", Name: "Ana", Email: "ANA@example.com"},
			"until":   {Center: "aarhus", Service: "mitid", Name: "Bo", Email: "bo@example.com", Until: lastDay.AddDays(1)},
			"name":    {Center: "aarhus", Service: "mitid", Email: "bo@example.com"},
			"service": {Center: "aarhus", Name: "Bo", Email: "bo@example.com"},
		}
		for field, r := range cases {
			_, _, err := f.sch.JoinWaitlist(ctx, r)
			var be *booking.Error
			if !errors.As(err, &be) || !errors.Is(err, booking.ErrInvalid) || len(be.Fields) == 0 || be.Fields[0].Field != field {
				t.Errorf("%s: %v", field, err)
			}
		}
		past := ok
		past.Email, past.Until = "cy@example.com", booking.DateOf(f.clock.Now()).AddDays(-1)
		if _, _, err := f.sch.JoinWaitlist(ctx, past); !errors.Is(err, booking.ErrInvalid) {
			t.Errorf("until in the past: %v", err)
		}
		unknown := ok
		unknown.Email, unknown.Center = "di@example.com", "nowhere"
		if _, _, err := f.sch.JoinWaitlist(ctx, unknown); !errors.Is(err, booking.ErrInvalid) {
			t.Errorf("unknown center: %v", err)
		}
		unknown.Center, unknown.Service = "aarhus", "nothing"
		if _, _, err := f.sch.JoinWaitlist(ctx, unknown); !errors.Is(err, booking.ErrInvalid) {
			t.Errorf("unknown service: %v", err)
		}
	})
}

// A closure removed frees its day: the first in line is offered its first
// time in the transaction that opens the day.
func TestWaitlistGetsAReopenedDay(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := newWaitFixture(t, s)
		day := booking.DateOf(f.friday(9, 0))
		if _, err := f.sch.AddClosure(ctx, booking.Closure{Center: "aarhus", Day: day, Reason: "Staff training"}); err != nil {
			t.Fatal(err)
		}
		entries, etokens := f.join(t, 1)
		if err := f.sch.RemoveClosure(ctx, "aarhus", day); err != nil {
			t.Fatal(err)
		}
		v := f.status(t, entries[0], etokens[0])
		if v.Status != booking.WaitOffered || !v.Offer.Start.Equal(f.friday(9, 0)) {
			t.Errorf("after the day opened: %s %+v", v.Status, v.Offer)
		}
		f.checkCounters(t)
	})
}

// The personal data of an entry goes ICS_RETENTION_DAYS after its last
// day, once it is out of line; its token then finds nothing.
func TestWaitlistRetention(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := newWaitFixture(t, s)
		entries, etokens := f.join(t, 2) // until Friday
		if _, err := f.sch.LeaveWaitlist(ctx, entries[0].Reference, etokens[0]); err != nil {
			t.Fatal(err)
		}
		// Past its last day the other expires, with an email.
		f.clock.Advance(48 * time.Hour)
		if n, err := f.sch.SweepWaitlist(ctx); err != nil || n != 1 {
			t.Fatalf("sweep: %d, %v", n, err)
		}
		if v := f.status(t, entries[1], etokens[1]); v.Status != booking.WaitExpired {
			t.Errorf("past its last day: %s", v.Status)
		}
		f.clock.Advance(29 * 24 * time.Hour)
		if n, err := f.sch.EraseWaitlist(ctx); err != nil || n != 0 {
			t.Errorf("erased %d before the retention, %v", n, err)
		}
		f.clock.Advance(24 * time.Hour)
		if n, err := f.sch.EraseWaitlist(ctx); err != nil || n != 2 {
			t.Errorf("erased %d, %v; want 2", n, err)
		}
		for i, e := range entries {
			if _, err := f.sch.WaitEntry(ctx, e.Reference, etokens[i]); !errors.Is(err, booking.ErrNotFound) {
				t.Errorf("entry %d after erasure: %v", i, err)
			}
			got, err := s.WaitEntryByID(ctx, e.ID)
			if err != nil || got.Name != "" || got.Email != "" || got.TokenSealed != nil {
				t.Errorf("entry %d keeps %q %q %v (%v)", i, got.Name, got.Email, got.TokenSealed, err)
			}
		}
	})
}

// A freed seat goes to one entry: seats that were free already stay
// listed, and a decline after the hold ran out is no decline.
func TestWaitlistOneFreedSeatOneOffer(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := newWaitFixture(t, s)
		// Two of three desks booked at 09:00, and two wait (for a day
		// the seat at 09:00 was free all along: they joined late).
		var bookings []booking.Booking
		var tokens []string
		for i := range 2 {
			b, tok, err := f.sch.Book(ctx, booking.Request{Center: "aarhus", Service: "mitid", Start: f.friday(9, 0), Name: "Holder", Email: fmt.Sprintf("h%d@example.com", i)})
			if err != nil {
				t.Fatal(err)
			}
			bookings, tokens = append(bookings, b), append(tokens, tok)
		}
		entries, etokens := f.join(t, 2)
		if _, err := f.sch.Cancel(ctx, bookings[0].Reference, tokens[0]); err != nil {
			t.Fatal(err)
		}
		if first, second := f.status(t, entries[0], etokens[0]), f.status(t, entries[1], etokens[1]); first.Status != booking.WaitOffered || second.Status != booking.WaitWaiting {
			t.Errorf("one seat freed: the first %s, the second %s", first.Status, second.Status)
		}
		day := booking.DateOf(f.friday(9, 0))
		slots, err := f.sch.Slots(ctx, booking.SlotQuery{Center: "aarhus", Service: "mitid", From: day, To: day})
		if err != nil {
			t.Fatal(err)
		}
		if slots[0].Available != 1 {
			t.Errorf("09:00 lists %d free seats, want the one free before the cancellation", slots[0].Available)
		}
		f.checkCounters(t)
		f.clock.Advance(30 * time.Minute)
		if _, err := f.sch.DeclineOffer(ctx, entries[0].Reference, etokens[0]); !errors.Is(err, booking.ErrConflict) {
			t.Errorf("decline after the hold ran out: %v", err)
		}
	})
}

// Waiting for an earlier time for a booking ends with the booking: its
// cancellation takes the entry out of line (a time held for it goes on),
// its erasure erases the entry's name and address too, and an entry that
// stayed in line is refused when it accepts.
func TestWaitlistImprovementEndsWithItsBooking(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := newWaitFixture(t, s)
		bookings, tokens := f.fill(t)
		monday := f.friday(9, 0).AddDate(0, 0, 3)
		improve := func(name string) (booking.Booking, string, booking.WaitEntry, string) {
			t.Helper()
			b, tok, err := f.sch.Book(ctx, booking.Request{Center: "aarhus", Service: "mitid", Start: monday, Name: name, Email: strings.ToLower(name) + "@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			e, etok, err := f.sch.JoinWaitlist(ctx, booking.WaitRequest{Booking: b.Reference, BookingToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			return b, tok, e, etok
		}
		ana, anaToken, anaEntry, anaEntryToken := improve("Ana")
		bo, boToken, boEntry, boEntryToken := improve("Bo")
		uses, err := s.CatalogueUses(ctx, f.friday(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(uses, func(u booking.CatalogueUse) bool { return u.Service == "mitid" }); i < 0 || uses[i].Waiting != 2 {
			t.Errorf("catalogue uses %+v, want 2 entries waiting for mitid", uses)
		}

		// Ana is offered Friday 09:00, then cancels her booking: the
		// offer ends and the seat goes on to Bo.
		if _, err := f.sch.Cancel(ctx, bookings[0].Reference, tokens[0]); err != nil {
			t.Fatal(err)
		}
		if v := f.status(t, anaEntry, anaEntryToken); v.Status != booking.WaitOffered {
			t.Fatalf("Ana's entry %s, want offered", v.Status)
		}
		if _, err := f.sch.Cancel(ctx, ana.Reference, anaToken); err != nil {
			t.Fatal(err)
		}
		if v := f.status(t, anaEntry, anaEntryToken); v.Status != booking.WaitLeft {
			t.Errorf("after her booking's cancellation Ana's entry is %s, want left", v.Status)
		}
		if v := f.status(t, boEntry, boEntryToken); v.Status != booking.WaitOffered {
			t.Errorf("Bo's entry %s, want offered the seat Ana's entry held", v.Status)
		}
		f.checkCounters(t)

		// Bo erases his booking: his entry's name and address go too.
		if err := f.sch.Erase(ctx, bo.Reference, boToken); err != nil {
			t.Fatal(err)
		}
		if _, err := f.sch.WaitEntry(ctx, boEntry.Reference, boEntryToken); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("Bo's entry after his erasure: %v, want not found", err)
		}
		e, err := s.WaitEntryByID(ctx, boEntry.ID)
		if err != nil || e.Name != "" || e.Email != "" || e.Status.Active() {
			t.Errorf("Bo's entry after his erasure: %+v %v, want erased and out of line", e, err)
		}
		f.checkCounters(t)
	})
}

// A time held for an entry that a closure took away since is not booked
// when the entry accepts it: the entry keeps its place, and the seat is
// freed.
func TestWaitlistAcceptChecksTheTimeAgain(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := newWaitFixture(t, s)
		bookings, tokens := f.fill(t)
		entries, etokens := f.join(t, 1)
		if _, err := f.sch.Cancel(ctx, bookings[0].Reference, tokens[0]); err != nil {
			t.Fatal(err)
		}
		if v := f.status(t, entries[0], etokens[0]); v.Status != booking.WaitOffered {
			t.Fatalf("entry %s, want offered", v.Status)
		}
		if _, err := f.sch.AddClosure(ctx, booking.Closure{Center: "aarhus", Day: booking.DateOf(f.friday(9, 0)), Reason: "Flooded"}); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := f.sch.AcceptOffer(ctx, entries[0].Reference, etokens[0]); !errors.Is(err, booking.ErrConflict) {
			t.Errorf("accepting a time on a day closed since: %v, want a conflict", err)
		}
		if v := f.status(t, entries[0], etokens[0]); v.Status != booking.WaitWaiting || v.Missed != 0 {
			t.Errorf("entry %s (missed %d), want waiting again, nothing missed", v.Status, v.Missed)
		}
		f.checkCounters(t)
	})
}
