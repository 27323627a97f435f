package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
)

// A booking uses the catalogue while its manage link works, whatever its
// status, and while an email about it is still to be sent.
func TestCatalogueUses(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		linksFrom := nine.Add(-24 * time.Hour)
		past := nine.Add(-7 * 24 * time.Hour)
		add := func(ref, center, service string, start time.Time, status booking.Status, email booking.EmailKind) booking.Booking {
			t.Helper()
			b := newBooking(ref, start)
			b.Center, b.Service, b.Status = center, service, status
			return createEmailing(t, s, b, email)
		}
		add("CPH-AAAAA1", "cph", "residence-permit", nine, booking.Confirmed, "")
		add("CPH-AAAAA2", "cph", "residence-permit", nine.Add(time.Hour), booking.Confirmed, booking.EmailConfirmation)
		add("CPH-AAAAA3", "cph", "tax-card", linksFrom, booking.Cancelled, "") // ends 30 minutes after linksFrom
		add("CPH-AAAAA4", "cph", "tax-card", past, booking.Confirmed, "")
		add("AAR-AAAAA1", "aarhus", "families", past, booking.Cancelled, booking.EmailCancellation)
		sent := add("AAR-AAAAA2", "aarhus", "work-permit", past, booking.Confirmed, booking.EmailConfirmation)
		for _, e := range emailsOf(t, s, sent.ID) {
			if err := s.RecordEmailAttempt(ctx, e.ID, 1, nil, false, past); err != nil {
				t.Fatal(err)
			}
		}

		got, err := s.CatalogueUses(ctx, linksFrom)
		if err != nil {
			t.Fatal(err)
		}
		want := []booking.CatalogueUse{
			{Center: "aarhus", Service: "families", Bookings: 1},
			{Center: "cph", Service: "residence-permit", Bookings: 2},
			{Center: "cph", Service: "tax-card", Bookings: 1},
		}
		if !slices.Equal(got, want) {
			t.Errorf("CatalogueUses:\n got %+v\nwant %+v", got, want)
		}
	})
}
