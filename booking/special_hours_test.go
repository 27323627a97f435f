package booking_test

import (
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
)

func hours(open, close int) booking.Span {
	return booking.Span{Open: time.Duration(open) * time.Hour, Close: time.Duration(close) * time.Hour}
}

func day(s string) booking.Date {
	d, err := booking.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// A center's hours on a day: special hours where a period of them covers
// the day and names its weekday, the usual hours otherwise.
func TestHoursOn(t *testing.T) {
	center := booking.Center{
		Hours: map[time.Weekday]booking.Span{time.Monday: hours(9, 15), time.Tuesday: hours(9, 15)},
		SpecialHours: []booking.SpecialHours{
			// August: longer Mondays, a Saturday, Tuesdays closed.
			{From: day("2027-08-01"), To: day("2027-08-31"), Hours: map[time.Weekday]booking.Span{
				time.Monday: hours(8, 17), time.Saturday: hours(10, 14), time.Tuesday: {}}},
			{From: day("2027-12-20"), To: day("2027-12-20"), Hours: map[time.Weekday]booking.Span{time.Monday: hours(9, 12)}},
		},
	}
	tests := []struct {
		day  string
		want booking.Span
		open bool
	}{
		{"2027-07-26", hours(9, 15), true},    // a Monday before the period
		{"2027-07-31", booking.Span{}, false}, // the Saturday before it
		{"2027-08-02", hours(8, 17), true},    // a Monday in it
		{"2027-08-03", booking.Span{}, false}, // a Tuesday in it: closed
		{"2027-08-04", booking.Span{}, false}, // a Wednesday: closed as usual
		{"2027-08-07", hours(10, 14), true},   // a Saturday in it
		{"2027-08-30", hours(8, 17), true},    // the last Monday
		{"2027-09-06", hours(9, 15), true},    // the Monday after
		{"2027-09-04", booking.Span{}, false}, // the Saturday after
		{"2027-12-20", hours(9, 12), true},    // a period of one day
		{"2027-12-21", hours(9, 15), true},
	}
	for _, tt := range tests {
		got, open := center.HoursOn(day(tt.day))
		if got != tt.want || open != tt.open {
			t.Errorf("HoursOn(%s) = %v, %t; want %v, %t", tt.day, got, open, tt.want, tt.open)
		}
	}
}

// Special hours open a Saturday for booking and close a usual day, in the
// slot listing and in the check of a booked time.
func TestSpecialHoursSlots(t *testing.T) {
	cat := booking.Catalogue{Centers: append([]booking.Center(nil), defaultCatalogue.Centers...), Services: defaultCatalogue.Services}
	aarhus := -1
	for i, c := range cat.Centers {
		if c.ID == "aarhus" {
			aarhus = i
		}
	}
	// The fixture's clock is Thursday 26 November 2026: the Saturday after
	// opens, the Monday after closes.
	cat.Centers[aarhus].SpecialHours = []booking.SpecialHours{{From: day("2026-11-28"), To: day("2026-12-04"),
		Hours: map[time.Weekday]booking.Span{time.Saturday: hours(10, 12), time.Monday: {}}}}
	f := newFixtureOf(t, cat, bookingtest.Policy(copenhagen))
	ctx := t.Context()

	slots, err := f.scheduler.Slots(ctx, booking.SlotQuery{Center: "aarhus", Service: "cpr-number", From: day("2026-11-28"), To: day("2026-11-30")})
	if err != nil {
		t.Fatal(err)
	}
	var starts []string
	for _, s := range slots {
		starts = append(starts, s.Start.In(copenhagen).Format("Mon 15:04"))
	}
	want := []string{"Sat 10:00", "Sat 10:30", "Sat 11:00", "Sat 11:30"}
	if len(starts) != len(want) {
		t.Fatalf("slots %v, want %v", starts, want)
	}
	for i := range want {
		if starts[i] != want[i] {
			t.Errorf("slot %d = %s, want %s", i, starts[i], want[i])
		}
	}

	days, err := f.scheduler.ClosedDays(ctx, "aarhus", day("2026-11-28"), day("2026-12-07"))
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 0 {
		t.Errorf("closed days %v, want none: special hours are hours, not closures", days)
	}
}
