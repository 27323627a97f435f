package booking

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The slots a center offers and the checks of a booking's start: opening
// hours, closures, the slot grid, notice, horizon and interpreters.

// Slot is a bookable time with the seats left in it.
type Slot struct {
	Start     time.Time
	End       time.Time
	Available int
}

// SlotQuery asks for the starts of a visit to a center, for one service
// (Service) or several (Services), and a number of people, on the days From
// to To, both included. Zero dates mean today and a week from it; People 0
// means one.
type SlotQuery struct {
	Center   string
	Service  string
	Services []string
	People   int
	From     Date
	To       Date
	Language string
}

// Slots lists the starts where the whole visit can still be booked, full
// ones included with Available 0; a slot's End is the visit's end. The
// slice may be shared with other callers: do not change it.
func (s *Scheduler) Slots(ctx context.Context, q SlotQuery) ([]Slot, error) {
	ids, listed := Request{Service: q.Service, Services: q.Services}.visit()
	center, v, err := s.lookupVisit(q.Center, ids, q.People, listed)
	if err != nil {
		return nil, err
	}
	lang, langErr := normalizeLanguage(q.Language)
	if langErr != nil {
		return nil, invalid([]FieldError{*langErr})
	}
	if err := s.checkVisit(center, v, lang); err != nil {
		return nil, err
	}
	length := v.length()
	interp := interpreterLanguage(center, lang)
	today := s.today()
	if q.From == (Date{}) {
		q.From = today
	}
	if q.To == (Date{}) {
		q.To = q.From.AddDays(6)
	}
	if q.To.Before(q.From) {
		return nil, invalid([]FieldError{{"to", "must not be before from"}})
	}
	if n := q.From.DaysUntil(q.To) + 1; n > s.policy.MaxSlotDays {
		return nil, invalid([]FieldError{{"to", fmt.Sprintf("the range may cover at most %d days", s.policy.MaxSlotDays)}})
	}

	earliest, lastDay := s.window(interp != "")
	if q.From.Before(DateOf(earliest.In(s.policy.Location))) {
		q.From = DateOf(earliest.In(s.policy.Location))
	}
	if q.To.After(lastDay) {
		q.To = lastDay
	}
	if q.To.Before(q.From) {
		return []Slot{}, nil
	}

	closures, err := s.closures(ctx, center, q.From, q.To)
	if err != nil {
		return nil, err
	}
	days, err := s.days(ctx, center, q.From, q.To)
	if err != nil {
		return nil, fmt.Errorf("slots of %s: %w", center.ID, err)
	}
	key := listingKey{length, interp, q.From, q.To}
	if slots, ok := s.seatCache.listed(center.ID, key, closures, days, earliest); ok {
		return slots, nil
	}
	closed := closures.between(q.From, q.To)
	seats := s.seats(center, interp)

	slots := []Slot{}
	for d := q.From; !d.After(q.To); d = d.AddDays(1) {
		periods := s.openPeriods(center, d, closed)
		if len(periods) == 0 {
			continue
		}
		open, closing := s.openingInstants(center, d)
		for start := open; !start.Add(length).After(closing); start = start.Add(center.SlotStep) {
			end := start.Add(length)
			if start.Before(earliest) || !within(periods, start, end) {
				continue
			}
			slots = append(slots, Slot{Start: start, End: end, Available: available(seats, days, start, end)})
		}
	}
	s.seatCache.list(center.ID, key, &listing{closures: closures, days: days, slots: slots})
	return slots, nil
}

// available is the smallest number of free seats of any resource in any unit
// of [start, end).
func available(seats []seat, ds days, start, end time.Time) int {
	free := -1
	for t := start.Unix(); t < end.Unix(); t += unitSeconds {
		for _, st := range seats {
			n := st.capacity - ds.taken(st.resource, t)
			if free < 0 || n < free {
				free = n
			}
		}
	}
	return max(free, 0)
}

// interpreterLanguage is the language an interpreter is needed for: lang,
// unless the center's staff speak it.
func interpreterLanguage(center Center, lang string) string {
	if center.Speaks(lang) {
		return ""
	}
	return lang
}

// seat is a resource a booking needs and its capacity.
type seat struct {
	resource string
	capacity int
}

// seats returns the capacity of every resource a booking needs: a desk, and
// an interpreter if interp is not empty. Which resources a booking holds
// depends on the booking alone (its Language is the interpreter language),
// never on the catalogue of the day, so a release frees exactly what was
// taken.
func (s *Scheduler) seats(center Center, interp string) []seat {
	seats := []seat{{deskResource, center.Desks}}
	if interp != "" {
		seats = append(seats, seat{interpreterResource(interp), center.Interpreters[interp]})
	}
	return seats
}

// claims lists the seats a booking holds: one per resource per Unit.
func (s *Scheduler) claims(center Center, start, end time.Time, interp string) []Claim {
	var claims []Claim
	for _, st := range s.seats(center, interp) {
		for t := start; t.Before(end); t = t.Add(Unit) {
			claims = append(claims, Claim{Center: center.ID, Resource: st.resource, Start: t.UTC(), Capacity: st.capacity})
		}
	}
	return claims
}

// checkVisit checks that the visit's services can be booked at the center
// in the language.
func (s *Scheduler) checkVisit(center Center, v visit, lang string) error {
	for _, service := range v.services {
		if !service.Mode.Bookable() {
			return notBookable("%s is a walk-in service: no appointment is needed, come to %s during opening hours", service.Name, center.Name)
		}
		if service.NeedsLanguage && (lang == "" || center.Speaks(lang)) {
			return invalid([]FieldError{{"language", fmt.Sprintf("%s needs the language of the documents, one of %s", service.Name, strings.Join(center.InterpreterLanguages(), ", "))}})
		}
	}
	if lang != "" && !center.Speaks(lang) && center.Interpreters[lang] <= 0 {
		return notBookable("%s offers no interpreter for language %q; it offers %s", center.Name, lang, strings.Join(center.InterpreterLanguages(), ", "))
	}
	return nil
}

// window returns the earliest bookable instant and the last bookable day.
func (s *Scheduler) window(interpreter bool) (time.Time, Date) {
	now := s.now().In(s.policy.Location)
	today := DateOf(now)
	earliest := now.Add(s.policy.Notice)
	if interpreter {
		if d := s.calendar.AddBusinessDays(today, s.policy.InterpreterNoticeDays).At(0, s.policy.Location); d.After(earliest) {
			earliest = d
		}
	}
	return earliest, today.AddDays(s.policy.HorizonDays)
}

// checkStart checks that the visit may start at start, and says why not;
// interp is the interpreter language, if any.
func (s *Scheduler) checkStart(ctx context.Context, center Center, v visit, interp string, start time.Time) error {
	day := DateOf(start.In(s.policy.Location))
	if reason, shut := s.dayClosed(center, day); shut {
		return notBookable("%s", reason)
	}
	// Read, not cached: the database does not guard closures as it guards
	// seats, so a booking must see a closure another server just made.
	cs, err := s.readClosures(ctx, center, day, day)
	if err != nil {
		return err
	}
	return s.checkStartAmong(center, v, interp, start, cs.byDay)
}

// checkStartAmong is checkStart with the center's closures of the day
// already read.
func (s *Scheduler) checkStartAmong(center Center, v visit, interp string, start time.Time, closures map[Date]Closure) error {
	if err := s.checkOpenAt(center, v, start, closures); err != nil {
		return err
	}
	local := start.In(s.policy.Location)
	day := DateOf(local)
	earliest, lastDay := s.window(false)
	if start.Before(earliest) {
		return notBookable("%s is too soon: appointments must be booked at least %s ahead", local.Format("2006-01-02 15:04"), hoursMinutes(s.policy.Notice))
	}
	if day.After(lastDay) {
		return notBookable("%s is too far ahead: appointments can be booked up to %d days ahead, until %s", day, s.policy.HorizonDays, lastDay)
	}
	if interp != "" {
		if earliest, _ := s.window(true); start.Before(earliest) {
			return notBookable("an interpreter must be booked %d business days ahead: the earliest day is %s", s.policy.InterpreterNoticeDays, DateOf(earliest.In(s.policy.Location)).Long())
		}
	}
	return nil
}

// checkOpenAt checks that the center is open for the whole visit from
// start (its hours, special hours, closures and holidays) and that start
// is a slot start; closures are the center's of start's day. It is what a
// time held for the waitlist must still be when its offer is accepted,
// which may be later than the notice allows.
func (s *Scheduler) checkOpenAt(center Center, v visit, start time.Time, closures map[Date]Closure) error {
	length := v.length()
	local := start.In(s.policy.Location)
	day := DateOf(local)
	if reason, shut := s.dayClosed(center, day); shut {
		return notBookable("%s", reason)
	}
	if c, closed := closures[day]; closed && !within(s.openPeriods(center, day, closures), start, start.Add(length)) {
		msg := fmt.Sprintf("%s is closed on %s", center.Name, day.Long())
		if !c.WholeDay() {
			msg = fmt.Sprintf("%s is closed from %s to %s on %s", center.Name, clock(c.Part.Open), clock(c.Part.Close), day.Long())
		}
		if c.Reason != "" {
			msg += " (" + c.Reason + ")"
		}
		return notBookable("%s", msg)
	}
	span, _ := center.HoursOn(day)
	open, closing := s.openingInstants(center, day)
	if start.Before(open) || start.Add(length).After(closing) {
		return notBookable("%s is outside the opening hours %s on %ss (%s takes %s)", local.Format("15:04"), span, day.Weekday(), v.names(), minutes(length))
	}
	if start.Sub(open)%center.SlotStep != 0 {
		return notBookable("%s is not a slot start: slots start every %s from %s", local.Format("15:04"), minutes(center.SlotStep), clock(span.Open))
	}
	return nil
}

func minutes(d time.Duration) string { return fmt.Sprintf("%d minutes", int(d.Minutes())) }

func hoursMinutes(d time.Duration) string {
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case m == 0 && h == 1:
		return "1 hour"
	case m == 0:
		return fmt.Sprintf("%d hours", h)
	case h == 0:
		return minutes(d)
	}
	return fmt.Sprintf("%d hours %d minutes", h, m)
}
