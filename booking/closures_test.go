package booking_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
)

// monday is Monday 30 November 2026, when Aarhus closes from 12:00 to 15:00.
var monday = booking.Date{Year: 2026, Month: time.November, Day: 30}

// closedAfternoon is a fixture whose store holds that closure and bookings
// of the day: two the closure hits (lunch runs into it) and three it does
// not (the morning's, another center's, and one cancelled already).
func closedAfternoon(t *testing.T) (f *fixture, hit, spared []booking.Booking) {
	f = newFixture(t)
	at := func(hour, minute int) time.Time { return cph(2026, time.November, 30, hour, minute) }
	err := f.store.AddClosure(t.Context(), booking.Closure{Center: "aarhus", Day: monday, Reason: "Staff meeting",
		Part: booking.Span{Open: 12 * time.Hour, Close: 15 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	lunch := f.book("AAR-CLOSE1", "aarhus", at(11, 45))
	afternoon := f.book("AAR-CLOSE2", "aarhus", at(13, 0))
	morning := f.book("AAR-CLOSE3", "aarhus", at(9, 0))
	odense := f.book("ODE-CLOSE4", "odense", at(13, 0))
	cancelled := f.book("AAR-CLOSE5", "aarhus", at(14, 0))
	cancelled.Status, cancelled.Sequence = booking.Cancelled, 1
	if err := f.store.UpdateBooking(t.Context(), booking.Update{Booking: cancelled}, ""); err != nil {
		t.Fatal(err)
	}
	return f, []booking.Booking{lunch, afternoon}, []booking.Booking{morning, odense, cancelled}
}

// references returns the bookings' references.
func references(bs []booking.Booking) []string {
	refs := make([]string, len(bs))
	for i, b := range bs {
		refs[i] = b.Reference
	}
	return refs
}

// TestCancelClosed: the bookings a closure hits are cancelled in one
// operation, each with the closure's reason and a cancellation email.
func TestCancelClosed(t *testing.T) {
	f, hit, spared := closedAfternoon(t)
	ctx := t.Context()
	if _, err := f.scheduler.CancelClosed(ctx, "aarhus", monday.AddDays(1)); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("a day not closed: %v", err)
	}
	if _, err := f.scheduler.CancelClosed(ctx, "roskilde", monday); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("an unknown center: %v", err)
	}

	// One of them changes at the same moment: all are read again.
	changed := false
	f.store.beforeUpdate = func() {
		if !changed {
			changed = true
			f.store.change(hit[1].ID)
		}
	}
	cancelled, err := f.scheduler.CancelClosed(ctx, "aarhus", monday)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := references(cancelled), references(hit); !slices.Equal(got, want) {
		t.Errorf("cancelled %v, want %v", got, want)
	}
	for _, b := range hit {
		got := f.store.get(b.ID)
		if got.Status != booking.Cancelled || got.CancelReason != "Staff meeting" {
			t.Errorf("%s: %+v", b.Reference, got)
		}
		if emails := f.store.emailsOf(b.ID); !slices.Equal(emails, []booking.EmailKind{booking.EmailCancellation}) {
			t.Errorf("%s: emails %v, want one cancellation", b.Reference, emails)
		}
	}
	for _, b := range spared {
		if got := f.store.get(b.ID); got.Status != b.Status || got.Sequence != b.Sequence || len(f.store.emailsOf(b.ID)) != 0 {
			t.Errorf("%s changed: %+v", b.Reference, got)
		}
	}

	// Again: nothing is left to cancel.
	if cancelled, err := f.scheduler.CancelClosed(ctx, "aarhus", monday); err != nil || len(cancelled) != 0 {
		t.Errorf("again: %v, %v", references(cancelled), err)
	}
}

// TestCancelClosedAllOrNone: when the bookings keep changing, none is
// cancelled.
func TestCancelClosedAllOrNone(t *testing.T) {
	f, hit, _ := closedAfternoon(t)
	f.store.beforeUpdate = func() { f.store.change(hit[1].ID) }
	if _, err := f.scheduler.CancelClosed(t.Context(), "aarhus", monday); !errors.Is(err, booking.ErrConflict) {
		t.Fatalf("cancel across endless changes: %v", err)
	}
	for _, b := range hit {
		if got := f.store.get(b.ID); got.Status != booking.Confirmed || len(f.store.emailsOf(b.ID)) != 0 {
			t.Errorf("%s: %+v", b.Reference, got)
		}
	}
}

// TestCancelClosedLeavesStarted: on the day of the closure, a booking under
// way is not cancelled; the rest are.
func TestCancelClosedLeavesStarted(t *testing.T) {
	f, hit, _ := closedAfternoon(t)
	f.clock.Set(cph(2026, time.November, 30, 11, 50))
	cancelled, err := f.scheduler.CancelClosed(t.Context(), "aarhus", monday)
	if err != nil || !slices.Equal(references(cancelled), []string{hit[1].Reference}) {
		t.Errorf("cancelled %v, %v; want only %s", references(cancelled), err, hit[1].Reference)
	}
	if got := f.store.get(hit[0].ID); got.Status != booking.Confirmed {
		t.Errorf("the booking under way: %+v", got)
	}
}

// TestCancelClosedAfterClosingAgain: closing a day again replaces its
// closure, so the bookings cancelled are those the new closure hits, with
// its reason.
func TestCancelClosedAfterClosingAgain(t *testing.T) {
	f, hit, spared := closedAfternoon(t)
	ctx := t.Context()
	if _, err := f.scheduler.AddClosure(ctx, booking.Closure{Center: "aarhus", Day: monday, Reason: "Moving"}); err != nil {
		t.Fatal(err)
	}
	morning := spared[0]
	want := []string{morning.Reference, hit[0].Reference, hit[1].Reference}
	cancelled, err := f.scheduler.CancelClosed(ctx, "aarhus", monday)
	if err != nil || !slices.Equal(references(cancelled), want) {
		t.Fatalf("cancelled %v, %v; want the whole day's %v", references(cancelled), err, want)
	}
	for _, b := range cancelled {
		if b.CancelReason != "Moving" {
			t.Errorf("%s cancelled for %q, want the new closure's reason", b.Reference, b.CancelReason)
		}
	}
}

// A closure's reason is free text like any other: one line, without
// control or bidirectional override characters.
func TestClosureReason(t *testing.T) {
	f := newFixture(t)
	for _, reason := range []string{"", "Staff\nmeeting", "Staff \u202emeeting", "Staff \u2066meeting\u2069"} {
		_, err := f.scheduler.AddClosure(t.Context(), booking.Closure{Center: "aarhus", Day: monday, Reason: reason})
		if !errors.Is(err, booking.ErrInvalid) {
			t.Errorf("reason %+q: %v, want ErrInvalid", reason, err)
		}
	}
}
