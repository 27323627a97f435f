package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Closures: a center closed by staff for a day or part of one, and the
// bookings that closure hits.

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
// may then cancel (CancelClosed). New bookings are refused for that time
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
	if c.Day.Before(s.today()) {
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
	// The day's times are free again: those waiting get them first, in
	// the transaction that opens the day, so no booking can come between.
	holds, err := s.holds(ctx, center, day.At(0, s.policy.Location), day.AddDays(1).At(0, s.policy.Location), 0, day)
	if err != nil {
		return fmt.Errorf("open %s on %s: %w", center.ID, day, err)
	}
	if err := s.store.RemoveClosure(ctx, center.ID, day, holds); err != nil {
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

// CancelClosed cancels the bookings that the center's closure of day hits
// (Closing) and that have not started, each with the closure's reason in
// its cancellation email, and returns them. It is all or none: the
// bookings are cancelled and their emails queued in one transaction, and
// when one of them changed meanwhile, they are all read again. ErrNotFound
// if the center is not closed on day.
func (s *Scheduler) CancelClosed(ctx context.Context, centerID string, day Date) ([]Booking, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return nil, err
	}
	closures, err := s.store.Closures(ctx, center.ID, day, day)
	if err != nil {
		return nil, fmt.Errorf("closure of %s on %s: %w", center.ID, day, err)
	}
	if len(closures) == 0 {
		return nil, newError(ErrNotFound, "the center is not closed that day")
	}
	closure := closures[0]
	for attempt := 1; ; attempt++ {
		hit, err := s.Closing(ctx, closure)
		if err != nil {
			return nil, err
		}
		now := s.now()
		var updates []Update
		for _, b := range hit {
			if !b.Changeable(now) {
				continue
			}
			u, err := s.cancellation(b, closure.Reason, now)
			if err != nil {
				return nil, err
			}
			updates = append(updates, u)
		}
		if len(updates) == 0 {
			return nil, nil
		}
		err = s.store.UpdateBookings(ctx, updates, EmailCancellation)
		if err == nil {
			cancelled := make([]Booking, len(updates))
			for i, u := range updates {
				s.changed(u.Booking.Center, u.Booking.Start, u.Booking.End)
				cancelled[i] = u.Booking
			}
			return cancelled, nil
		}
		switch {
		case !errors.Is(err, ErrConflict):
			return nil, fmt.Errorf("cancel the bookings closed at %s on %s: %w", center.ID, day, err)
		case attempt == cancelAttempts:
			return nil, newError(ErrConflict, "bookings of %s on %s were changed at the same time; try again", center.Name, day.Long())
		}
	}
}
