package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/ics-booking/icsbooking/booking"
)

// Booking returns the booking with the given reference.
func (s *Store) Booking(ctx context.Context, reference string) (booking.Booking, error) {
	return s.findBooking(ctx, "reference", reference, "no booking "+reference)
}

// BookingByID returns the booking with the given ID.
func (s *Store) BookingByID(ctx context.Context, id int64) (booking.Booking, error) {
	return s.findBooking(ctx, "id", id, fmt.Sprintf("no booking with ID %d", id))
}

// findBooking returns the booking whose column (a unique one) holds value,
// or a not-found error saying missing.
func (s *Store) findBooking(ctx context.Context, column string, value any, missing string) (booking.Booking, error) {
	row, err := findRow[bookingRow](ctx, s, column, value, missing)
	if err != nil {
		return booking.Booking{}, err
	}
	return row.toBooking(), nil
}

// findRow reads the row of R's table whose column (a unique one) holds
// value, or returns a not-found error saying missing. The value stays out
// of other errors: a reference or token may end up in a log.
func findRow[R any](ctx context.Context, s *Store, column string, value any, missing string) (R, error) {
	var row R
	err := s.db.WithContext(ctx).Where(column+" = ?", value).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, notFound("%s", missing)
	}
	if err != nil {
		return row, fmt.Errorf("find %T by %s: %w", row, column, err)
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

// UpdateBooking stores b in place of the booking with b.ID whose sequence is
// still b.Sequence-1 (a compare-and-swap), records and queues the email of
// the given kind, if any, then releases the release claims and takes the new
// ones, all in one transaction. Releasing first lets a booking move to units
// that overlap its old ones even when they are full. Every column but id and
// created_at is overwritten.
func (s *Store) UpdateBooking(ctx context.Context, b booking.Booking, release, claims []booking.Claim, email booking.EmailKind) error {
	if err := s.createCounters(ctx, claims); err != nil {
		return fmt.Errorf("update booking %d: %w", b.ID, err)
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		row := toBookingRow(b)
		if row.UpdatedAt.IsZero() {
			row.UpdatedAt = dbTime(time.Now())
		}
		res := tx.Exec(`UPDATE bookings SET reference = ?, token_hash = ?, token_sealed = ?, center_id = ?,
			service_id = ?, starts_at = ?, ends_at = ?, language = ?, name = ?, email = ?, phone = ?,
			notes = ?, locale = ?, status = ?, sequence = ?, cancel_reason = ?, updated_at = ?
			WHERE id = ? AND sequence = ?`,
			row.Reference, row.TokenHash, row.TokenSealed, row.CenterID, row.ServiceID,
			row.StartsAt, row.EndsAt, row.Language, row.Name, row.Email, row.Phone, row.Notes,
			row.Locale, row.Status, row.Sequence, row.CancelReason, row.UpdatedAt,
			row.ID, row.Sequence-1)
		if res.Error != nil {
			if uniqueViolation(res.Error) {
				return fmt.Errorf("reference %s: %w", b.Reference, booking.ErrDuplicate)
			}
			return res.Error
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&bookingRow{}).Where("id = ?", b.ID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return notFound("no booking with ID %d", b.ID)
			}
			return fmt.Errorf("sequence %d is no longer current: %w", b.Sequence-1, booking.ErrConflict)
		}
		if err := s.recordEmail(ctx, tx, email, row, row.UpdatedAt); err != nil {
			return err
		}
		if err := s.moveSeats(tx, release, claims); err != nil {
			return err
		}
		return s.notifySeats(tx, b.Center, release, claims)
	})
	if err != nil {
		return fmt.Errorf("update booking %d: %w", b.ID, err)
	}
	return nil
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
		byBooking[e.BookingID] = append(byBooking[e.BookingID], e.toEmail())
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
