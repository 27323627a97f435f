package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/ics-booking/icsbooking/booking"
)

// erasedReason is what staff read of an email skipped because the data it
// needed was erased.
const erasedReason = "personal data erased"

// The statements that erase personal data. The booking rows stay, without
// name, phone and notes, for the statistics; the token hash stays too,
// matching no token anyone still holds once the sealed copy is gone.
const (
	// expiredSQL picks the bookings that ended before a cutoff and are not
	// erased yet: bookings_unerased_ends_at_idx.
	expiredSQL = `SELECT id FROM bookings WHERE erased_at IS NULL AND ends_at < ?`

	// skipErasedEmailsSQL skips the queued emails of bookings being erased.
	skipErasedEmailsSQL = `UPDATE emails SET state = 'skipped', last_error = ?, updated_at = ?
		WHERE state = 'queued' AND booking_id IN (` + expiredSQL + `)`

	// forgetRequestsSQL deletes the idempotency records of bookings being
	// erased: their request hash is derived from the personal data.
	forgetRequestsSQL = `DELETE FROM idempotency_keys WHERE booking_id IN (` + expiredSQL + `)`

	// eraseExpiredSQL erases the bookings themselves, all of their data.
	eraseExpiredSQL = `UPDATE bookings SET name = '', email = '', phone = '', notes = '',
		token_sealed = ?, erased_at = ? WHERE erased_at IS NULL AND ends_at < ?`

	// eraseBookingSQL erases one booking's name, phone and notes at once,
	// and its email address and sealed token only if no email of it is
	// still queued: that email needs both.
	eraseBookingSQL = `UPDATE bookings SET name = '', phone = '', notes = '',
		email = CASE WHEN ` + anyQueuedSQL + ` THEN email ELSE '' END,
		token_sealed = CASE WHEN ` + anyQueuedSQL + ` THEN token_sealed ELSE ? END,
		erased_at = COALESCE(erased_at, ?)
		WHERE id = ?`

	// anyQueuedSQL is true while an email of the booking is queued.
	anyQueuedSQL = `EXISTS (SELECT 1 FROM emails e WHERE e.booking_id = bookings.id AND e.state = 'queued')`

	// finishErasuresSQL clears the email address and sealed token of erased
	// bookings whose last queued email has gone out or been given up:
	// bookings_erasing_idx.
	finishErasuresSQL = `UPDATE bookings SET email = '', token_sealed = ?
		WHERE erased_at IS NOT NULL AND email <> ''
		AND NOT ` + anyQueuedSQL

	// forgetCountersSQL deletes the seat counters of slots before a
	// cutoff, which nothing books, holds or lists any more (a day's are
	// made at once, booked or not). No index leads with starts_at: the
	// hourly job reads the table through, which at the centers' scale
	// (some thousands of rows a center a year) costs little.
	forgetCountersSQL = `DELETE FROM slot_counters WHERE starts_at < ?`
)

// EraseBookingsBefore erases the personal data of every booking that ended
// before cutoff and is not erased yet: name, email, phone, notes and the
// sealed token are emptied, their queued emails skipped, their idempotency
// records deleted, and erased_at set to now. It also finishes the erasures
// that waited for an email (see EraseBooking), and deletes the seat
// counters of the slots before cutoff. It returns how many bookings it
// erased. The booking rows stay, for the statistics.
func (s *Store) EraseBookingsBefore(ctx context.Context, cutoff, now time.Time) (int, error) {
	cutoff, now = dbTime(cutoff), dbTime(now)
	var n int
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(skipErasedEmailsSQL, erasedReason, now, cutoff).Error; err != nil {
			return fmt.Errorf("skip emails: %w", err)
		}
		if err := tx.Exec(forgetRequestsSQL, cutoff).Error; err != nil {
			return fmt.Errorf("delete idempotency records: %w", err)
		}
		res := tx.Exec(eraseExpiredSQL, []byte{}, now, cutoff)
		if res.Error != nil {
			return fmt.Errorf("erase bookings: %w", res.Error)
		}
		n = int(res.RowsAffected)
		if err := tx.Exec(finishErasuresSQL, []byte{}).Error; err != nil {
			return fmt.Errorf("finish erasures: %w", err)
		}
		if err := tx.Exec(forgetCountersSQL, cutoff).Error; err != nil {
			return fmt.Errorf("delete seat counters: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("erase bookings before %s: %w", cutoff.Format(time.RFC3339), err)
	}
	return n, nil
}

// EraseBooking erases the personal data of one booking at once, but for
// its email address and sealed token while an email of it is still queued
// (the cancellation of a future booking, say): those go when that email is
// sent or given up (see RecordEmailAttempt), or at the next
// EraseBookingsBefore. Its idempotency records are deleted. ErrNotFound if
// there is no such booking.
func (s *Store) EraseBooking(ctx context.Context, id int64, now time.Time) error {
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM idempotency_keys WHERE booking_id = ?`, id).Error; err != nil {
			return fmt.Errorf("delete idempotency records: %w", err)
		}
		res := tx.Exec(eraseBookingSQL, []byte{}, dbTime(now), id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return notFound("no booking with ID %d", id)
		}
		// Waiting for an earlier time for it holds the same name and
		// address: they go too, and the entry leaves the line (a time
		// still held for it ends with its hold, as it must to free the
		// seats).
		err := tx.Exec(`UPDATE waitlist SET name = '', email = '', token_sealed = NULL, erased_at = ?, updated_at = ?,
			status = CASE WHEN status = 'waiting' THEN 'left' ELSE status END
			WHERE booking_id = ? AND erased_at IS NULL`, dbTime(now), dbTime(now), id).Error
		if err != nil {
			return fmt.Errorf("erase waitlist entries: %w", err)
		}
		if err := tx.Exec(`DELETE FROM waitlist_keys WHERE waitlist_id IN (SELECT id FROM waitlist WHERE booking_id = ?)`, id).Error; err != nil {
			return fmt.Errorf("delete waitlist keys: %w", err)
		}
		return tx.Exec(`UPDATE emails SET state = ?, last_error = ?, updated_at = ?
			WHERE state = 'queued' AND waitlist_id IN (SELECT id FROM waitlist WHERE booking_id = ?)`,
			string(booking.EmailSkipped), erasedReason, dbTime(now), id).Error
	})
	if err != nil {
		return fmt.Errorf("erase booking %d: %w", id, err)
	}
	return nil
}

// finishErasure clears the email address and sealed token of the erased
// booking of email id once none of its emails is queued any more.
func finishErasure(tx *gorm.DB, emailID int64) error {
	err := tx.Exec(finishErasuresSQL+` AND id = (SELECT booking_id FROM emails WHERE id = ?)`, []byte{}, emailID).Error
	if err != nil {
		return fmt.Errorf("finish erasure: %w", err)
	}
	return nil
}
