package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/ics-booking/icsbooking/booking"
)

// Booking returns the booking with the given reference.
func (s *Store) Booking(ctx context.Context, reference string) (booking.Booking, error) {
	return s.findBooking(ctx, "no booking "+reference, "reference = ?", reference)
}

// BookingByID returns the booking with the given ID.
func (s *Store) BookingByID(ctx context.Context, id int64) (booking.Booking, error) {
	return s.findBooking(ctx, fmt.Sprintf("no booking with ID %d", id), "id = ?", id)
}

// BookingInCenter returns the booking with the given ID if it is one of the
// center's; one of another center is not found, as if there were none.
func (s *Store) BookingInCenter(ctx context.Context, center string, id int64) (booking.Booking, error) {
	return s.findBooking(ctx, fmt.Sprintf("no booking with ID %d at %s", id, center), "id = ? AND center_id = ?", id, center)
}

// findBooking returns the one booking that where (on unique columns) picks,
// or a not-found error saying missing.
func (s *Store) findBooking(ctx context.Context, missing, where string, args ...any) (booking.Booking, error) {
	row, err := findRow[bookingRow](ctx, s, missing, where, args...)
	if err != nil {
		return booking.Booking{}, err
	}
	return row.toBooking(), nil
}

// findRow reads the one row of R's table that where (on unique columns)
// picks, or returns a not-found error saying missing. The arguments stay
// out of other errors: a reference or token may end up in a log.
func findRow[R any](ctx context.Context, s *Store, missing, where string, args ...any) (R, error) {
	var row R
	err := s.db.WithContext(ctx).Where(where, args...).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, notFound("%s", missing)
	}
	if err != nil {
		return row, fmt.Errorf("find %T where %s: %w", row, where, err)
	}
	return row, nil
}

// Idempotency returns the record for a key hash.
func (s *Store) Idempotency(ctx context.Context, keyHash []byte) (booking.Idempotency, error) {
	var row idempotencyRow
	err := s.db.WithContext(ctx).Where("key_hash = ?", keyHash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return booking.Idempotency{}, notFound("no request with this Idempotency-Key")
	}
	if err != nil {
		return booking.Idempotency{}, fmt.Errorf("idempotency record: %w", err)
	}
	return row.toIdempotency(), nil
}

// UpdateBooking stores u.Booking in place of the booking with its ID whose
// sequence is still one less (a compare-and-swap), records and queues the
// email of the given kind, if any, then releases u.Release and takes
// u.Claims, then offers what it can to u.Holds, all in one transaction.
// Releasing first lets a booking move to units that overlap its old ones
// even when they are full. Every column but id and created_at is
// overwritten.
func (s *Store) UpdateBooking(ctx context.Context, u booking.Update, email booking.EmailKind) error {
	err := s.updateBookings(ctx, []booking.Update{u}, email)
	if err != nil {
		return fmt.Errorf("update booking %d: %w", u.Booking.ID, err)
	}
	return nil
}

// UpdateBookings stores every update as UpdateBooking does, each with the
// email of the given kind, in one transaction: all or none. The error names
// the booking that failed.
func (s *Store) UpdateBookings(ctx context.Context, updates []booking.Update, email booking.EmailKind) error {
	if err := s.updateBookings(ctx, updates, email); err != nil {
		return fmt.Errorf("update %d bookings: %w", len(updates), err)
	}
	return nil
}

// updateBookings writes the updates in one transaction (applyUpdates),
// after making sure every counter they claim or hold exists.
func (s *Store) updateBookings(ctx context.Context, updates []booking.Update, email booking.EmailKind) error {
	for _, u := range updates {
		if err := s.createCounters(ctx, append(holdClaims(u.Holds), u.Claims...)); err != nil {
			return fmt.Errorf("booking %d: %w", u.Booking.ID, err)
		}
	}
	return s.transaction(ctx, func(tx *gorm.DB) error {
		return s.applyUpdates(ctx, tx, updates, email)
	})
}

// applyUpdates writes the updates inside tx. It locks the rows of the
// bookings first, in the order of their IDs, then the counters of them all
// in one statement (moveSeats), then the waitlist entries the freed seats
// are offered to: it never holds a counter while it waits for a booking,
// nor an entry while it waits for a counter, so a change of many bookings
// cannot deadlock with a change of one, whatever seats they share.
func (s *Store) applyUpdates(ctx context.Context, tx *gorm.DB, updates []booking.Update, email booking.EmailKind) error {
	updates = slices.Clone(updates)
	slices.SortFunc(updates, func(a, b booking.Update) int { return cmp.Compare(a.Booking.ID, b.Booking.ID) })
	var holds []booking.Hold // to lock their seats with the others
	for _, u := range updates {
		row := toBookingRow(u.Booking)
		if row.UpdatedAt.IsZero() {
			row.UpdatedAt = dbTime(time.Now())
		}
		if err := updateRow(tx, row); err != nil {
			return fmt.Errorf("booking %d: %w", u.Booking.ID, err)
		}
		if err := s.recordEmail(ctx, tx, email, row, row.UpdatedAt); err != nil {
			return fmt.Errorf("booking %d: %w", u.Booking.ID, err)
		}
		holds = append(holds, u.Holds...)
	}
	if err := s.moveSeats(tx, updates, holdClaims(holds)); err != nil {
		return err
	}
	// The seat each update frees goes to one entry, the first it suits.
	for _, u := range updates {
		if len(u.Holds) > 0 {
			if _, err := s.takeHolds(ctx, tx, u.Holds, 1, time.Now()); err != nil {
				return err
			}
		}
	}
	// One announcement per center, of every seat of it that changed.
	var centers []string
	changed := map[string][]booking.Claim{}
	for _, u := range updates {
		c := u.Booking.Center
		if _, seen := changed[c]; !seen {
			centers = append(centers, c)
		}
		changed[c] = append(append(changed[c], u.Release...), u.Claims...)
	}
	for _, c := range centers {
		if err := s.notifySeats(tx, c, changed[c]); err != nil {
			return err
		}
	}
	return nil
}

// updateRow stores row in place of the booking with its ID whose sequence
// is still one less (a compare-and-swap): ErrNotFound if there is none,
// ErrConflict if it changed meanwhile.
func updateRow(tx *gorm.DB, row bookingRow) error {
	res := tx.Exec(`UPDATE bookings SET reference = ?, token_hash = ?, token_sealed = ?, center_id = ?,
		service_id = ?, services = ?, people = ?, starts_at = ?, ends_at = ?, language = ?, name = ?,
		email = ?, phone = ?, notes = ?, locale = ?, status = ?, sequence = ?, cancel_reason = ?, updated_at = ?
		WHERE id = ? AND sequence = ?`,
		row.Reference, row.TokenHash, row.TokenSealed, row.CenterID, row.ServiceID, row.Services, row.People,
		row.StartsAt, row.EndsAt, row.Language, row.Name, row.Email, row.Phone, row.Notes,
		row.Locale, row.Status, row.Sequence, row.CancelReason, row.UpdatedAt,
		row.ID, row.Sequence-1)
	if res.Error != nil {
		if uniqueViolation(res.Error) {
			return fmt.Errorf("reference %s: %w", row.Reference, booking.ErrDuplicate)
		}
		return res.Error
	}
	if res.RowsAffected == 0 {
		return missingOrChanged(tx, &bookingRow{}, row.ID, fmt.Sprintf("no booking with ID %d", row.ID),
			fmt.Sprintf("sequence %d is no longer current", row.Sequence-1))
	}
	return nil
}

// missingOrChanged explains a compare-and-swap UPDATE of the row of model's
// table with id that changed no row: ErrNotFound saying missing if there
// is no such row, otherwise ErrConflict saying changed.
func missingOrChanged(tx *gorm.DB, model any, id int64, missing, changed string) error {
	var n int64
	if err := tx.Model(model).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return notFound("%s", missing)
	}
	return fmt.Errorf("%s: %w", changed, booking.ErrConflict)
}

// DayBookings returns every booking of a center starting in [from, to),
// cancelled ones too, by start, each with its emails, oldest first.
func (s *Store) DayBookings(ctx context.Context, center string, from, to time.Time) ([]booking.BookingWithEmails, error) {
	db := s.db.WithContext(ctx)
	var rows []bookingRow
	if err := db.Raw(dayBookingsSQL, center, dbTime(from), dbTime(to)).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("bookings of %s: %w", center, err)
	}
	var emails []emailRow
	if err := db.Raw(emailsOfDaySQL, center, dbTime(from), dbTime(to)).Scan(&emails).Error; err != nil {
		return nil, fmt.Errorf("emails of bookings of %s: %w", center, err)
	}
	byBooking := map[int64][]booking.Email{}
	for _, e := range emails {
		byBooking[e.BookingID.Int64] = append(byBooking[e.BookingID.Int64], e.toEmail())
	}
	day := make([]booking.BookingWithEmails, len(rows))
	for i, r := range rows {
		day[i] = booking.BookingWithEmails{Booking: r.toBooking(), Emails: byBooking[r.ID]}
	}
	return day, nil
}

// Appointments returns the confirmed bookings of a center starting in
// [from, to), by start, then by ID.
func (s *Store) Appointments(ctx context.Context, center string, from, to time.Time) ([]booking.Booking, error) {
	var rows []bookingRow
	err := s.db.WithContext(ctx).Raw(appointmentsSQL, center, dbTime(from), dbTime(to)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("appointments of %s: %w", center, err)
	}
	bookings := make([]booking.Booking, len(rows))
	for i, r := range rows {
		bookings[i] = r.toBooking()
	}
	return bookings, nil
}
