package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/ics-booking/icsbooking/booking"
)

// Enqueuer queues the delivery of emails inside the transaction that
// records them, so that each email is sent if and only if the change it
// tells of is committed. River implements it elsewhere.
type Enqueuer interface {
	EnqueueEmails(ctx context.Context, tx *sql.Tx, emailIDs ...int64) error
	// EnqueueOfferExpiry queues the job that ends a waitlist entry's offer
	// number offer at at, unless it was answered.
	EnqueueOfferExpiry(ctx context.Context, tx *sql.Tx, entryID int64, offer int, at time.Time) error
}

// SetEnqueuer sets what queues the emails the store records. Call it once at
// startup, before the store serves any request. Without one (or with nil)
// emails are recorded but not queued.
func (s *Store) SetEnqueuer(e Enqueuer) { s.enqueuer = e }

// maxErrorLen bounds the bytes of a delivery error kept in last_error: the
// text of an SMTP failure is for staff to read, not to fill the database.
const maxErrorLen = 500

// recordEmail inserts the email of the given kind about b, as it is after
// the change made at now, and queues it, inside tx. An empty kind records
// nothing.
func (s *Store) recordEmail(ctx context.Context, tx *gorm.DB, kind booking.EmailKind, b bookingRow, now time.Time) error {
	if kind == "" {
		return nil
	}
	row := newEmailRow(kind, b, now)
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("record %s email: %w", kind, err)
	}
	return s.enqueue(ctx, tx, row.ID)
}

// enqueue hands the emails to the Enqueuer, if any, with the *sql.Tx behind
// tx, so that the jobs commit or roll back with it.
func (s *Store) enqueue(ctx context.Context, tx *gorm.DB, ids ...int64) error {
	if s.enqueuer == nil || len(ids) == 0 {
		return nil
	}
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		// GORM wraps the transaction when PrepareStmt is on; queuing
		// outside it would send emails about changes that rolled back.
		return fmt.Errorf("queue emails: the transaction is a %T, not a *sql.Tx", tx.Statement.ConnPool)
	}
	if err := s.enqueuer.EnqueueEmails(ctx, sqlTx, ids...); err != nil {
		return fmt.Errorf("queue emails: %w", err)
	}
	return nil
}

// QueueReminders records and queues, in one transaction, a reminder for
// every confirmed booking starting in [from, to) that was made before
// changedBefore, and returns how many. The unique key on (booking_id, kind,
// sequence) skips the bookings already reminded of in their current version,
// so running it again queues nothing twice, while a booking moved since its
// last reminder gets a new one.
func (s *Store) QueueReminders(ctx context.Context, from, to, changedBefore time.Time) (int, error) {
	var n int
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		now := dbTime(time.Now())
		rows, err := tx.Raw(remindersSQL,
			now, now, dbTime(from), dbTime(to), dbTime(changedBefore)).Rows()
		if err != nil {
			return fmt.Errorf("record reminders: %w", err)
		}
		// Read every ID before queuing: the transaction's connection
		// serves one statement at a time.
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("record reminders: %w", err)
			}
			ids = append(ids, id)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("record reminders: %w", err)
		}
		if err := s.enqueue(ctx, tx, ids...); err != nil {
			return err
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("queue reminders: %w", err)
	}
	return n, nil
}

// Email returns an email record.
func (s *Store) Email(ctx context.Context, id int64) (booking.Email, error) {
	var row emailRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return booking.Email{}, notFound("no email with ID %d", id)
	}
	if err != nil {
		return booking.Email{}, fmt.Errorf("email %d: %w", id, err)
	}
	return row.toEmail(), nil
}

// Emails returns the emails of a booking, oldest first.
func (s *Store) Emails(ctx context.Context, bookingID int64) ([]booking.Email, error) {
	var rows []emailRow
	err := s.db.WithContext(ctx).Raw(emailsOfBookingSQL, bookingID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("emails of booking %d: %w", bookingID, err)
	}
	return toEmails(rows), nil
}

// QueuedEmails returns up to limit queued emails with an ID above afterID,
// in ID order, for paging through all of them.
func (s *Store) QueuedEmails(ctx context.Context, afterID int64, limit int) ([]booking.Email, error) {
	var rows []emailRow
	err := s.db.WithContext(ctx).Raw(queuedEmailsSQL, afterID, limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("queued emails after %d: %w", afterID, err)
	}
	return toEmails(rows), nil
}

func toEmails(rows []emailRow) []booking.Email {
	emails := make([]booking.Email, len(rows))
	for i, r := range rows {
		emails[i] = r.toEmail()
	}
	return emails
}

// RecordEmailAttempt records the outcome of delivery attempt number attempt,
// made at at: sent if sendErr is nil, otherwise queued again or, if final,
// failed, with the error's text. A sent email is never changed again, so a
// late report of an earlier attempt cannot undo it.
func (s *Store) RecordEmailAttempt(ctx context.Context, id int64, attempt int, sendErr error, final bool, at time.Time) error {
	at = dbTime(at)
	db := s.db.WithContext(ctx)
	set, args := `state = ?, attempts = ?, last_error = '', sent_at = ?, updated_at = ?`,
		[]any{string(booking.EmailSent), attempt, at, at}
	if sendErr != nil {
		state := booking.EmailQueued
		if final {
			state = booking.EmailFailed
		}
		set, args = `state = ?, attempts = ?, last_error = ?, updated_at = ?`,
			[]any{string(state), attempt, errorText(sendErr), at}
	}
	// One statement records the attempt and says whether the email's
	// booking waits for it to finish its erasure, which then takes a
	// second: most bookings are not erased.
	var erased []sql.NullBool
	err := db.Raw(`UPDATE emails SET `+set+` WHERE id = ? AND state <> ?
		RETURNING (SELECT b.erased_at IS NOT NULL FROM bookings b WHERE b.id = emails.booking_id)`,
		append(args, id, string(booking.EmailSent))...).Scan(&erased).Error
	if err != nil {
		return fmt.Errorf("record attempt %d of email %d: %w", attempt, id, err)
	}
	if len(erased) > 0 {
		if !erased[0].Bool || (sendErr != nil && !final) {
			return nil
		}
		return finishErasure(db, id)
	}
	// Either the email is already sent, which is fine, or there is none.
	var n int64
	if err := db.Model(&emailRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return fmt.Errorf("record attempt %d of email %d: %w", attempt, id, err)
	}
	if n == 0 {
		return notFound("no email with ID %d", id)
	}
	return nil
}

// RecordEmailLost records that attempt number attempt of a queued email
// ended without a recorded outcome (its server stopped, or the outcome
// could not be written) and that no job is left to try again: the attempt
// counts, with reason as the error, and the email stays queued or, if final,
// fails. It changes nothing and reports false unless the email is still
// queued with attempt-1 attempts, so that of two callers that read it alike
// only one records the loss.
func (s *Store) RecordEmailLost(ctx context.Context, id int64, attempt int, reason string, final bool, at time.Time) (bool, error) {
	state := booking.EmailQueued
	if final {
		state = booking.EmailFailed
	}
	at = dbTime(at)
	res := s.db.WithContext(ctx).Exec(`UPDATE emails SET state = ?, attempts = ?, last_error = ?, updated_at = ?
		WHERE id = ? AND state = ? AND attempts = ?`,
		string(state), attempt, reason, at, id, string(booking.EmailQueued), attempt-1)
	if res.Error != nil {
		return false, fmt.Errorf("record lost attempt %d of email %d: %w", attempt, id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// RecordEmailSkipped marks a queued email as skipped, saying why.
func (s *Store) RecordEmailSkipped(ctx context.Context, id int64, reason string, at time.Time) error {
	at = dbTime(at)
	err := s.db.WithContext(ctx).Exec(`UPDATE emails SET state = ?, last_error = ?, updated_at = ? WHERE id = ? AND state = ?`,
		string(booking.EmailSkipped), reason, at, id, string(booking.EmailQueued)).Error
	if err != nil {
		return fmt.Errorf("skip email %d: %w", id, err)
	}
	return nil
}

// errorText is the text of err as last_error keeps it: valid UTF-8 without
// NUL bytes (PostgreSQL's text refuses both), at most maxErrorLen bytes.
func errorText(err error) string {
	msg := strings.ToValidUTF8(err.Error(), "\uFFFD")
	msg = strings.ReplaceAll(msg, "\x00", "\uFFFD")
	if len(msg) <= maxErrorLen {
		return msg
	}
	const ellipsis = "…"
	cut := maxErrorLen - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + ellipsis
}

// QueuedEmailCount counts the emails waiting to be delivered.
func (s *Store) QueuedEmailCount(ctx context.Context) (int, error) {
	var n int64
	if err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM emails WHERE state = 'queued'`).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("queued emails: %w", err)
	}
	return int(n), nil
}

// The statements of Delivery. The first reads an email about a booking with
// the booking (its columns prefixed b_) and the latest earlier email of
// the booking still queued, by the unique key that leads with booking_id;
// the second, for an email to a waitlist entry, the email and the latest
// earlier email of the entry still queued, by emails_waitlist_idx.
const (
	deliverySQL = `SELECT e.*, (SELECT MAX(o.id) FROM emails o
		WHERE o.booking_id = e.booking_id AND o.id < e.id AND o.state = 'queued') AS earlier_queued,
		b.id AS b_id, b.reference AS b_reference, b.token_hash AS b_token_hash, b.token_sealed AS b_token_sealed,
		b.center_id AS b_center_id, b.service_id AS b_service_id, b.services AS b_services, b.people AS b_people,
		b.starts_at AS b_starts_at, b.ends_at AS b_ends_at, b.language AS b_language, b.name AS b_name,
		b.email AS b_email, b.phone AS b_phone, b.notes AS b_notes, b.locale AS b_locale, b.status AS b_status,
		b.sequence AS b_sequence, b.cancel_reason AS b_cancel_reason, b.created_at AS b_created_at,
		b.updated_at AS b_updated_at, b.erased_at AS b_erased_at
		FROM emails e JOIN bookings b ON b.id = e.booking_id WHERE e.id = ?`
	waitDeliverySQL = `SELECT e.*, (SELECT MAX(o.id) FROM emails o
		WHERE o.waitlist_id = e.waitlist_id AND o.id < e.id AND o.state = 'queued') AS earlier_queued
		FROM emails e WHERE e.id = ?`
)

// deliveryRow is a row of deliverySQL or waitDeliverySQL.
type deliveryRow struct {
	Email         emailRow `gorm:"embedded"`
	EarlierQueued sql.NullInt64
	Booking       bookingRow `gorm:"embedded;embeddedPrefix:b_"`
}

// Delivery returns email id with what delivering it reads besides, in one
// query for an email about a booking: see booking.Delivery.
func (s *Store) Delivery(ctx context.Context, id int64) (booking.Delivery, error) {
	db := s.db.WithContext(ctx)
	var rows []deliveryRow
	if err := db.Raw(deliverySQL, id).Scan(&rows).Error; err != nil {
		return booking.Delivery{}, fmt.Errorf("email %d to deliver: %w", id, err)
	}
	if len(rows) == 0 {
		// An email to a waitlist entry, or none.
		if err := db.Raw(waitDeliverySQL, id).Scan(&rows).Error; err != nil {
			return booking.Delivery{}, fmt.Errorf("email %d to deliver: %w", id, err)
		}
		if len(rows) == 0 {
			return booking.Delivery{}, notFound("no email with ID %d", id)
		}
	}
	r := rows[0]
	d := booking.Delivery{Email: r.Email.toEmail(), EarlierQueued: r.EarlierQueued.Int64}
	if r.Booking.ID != 0 {
		d.Booking = r.Booking.toBooking()
	}
	return d, nil
}
