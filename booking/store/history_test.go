package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/staff"
)

// StaffActs finds what staff did to one booking and its ticket, in the
// story's words: entries naming its reference, a closure of its day that
// cancelled it, its ticket's number on the ticket's day only; nothing of
// another center, another booking or another day's ticket of that number.
func TestStaffActs(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mette, err := s.CreateAccount(ctx, staff.Account{Email: "mette@ics.dk", Center: "cph", Role: staff.RoleStaff, CreatedAt: nine}, "hash")
		if err != nil {
			t.Fatal(err)
		}
		day := booking.DateOf(nine)
		record := func(center, action, subject, detail string, at time.Time) {
			t.Helper()
			err := s.RecordEntry(ctx, staff.Entry{AccountID: mette.ID, Center: center, Action: action, Subject: subject, Detail: detail, At: at})
			if err != nil {
				t.Fatal(err)
			}
		}
		record("cph", staff.ActionBookingCreate, "CPH-AAAAAA", "", nine.Add(-72*time.Hour))
		record("cph", staff.ActionBookingMove, "CPH-AAAAAA", "2026-03-02 09:00", nine.Add(-48*time.Hour))
		record("cph", staff.ActionBookingMove, "CPH-BBBBBB", "2026-03-02 09:00", nine.Add(-47*time.Hour)) // another booking
		record("aar", staff.ActionBookingMove, "CPH-AAAAAA", "", nine.Add(-46*time.Hour))                 // another center
		record("cph", staff.ActionClosureCancelBookings, day.AddDays(1).String(), "CPH-AAAAAA", nine)     // another day
		record("cph", staff.ActionClosureCancelBookings, day.String(), "CPH-AAAAAAB CPH-BBBBBB", nine)    // no whole reference
		record("cph", staff.ActionTicketCall, "A-001", "desk 1", nine.Add(-24*time.Hour))                 // yesterday's A-001
		record("cph", staff.ActionTicketCall, "A-001", "desk 2", nine.Add(5*time.Minute))
		record("cph", staff.ActionTicketServe, "A-001", "", nine.Add(20*time.Minute))
		record("cph", staff.ActionTicketCall, "A-002", "desk 2", nine.Add(25*time.Minute)) // another ticket
		record("cph", staff.ActionLogin, "", "", nine)
		record("cph", staff.ActionClosureCancelBookings, day.String(), "CPH-BBBBBB CPH-AAAAAA", nine.Add(time.Hour))

		q := booking.ActsQuery{Center: "cph", Reference: "CPH-AAAAAA", Day: day}
		kinds := func(acts []booking.StaffAct) []string {
			var got []string
			for _, a := range acts {
				if a.By != "mette@ics.dk" {
					t.Errorf("act %+v is not by mette@ics.dk", a)
				}
				got = append(got, string(a.Kind)+" "+a.Detail)
			}
			return got
		}
		acts, err := s.StaffActs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"booked ", "moved 2026-03-02 09:00", "cancelled CPH-BBBBBB CPH-AAAAAA"}
		if got := kinds(acts); !slices.Equal(got, want) {
			t.Errorf("without a ticket: %q, want %q", got, want)
		}
		if !acts[1].At.Equal(nine.Add(-48 * time.Hour)) {
			t.Errorf("the move at %s, want %s", acts[1].At, nine.Add(-48*time.Hour))
		}
		q.Ticket, q.TicketFrom, q.TicketTo = "A-001", day.At(0, copenhagen), day.AddDays(1).At(0, copenhagen)
		acts, err = s.StaffActs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want = []string{"booked ", "moved 2026-03-02 09:00", "called desk 2", "served ", "cancelled CPH-BBBBBB CPH-AAAAAA"}
		if got := kinds(acts); !slices.Equal(got, want) {
			t.Errorf("with a ticket: %q, want %q", got, want)
		}
	})
}

// NamedBookings lists a center's bookings of a range, cancelled ones too,
// leaving out those whose names are erased.
func TestNamedBookings(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		late := create(t, s, newBooking("CPH-CCCCCC", unit(4)))
		early := create(t, s, newBooking("CPH-AAAAAA", unit(0)))
		erased := create(t, s, newBooking("CPH-BBBBBB", unit(2)))
		create(t, s, newBooking("CPH-DDDDDD", unit(0).Add(24*time.Hour))) // the next day
		other := newBooking("AAR-AAAAAA", unit(0))
		other.Center = "aar"
		create(t, s, other)
		cancelled := late
		cancelled.Status, cancelled.Sequence = booking.Cancelled, 1
		if err := s.UpdateBooking(ctx, booking.Update{Booking: cancelled}, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.EraseBooking(ctx, erased.ID, nine); err != nil {
			t.Fatal(err)
		}
		got, err := s.NamedBookings(ctx, "cph", unit(0), unit(0).Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, b := range got {
			refs = append(refs, b.Reference)
		}
		if want := []string{early.Reference, late.Reference}; !slices.Equal(refs, want) {
			t.Errorf("named bookings %q, want %q", refs, want)
		}
		if len(got) == 2 && (got[1].Status != booking.Cancelled || got[0].Name != "Ærø Østergård") {
			t.Errorf("named bookings read back as %+v", got)
		}
	})
}
