package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Policy holds the booking rules that come from configuration.
type Policy struct {
	// Location is the time zone the centers keep (Europe/Copenhagen).
	Location *time.Location
	// Notice is the least time between booking and the appointment.
	Notice time.Duration
	// HorizonDays is how many days ahead appointments can be booked.
	HorizonDays int
	// InterpreterNoticeDays is how many business days ahead an appointment
	// with an interpreter must be booked.
	InterpreterNoticeDays int
	// ExtraClosedDays are closed every year besides the public holidays.
	ExtraClosedDays []MonthDay
	// MaxSlotDays is the longest range of days one slot listing may cover.
	MaxSlotDays int
	// LinkGrace is how long after an appointment ends its manage link
	// still shows it; after that the token is useless.
	LinkGrace time.Duration
	// Reminders turns reminder emails on; they go out from ReminderAt
	// (offset from local midnight) on the working day before.
	Reminders  bool
	ReminderAt time.Duration
	// UTF8LocalParts accepts email addresses with letters outside ASCII
	// before the @ (ü@example.com). Only a mail server that offers
	// SMTPUTF8 can deliver to them; without it such an address is refused
	// when booking, not bounced later.
	UTF8LocalParts bool
	// MaxActiveBookings is how many confirmed bookings that have not
	// started one email address may hold; 0: any number.
	MaxActiveBookings int
	// RetentionDays is how many days after an appointment ends its
	// personal data is erased (see EraseExpired).
	RetentionDays int
	// SeatCacheTTL is the longest a listing may use seats and closures read
	// from the database without reading them again (see availability.go);
	// 0 reads them for every listing.
	SeatCacheTTL time.Duration
}

// Scheduler applies the booking rules: it lists the slots a center offers
// and creates, reschedules and cancels bookings in them.
type Scheduler struct {
	catalogue Catalogue
	store     Store
	sealer    *Sealer
	calendar  *Calendar
	policy    Policy
	now       func() time.Time
	seatCache *seatCache
}

// NewScheduler returns a Scheduler. sealer keeps manage tokens for later
// emails; now is the clock (time.Now in production).
func NewScheduler(catalogue Catalogue, store Store, sealer *Sealer, policy Policy, now func() time.Time) *Scheduler {
	return &Scheduler{
		catalogue: catalogue,
		store:     store,
		sealer:    sealer,
		calendar:  NewCalendar(policy.ExtraClosedDays),
		policy:    policy,
		now:       now,
		seatCache: newSeatCache(policy.SeatCacheTTL),
	}
}

// Catalogue returns the centers and services.
func (s *Scheduler) Catalogue() Catalogue { return s.catalogue }

// Location returns the time zone schedules are kept in.
func (s *Scheduler) Location() *time.Location { return s.policy.Location }

// Slot is a bookable time with the seats left in it.
type Slot struct {
	Start     time.Time
	End       time.Time
	Available int
}

// SlotQuery asks for the slots of a service at a center on the days From to
// To, both included. Zero dates mean today and a week from it.
type SlotQuery struct {
	Center   string
	Service  string
	From     Date
	To       Date
	Language string
}

// Slots lists the slots that can still be booked, full ones included with
// Available 0. The slice may be shared with other callers: do not change it.
func (s *Scheduler) Slots(ctx context.Context, q SlotQuery) ([]Slot, error) {
	center, service, err := s.lookup(q.Center, q.Service)
	if err != nil {
		return nil, err
	}
	lang, langErr := normalizeLanguage(q.Language)
	if langErr != nil {
		return nil, invalid([]FieldError{*langErr})
	}
	if err := s.checkService(center, service, lang); err != nil {
		return nil, err
	}
	interp := interpreterLanguage(center, lang)
	today := DateOf(s.now().In(s.policy.Location))
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
	key := listingKey{service.ID, interp, q.From, q.To}
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
		for start := open; !start.Add(service.Duration).After(closing); start = start.Add(center.SlotStep) {
			end := start.Add(service.Duration)
			if start.Before(earliest) || !within(periods, start, end) {
				continue
			}
			slots = append(slots, Slot{Start: start, End: end, Available: available(seats, days, start, end)})
		}
	}
	s.seatCache.list(center.ID, key, &listing{closures: closures, days: days, slots: slots})
	return slots, nil
}

// openingInstants returns when the center opens and closes on d, a day it
// is open. Slots are laid from the opening instant every SlotStep of
// elapsed time, not at wall-clock offsets from midnight: on a night the
// clocks change, offsets would name one instant twice (spring) or skip one
// (autumn), while instants name each moment once.
func (s *Scheduler) openingInstants(center Center, d Date) (time.Time, time.Time) {
	span := center.Hours[d.Weekday()]
	return d.At(span.Open, s.policy.Location), d.At(span.Close, s.policy.Location)
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

func (s *Scheduler) lookup(centerID, serviceID string) (Center, Service, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return Center{}, Service{}, err
	}
	service, err := s.catalogue.Service(serviceID)
	if err != nil {
		return Center{}, Service{}, err
	}
	return center, service, nil
}

// checkService checks that the service can be booked at the center in the
// language.
func (s *Scheduler) checkService(center Center, service Service, lang string) error {
	if !service.Mode.Bookable() {
		return notBookable("%s is a walk-in service: no appointment is needed, come to %s during opening hours", service.Name, center.Name)
	}
	if service.NeedsLanguage && (lang == "" || center.Speaks(lang)) {
		return invalid([]FieldError{{"language", fmt.Sprintf("%s needs the language of the documents, one of %s", service.Name, strings.Join(center.InterpreterLanguages(), ", "))}})
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

// dayClosed reports whether the center is closed all day on d for a reason
// that needs no database: no hours that weekday, a public holiday, an extra
// closed day.
func (s *Scheduler) dayClosed(center Center, d Date) (string, bool) {
	if _, open := center.Hours[d.Weekday()]; !open {
		return fmt.Sprintf("%s is closed on %ss", center.Name, d.Weekday()), true
	}
	if name, closed := s.calendar.Closed(d); closed {
		return fmt.Sprintf("%s is closed on %s (%s)", center.Name, d.Long(), name), true
	}
	return "", false
}

// checkStart checks that a booking of the service may start at start, and
// says why not; interp is the interpreter language, if any.
func (s *Scheduler) checkStart(ctx context.Context, center Center, service Service, interp string, start time.Time) error {
	local := start.In(s.policy.Location)
	day := DateOf(local)
	if reason, shut := s.dayClosed(center, day); shut {
		return notBookable("%s", reason)
	}
	// Read, not cached: the database does not guard closures as it guards
	// seats, so a booking must see a closure another server just made.
	cs, err := s.readClosures(ctx, center, day, day)
	if err != nil {
		return err
	}
	closures := cs.byDay
	if c, closed := closures[day]; closed && !within(s.openPeriods(center, day, closures), start, start.Add(service.Duration)) {
		msg := fmt.Sprintf("%s is closed on %s", center.Name, day.Long())
		if !c.WholeDay() {
			msg = fmt.Sprintf("%s is closed from %s to %s on %s", center.Name, clock(c.Part.Open), clock(c.Part.Close), day.Long())
		}
		if c.Reason != "" {
			msg += " (" + c.Reason + ")"
		}
		return notBookable("%s", msg)
	}
	span := center.Hours[day.Weekday()]
	open, closing := s.openingInstants(center, day)
	if start.Before(open) || start.Add(service.Duration).After(closing) {
		return notBookable("%s is outside the opening hours %s on %ss (%s takes %s)", local.Format("15:04"), span, day.Weekday(), service.Name, minutes(service.Duration))
	}
	if start.Sub(open)%center.SlotStep != 0 {
		return notBookable("%s is not a slot start: slots start every %s from %s", local.Format("15:04"), minutes(center.SlotStep), clock(span.Open))
	}

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

// Validate checks a request's fields as Book does, without booking, so
// that a form can show every problem at once; an *Error lists them.
func (s *Scheduler) Validate(r Request) error { return r.normalize(s.policy.UTF8LocalParts) }

// checkActive refuses a booking for an email address that holds
// MaxActiveBookings bookings that have not started. It counts before the
// booking is inserted, so requests racing each other may together pass the
// cap by a few: acceptable for a cap against abuse, which needs no lock.
func (s *Scheduler) checkActive(ctx context.Context, email string) error {
	if s.policy.MaxActiveBookings <= 0 {
		return nil
	}
	n, err := s.store.ActiveBookings(ctx, email, s.now())
	if err != nil {
		return fmt.Errorf("check active bookings: %w", err)
	}
	if n >= s.policy.MaxActiveBookings {
		return notBookable("one email address may hold at most %d upcoming appointments, and this one has as many; cancel one of them to book another", s.policy.MaxActiveBookings)
	}
	return nil
}

// Book creates a booking and returns it with its manage token. The token is
// stored only hashed (to check it) and sealed (for the links in later
// emails), never readable.
func (s *Scheduler) Book(ctx context.Context, r Request) (Booking, string, error) {
	if err := r.normalize(s.policy.UTF8LocalParts); err != nil {
		return Booking{}, "", err
	}
	center, service, err := s.lookup(r.Center, r.Service)
	if err != nil {
		return Booking{}, "", err
	}
	if r.IdempotencyKey != "" {
		if b, token, err := s.replay(ctx, r); !errors.Is(err, ErrNotFound) {
			return b, token, err
		}
	}
	if err := s.checkService(center, service, r.Language); err != nil {
		return Booking{}, "", err
	}
	interp := interpreterLanguage(center, r.Language)
	if err := s.checkStart(ctx, center, service, interp, r.Start); err != nil {
		return Booking{}, "", err
	}
	if err := s.checkActive(ctx, r.Email); err != nil {
		return Booking{}, "", err
	}

	now := s.now().UTC()
	b := Booking{
		Center:    center.ID,
		Service:   service.ID,
		Start:     r.Start.UTC(),
		End:       r.Start.Add(service.Duration).UTC(),
		Language:  interp,
		Name:      r.Name,
		Email:     r.Email,
		Phone:     r.Phone,
		Notes:     r.Notes,
		Locale:    r.Locale,
		Status:    Confirmed,
		CreatedAt: now,
		UpdatedAt: now,
	}
	claims := s.claims(center, b.Start, b.End, interp)
	var idem *Idempotency
	if r.IdempotencyKey != "" {
		idem = &Idempotency{
			KeyHash:     idempotencyKeyHash(r.IdempotencyKey),
			RequestHash: r.fingerprint(),
			CreatedAt:   now,
		}
	}
	for attempt := 1; ; attempt++ {
		token := newToken()
		b.Reference = newReference(center.Code)
		b.TokenHash = HashToken(token)
		b.TokenSealed = s.sealer.Seal(b.Reference, token)
		created, err := s.store.CreateBooking(ctx, b, claims, idem, EmailConfirmation)
		if err == nil {
			s.changed(b.Center, b.Start, b.End)
			return created, token, nil
		}
		if errors.Is(err, ErrSlotFull) {
			// Whatever a listing showed, the slot is full: read it again.
			s.changed(b.Center, b.Start, b.End)
			return Booking{}, "", s.full(b.Start)
		}
		if !errors.Is(err, ErrDuplicate) || attempt == 5 {
			return Booking{}, "", fmt.Errorf("book %s at %s: %w", service.ID, center.ID, err)
		}
		// Either the same Idempotency-Key won a race, or the random
		// reference exists: replay the first, draw again for the second.
		if idem != nil {
			if b, token, err := s.replay(ctx, r); !errors.Is(err, ErrNotFound) {
				return b, token, err
			}
		}
	}
}

// replay returns the booking an earlier request with the same
// Idempotency-Key made; ErrNotFound if there was none.
func (s *Scheduler) replay(ctx context.Context, r Request) (Booking, string, error) {
	rec, err := s.store.Idempotency(ctx, idempotencyKeyHash(r.IdempotencyKey))
	if err != nil {
		return Booking{}, "", err
	}
	if string(rec.RequestHash) != string(r.fingerprint()) {
		return Booking{}, "", newError(ErrKeyReused, "this Idempotency-Key was already used for a different request")
	}
	b, err := s.store.BookingByID(ctx, rec.BookingID)
	if err != nil {
		return Booking{}, "", fmt.Errorf("idempotent booking: %w", err)
	}
	token, err := s.sealer.Open(b.Reference, b.TokenSealed)
	if err != nil {
		return Booking{}, "", fmt.Errorf("idempotent booking: %w", err)
	}
	return b, token, nil
}

// Get returns a booking to the holder of its token. A wrong token is
// answered exactly like an unknown reference.
//
// The link stops working Policy.LinkGrace after the appointment ends.
func (s *Scheduler) Get(ctx context.Context, reference, token string) (Booking, error) {
	reference = strings.ToUpper(strings.TrimSpace(reference))
	notFound := newError(ErrNotFound, "no booking %s", reference)
	if !referencePattern.MatchString(reference) {
		return Booking{}, newError(ErrNotFound, "no such booking")
	}
	b, err := s.store.Booking(ctx, reference)
	if errors.Is(err, ErrNotFound) {
		return Booking{}, notFound
	}
	if err != nil {
		// No reference in errors that may be logged.
		return Booking{}, fmt.Errorf("get booking: %w", err)
	}
	if !tokenMatches(token, b.TokenHash) || !b.ErasedAt.IsZero() || s.now().After(b.End.Add(s.policy.LinkGrace)) {
		return Booking{}, notFound
	}
	return b, nil
}

// cancelAttempts bounds how often Cancel reads the booking again after it
// changed meanwhile.
const cancelAttempts = 3

// Cancel cancels a booking and frees its seats. Cancelling a cancelled
// booking changes nothing, also when two cancels cross: the one that loses
// the race finds the booking cancelled and answers like the winner. A
// cancel that crosses a reschedule cancels the moved booking.
func (s *Scheduler) Cancel(ctx context.Context, reference, token string) (Booking, error) {
	return s.cancel(ctx, func() (Booking, error) { return s.Get(ctx, reference, token) }, "")
}

// cancel cancels the booking load reads, with the reason staff gave (or
// none), reading it again while it changes meanwhile.
func (s *Scheduler) cancel(ctx context.Context, load func() (Booking, error), reason string) (Booking, error) {
	for attempt := 1; ; attempt++ {
		b, err := load()
		if err != nil {
			return Booking{}, err
		}
		if b.Status == Cancelled {
			return b, nil
		}
		if !s.now().Before(b.Start) {
			return Booking{}, newError(ErrConflict, "booking %s can no longer be cancelled: the appointment time has passed", b.Reference)
		}
		center, err := s.catalogue.Center(b.Center)
		if err != nil {
			return Booking{}, fmt.Errorf("cancel booking %d: %w", b.ID, err)
		}
		release := s.claims(center, b.Start, b.End, b.Language)
		b.Status, b.CancelReason = Cancelled, reason
		b.Sequence++
		b.UpdatedAt = s.now().UTC()
		err = s.store.UpdateBooking(ctx, b, release, nil, EmailCancellation)
		if err == nil {
			s.changed(b.Center, b.Start, b.End)
			return b, nil
		}
		if !errors.Is(err, ErrConflict) || attempt == cancelAttempts {
			return Booking{}, s.updateFailed("cancel", b, err)
		}
	}
}

// Erase deletes the personal data of a booking at its holder's request,
// cancelling it first if it is still to come, so that the newcomer's
// calendar gets the cancellation. Its name, phone and notes go at once. The
// email address and sealed token stay only while an email of the booking
// is queued (that cancellation, say): delivering it needs both, and
// skipping it would leave the appointment in the newcomer's calendar. They
// go when it is sent or given up, or at the next EraseExpired. Afterwards
// the manage link finds nothing.
func (s *Scheduler) Erase(ctx context.Context, reference, token string) error {
	b, err := s.Get(ctx, reference, token)
	if err != nil {
		return err
	}
	if b.Status == Confirmed && s.now().Before(b.Start) {
		if b, err = s.cancel(ctx, func() (Booking, error) { return s.Get(ctx, reference, token) }, ""); err != nil {
			return err
		}
	}
	if err := s.store.EraseBooking(ctx, b.ID, s.now()); err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	return nil
}

// EraseExpired erases the personal data of the bookings that ended more
// than Policy.RetentionDays ago, keeping the rows the statistics count, and
// returns how many it erased.
func (s *Scheduler) EraseExpired(ctx context.Context) (int, error) {
	now := s.now()
	n, err := s.store.EraseBookingsBefore(ctx, now.AddDate(0, 0, -s.policy.RetentionDays), now)
	if err != nil {
		return 0, fmt.Errorf("erase expired bookings: %w", err)
	}
	return n, nil
}

// Reschedule moves a booking to another start, keeping its reference. The
// new seats are taken and the old ones freed in one transaction.
func (s *Scheduler) Reschedule(ctx context.Context, reference, token string, start time.Time) (Booking, error) {
	b, err := s.Get(ctx, reference, token)
	if err != nil {
		return Booking{}, err
	}
	if start.IsZero() {
		return Booking{}, invalid([]FieldError{{"start", "is required"}})
	}
	if b.Status == Cancelled {
		return Booking{}, newError(ErrConflict, "booking %s is cancelled; book a new appointment instead", b.Reference)
	}
	if !s.now().Before(b.Start) {
		return Booking{}, newError(ErrConflict, "booking %s can no longer be moved: the appointment time has passed", b.Reference)
	}
	if start.Equal(b.Start) {
		// Already there: nothing changes and nobody is told of a move.
		return b, nil
	}
	center, service, err := s.lookup(b.Center, b.Service)
	if err != nil {
		return Booking{}, fmt.Errorf("reschedule booking %d: %w", b.ID, err)
	}
	if err := s.checkService(center, service, b.Language); err != nil {
		return Booking{}, err
	}
	if err := s.checkStart(ctx, center, service, b.Language, start); err != nil {
		return Booking{}, err
	}
	release := s.claims(center, b.Start, b.End, b.Language)
	oldStart, oldEnd := b.Start, b.End
	b.Start = start.UTC()
	b.End = start.Add(service.Duration).UTC()
	claims := s.claims(center, b.Start, b.End, b.Language)
	b.Sequence++
	b.UpdatedAt = s.now().UTC()
	err = s.store.UpdateBooking(ctx, b, release, claims, EmailUpdate)
	if err == nil || errors.Is(err, ErrSlotFull) {
		s.changed(b.Center, oldStart, oldEnd)
		s.changed(b.Center, b.Start, b.End)
	}
	if err != nil {
		return Booking{}, s.updateFailed("reschedule", b, err)
	}
	return b, nil
}

// full says which slot is full, in the center's time.
func (s *Scheduler) full(start time.Time) error {
	local := start.In(s.policy.Location)
	return newError(ErrSlotFull, "the slot at %s on %s is full; choose another time", local.Format("15:04"), DateOf(local).Long())
}

// updateFailed explains a failed UpdateBooking.
func (s *Scheduler) updateFailed(op string, b Booking, err error) error {
	// The error may be logged: it names the booking by ID, not reference.
	switch {
	case errors.Is(err, ErrSlotFull):
		return s.full(b.Start)
	case errors.Is(err, ErrConflict):
		return newError(ErrConflict, "booking %s was changed at the same time; read it again and retry", b.Reference)
	}
	return fmt.Errorf("%s booking %d: %w", op, b.ID, err)
}

// QueueReminders queues the reminders that are due: on a business day, from
// Policy.ReminderAt, for the appointments after today up to and including the
// next business day (so Friday reminds of Monday). Bookings made or moved
// after the reminder time get none: their email has just arrived. Running it
// again queues nothing twice.
func (s *Scheduler) QueueReminders(ctx context.Context) (int, error) {
	if !s.policy.Reminders {
		return 0, nil
	}
	now := s.now().In(s.policy.Location)
	today := DateOf(now)
	due := today.At(s.policy.ReminderAt, s.policy.Location)
	if !s.calendar.IsBusinessDay(today) || now.Before(due) {
		return 0, nil
	}
	next := s.calendar.AddBusinessDays(today, 1)
	n, err := s.store.QueueReminders(ctx, today.AddDays(1).At(0, s.policy.Location), next.AddDays(1).At(0, s.policy.Location), due)
	if err != nil {
		return 0, fmt.Errorf("queue reminders: %w", err)
	}
	return n, nil
}

// Closures returns a center's closures of the days from from to to.
func (s *Scheduler) Closures(ctx context.Context, centerID string, from, to Date) ([]Closure, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return nil, err
	}
	return s.store.Closures(ctx, center.ID, from, to)
}

// AddClosure closes a center for a day, or part of one, with a reason, and
// returns the confirmed bookings the closure hits (Closing), which staff
// may then cancel (CancelByStaff). New bookings are refused for that time
// from now on. Closing the same day again replaces the closure.
func (s *Scheduler) AddClosure(ctx context.Context, c Closure) ([]Booking, error) {
	center, err := s.catalogue.Center(c.Center)
	if err != nil {
		return nil, err
	}
	c.Reason = strings.TrimSpace(c.Reason)
	var errs []FieldError
	if msg := checkLine(c.Reason, MaxName, true); msg != "" {
		errs = append(errs, FieldError{"reason", msg})
	}
	if c.Day.Before(DateOf(s.now().In(s.policy.Location))) {
		errs = append(errs, FieldError{"day", "must not be in the past"})
	}
	if !c.WholeDay() && (c.Part.Open >= c.Part.Close || c.Part.Close > 24*time.Hour || c.Part.Open%Unit != 0 || c.Part.Close%Unit != 0) {
		errs = append(errs, FieldError{"from", fmt.Sprintf("the closed part must start before it ends, on the quarter hour (%s)", minutes(Unit))})
	}
	if err := invalid(errs); err != nil {
		return nil, err
	}
	if err := s.store.AddClosure(ctx, c); err != nil {
		return nil, fmt.Errorf("close %s: %w", center.ID, err)
	}
	s.seatCache.drop(center.ID, Date{}, Date{})
	return s.Closing(ctx, c)
}

// RemoveClosure opens a center again on a day it was closed.
func (s *Scheduler) RemoveClosure(ctx context.Context, centerID string, day Date) error {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return err
	}
	if err := s.store.RemoveClosure(ctx, center.ID, day); err != nil {
		return err
	}
	s.seatCache.drop(center.ID, Date{}, Date{})
	return nil
}

// Closing describes a closure an admin is about to enter or has entered:
// the confirmed bookings it hits.
func (s *Scheduler) Closing(ctx context.Context, c Closure) ([]Booking, error) {
	center, err := s.catalogue.Center(c.Center)
	if err != nil {
		return nil, err
	}
	from, to := c.Day.At(0, s.policy.Location), c.Day.AddDays(1).At(0, s.policy.Location)
	if !c.WholeDay() {
		from, to = c.Day.At(c.Part.Open, s.policy.Location), c.Day.At(c.Part.Close, s.policy.Location)
	}
	// A booking that starts before the closure may run into it.
	bookings, err := s.store.Appointments(ctx, center.ID, c.Day.At(0, s.policy.Location), to)
	if err != nil {
		return nil, fmt.Errorf("bookings hit by a closure of %s: %w", center.ID, err)
	}
	var hit []Booking
	for _, b := range bookings {
		if b.End.After(from) && b.Start.Before(to) {
			hit = append(hit, b)
		}
	}
	return hit, nil
}

// CancelByStaff cancels a booking for the newcomer, saying why in the
// cancellation email, which also links to booking again. A booking already
// cancelled is left as it is.
func (s *Scheduler) CancelByStaff(ctx context.Context, id int64, reason string) (Booking, error) {
	reason = strings.TrimSpace(reason)
	if msg := checkLine(reason, MaxNotes, true); msg != "" {
		return Booking{}, invalid([]FieldError{{"reason", msg}})
	}
	return s.cancel(ctx, func() (Booking, error) { return s.store.BookingByID(ctx, id) }, reason)
}

// Agenda returns a center's bookings of a day, cancelled ones too, by
// start, with the emails each got: what staff see of the day.
func (s *Scheduler) Agenda(ctx context.Context, centerID string, day Date) ([]BookingWithEmails, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return nil, err
	}
	bookings, err := s.store.DayBookings(ctx, center.ID, day.At(0, s.policy.Location), day.AddDays(1).At(0, s.policy.Location))
	if err != nil {
		return nil, fmt.Errorf("agenda of %s: %w", center.ID, err)
	}
	return bookings, nil
}

// Appointments returns a center's confirmed appointments from the start of
// today to the end of the booking horizon, by start.
func (s *Scheduler) Appointments(ctx context.Context, centerID string) ([]Booking, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return nil, err
	}
	today := DateOf(s.now().In(s.policy.Location))
	from := today.At(0, s.policy.Location)
	to := today.AddDays(s.policy.HorizonDays+1).At(0, s.policy.Location)
	bookings, err := s.store.Appointments(ctx, center.ID, from, to)
	if err != nil {
		return nil, fmt.Errorf("appointments of %s: %w", center.ID, err)
	}
	return bookings, nil
}

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
func (s *Scheduler) firstOpenDay(ctx context.Context, center Center, from Date) (day Date, periods []period, found bool, err error) {
	last := DateOf(s.now().In(s.policy.Location)).AddDays(s.policy.HorizonDays)
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
		if _, open := center.Hours[d.Weekday()]; !open {
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
func (s *Scheduler) openPeriods(center Center, d Date, closures map[Date]Closure) []period {
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
