package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
)

// Versions of the catalogue come back as stored, the latest first, and a
// version must follow the latest.
func TestCatalogueVersionsRoundTrip(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		if _, err := s.CatalogueVersion(ctx, 0); !errors.Is(err, booking.ErrNotFound) {
			t.Fatalf("latest of none: err = %v, want ErrNotFound", err)
		}
		at := time.Date(2026, 11, 26, 9, 30, 0, 123456000, time.UTC)
		first := booking.CatalogueVersion{Number: 1, Document: []byte("time_zone: Europe/Copenhagen\n"), Author: "seed", At: at}
		second := booking.CatalogueVersion{Number: 2, Document: []byte("time_zone: Europe/Copenhagen\n# Ærø\n"), Author: "admin@ics.dk",
			Note: "reverted to version 1", At: at.Add(time.Hour)}
		for _, v := range []booking.CatalogueVersion{first, second} {
			if err := s.AddCatalogueVersion(ctx, v, nil); err != nil {
				t.Fatal(err)
			}
		}
		same := func(got, want booking.CatalogueVersion) {
			t.Helper()
			if got.Number != want.Number || string(got.Document) != string(want.Document) || got.Author != want.Author ||
				got.Note != want.Note || !got.At.Equal(want.At) {
				t.Errorf("version %+v, want %+v", got, want)
			}
		}
		latest, err := s.CatalogueVersion(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		same(latest, second)
		one, err := s.CatalogueVersion(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		same(one, first)
		if _, err := s.CatalogueVersion(ctx, 3); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("version 3: err = %v, want ErrNotFound", err)
		}
		list, err := s.CatalogueVersions(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 {
			t.Fatalf("%d versions, want 2", len(list))
		}
		same(list[0], second)
		same(list[1], first)

		// A version made from version 1 comes too late; so does one that
		// skips a number.
		for _, n := range []int{2, 4} {
			err := s.AddCatalogueVersion(ctx, booking.CatalogueVersion{Number: n, Document: []byte("x"), Author: "late"}, nil)
			if !errors.Is(err, booking.ErrVersionMoved) {
				t.Errorf("version %d after 2: err = %v, want ErrVersionMoved", n, err)
			}
		}
		if n := count(t, s, "catalogue_versions", "1 = 1"); n != 2 {
			t.Errorf("%d versions stored, want 2", n)
		}
	})
}

// Of two changes made from the same version, one is stored and the other
// told that the catalogue moved, however they interleave.
func TestCatalogueVersionRace(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = s.AddCatalogueVersion(t.Context(), booking.CatalogueVersion{Number: 1, Document: []byte("x"), Author: "racer"}, nil)
			})
		}
		wg.Wait()
		stored := 0
		for _, err := range errs {
			switch {
			case err == nil:
				stored++
			case !errors.Is(err, booking.ErrVersionMoved):
				t.Errorf("err = %v, want nil or ErrVersionMoved", err)
			}
		}
		if stored != 1 {
			t.Errorf("%d of %d stored, want 1", stored, n)
		}
	})
}

// A version that cancels bookings does so in its transaction, each with a
// cancellation email, and frees their seats; if a booking changed
// meanwhile, neither the version nor any cancellation is stored.
func TestCatalogueVersionCancels(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		claims := []booking.Claim{desk(unit(0), 1), desk(unit(1), 1)}
		b := create(t, s, newBooking("CPH-CAT001", nine), claims...)
		cancelled := b
		cancelled.Status, cancelled.CancelReason = booking.Cancelled, "Closed on Mondays from now on"
		cancelled.Sequence++

		stale := cancelled
		stale.Sequence++ // as if made from a booking changed meanwhile
		err := s.AddCatalogueVersion(ctx, booking.CatalogueVersion{Number: 1, Document: []byte("x"), Author: "admin"},
			[]booking.Update{{Booking: stale, Release: claims}})
		if !errors.Is(err, booking.ErrConflict) {
			t.Fatalf("stale cancellation: err = %v, want ErrConflict", err)
		}
		if n := count(t, s, "catalogue_versions", "1 = 1"); n != 0 {
			t.Errorf("%d versions stored with a failed cancellation, want 0", n)
		}

		err = s.AddCatalogueVersion(ctx, booking.CatalogueVersion{Number: 1, Document: []byte("x"), Author: "admin"},
			[]booking.Update{{Booking: cancelled, Release: claims}})
		if err != nil {
			t.Fatal(err)
		}
		got := stored(t, s, b.ID)
		if got.Status != booking.Cancelled || got.CancelReason != cancelled.CancelReason {
			t.Errorf("booking %s %q, want cancelled with the reason", got.Status, got.CancelReason)
		}
		sameUsage(t, usage(t, s), nil)
		emails := emailsOf(t, s, b.ID)
		if len(emails) != 1 || emails[0].Kind != booking.EmailCancellation {
			t.Errorf("emails %+v, want one cancellation", emails)
		}
	})
}

// A version stored by one server process is announced to the others.
func TestListenCatalogue(t *testing.T) {
	url := storetest.URL(t, "postgres")
	listener, other := storetest.OpenURL(t, url), storetest.OpenURL(t, url)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	versions := make(chan int, 100)
	go listener.Listen(ctx, store.Listeners{
		Queue:     func(string) {},
		Seats:     func(string, time.Time, time.Time) {},
		Catalogue: func(n int) { versions <- n },
	})
	// Once listening, the listener is told a version may have come unheard.
	deadline := time.After(10 * time.Second)
	select {
	case n := <-versions:
		if n != 0 {
			t.Errorf("first heard version %d, want 0 (read the latest)", n)
		}
	case <-deadline:
		t.Fatal("not told that a version may have come")
	}
	if err := other.AddCatalogueVersion(t.Context(), booking.CatalogueVersion{Number: 1, Document: []byte("x"), Author: "admin"}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-versions:
		if n != 1 {
			t.Errorf("heard version %d, want 1", n)
		}
	case <-deadline:
		t.Fatal("the version was never heard")
	}
}
