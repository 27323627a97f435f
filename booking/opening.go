package booking

import (
	"context"
	"fmt"
	"time"
)

// When a center is open: its weekly hours less the holidays, the extra
// closed days and the closures staff entered.

// Opening says whether a center is open and when that changes.
type Opening struct {
	Open bool
	// Closes is when the center closes today, if it is open.
	Closes time.Time
	// Opens is when it opens next, if it is closed; zero if not within
	// the booking horizon.
	Opens time.Time
}

// Opening tells whether a center is open now and when it closes or opens
// next, counting holidays, the extra closed days and its closures.
func (s *Scheduler) Opening(ctx context.Context, centerID string) (Opening, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return Opening{}, err
	}
	now := s.now().In(s.policy.Location)
	today := DateOf(now)
	last := today.AddDays(s.policy.HorizonDays)
	closures, err := s.closedDays(ctx, center, today, last)
	if err != nil {
		return Opening{}, err
	}
	for d := today; !d.After(last); d = d.AddDays(1) {
		for _, p := range s.openPeriods(center, d, closures) {
			switch {
			case !now.Before(p.to):
				continue
			case !now.Before(p.from):
				return Opening{Open: true, Closes: p.to}, nil
			}
			return Opening{Opens: p.from}, nil
		}
	}
	return Opening{}, nil
}

// firstOpenDay returns the first day from from on which the center opens,
// counting holidays, the extra closed days and its closures, with the
// periods it is open then; found is false if there is none within the
// booking horizon.
func (s *schedule) firstOpenDay(ctx context.Context, center Center, from Date) (day Date, periods []period, found bool, err error) {
	last := s.today().AddDays(s.policy.HorizonDays)
	if from.After(last) {
		return Date{}, nil, false, nil
	}
	closures, err := s.closedDays(ctx, center, from, last)
	if err != nil {
		return Date{}, nil, false, err
	}
	for d := from; !d.After(last); d = d.AddDays(1) {
		if periods := s.openPeriods(center, d, closures); len(periods) > 0 {
			return d, periods, true, nil
		}
	}
	return Date{}, nil, false, nil
}

// ClosedDay is a day a center would open on its weekday but does not.
type ClosedDay struct {
	Day Date
	// Holiday names the public holiday or the yearly closed day (in
	// Danish, as the calendar names it); empty for a closure staff
	// entered.
	Holiday string
	// Reason is what staff gave for a closure.
	Reason string
	// Part is the closed part of a day closed in part; zero for the whole
	// day.
	Part Span
}

// ClosedDays lists the days from from to to, both included, on which the
// center is closed though its hours say it opens that weekday.
func (s *Scheduler) ClosedDays(ctx context.Context, centerID string, from, to Date) ([]ClosedDay, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return nil, err
	}
	closures, err := s.closedDays(ctx, center, from, to)
	if err != nil {
		return nil, err
	}
	var days []ClosedDay
	for d := from; !d.After(to); d = d.AddDays(1) {
		if _, open := center.HoursOn(d); !open {
			continue
		}
		if name, closed := s.calendar.Closed(d); closed {
			days = append(days, ClosedDay{Day: d, Holiday: name})
		} else if c, closed := closures[d]; closed {
			days = append(days, ClosedDay{Day: d, Reason: c.Reason, Part: c.Part})
		}
	}
	return days, nil
}

// period is a time a center is open, from its start to its end.
type period struct{ from, to time.Time }

// openPeriods returns when a center is open on d: never on a weekday
// without hours, a holiday, an extra closed day or a day closed whole;
// its hours less the closed part on a day closed in part.
func (s *schedule) openPeriods(center Center, d Date, closures map[Date]Closure) []period {
	if _, shut := s.dayClosed(center, d); shut {
		return nil
	}
	open, closing := s.openingInstants(center, d)
	c, closed := closures[d]
	switch {
	case !closed:
		return []period{{open, closing}}
	case c.WholeDay():
		return nil
	}
	from, to := d.At(c.Part.Open, s.policy.Location), d.At(c.Part.Close, s.policy.Location)
	var periods []period
	if open.Before(from) {
		periods = append(periods, period{open, earlier(from, closing)})
	}
	if to.Before(closing) {
		periods = append(periods, period{later(to, open), closing})
	}
	return periods
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// within reports whether [start, end) lies in one of the periods.
func within(periods []period, start, end time.Time) bool {
	for _, p := range periods {
		if !start.Before(p.from) && !end.After(p.to) {
			return true
		}
	}
	return false
}

// openingInstants returns when the center opens and closes on d, a day it
// is open. Slots are laid from the opening instant every SlotStep of
// elapsed time, not at wall-clock offsets from midnight: on a night the
// clocks change, offsets would name one instant twice (spring) or skip one
// (autumn), while instants name each moment once.
func (s *schedule) openingInstants(center Center, d Date) (time.Time, time.Time) {
	span, _ := center.HoursOn(d)
	return d.At(span.Open, s.policy.Location), d.At(span.Close, s.policy.Location)
}

// dayClosed reports whether the center is closed all day on d for a reason
// that needs no database: no hours that weekday (or that day, by its
// special hours), a public holiday, an extra closed day.
func (s *schedule) dayClosed(center Center, d Date) (string, bool) {
	if _, open := center.HoursOn(d); !open {
		if _, usually := center.Hours[d.Weekday()]; usually {
			return fmt.Sprintf("%s is closed on %s", center.Name, d.Long()), true
		}
		return fmt.Sprintf("%s is closed on %ss", center.Name, d.Weekday()), true
	}
	if name, closed := s.calendar.Closed(d); closed {
		return fmt.Sprintf("%s is closed on %s (%s)", center.Name, d.Long(), name), true
	}
	return "", false
}
