package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
)

// TestEraseBookingsBefore erases the bookings that ended before the cutoff,
// all of their personal data, skips their queued emails and deletes their
// idempotency records, and keeps the later ones and every row.
func TestEraseBookingsBefore(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		now := nine.AddDate(0, 0, 60)
		cutoff := now.AddDate(0, 0, -30)
		book := func(ref string, start time.Time) booking.Booking {
			idem := &booking.Idempotency{KeyHash: []byte("key-" + ref), RequestHash: []byte("request-" + ref)}
			b, err := s.CreateBooking(ctx, newBooking(ref, start), nil, idem, booking.EmailConfirmation)
			if err != nil {
				t.Fatalf("CreateBooking(%s): %v", ref, err)
			}
			return b
		}
		old := book("CPH-OLD001", now.AddDate(0, 0, -31))
		recent := book("CPH-NEW001", now.AddDate(0, 0, -29))
		for _, start := range []time.Time{old.Start, recent.Start} {
			if err := s.DB().Exec(`INSERT INTO slot_counters (center_id, resource, starts_at, booked, capacity) VALUES (?, 'counter', ?, 1, 1)`,
				old.Center, start.UTC()).Error; err != nil {
				t.Fatal(err)
			}
		}

		n, err := s.EraseBookingsBefore(ctx, cutoff, now)
		if err != nil || n != 1 {
			t.Fatalf("EraseBookingsBefore = %d, %v; want 1", n, err)
		}
		got := stored(t, s, old.ID)
		if got.Name != "" || got.Email != "" || got.Phone != "" || got.Notes != "" || len(got.TokenSealed) != 0 {
			t.Errorf("erased booking keeps personal data: %+v", got)
		}
		if !got.ErasedAt.Equal(now) || got.Center != old.Center || got.Service != old.Service || !got.Start.Equal(old.Start) {
			t.Errorf("erased booking = %+v, want the anonymous facts kept and erased at %v", got, now)
		}
		emails, err := s.Emails(ctx, old.ID)
		if err != nil || len(emails) != 1 || emails[0].State != booking.EmailSkipped || emails[0].LastError != "personal data erased" {
			t.Errorf("emails of the erased booking = %+v, %v; want one skipped", emails, err)
		}
		if _, err := s.Idempotency(ctx, []byte("key-CPH-OLD001")); err == nil {
			t.Error("the idempotency record of the erased booking is still there")
		}

		kept, err := s.BookingByID(ctx, recent.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameBooking(t, kept, recent)
		if !kept.ErasedAt.IsZero() {
			t.Errorf("booking 29 days past erased at %v", kept.ErasedAt)
		}
		if _, err := s.Idempotency(ctx, []byte("key-CPH-NEW001")); err != nil {
			t.Errorf("idempotency record of the kept booking: %v", err)
		}
		var rows int64
		if err := s.DB().Table("bookings").Count(&rows).Error; err != nil || rows != 2 {
			t.Errorf("%d booking rows (%v), want both kept for the statistics", rows, err)
		}
		var counters []time.Time
		if err := s.DB().Raw(`SELECT starts_at FROM slot_counters`).Scan(&counters).Error; err != nil ||
			len(counters) != 1 || !counters[0].Equal(recent.Start) {
			t.Errorf("seat counters left at %v (%v), want only the one after the cutoff, %v", counters, err, recent.Start)
		}

		if n, err := s.EraseBookingsBefore(ctx, cutoff, now.Add(time.Hour)); err != nil || n != 0 {
			t.Errorf("second run erased %d, %v; want 0", n, err)
		}
	})
}

// TestEraseBookingWaitsForItsEmail keeps a booking's email address and
// sealed token while an email of it is queued, and clears them once it is
// sent.
func TestEraseBookingWaitsForItsEmail(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		b, err := s.CreateBooking(ctx, newBooking("CPH-ERASE1", nine), nil,
			&booking.Idempotency{KeyHash: []byte("key"), RequestHash: []byte("request")}, booking.EmailConfirmation)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.EraseBooking(ctx, b.ID, nine); err != nil {
			t.Fatal(err)
		}
		got := stored(t, s, b.ID)
		if got.Name != "" || got.Phone != "" || got.Notes != "" || got.ErasedAt.IsZero() {
			t.Errorf("after EraseBooking: %+v, want name, phone and notes gone", got)
		}
		if got.Email != b.Email || len(got.TokenSealed) == 0 {
			t.Errorf("after EraseBooking: email %q, sealed %x; want both kept for the queued email", got.Email, got.TokenSealed)
		}
		if _, err := s.Idempotency(ctx, []byte("key")); err == nil {
			t.Error("the idempotency record is still there")
		}

		emails, err := s.Emails(ctx, b.ID)
		if err != nil || len(emails) != 1 {
			t.Fatalf("emails = %+v, %v", emails, err)
		}
		if err := s.RecordEmailAttempt(ctx, emails[0].ID, 1, nil, false, nine); err != nil {
			t.Fatal(err)
		}
		got = stored(t, s, b.ID)
		if got.Email != "" || len(got.TokenSealed) != 0 {
			t.Errorf("after the email was sent: email %q, sealed %x; want both gone", got.Email, got.TokenSealed)
		}
		if err := s.EraseBooking(ctx, 1<<40, nine); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("EraseBooking of no booking: %v, want ErrNotFound", err)
		}
	})
}
