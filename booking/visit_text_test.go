package booking_test

import (
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
)

// What a page says of a visit before it is booked: its length, as a
// booking of it would last.
func TestVisitLengthOfServices(t *testing.T) {
	// Both are in the built-in catalogue; a zero Service fails below.
	cpr, _ := defaultCatalogue.Service("cpr-number")
	tax, _ := defaultCatalogue.Service("tax-card")
	for _, tt := range []struct {
		services []booking.Service
		people   int
		want     time.Duration
	}{
		{[]booking.Service{cpr}, 0, 30 * time.Minute},
		{[]booking.Service{cpr}, 1, 30 * time.Minute},
		{[]booking.Service{cpr, tax}, 4, 150 * time.Minute},
	} {
		if got := booking.VisitLength(tt.services, tt.people); got != tt.want {
			t.Errorf("%d services for %d: %s, want %s", len(tt.services), tt.people, got, tt.want)
		}
	}
}
