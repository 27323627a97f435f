package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Copenhagen on machines without a zoneinfo database
	"unicode/utf8"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
)

// eachDialect runs test once per dialect, each time on a fresh database.
func eachDialect(t *testing.T, test func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			test(t, storetest.Open(t, dialect))
		})
	}
}

var copenhagen = mustLoadLocation("Europe/Copenhagen")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// nine is 09:00 in Copenhagen on a Monday; the store must keep it as the
// same instant whatever zone it reads it back in.
var nine = time.Date(2026, time.March, 2, 9, 0, 0, 0, copenhagen)

func newBooking(ref string, start time.Time) booking.Booking {
	created := time.Date(2026, time.February, 20, 14, 3, 4, 123456000, copenhagen)
	return booking.Booking{
		Reference:   ref,
		TokenHash:   booking.HashToken("token-" + ref),
		TokenSealed: []byte("sealed\x00token-" + ref),
		Center:      "cph",
		Service:     "residence-permit",
		Start:       start,
		End:         start.Add(30 * time.Minute),
		Language:    "ar",
		Name:        "Ærø Østergård",
		Email:       "aero@example.dk",
		Phone:       "+45 12 34 56 78",
		Notes:       "Bringing my passport.\nAnd my lease.",
		Locale:      "da",
		Status:      booking.Confirmed,
		Sequence:    0,
		CreatedAt:   created,
		UpdatedAt:   created,
	}
}

func desk(start time.Time, capacity int) booking.Claim {
	return booking.Claim{Center: "cph", Resource: "desk", Start: start, Capacity: capacity}
}

func unit(n int) time.Time { return nine.Add(time.Duration(n) * booking.Unit) }

func sameBooking(t *testing.T, got, want booking.Booking) {
	t.Helper()
	if got.ID != want.ID || got.Reference != want.Reference || got.Center != want.Center ||
		got.Service != want.Service || got.Language != want.Language || got.Name != want.Name ||
		got.Email != want.Email || got.Phone != want.Phone || got.Notes != want.Notes ||
		got.Locale != want.Locale || got.Status != want.Status || got.Sequence != want.Sequence {
		t.Errorf("booking:\n got %+v\nwant %+v", got, want)
	}
	if !bytes.Equal(got.TokenHash, want.TokenHash) {
		t.Errorf("token hash = %x, want %x", got.TokenHash, want.TokenHash)
	}
	if !bytes.Equal(got.TokenSealed, want.TokenSealed) {
		t.Errorf("sealed token = %x, want %x", got.TokenSealed, want.TokenSealed)
	}
	sameInstants(t, "",
		instant{"start", got.Start, want.Start},
		instant{"end", got.End, want.End},
		instant{"created", got.CreatedAt, want.CreatedAt},
		instant{"updated", got.UpdatedAt, want.UpdatedAt})
}

// instant is a time read back and the time it should be, in any zone.
type instant struct {
	name      string
	got, want time.Time
}

func sameInstants(t *testing.T, prefix string, instants ...instant) {
	t.Helper()
	for _, in := range instants {
		if !in.got.Equal(in.want) {
			t.Errorf("%s%s = %v, want %v", prefix, in.name, in.got, in.want)
		}
	}
}

// create stores b with its claims and no email, and returns it as stored.
func create(t *testing.T, s *store.Store, b booking.Booking, claims ...booking.Claim) booking.Booking {
	t.Helper()
	return createEmailing(t, s, b, "", claims...)
}

// createEmailing is create with an email of the kind given about b, none
// for "".
func createEmailing(t *testing.T, s *store.Store, b booking.Booking, kind booking.EmailKind, claims ...booking.Claim) booking.Booking {
	t.Helper()
	created, err := s.CreateBooking(t.Context(), b, claims, nil, kind)
	if err != nil {
		t.Fatalf("CreateBooking(%s): %v", b.Reference, err)
	}
	return created
}

// stored returns the booking with the ID as the store holds it.
func stored(t *testing.T, s *store.Store, id int64) booking.Booking {
	t.Helper()
	b, err := s.BookingByID(t.Context(), id)
	if err != nil {
		t.Fatalf("BookingByID(%d): %v", id, err)
	}
	return b
}

// usage returns the taken seats by resource and start, as "desk 09:15".
func usage(t *testing.T, s *store.Store, resources ...string) map[string]int {
	t.Helper()
	if len(resources) == 0 {
		resources = []string{"desk"}
	}
	us, err := s.Usage(t.Context(), "cph", nine.Add(-24*time.Hour), nine.Add(24*time.Hour))
	if err != nil {
		t.Fatalf("Usage: %v", err)
	}
	m := make(map[string]int)
	for _, u := range us {
		if slices.Contains(resources, u.Resource) {
			m[u.Resource+" "+u.Start.In(copenhagen).Format("15:04")] = u.Booked
		}
	}
	return m
}

func sameUsage(t *testing.T, got, want map[string]int) {
	t.Helper()
	for k, v := range want {
		if v != 0 && got[k] != v {
			t.Errorf("usage %s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	for k, v := range got {
		if want[k] != v {
			t.Errorf("usage %s = %d, want %d (all: %v)", k, v, want[k], got)
		}
	}
}

func count(t *testing.T, s *store.Store, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := s.DB().WithContext(t.Context()).Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// sameRowCounts checks that each table holds as many rows as want says.
func sameRowCounts(t *testing.T, s *store.Store, want map[string]int64) {
	t.Helper()
	for _, table := range slices.Sorted(maps.Keys(want)) {
		if n := count(t, s, table, ""); n != want[table] {
			t.Errorf("%d rows in %s, want %d", n, table, want[table])
		}
	}
}

func TestBookingRoundTrip(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		for i, name := range []string{"Ærø Østergård", "محمد", "王芳", "Zoë O'Brien-Łukasiewicz"} {
			b := newBooking(fmt.Sprintf("CPH-RT%04d", i), unit(2*i))
			b.Name = name
			if i == 1 {
				b.Language, b.Phone, b.Notes = "", "", ""
			}
			created := create(t, s, b)
			if created.ID == 0 {
				t.Fatalf("CreateBooking(%s) returned no ID", b.Reference)
			}
			b.ID = created.ID
			sameBooking(t, created, b)

			got, err := s.Booking(t.Context(), b.Reference)
			if err != nil {
				t.Fatalf("Booking(%s): %v", b.Reference, err)
			}
			sameBooking(t, got, b)
			if got.Start.Location() != time.UTC {
				t.Errorf("start in %v, want UTC", got.Start.Location())
			}
			sameBooking(t, stored(t, s, b.ID), b)
		}
	})
}

func TestIdempotencyRoundTrip(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		idem := booking.Idempotency{
			KeyHash:     bytes.Repeat([]byte{0xab}, 32),
			RequestHash: bytes.Repeat([]byte{0x00, 0xff}, 16),
			CreatedAt:   nine.Add(-time.Hour),
		}
		created, err := s.CreateBooking(t.Context(), newBooking("CPH-IDEM01", nine), []booking.Claim{desk(nine, 1)}, &idem, "")
		if err != nil {
			t.Fatalf("CreateBooking: %v", err)
		}
		got, err := s.Idempotency(t.Context(), idem.KeyHash)
		if err != nil {
			t.Fatalf("Idempotency: %v", err)
		}
		if got.BookingID != created.ID || !bytes.Equal(got.KeyHash, idem.KeyHash) ||
			!bytes.Equal(got.RequestHash, idem.RequestHash) ||
			!got.CreatedAt.Equal(idem.CreatedAt) {
			t.Errorf("Idempotency = %+v, want %+v with booking %d", got, idem, created.ID)
		}
	})
}

func TestNotFound(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		_, err1 := s.Booking(ctx, "CPH-NONE00")
		_, err2 := s.BookingByID(ctx, 4242)
		_, err3 := s.Idempotency(ctx, []byte("no such key"))
		err4 := s.RemoveClosure(ctx, "cph", booking.Date{Year: 2026, Month: time.March, Day: 2}, nil)
		b := newBooking("CPH-NONE01", nine)
		b.ID, b.Sequence = 4242, 1
		err5 := s.UpdateBooking(ctx, booking.Update{Booking: b}, booking.EmailUpdate)
		_, err6 := s.Email(ctx, 4242)
		err7 := s.RecordEmailAttempt(ctx, 4242, 1, nil, false, nine)
		for i, err := range []error{err1, err2, err3, err4, err5, err6, err7} {
			var be *booking.Error
			if !errors.Is(err, booking.ErrNotFound) || !errors.As(err, &be) {
				t.Errorf("lookup %d: err = %v, want a *booking.Error wrapping ErrNotFound", i+1, err)
			}
		}
	})
}

func TestDuplicate(t *testing.T) {
	idem := func(key string) *booking.Idempotency {
		return &booking.Idempotency{KeyHash: []byte(key), RequestHash: []byte("request")}
	}
	for _, tt := range []struct {
		name      string
		reference string
		idem      *booking.Idempotency
		capacity  int
		wantInErr string
	}{
		// A reference drawn twice is drawn again; when the slot is full,
		// that is the answer.
		{"reference", "CPH-DUP001", idem("other key"), 2, "a reference exists"},
		// A replayed request is recognised even when the slot is full.
		{"idempotency key", "CPH-DUP002", idem("key"), 1, "idempotency key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			eachDialect(t, func(t *testing.T, s *store.Store) {
				if _, err := s.CreateBooking(t.Context(), newBooking("CPH-DUP001", nine), []booking.Claim{desk(nine, tt.capacity)}, idem("key"), booking.EmailConfirmation); err != nil {
					t.Fatalf("CreateBooking: %v", err)
				}
				// Nothing of the second booking is written.
				_, err := s.CreateBooking(t.Context(), newBooking(tt.reference, nine), []booking.Claim{desk(nine, tt.capacity)}, tt.idem, booking.EmailConfirmation)
				if !errors.Is(err, booking.ErrDuplicate) {
					t.Fatalf("err = %v, want ErrDuplicate", err)
				}
				if !strings.Contains(err.Error(), tt.wantInErr) {
					t.Errorf("err = %q, want it to say %q", err, tt.wantInErr)
				}
				sameRowCounts(t, s, map[string]int64{"bookings": 1, "idempotency_keys": 1, "emails": 1})
				sameUsage(t, usage(t, s), map[string]int{"desk 09:00": 1})
			})
		})
	}
}

func TestClosures(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		day := func(m time.Month, d int) booking.Date { return booking.Date{Year: 2026, Month: m, Day: d} }
		for _, c := range []booking.Closure{
			{Center: "cph", Day: day(time.March, 31), Reason: "Staff training"},
			{Center: "cph", Day: day(time.March, 2), Reason: "Moving"},
			{Center: "cph", Day: day(time.April, 1), Reason: "After the range"},
			{Center: "cph", Day: day(time.March, 1), Reason: "Before the range"},
			{Center: "aar", Day: day(time.March, 10), Reason: "Another center"},
			{Center: "cph", Day: day(time.March, 10), Reason: "Strøm afbrudt"},
		} {
			if err := s.AddClosure(ctx, c); err != nil {
				t.Fatalf("AddClosure(%v): %v", c, err)
			}
		}
		// The same day again replaces the reason.
		if err := s.AddClosure(ctx, booking.Closure{Center: "cph", Day: day(time.March, 2), Reason: "Moving house"}); err != nil {
			t.Fatalf("AddClosure again: %v", err)
		}
		list := func() string {
			t.Helper()
			cs, err := s.Closures(ctx, "cph", day(time.March, 2), day(time.March, 31))
			if err != nil {
				t.Fatalf("Closures: %v", err)
			}
			var parts []string
			for _, c := range cs {
				parts = append(parts, c.Center+" "+c.Day.String()+" "+c.Reason)
			}
			return strings.Join(parts, "; ")
		}
		want := "cph 2026-03-02 Moving house; cph 2026-03-10 Strøm afbrudt; cph 2026-03-31 Staff training"
		if got := list(); got != want {
			t.Errorf("Closures =\n %s\nwant\n %s", got, want)
		}

		if err := s.RemoveClosure(ctx, "cph", day(time.March, 10), nil); err != nil {
			t.Fatalf("RemoveClosure: %v", err)
		}
		want = "cph 2026-03-02 Moving house; cph 2026-03-31 Staff training"
		if got := list(); got != want {
			t.Errorf("Closures after removal =\n %s\nwant\n %s", got, want)
		}
		if err := s.RemoveClosure(ctx, "cph", day(time.March, 10), nil); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("RemoveClosure twice: err = %v, want ErrNotFound", err)
		}
	})
}

func TestUsage(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		interp := func(start time.Time) booking.Claim {
			return booking.Claim{Center: "cph", Resource: "interpreter:ar", Start: start, Capacity: 2}
		}
		create(t, s, newBooking("CPH-USE001", nine), desk(unit(0), 3), desk(unit(1), 3), interp(unit(0)), interp(unit(1)))
		create(t, s, newBooking("CPH-USE002", unit(1)), desk(unit(1), 3), desk(unit(2), 3))
		create(t, s, newBooking("CPH-USE003", unit(1)), booking.Claim{Center: "aar", Resource: "desk", Start: unit(1), Capacity: 3})

		sameUsage(t, usage(t, s), map[string]int{"desk 09:00": 1, "desk 09:15": 2, "desk 09:30": 1})
		sameUsage(t, usage(t, s, "desk", "interpreter:ar"), map[string]int{
			"desk 09:00": 1, "desk 09:15": 2, "desk 09:30": 1,
			"interpreter:ar 09:00": 1, "interpreter:ar 09:15": 1,
		})

		// [from, to): the unit starting at to is left out.
		us, err := s.Usage(t.Context(), "cph", unit(1), unit(2))
		if err != nil {
			t.Fatalf("Usage: %v", err)
		}
		slices.SortFunc(us, func(a, b booking.Usage) int { return strings.Compare(a.Resource, b.Resource) })
		if len(us) != 2 || !us[0].Start.Equal(unit(1)) || us[0].Booked != 2 || us[0].Resource != "desk" ||
			us[1].Resource != "interpreter:ar" || us[1].Booked != 1 {
			t.Errorf("Usage [09:15, 09:30) = %+v, want desk 09:15 booked 2 and interpreter:ar booked 1", us)
		}
	})
}

func TestUpdateBookingConflict(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		b := create(t, s, newBooking("CPH-SEQ001", nine), desk(nine, 2))

		first := b
		first.Sequence = 1
		first.Notes = "first change"
		first.UpdatedAt = nine.Add(-time.Hour)
		if err := s.UpdateBooking(t.Context(), booking.Update{Booking: first}, ""); err != nil {
			t.Fatalf("UpdateBooking: %v", err)
		}

		stale := b
		stale.Sequence = 1 // made from the same version as first
		stale.Notes = "lost change"
		if err := s.UpdateBooking(t.Context(), booking.Update{Booking: stale}, ""); !errors.Is(err, booking.ErrConflict) {
			t.Fatalf("stale UpdateBooking: err = %v, want ErrConflict", err)
		}
		sameBooking(t, stored(t, s, b.ID), first)
	})
}

func TestCancelReleasesSeat(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		claims := []booking.Claim{desk(unit(0), 1), desk(unit(1), 1)}
		a := create(t, s, newBooking("CPH-CAN001", nine), claims...)
		if _, err := s.CreateBooking(t.Context(), newBooking("CPH-CAN002", nine), claims, nil, ""); !errors.Is(err, booking.ErrSlotFull) {
			t.Fatalf("second booking: err = %v, want ErrSlotFull", err)
		}

		a.Status = booking.Cancelled
		a.Sequence++
		if err := s.UpdateBooking(t.Context(), booking.Update{Booking: a, Release: claims}, ""); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		sameUsage(t, usage(t, s), nil)
		create(t, s, newBooking("CPH-CAN002", nine), claims...)
		sameUsage(t, usage(t, s), map[string]int{"desk 09:00": 1, "desk 09:15": 1})
		if n := count(t, s, "bookings", "status = ?", "cancelled"); n != 1 {
			t.Errorf("%d cancelled bookings, want 1", n)
		}
	})
}

func TestRescheduleIsAtomic(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ten, eleven := nine.Add(time.Hour), nine.Add(2*time.Hour)
		a := create(t, s, newBooking("CPH-RES001", nine), desk(nine, 1))
		create(t, s, newBooking("CPH-RES002", ten), desk(ten, 1))

		// Into a full slot: nothing changes.
		moved := a
		moved.Start, moved.End, moved.Sequence = ten, ten.Add(30*time.Minute), a.Sequence+1
		err := s.UpdateBooking(t.Context(), booking.Update{Booking: moved, Release: []booking.Claim{desk(nine, 1)}, Claims: []booking.Claim{desk(ten, 1)}}, booking.EmailUpdate)
		if !errors.Is(err, booking.ErrSlotFull) {
			t.Fatalf("reschedule into a full slot: err = %v, want ErrSlotFull", err)
		}
		if n := count(t, s, "emails", ""); n != 0 {
			t.Errorf("%d emails after a failed reschedule, want none", n)
		}
		sameBooking(t, stored(t, s, a.ID), a)
		sameUsage(t, usage(t, s), map[string]int{"desk 09:00": 1, "desk 10:00": 1})

		// Into a free slot: the seat moves.
		moved.Start, moved.End = eleven, eleven.Add(30*time.Minute)
		if err := s.UpdateBooking(t.Context(), booking.Update{Booking: moved, Release: []booking.Claim{desk(nine, 1)}, Claims: []booking.Claim{desk(eleven, 1)}}, ""); err != nil {
			t.Fatalf("reschedule: %v", err)
		}
		sameUsage(t, usage(t, s), map[string]int{"desk 10:00": 1, "desk 11:00": 1})
		sameBooking(t, stored(t, s, a.ID), moved)
	})
}

func TestRescheduleOntoOwnUnits(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		// A 30-minute booking moves 15 minutes later on a one-desk center:
		// the unit it keeps is released before it is taken again.
		a := create(t, s, newBooking("CPH-OWN001", nine), desk(unit(0), 1), desk(unit(1), 1))
		a.Start, a.End, a.Sequence = unit(1), unit(3), a.Sequence+1
		err := s.UpdateBooking(t.Context(), booking.Update{Booking: a, Release: []booking.Claim{desk(unit(0), 1), desk(unit(1), 1)}, Claims: []booking.Claim{desk(unit(1), 1), desk(unit(2), 1)}}, "")
		if err != nil {
			t.Fatalf("reschedule: %v", err)
		}
		sameUsage(t, usage(t, s), map[string]int{"desk 09:15": 1, "desk 09:30": 1})
	})
}

func TestFailedCreateWritesNothing(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		interp := booking.Claim{Center: "cph", Resource: "interpreter:ar", Start: nine, Capacity: 1}
		create(t, s, newBooking("CPH-FAIL01", nine), interp)

		// The desks are free but the only interpreter is taken: the desk
		// seats taken before the interpreter's turn must be given back.
		idem := booking.Idempotency{KeyHash: []byte("key"), RequestHash: []byte("req")}
		_, err := s.CreateBooking(t.Context(), newBooking("CPH-FAIL02", nine),
			[]booking.Claim{desk(unit(0), 3), desk(unit(1), 3), interp}, &idem, booking.EmailConfirmation)
		if !errors.Is(err, booking.ErrSlotFull) {
			t.Fatalf("err = %v, want ErrSlotFull", err)
		}
		sameRowCounts(t, s, map[string]int64{"bookings": 1, "idempotency_keys": 0, "emails": 0})
		// Empty counters may stay behind (see createCounters); no seat may.
		if n := count(t, s, "slot_counters", "resource = ? AND booked > 0", "desk"); n != 0 {
			t.Errorf("%d desk counters with seats taken, want none", n)
		}
		if _, err := s.Booking(t.Context(), "CPH-FAIL02"); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("Booking(CPH-FAIL02): err = %v, want ErrNotFound", err)
		}
	})
}

// race makes n bookings at once, the i-th with claims(i), and returns how
// many succeeded. Every failure must be ErrSlotFull.
func race(t *testing.T, s *store.Store, n int, claims func(i int) []booking.Claim) int {
	t.Helper()
	var (
		start = make(chan struct{})
		wg    sync.WaitGroup
		mu    sync.Mutex
		won   int
		errs  []error
	)
	for i := range n {
		wg.Go(func() {
			b := newBooking(fmt.Sprintf("CPH-R%05d", i), nine)
			<-start
			_, err := s.CreateBooking(context.Background(), b, claims(i), nil, booking.EmailConfirmation)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				won++
			} else if !errors.Is(err, booking.ErrSlotFull) {
				errs = append(errs, err)
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs[:min(len(errs), 5)] {
		t.Errorf("CreateBooking: %v, want nil or ErrSlotFull", err)
	}
	return won
}

func TestConcurrentCreate(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		won := race(t, s, 150, func(int) []booking.Claim { return []booking.Claim{desk(nine, 3)} })
		if won != 3 {
			t.Errorf("%d bookings succeeded, want 3", won)
		}
		if n := count(t, s, "bookings", "status = ?", "confirmed"); n != 3 {
			t.Errorf("%d confirmed bookings stored, want 3", n)
		}
		if n := count(t, s, "emails", ""); n != 3 {
			t.Errorf("%d emails recorded, want 3", n)
		}
		sameUsage(t, usage(t, s), map[string]int{"desk 09:00": 3})
	})
}

func TestConcurrentCreateTwoUnits(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		// Half the bookings want 09:00-09:30, half 09:15-09:45: they share
		// the 09:15 unit, so three succeed in all, and a booking that got
		// its first unit but not its second leaves no trace.
		won := race(t, s, 150, func(i int) []booking.Claim {
			first := unit(i % 2)
			return []booking.Claim{desk(first.Add(booking.Unit), 3), desk(first, 3)}
		})
		if won != 3 {
			t.Errorf("%d bookings succeeded, want 3", won)
		}
		if n := count(t, s, "bookings", ""); n != 3 {
			t.Errorf("%d bookings stored, want 3", n)
		}
		early := count(t, s, "bookings", "reference IN (?)", refs(0, 150, 2))
		late := count(t, s, "bookings", "reference IN (?)", refs(1, 150, 2))
		sameUsage(t, usage(t, s), map[string]int{"desk 09:00": int(early), "desk 09:15": 3, "desk 09:30": int(late)})
	})
}

func refs(from, to, step int) []string {
	var rs []string
	for i := from; i < to; i += step {
		rs = append(rs, fmt.Sprintf("CPH-R%05d", i))
	}
	return rs
}

func TestMigrateTwice(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if got := s.Dialect(); got != t.Name()[strings.LastIndex(t.Name(), "/")+1:] {
			t.Errorf("Dialect() = %q", got)
		}
	})
}

func TestOpenURLs(t *testing.T) {
	for _, url := range []string{"", "mysql://localhost/db", "data/icsbooking.db", "sqlite:", "sqlite://data/x.db"} {
		if s, err := store.Open(t.Context(), url, nil); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", url)
		} else if !strings.Contains(err.Error(), "ICS_DATABASE_URL") {
			t.Errorf("Open(%q): error %q does not name ICS_DATABASE_URL", url, err)
		}
	}

	path := filepath.Join(t.TempDir(), "new", "dir", "icsbooking.db")
	s, err := store.Open(t.Context(), "sqlite:"+path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file: %v", err)
	}
	// The guard and the text comparisons of times rely on these settings.
	create(t, s, newBooking("CPH-PRAG01", nine), desk(nine, 1))
	for query, want := range map[string]string{
		"PRAGMA journal_mode":                          "wal",
		"PRAGMA foreign_keys":                          "1",
		"PRAGMA busy_timeout":                          "5000",
		"SELECT CAST(starts_at AS TEXT) FROM bookings": "2026-03-02 08:00:00+00:00",
	} {
		var got string
		if err := s.DB().Raw(query).Scan(&got).Error; err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", query, got, err, want)
		}
	}

	mem, err := store.Open(t.Context(), "sqlite::memory:", nil)
	if err != nil {
		t.Fatalf("Open(sqlite::memory:): %v", err)
	}
	defer mem.Close()
	if err := mem.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate in memory: %v", err)
	}
	create(t, mem, newBooking("CPH-MEM001", nine), desk(nine, 1))
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// recordingEnqueuer is an Enqueuer that records the IDs it is given. It
// first looks the email up through the transaction it got, as River's job
// insert shares that transaction: the row must be visible there. If err is
// set, it returns err instead of recording.
type recordingEnqueuer struct {
	err error

	mu       sync.Mutex
	ids      []int64
	expiries []offerExpiry
}

// offerExpiry is a queued end of a waitlist offer.
type offerExpiry struct {
	entry int64
	offer int
	at    time.Time
}

func (q *recordingEnqueuer) EnqueueOfferExpiry(ctx context.Context, tx *sql.Tx, entry int64, offer int, at time.Time) error {
	if tx == nil {
		return errors.New("EnqueueOfferExpiry got no transaction")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.expiries = append(q.expiries, offerExpiry{entry, offer, at})
	return nil
}

func (q *recordingEnqueuer) EnqueueEmails(ctx context.Context, tx *sql.Tx, emailIDs ...int64) error {
	if tx == nil {
		return errors.New("EnqueueEmails got no transaction")
	}
	for _, id := range emailIDs {
		var kind string
		// No placeholder: its syntax differs between the dialects.
		err := tx.QueryRowContext(ctx, "SELECT kind FROM emails WHERE id = "+strconv.FormatInt(id, 10)).Scan(&kind)
		if err != nil {
			return fmt.Errorf("email %d is not in the transaction: %w", id, err)
		}
	}
	if q.err != nil {
		return q.err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids = append(q.ids, emailIDs...)
	return nil
}

func (q *recordingEnqueuer) enqueued() []int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.ids)
}

func emailsOf(t *testing.T, s *store.Store, bookingID int64) []booking.Email {
	t.Helper()
	emails, err := s.Emails(t.Context(), bookingID)
	if err != nil {
		t.Fatalf("Emails(%d): %v", bookingID, err)
	}
	return emails
}

func emailIDs(emails []booking.Email) []int64 {
	ids := make([]int64, len(emails))
	for i, e := range emails {
		ids[i] = e.ID
	}
	return ids
}

func sameEmail(t *testing.T, got, want booking.Email) {
	t.Helper()
	if got.ID != want.ID || got.BookingID != want.BookingID || got.Kind != want.Kind ||
		got.Sequence != want.Sequence || got.State != want.State || got.Attempts != want.Attempts ||
		got.LastError != want.LastError {
		t.Errorf("email:\n got %+v\nwant %+v", got, want)
	}
	sameInstants(t, fmt.Sprintf("email %d ", got.ID),
		instant{"start", got.Start, want.Start},
		instant{"end", got.End, want.End},
		instant{"created", got.CreatedAt, want.CreatedAt},
		instant{"sent", got.SentAt, want.SentAt})
}

func TestCreateBookingRecordsEmail(t *testing.T) {
	for _, withEnqueuer := range []bool{true, false} {
		t.Run(fmt.Sprintf("enqueuer=%t", withEnqueuer), func(t *testing.T) {
			eachDialect(t, func(t *testing.T, s *store.Store) {
				q := &recordingEnqueuer{}
				if withEnqueuer {
					s.SetEnqueuer(q)
				}
				b := newBooking("CPH-EML001", nine)
				created := createEmailing(t, s, b, booking.EmailConfirmation, desk(nine, 1))
				emails := emailsOf(t, s, created.ID)
				if len(emails) != 1 {
					t.Fatalf("Emails = %+v, want one", emails)
				}
				want := booking.Email{
					ID:        emails[0].ID,
					BookingID: created.ID,
					Kind:      booking.EmailConfirmation,
					Sequence:  b.Sequence,
					Start:     b.Start,
					End:       b.End,
					State:     booking.EmailQueued,
					CreatedAt: b.CreatedAt,
				}
				sameEmail(t, emails[0], want)
				got, err := s.Email(t.Context(), want.ID)
				if err != nil {
					t.Fatalf("Email(%d): %v", want.ID, err)
				}
				sameEmail(t, got, want)
				if got.Start.Location() != time.UTC {
					t.Errorf("email start in %v, want UTC", got.Start.Location())
				}

				// Without a kind, no email is recorded or queued.
				other := create(t, s, newBooking("CPH-EML002", unit(4)))
				if emails := emailsOf(t, s, other.ID); len(emails) != 0 {
					t.Errorf("Emails of a booking made without one = %+v", emails)
				}

				wantQueued := []int64{want.ID}
				if !withEnqueuer {
					wantQueued = nil
				}
				if got := q.enqueued(); !slices.Equal(got, wantQueued) {
					t.Errorf("enqueued %v, want %v", got, wantQueued)
				}
			})
		})
	}
}

func TestEnqueueFailureWritesNothing(t *testing.T) {
	errQueue := errors.New("queue unavailable")
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		a := create(t, s, newBooking("CPH-ENQ001", nine), desk(nine, 2))
		s.SetEnqueuer(&recordingEnqueuer{err: errQueue})

		idem := booking.Idempotency{KeyHash: []byte("key"), RequestHash: []byte("req")}
		_, err := s.CreateBooking(ctx, newBooking("CPH-ENQ002", nine),
			[]booking.Claim{desk(unit(0), 2), desk(unit(1), 2)}, &idem, booking.EmailConfirmation)
		if !errors.Is(err, errQueue) {
			t.Errorf("CreateBooking: err = %v, want the enqueuer's", err)
		}

		moved := a
		moved.Start, moved.End, moved.Sequence = unit(4), unit(6), a.Sequence+1
		err = s.UpdateBooking(ctx, booking.Update{Booking: moved, Release: []booking.Claim{desk(nine, 2)}, Claims: []booking.Claim{desk(unit(4), 2), desk(unit(5), 2)}}, booking.EmailUpdate)
		if !errors.Is(err, errQueue) {
			t.Errorf("UpdateBooking: err = %v, want the enqueuer's", err)
		}

		// The database is as it was after the first booking, but for empty
		// counters (see createCounters).
		sameRowCounts(t, s, map[string]int64{"bookings": 1, "idempotency_keys": 0, "emails": 0})
		if n := count(t, s, "slot_counters", "booked > 0"); n != 1 {
			t.Errorf("%d counters with seats taken, want 1", n)
		}
		sameUsage(t, usage(t, s), map[string]int{"desk 09:00": 1})
		sameBooking(t, stored(t, s, a.ID), a)
	})
}

func TestUpdateBookingRecordsEmails(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		q := &recordingEnqueuer{}
		s.SetEnqueuer(q)
		b := createEmailing(t, s, newBooking("CPH-UPD001", nine), booking.EmailConfirmation, desk(nine, 1))

		moved := b
		moved.Start, moved.End, moved.Sequence = unit(4), unit(6), 1
		moved.UpdatedAt = nine.Add(-2 * time.Hour)
		if err := s.UpdateBooking(ctx, booking.Update{Booking: moved, Release: []booking.Claim{desk(nine, 1)}, Claims: []booking.Claim{desk(unit(4), 1)}}, booking.EmailUpdate); err != nil {
			t.Fatalf("reschedule: %v", err)
		}
		cancelled := moved
		cancelled.Status, cancelled.Sequence = booking.Cancelled, 2
		cancelled.UpdatedAt = nine.Add(-time.Hour)
		if err := s.UpdateBooking(ctx, booking.Update{Booking: cancelled, Release: []booking.Claim{desk(unit(4), 1)}}, booking.EmailCancellation); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		// A change made from an old version records nothing.
		stale := moved
		stale.Sequence = 2
		if err := s.UpdateBooking(ctx, booking.Update{Booking: stale}, booking.EmailUpdate); !errors.Is(err, booking.ErrConflict) {
			t.Fatalf("stale update: err = %v, want ErrConflict", err)
		}

		emails := emailsOf(t, s, b.ID)
		want := []booking.Email{
			{Kind: booking.EmailConfirmation, Sequence: 0, Start: nine, End: nine.Add(30 * time.Minute), CreatedAt: b.CreatedAt},
			{Kind: booking.EmailUpdate, Sequence: 1, Start: unit(4), End: unit(6), CreatedAt: moved.UpdatedAt},
			{Kind: booking.EmailCancellation, Sequence: 2, Start: unit(4), End: unit(6), CreatedAt: cancelled.UpdatedAt},
		}
		if len(emails) != len(want) {
			t.Fatalf("Emails = %+v, want %d", emails, len(want))
		}
		for i := range want {
			want[i].ID, want[i].BookingID, want[i].State = emails[i].ID, b.ID, booking.EmailQueued
			sameEmail(t, emails[i], want[i])
		}
		if got := q.enqueued(); !slices.Equal(got, emailIDs(emails)) {
			t.Errorf("enqueued %v, want %v", got, emailIDs(emails))
		}
	})
}

func TestQueueReminders(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		q := &recordingEnqueuer{}
		s.SetEnqueuer(q)
		day := func(d, hour, minute int) time.Time {
			return time.Date(2026, time.March, d, hour, minute, 0, 0, copenhagen)
		}
		from, to := day(3, 0, 0), day(4, 0, 0)
		madeBefore := day(2, 17, 0)

		type setup struct {
			ref      string
			center   string
			start    time.Time
			status   booking.Status
			created  time.Time
			reminded bool
		}
		var (
			old       = newBooking("", nine).CreatedAt
			confirmed = booking.Confirmed
		)
		setups := []setup{
			{"CPH-REM001", "cph", from, confirmed, old, true},
			{"CPH-REM002", "cph", day(3, 9, 0), confirmed, old, true},
			{"CPH-REM003", "cph", to.Add(-booking.Unit), confirmed, old, true},
			{"CPH-REM004", "cph", to, confirmed, old, false},
			{"CPH-REM005", "cph", from.Add(-booking.Unit), confirmed, old, false},
			{"CPH-REM006", "cph", day(3, 10, 0), booking.Cancelled, old, false},
			{"CPH-REM007", "cph", day(3, 11, 0), confirmed, madeBefore, false},
			{"CPH-REM008", "cph", day(3, 11, 0), confirmed, madeBefore.Add(time.Hour), false},
			{"CPH-REM009", "cph", day(3, 12, 0), confirmed, madeBefore.Add(-time.Microsecond), true},
			{"AAR-REM010", "aar", day(3, 9, 0), confirmed, old, true},
		}
		bookings := make(map[string]booking.Booking)
		wantReminded := 0
		for _, su := range setups {
			b := newBooking(su.ref, su.start)
			b.Center, b.Status, b.CreatedAt, b.UpdatedAt = su.center, su.status, su.created, su.created
			bookings[su.ref] = create(t, s, b)
			if su.reminded {
				wantReminded++
			}
		}

		n, err := s.QueueReminders(ctx, from, to, madeBefore)
		if err != nil {
			t.Fatalf("QueueReminders: %v", err)
		}
		if n != wantReminded {
			t.Errorf("QueueReminders = %d, want %d", n, wantReminded)
		}
		var reminders []int64
		for _, su := range setups {
			b := bookings[su.ref]
			emails := emailsOf(t, s, b.ID)
			if !su.reminded {
				if len(emails) != 0 {
					t.Errorf("%s got %+v, want no reminder", su.ref, emails)
				}
				continue
			}
			if len(emails) != 1 {
				t.Errorf("%s got %+v, want one reminder", su.ref, emails)
				continue
			}
			sameEmail(t, emails[0], booking.Email{
				ID: emails[0].ID, BookingID: b.ID, Kind: booking.EmailReminder, Sequence: b.Sequence,
				Start: b.Start, End: b.End, State: booking.EmailQueued, CreatedAt: emails[0].CreatedAt,
			})
			reminders = append(reminders, emails[0].ID)
		}
		slices.Sort(reminders)
		got := q.enqueued()
		slices.Sort(got)
		if !slices.Equal(got, reminders) {
			t.Errorf("enqueued %v, want the reminders %v", got, reminders)
		}

		// No reminder twice.
		if n, err := s.QueueReminders(ctx, from, to, madeBefore); err != nil || n != 0 {
			t.Errorf("QueueReminders again = %d, %v; want 0", n, err)
		}

		// A booking moved within the window is reminded of its new time.
		moved := bookings["CPH-REM002"]
		moved.Start, moved.End, moved.Sequence = day(3, 14, 0), day(3, 14, 30), moved.Sequence+1
		if err := s.UpdateBooking(ctx, booking.Update{Booking: moved}, booking.EmailUpdate); err != nil {
			t.Fatalf("reschedule: %v", err)
		}
		if n, err := s.QueueReminders(ctx, from, to, madeBefore); err != nil || n != 1 {
			t.Errorf("QueueReminders after a reschedule = %d, %v; want 1", n, err)
		}
		emails := emailsOf(t, s, moved.ID)
		if len(emails) != 3 {
			t.Fatalf("emails of the moved booking = %+v, want reminder, update, reminder", emails)
		}
		last := emails[2]
		sameEmail(t, last, booking.Email{
			ID: last.ID, BookingID: moved.ID, Kind: booking.EmailReminder, Sequence: moved.Sequence,
			Start: moved.Start, End: moved.End, State: booking.EmailQueued, CreatedAt: last.CreatedAt,
		})
		if n, err := s.QueueReminders(ctx, from, to, madeBefore); err != nil || n != 0 {
			t.Errorf("QueueReminders a fourth time = %d, %v; want 0", n, err)
		}
		if got := q.enqueued(); len(got) != wantReminded+2 {
			t.Errorf("enqueued %d emails, want %d", len(got), wantReminded+2)
		}
	})
}

func TestRecordEmailAttempt(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		b := createEmailing(t, s, newBooking("CPH-ATT001", nine), booking.EmailConfirmation)
		emails := emailsOf(t, s, b.ID)
		if len(emails) != 1 {
			t.Fatalf("Emails = %+v, want one", emails)
		}
		email := emails[0]
		at := func(minutes int) time.Time {
			return time.Date(2026, time.February, 20, 15, minutes, 0, 123456789, copenhagen)
		}

		for _, step := range []struct {
			name    string
			attempt int
			sendErr error
			final   bool
			at      time.Time
			// what the email is after the step
			state     booking.EmailState
			attempts  int
			lastError string
			sentAt    time.Time
		}{
			{"retry", 1, errors.New("451 4.3.0 try again later"), false, at(1),
				booking.EmailQueued, 1, "451 4.3.0 try again later", time.Time{}},
			{"long error", 2, errors.New(strings.Repeat("é", 400)), false, at(2),
				booking.EmailQueued, 2, strings.Repeat("é", 248) + "…", time.Time{}},
			{"NUL and invalid UTF-8", 3, errors.New("bad \x00\xff reply"), false, at(3),
				booking.EmailQueued, 3, "bad \uFFFD\uFFFD reply", time.Time{}},
			{"given up", 4, errors.New("550 5.1.1 mailbox unavailable"), true, at(4),
				booking.EmailFailed, 4, "550 5.1.1 mailbox unavailable", time.Time{}},
			{"sent", 5, nil, false, at(5),
				booking.EmailSent, 5, "", at(5).Truncate(time.Microsecond)},
			{"failure after sent", 6, errors.New("timeout"), true, at(6),
				booking.EmailSent, 5, "", at(5).Truncate(time.Microsecond)},
			{"sent again", 7, nil, false, at(7),
				booking.EmailSent, 5, "", at(5).Truncate(time.Microsecond)},
		} {
			if err := s.RecordEmailAttempt(ctx, email.ID, step.attempt, step.sendErr, step.final, step.at); err != nil {
				t.Fatalf("%s: RecordEmailAttempt: %v", step.name, err)
			}
			got, err := s.Email(ctx, email.ID)
			if err != nil {
				t.Fatalf("%s: Email: %v", step.name, err)
			}
			if !utf8.ValidString(got.LastError) || len(got.LastError) > 500 {
				t.Errorf("%s: last error of %d bytes, valid UTF-8 %t", step.name, len(got.LastError), utf8.ValidString(got.LastError))
			}
			want := email
			want.State, want.Attempts, want.LastError, want.SentAt = step.state, step.attempts, step.lastError, step.sentAt
			sameEmail(t, got, want)
			if t.Failed() {
				t.Fatalf("after step %q", step.name)
			}
		}
	})
}

func TestAppointments(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		from, to := unit(0), unit(8)
		for _, b := range []struct {
			ref    string
			center string
			start  time.Time
			status booking.Status
		}{
			{"CPH-APP001", "cph", unit(2), booking.Confirmed},
			{"CPH-APP002", "cph", unit(0), booking.Confirmed},
			{"CPH-APP003", "cph", unit(2), booking.Confirmed}, // same start, later ID
			{"CPH-APP004", "cph", unit(1), booking.Cancelled},
			{"AAR-APP005", "aar", unit(1), booking.Confirmed},
			{"CPH-APP006", "cph", to, booking.Confirmed},
			{"CPH-APP007", "cph", from.Add(-booking.Unit), booking.Confirmed},
			{"CPH-APP008", "cph", unit(7), booking.Confirmed},
		} {
			nb := newBooking(b.ref, b.start)
			nb.Center, nb.Status = b.center, b.status
			create(t, s, nb)
		}

		got, err := s.Appointments(t.Context(), "cph", from, to)
		if err != nil {
			t.Fatalf("Appointments: %v", err)
		}
		var refs []string
		for _, b := range got {
			refs = append(refs, b.Reference)
		}
		want := []string{"CPH-APP002", "CPH-APP001", "CPH-APP003", "CPH-APP008"}
		if !slices.Equal(refs, want) {
			t.Errorf("Appointments = %v, want %v", refs, want)
		}
		if len(got) > 0 {
			b, err := s.Booking(t.Context(), got[0].Reference)
			if err != nil {
				t.Fatalf("Booking: %v", err)
			}
			sameBooking(t, got[0], b)
		}
	})
}

func TestBookingInCenter(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		b := create(t, s, newBooking("CPH-CTR001", nine))
		if got, err := s.BookingInCenter(t.Context(), "cph", b.ID); err != nil || got.Reference != b.Reference {
			t.Errorf("in its center: %+v, %v", got, err)
		}
		if _, err := s.BookingInCenter(t.Context(), "aarhus", b.ID); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("in another center: %v", err)
		}
		if _, err := s.BookingInCenter(t.Context(), "cph", b.ID+1); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("an unknown ID: %v", err)
		}
	})
}

// failingEnqueuer is a recordingEnqueuer whose call number failAt fails.
type failingEnqueuer struct {
	recordingEnqueuer
	calls, failAt int
}

var errQueueDown = errors.New("queue unavailable")

func (q *failingEnqueuer) EnqueueEmails(ctx context.Context, tx *sql.Tx, emailIDs ...int64) error {
	q.calls++
	if q.calls == q.failAt {
		return errQueueDown
	}
	return q.recordingEnqueuer.EnqueueEmails(ctx, tx, emailIDs...)
}

// TestUpdateBookingsAllOrNone cancels three bookings in one go, as the
// closure of a day does: a failure with any of them writes nothing, and
// once they all succeed each has its cancellation email queued.
func TestUpdateBookingsAllOrNone(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		first := []booking.Claim{desk(unit(0), 2), desk(unit(1), 2)}
		later := []booking.Claim{desk(unit(4), 2), desk(unit(5), 2)}
		bookings := []booking.Booking{
			create(t, s, newBooking("CPH-ALL001", unit(0)), first...),
			create(t, s, newBooking("CPH-ALL002", unit(0)), first...),
			create(t, s, newBooking("CPH-ALL003", unit(4)), later...),
		}
		claims := [][]booking.Claim{first, first, later}
		cancellations := func() []booking.Update {
			updates := make([]booking.Update, len(bookings))
			for i, b := range bookings {
				b.Status, b.CancelReason = booking.Cancelled, "Water damage"
				b.Sequence++
				updates[i] = booking.Update{Booking: b, Release: claims[i]}
			}
			// Not in the order of their IDs: the store sorts them.
			slices.Reverse(updates)
			return updates
		}
		taken := map[string]int{"desk 09:00": 2, "desk 09:15": 2, "desk 10:00": 1, "desk 10:15": 1}
		nothingWritten := func(when string) {
			t.Helper()
			if n := count(t, s, "bookings", "status = ?", "cancelled"); n != 0 {
				t.Errorf("%s: %d bookings cancelled", when, n)
			}
			if n := count(t, s, "emails", ""); n != 0 {
				t.Errorf("%s: %d emails recorded", when, n)
			}
			sameUsage(t, usage(t, s), taken)
		}

		// The second changed meanwhile: the first, written already in the
		// transaction, is rolled back with it.
		changed := bookings[1]
		changed.Notes, changed.Sequence = "Moved by its holder", changed.Sequence+1
		if err := s.UpdateBooking(ctx, booking.Update{Booking: changed}, ""); err != nil {
			t.Fatal(err)
		}
		s.SetEnqueuer(&recordingEnqueuer{})
		err := s.UpdateBookings(ctx, cancellations(), booking.EmailCancellation)
		if !errors.Is(err, booking.ErrConflict) || !strings.Contains(err.Error(), "booking "+strconv.FormatInt(changed.ID, 10)) {
			t.Errorf("with a booking changed meanwhile: %v, want ErrConflict naming booking %d", err, changed.ID)
		}
		// The enqueuer was given the first booking's email, in the
		// transaction: its job goes with the email row, rolled back.
		nothingWritten("after a conflict")
		bookings[1] = changed

		// The last email cannot be queued: nothing is written either.
		s.SetEnqueuer(&failingEnqueuer{failAt: 3})
		if err := s.UpdateBookings(ctx, cancellations(), booking.EmailCancellation); !errors.Is(err, errQueueDown) {
			t.Errorf("with the queue failing: %v", err)
		}
		nothingWritten("after the queue failed")

		// A cancelled context writes nothing.
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.UpdateBookings(cancelled, cancellations(), booking.EmailCancellation); !errors.Is(err, context.Canceled) {
			t.Errorf("with a cancelled context: %v", err)
		}
		nothingWritten("with a cancelled context")

		q := &recordingEnqueuer{}
		s.SetEnqueuer(q)
		if err := s.UpdateBookings(ctx, cancellations(), booking.EmailCancellation); err != nil {
			t.Fatal(err)
		}
		sameUsage(t, usage(t, s), nil)
		var queued []int64
		for _, b := range bookings {
			got, err := s.BookingByID(ctx, b.ID)
			if err != nil || got.Status != booking.Cancelled || got.CancelReason != "Water damage" || got.Sequence != b.Sequence+1 {
				t.Errorf("%s: %+v, %v", b.Reference, got, err)
			}
			emails := emailsOf(t, s, b.ID)
			if len(emails) != 1 || emails[0].Kind != booking.EmailCancellation || emails[0].State != booking.EmailQueued || emails[0].Sequence != b.Sequence+1 {
				t.Errorf("%s: emails %+v, want one cancellation queued", b.Reference, emails)
			}
			queued = append(queued, emailIDs(emails)...)
		}
		if got := q.enqueued(); !slices.Equal(got, queued) {
			t.Errorf("enqueued %v, want %v", got, queued)
		}
	})
}
