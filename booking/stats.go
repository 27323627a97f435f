package booking

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// Stats is what a center's day, or a period of days, adds up to.
type Stats struct {
	Day Date // zero for a period
	// Appointments counts the confirmed bookings: visits, each once
	// however many services and people it holds. ServicesBooked counts
	// their services, PeopleExpected the people they bring.
	Appointments   int
	ServicesBooked int
	PeopleExpected int
	WalkIns        int // walk-in tickets
	// NoShows are tickets called in vain too often, and past confirmed
	// appointments never checked in.
	NoShows int
	Served  int
	// Waits run from a ticket's place in the queue (taken, or the
	// appointment's start for a holder who came in time) to its call.
	Waits       int
	AverageWait time.Duration
	P90Wait     time.Duration
	// ServiceTimes is the average time at a desk per service ID.
	ServiceTimes map[string]time.Duration
}

// Statistics adds up a center's tickets and confirmed bookings for each
// day from from to to, both included, and for the whole period. now
// decides which appointments have passed without a check-in.
func Statistics(tickets []Ticket, bookings []Booking, from, to Date, loc *time.Location, now time.Time) (days []Stats, period Stats) {
	type tally struct {
		stats   Stats
		waits   []time.Duration
		service map[string][]time.Duration
	}
	newTally := func(d Date) *tally { return &tally{stats: Stats{Day: d}, service: map[string][]time.Duration{}} }
	byDay := map[Date]*tally{}
	var order []Date
	for d := from; !d.After(to); d = d.AddDays(1) {
		byDay[d] = newTally(d)
		order = append(order, d)
	}
	total := newTally(Date{})
	checkedIn := map[int64]bool{}
	for _, t := range tickets {
		if t.BookingID != 0 {
			checkedIn[t.BookingID] = true
		}
		day, ok := byDay[t.Day]
		if !ok {
			continue
		}
		for _, x := range []*tally{day, total} {
			if t.Kind == WalkInTicket {
				x.stats.WalkIns++
			}
			switch t.State {
			case NoShow:
				x.stats.NoShows++
			case Done:
				x.stats.Served++
				if !t.CalledAt.IsZero() && t.DoneAt.After(t.CalledAt) {
					x.service[t.Service] = append(x.service[t.Service], t.DoneAt.Sub(t.CalledAt))
				}
			}
			if !t.CalledAt.IsZero() {
				x.waits = append(x.waits, max(t.CalledAt.Sub(t.Priority), 0))
			}
		}
	}
	for _, b := range bookings {
		day, ok := byDay[DateOf(b.Start.In(loc))]
		if !ok || b.Status != Confirmed {
			continue
		}
		for _, x := range []*tally{day, total} {
			x.stats.Appointments++
			x.stats.ServicesBooked += max(len(b.Services), 1)
			x.stats.PeopleExpected += max(b.People, 1)
			if !checkedIn[b.ID] && !now.Before(b.End) {
				x.stats.NoShows++
			}
		}
	}
	finish := func(x *tally) Stats {
		x.stats.Waits = len(x.waits)
		x.stats.AverageWait, x.stats.P90Wait = average(x.waits), percentile(x.waits, 0.9)
		x.stats.ServiceTimes = map[string]time.Duration{}
		for service, times := range x.service {
			x.stats.ServiceTimes[service] = average(times)
		}
		return x.stats
	}
	for _, d := range order {
		days = append(days, finish(byDay[d]))
	}
	return days, finish(total)
}

func average(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

// percentile is the p-th percentile of ds by the nearest-rank method: the
// smallest value that at least p of the values do not exceed.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Sorted(slices.Values(ds))
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(rank, 0)]
}

// MaxStatsDays is the longest period statistics cover at once.
const MaxStatsDays = 366

// Statistics returns a center's statistics for each day from from to to
// and for the whole period.
func (q *Queue) Statistics(ctx context.Context, centerID string, from, to Date) ([]Stats, Stats, error) {
	center, err := q.schedule.catalogue.Center(centerID)
	if err != nil {
		return nil, Stats{}, err
	}
	if to.Before(from) {
		return nil, Stats{}, invalid([]FieldError{{"to", "must not be before from"}})
	}
	if from.DaysUntil(to) >= MaxStatsDays {
		return nil, Stats{}, invalid([]FieldError{{"to", fmt.Sprintf("the period may cover at most %d days", MaxStatsDays)}})
	}
	loc := q.schedule.policy.Location
	tickets, err := q.store.TicketsBetween(ctx, center.ID, from, to)
	if err != nil {
		return nil, Stats{}, fmt.Errorf("statistics of %s: %w", center.ID, err)
	}
	bookings, err := q.schedule.store.Appointments(ctx, center.ID, from.At(0, loc), to.AddDays(1).At(0, loc))
	if err != nil {
		return nil, Stats{}, fmt.Errorf("statistics of %s: %w", center.ID, err)
	}
	days, period := Statistics(tickets, bookings, from, to, loc, q.schedule.now())
	return days, period, nil
}
