package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// A booking's life: booked, read with its token, moved, cancelled (by the
// newcomer or by staff), reminded of and erased.

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
	ids, listed := r.visit()
	center, v, err := s.lookupVisit(r.Center, ids, r.People, listed)
	if err != nil {
		return Booking{}, "", err
	}
	if r.IdempotencyKey != "" {
		if b, token, err := s.replay(ctx, r); !errors.Is(err, ErrNotFound) {
			return b, token, err
		}
	}
	if err := s.checkVisit(center, v, r.Language); err != nil {
		return Booking{}, "", err
	}
	interp := interpreterLanguage(center, r.Language)
	if err := s.checkStart(ctx, center, v, interp, r.Start); err != nil {
		return Booking{}, "", err
	}
	if err := s.checkActive(ctx, r.Email); err != nil {
		return Booking{}, "", err
	}

	now := s.now().UTC()
	b := Booking{
		Center:    center.ID,
		Service:   v.services[0].ID,
		Services:  v.ids(),
		People:    v.people,
		Start:     r.Start.UTC(),
		End:       r.Start.Add(v.length()).UTC(),
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
			return Booking{}, "", fmt.Errorf("book %s at %s: %w", strings.Join(b.Services, "+"), center.ID, err)
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
	b, _, err := s.cancel(ctx, func() (Booking, error) { return s.Get(ctx, reference, token) }, "", nil)
	return b, err
}

// cancel cancels the booking load reads, with the reason staff gave (or
// none), reading it again while it changes meanwhile. badReason, if not
// nil, is returned instead of cancelling: a bad reason is told only after
// what no reason could change (no such booking, cancelled already,
// started). done is false if the booking was cancelled already.
func (s *Scheduler) cancel(ctx context.Context, load func() (Booking, error), reason string, badReason error) (b Booking, done bool, err error) {
	for attempt := 1; ; attempt++ {
		b, err := load()
		if err != nil {
			return Booking{}, false, err
		}
		if b.Status == Cancelled {
			return b, false, nil
		}
		if !b.Changeable(s.now()) {
			return Booking{}, false, newError(ErrStarted, "booking %s can no longer be cancelled: the appointment time has passed", b.Reference)
		}
		if badReason != nil {
			return Booking{}, false, badReason
		}
		u, err := s.cancellation(b, reason, s.now())
		if err != nil {
			return Booking{}, false, err
		}
		u.Holds = s.freedHolds(ctx, b)
		err = s.store.UpdateBooking(ctx, u, EmailCancellation)
		if err == nil {
			s.changed(b.Center, b.Start, b.End)
			s.leaveImprovements(ctx, u.Booking)
			return u.Booking, true, nil
		}
		if !errors.Is(err, ErrConflict) || attempt == cancelAttempts {
			return Booking{}, false, s.updateFailed("cancel", u.Booking, err)
		}
	}
}

// cancellation is the update that cancels b at now with reason: the
// booking cancelled, one version on, and the seats it frees.
func (s *Scheduler) cancellation(b Booking, reason string, now time.Time) (Update, error) {
	center, err := s.catalogue.Center(b.Center)
	if err != nil {
		return Update{}, fmt.Errorf("cancel booking %d: %w", b.ID, err)
	}
	release := s.claims(center, b.Start, b.End, b.Language)
	b.Status, b.CancelReason = Cancelled, reason
	b.Sequence++
	b.UpdatedAt = now.UTC()
	return Update{Booking: b, Release: release}, nil
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
	if b.Changeable(s.now()) {
		if b, _, err = s.cancel(ctx, func() (Booking, error) { return s.Get(ctx, reference, token) }, "", nil); err != nil {
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
	return s.reschedule(ctx, b, start)
}

// RescheduleByStaff moves a booking of the center to another start for the
// newcomer, by the rules and with the email of Reschedule: staff at the
// desk or on the phone hold no token, so the center stands in for it. A
// booking of another center is not found (ErrNotFound), as if there were
// none.
func (s *Scheduler) RescheduleByStaff(ctx context.Context, centerID, reference string, start time.Time) (Booking, error) {
	b, err := s.bookingInCenter(ctx, centerID, reference)
	if err != nil {
		return Booking{}, err
	}
	return s.reschedule(ctx, b, start)
}

// reschedule moves b, as read a moment ago, to start: the rules of a move
// whoever asks for it.
func (s *Scheduler) reschedule(ctx context.Context, b Booking, start time.Time) (Booking, error) {
	if start.IsZero() {
		return Booking{}, invalid([]FieldError{{"start", "is required"}})
	}
	if b.Status == Cancelled {
		return Booking{}, newError(ErrConflict, "booking %s is cancelled; book a new appointment instead", b.Reference)
	}
	if !b.Changeable(s.now()) {
		return Booking{}, newError(ErrStarted, "booking %s can no longer be moved: the appointment time has passed", b.Reference)
	}
	if start.Equal(b.Start) {
		// Already there: nothing changes and nobody is told of a move.
		return b, nil
	}
	center, err := s.catalogue.Center(b.Center)
	if err != nil {
		return Booking{}, fmt.Errorf("reschedule booking %d: %w", b.ID, err)
	}
	v, err := s.findVisit(b.Services, b.People, false)
	if err != nil {
		return Booking{}, fmt.Errorf("reschedule booking %d: %w", b.ID, err)
	}
	if err := s.checkVisit(center, v, b.Language); err != nil {
		return Booking{}, err
	}
	if err := s.checkStart(ctx, center, v, b.Language, start); err != nil {
		return Booking{}, err
	}
	release := s.claims(center, b.Start, b.End, b.Language)
	oldStart, oldEnd := b.Start, b.End
	b.Start = start.UTC()
	b.End = start.Add(v.length()).UTC()
	claims := s.claims(center, b.Start, b.End, b.Language)
	holds := s.freedHolds(ctx, Booking{Center: b.Center, Start: oldStart, End: oldEnd})
	b.Sequence++
	b.UpdatedAt = s.now().UTC()
	err = s.store.UpdateBooking(ctx, Update{Booking: b, Release: release, Claims: claims, Holds: holds}, EmailUpdate)
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

// CancelByStaff cancels a booking of the center for the newcomer, saying
// why in the cancellation email, which also links to booking again; staff
// must give the reason. A booking of another center is not found
// (ErrNotFound), one whose appointment has started is refused (ErrStarted),
// and one cancelled already is left as it is, with cancelled false.
func (s *Scheduler) CancelByStaff(ctx context.Context, centerID string, id int64, reason string) (b Booking, cancelled bool, err error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return Booking{}, false, err
	}
	reason = strings.TrimSpace(reason)
	var badReason error
	if msg := checkLine(reason, MaxNotes, true); msg != "" {
		badReason = invalid([]FieldError{{"reason", msg}})
	}
	return s.cancel(ctx, func() (Booking, error) { return s.store.BookingInCenter(ctx, center.ID, id) }, reason, badReason)
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
	today := s.today()
	from := today.At(0, s.policy.Location)
	to := today.AddDays(s.policy.HorizonDays+1).At(0, s.policy.Location)
	bookings, err := s.store.Appointments(ctx, center.ID, from, to)
	if err != nil {
		return nil, fmt.Errorf("appointments of %s: %w", center.ID, err)
	}
	return bookings, nil
}
