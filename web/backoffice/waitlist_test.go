package backoffice

import (
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
)

// TestOfferTimesCoverSpecialHours: a time can be offered by hand within a
// period of special hours that opens earlier and closes later than any
// usual day (a Saturday in August), a slot step apart.
func TestOfferTimesCoverSpecialHours(t *testing.T) {
	weekday := booking.Span{Open: 9 * time.Hour, Close: 15 * time.Hour}
	center := booking.Center{SlotStep: 30 * time.Minute, Hours: map[time.Weekday]booking.Span{
		time.Monday: weekday, time.Tuesday: weekday,
	}}
	clock := func(t time.Time) string { return t.Format("15:04") }
	times := offerTimes(clock, center, "")
	if len(times) != 12 || times[0].Code != "09:00" || times[11].Code != "14:30" {
		t.Errorf("usual hours: %v, want 09:00 to 14:30", times)
	}
	center.SpecialHours = []booking.SpecialHours{{
		Hours: map[time.Weekday]booking.Span{time.Saturday: {Open: 8 * time.Hour, Close: 18 * time.Hour}},
	}}
	times = offerTimes(clock, center, "17:30")
	if len(times) != 20 || times[0].Code != "08:00" || times[19].Code != "17:30" || !times[19].Selected {
		t.Errorf("with a special Saturday: %v, want 08:00 to 17:30 with 17:30 chosen", times)
	}
}
