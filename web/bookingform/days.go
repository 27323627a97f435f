package bookingform

import (
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
)

// Day is a day of free times, for a fieldset of radio buttons (the
// "times" template).
type Day struct {
	ID    string // 2026-12-07, for the fieldset's id
	Label string
	Slots []Choice
}

// Choice is one free time of a day.
type Choice struct {
	Value   string // RFC 3339
	Label   string // 09:30
	Checked bool
}

// Days lists the free slots in l by day in loc, the centers' time zone,
// leaving out skip (a booking's own time) and checking chosen.
func Days(l *locale.Locale, loc *time.Location, slots []booking.Slot, skip time.Time, chosen string) []Day {
	var days []Day
	for _, sl := range slots {
		if sl.Available == 0 || sl.Start.Equal(skip) {
			continue
		}
		local := sl.Start.In(loc)
		day := booking.DateOf(local).String()
		if len(days) == 0 || days[len(days)-1].ID != day {
			days = append(days, Day{ID: day, Label: locale.Capitalise(l.LongDate(local))})
		}
		d := &days[len(days)-1]
		value := local.Format(time.RFC3339)
		d.Slots = append(d.Slots, Choice{Value: value, Label: l.Clock(local), Checked: value == chosen})
	}
	return days
}
