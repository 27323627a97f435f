package booking_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
)

func TestChangeable(t *testing.T) {
	start := thursdayAt(10, 0)
	for _, tt := range []struct {
		name   string
		status booking.Status
		now    time.Time
		want   bool
	}{
		{"confirmed, a day ahead", booking.Confirmed, start.Add(-24 * time.Hour), true},
		{"confirmed, a second ahead", booking.Confirmed, start.Add(-time.Second), true},
		{"confirmed, at its start", booking.Confirmed, start, false},
		{"confirmed, under way", booking.Confirmed, start.Add(10 * time.Minute), false},
		{"confirmed, over", booking.Confirmed, start.Add(24 * time.Hour), false},
		{"cancelled, a day ahead", booking.Cancelled, start.Add(-24 * time.Hour), false},
	} {
		b := booking.Booking{Status: tt.status, Start: start, End: start.Add(30 * time.Minute)}
		if got := b.Changeable(tt.now); got != tt.want {
			t.Errorf("%s: Changeable = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestCancelByStaff: staff cancel a booking of their center with a reason;
// what no reason could change is told before a missing reason.
func TestCancelByStaff(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	ahead := f.book("AAR-STAFF1", "aarhus", thursdayAt(11, 0))
	started := f.book("AAR-STAFF2", "aarhus", thursdayAt(9, 30))
	elsewhere := f.book("CPH-STAFF3", "copenhagen", thursdayAt(11, 0))
	cancelled := f.book("AAR-STAFF4", "aarhus", thursdayAt(11, 0))
	cancelled.Status, cancelled.Sequence = booking.Cancelled, 1
	if err := f.store.UpdateBooking(ctx, booking.Update{Booking: cancelled}, ""); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name   string
		center string
		id     int64
		reason string
		want   error
	}{
		{"another center's booking", "aarhus", elsewhere.ID, "Burst pipe", booking.ErrNotFound},
		{"an unknown booking", "aarhus", elsewhere.ID + 100, "Burst pipe", booking.ErrNotFound},
		{"an unknown center", "roskilde", ahead.ID, "Burst pipe", booking.ErrNotFound},
		{"a booking under way, without a reason", "aarhus", started.ID, " ", booking.ErrStarted},
		{"without a reason", "aarhus", ahead.ID, "  ", booking.ErrInvalid},
		{"a reason of two lines", "aarhus", ahead.ID, "Burst\npipe", booking.ErrInvalid},
		{"a reason with an override", "aarhus", ahead.ID, "Burst \u202epipe", booking.ErrInvalid},
	} {
		b, done, err := f.scheduler.CancelByStaff(ctx, tt.center, tt.id, tt.reason)
		if !errors.Is(err, tt.want) || done || b.ID != 0 {
			t.Errorf("%s: %+v, %v, %v; want %v", tt.name, b, done, err, tt.want)
		}
	}
	if _, _, err := f.scheduler.CancelByStaff(ctx, "aarhus", started.ID, "x"); !errors.Is(err, booking.ErrConflict) {
		t.Errorf("ErrStarted is not an ErrConflict: %v", err)
	}
	if got := f.store.get(ahead.ID); got.Status != booking.Confirmed || len(f.store.emailsOf(ahead.ID)) != 0 {
		t.Fatalf("refused cancellations changed the booking: %+v", got)
	}

	// Cancelled already: left as it is, whatever the reason.
	b, done, err := f.scheduler.CancelByStaff(ctx, "aarhus", cancelled.ID, "")
	if err != nil || done || b.ID != cancelled.ID || b.Sequence != 1 {
		t.Errorf("a cancelled booking: %+v, %v, %v", b, done, err)
	}

	b, done, err = f.scheduler.CancelByStaff(ctx, "aarhus", ahead.ID, "  Burst pipe ")
	if err != nil || !done || b.Status != booking.Cancelled || b.CancelReason != "Burst pipe" || b.Sequence != 1 {
		t.Fatalf("cancel: %+v, %v, %v", b, done, err)
	}
	if got := f.store.get(ahead.ID); got.Status != booking.Cancelled || got.CancelReason != "Burst pipe" {
		t.Errorf("stored %+v", got)
	}
	b, done, err = f.scheduler.CancelByStaff(ctx, "aarhus", ahead.ID, "Burst pipe")
	if err != nil || done || b.Sequence != 1 {
		t.Errorf("cancelled twice: %+v, %v, %v", b, done, err)
	}
	if emails := f.store.emailsOf(ahead.ID); !slices.Equal(emails, []booking.EmailKind{booking.EmailCancellation}) {
		t.Errorf("emails %v, want one cancellation", emails)
	}
}

// TestCancelRetries: a cancellation that crosses another change reads the
// booking again and cancels what it finds.
func TestCancelRetries(t *testing.T) {
	f := newFixture(t)
	b := f.book("AAR-RETRY1", "aarhus", thursdayAt(11, 0))
	changes := 2
	f.store.beforeUpdate = func() {
		if changes > 0 {
			changes--
			f.store.change(b.ID)
		}
	}
	got, err := f.scheduler.Cancel(t.Context(), b.Reference, "token-"+b.Reference)
	if err != nil || got.Status != booking.Cancelled || got.Sequence != 3 {
		t.Errorf("cancel across two changes: %+v, %v", got, err)
	}

	// Changed on every attempt: given up, with ErrConflict.
	other := f.book("AAR-RETRY2", "aarhus", thursdayAt(11, 0))
	f.store.beforeUpdate = func() { f.store.change(other.ID) }
	if _, err := f.scheduler.Cancel(t.Context(), other.Reference, "token-"+other.Reference); !errors.Is(err, booking.ErrConflict) {
		t.Errorf("cancel across endless changes: %v", err)
	}
	if got := f.store.get(other.ID); got.Status != booking.Confirmed {
		t.Errorf("stored %+v", got)
	}
}

// TestStartedBookingsStay: once its appointment has started, a booking can
// be neither cancelled nor moved by its holder.
func TestStartedBookingsStay(t *testing.T) {
	f := newFixture(t)
	b := f.book("AAR-START1", "aarhus", thursdayAt(9, 30))
	token := "token-" + b.Reference
	if _, err := f.scheduler.Cancel(t.Context(), b.Reference, token); !errors.Is(err, booking.ErrStarted) {
		t.Errorf("cancel: %v, want ErrStarted", err)
	}
	if _, err := f.scheduler.Reschedule(t.Context(), b.Reference, token, cph(2026, time.November, 30, 10, 0)); !errors.Is(err, booking.ErrStarted) {
		t.Errorf("reschedule: %v, want ErrStarted", err)
	}
	if got := f.store.get(b.ID); got.Status != booking.Confirmed || got.Sequence != 0 {
		t.Errorf("stored %+v", got)
	}
}
