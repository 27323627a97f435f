package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ics-booking/icsbooking/booking"
)

// The waitlist (booking.WaitStore). A hold takes seats on slot_counters with
// the same guarded UPDATE as a booking, so the counters always equal the
// bookings plus the holds, and a held seat is full to everyone else. Holds
// are taken in the transaction that frees the seats, after the change's
// own seats, each under a savepoint: an entry whose seats are not all free,
// or that no longer waits as it was read, is rolled back alone and the next
// is tried. Every transaction takes rows in one order (bookings, counters
// locked at once in key order, entries), so none can deadlock another.

// waitRow is a row of waitlist.
type waitRow struct {
	ID             int64
	Reference      string
	TokenHash      []byte
	TokenSealed    []byte
	CenterID       string
	Services       string
	People         int
	Language       string
	Name           string
	Email          string
	Locale         string
	UntilDay       string
	BookingID      sql.NullInt64
	Status         string
	Offers         int
	Missed         int
	OfferStartsAt  sql.NullTime
	OfferEndsAt    sql.NullTime
	OfferExpiresAt sql.NullTime
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ErasedAt       sql.NullTime
}

func (waitRow) TableName() string { return "waitlist" }

func toWaitRow(e booking.WaitEntry) waitRow {
	return waitRow{
		ID:             e.ID,
		Reference:      e.Reference,
		TokenHash:      e.TokenHash,
		TokenSealed:    e.TokenSealed,
		CenterID:       e.Center,
		Services:       strings.Join(e.Services, " "),
		People:         max(e.People, 1),
		Language:       e.Language,
		Name:           e.Name,
		Email:          e.Email,
		Locale:         e.Locale,
		UntilDay:       e.Until.String(),
		BookingID:      sql.NullInt64{Int64: e.BookingID, Valid: e.BookingID != 0},
		Status:         string(e.Status),
		Offers:         e.Offers,
		Missed:         e.Missed,
		OfferStartsAt:  nullTime(e.Offer.Start),
		OfferEndsAt:    nullTime(e.Offer.End),
		OfferExpiresAt: nullTime(e.Offer.Expires),
		CreatedAt:      dbTime(e.CreatedAt),
		UpdatedAt:      dbTime(e.UpdatedAt),
		ErasedAt:       nullTime(e.ErasedAt),
	}
}

func (r waitRow) toEntry() booking.WaitEntry {
	until, _ := booking.ParseDate(r.UntilDay)
	return booking.WaitEntry{
		ID:          r.ID,
		Reference:   r.Reference,
		TokenHash:   r.TokenHash,
		TokenSealed: r.TokenSealed,
		Center:      r.CenterID,
		Services:    strings.Fields(r.Services),
		People:      r.People,
		Language:    r.Language,
		Name:        r.Name,
		Email:       r.Email,
		Locale:      r.Locale,
		Until:       until,
		BookingID:   r.BookingID.Int64,
		Status:      booking.WaitStatus(r.Status),
		Offers:      r.Offers,
		Missed:      r.Missed,
		Offer: booking.Offer{
			Start:   timeOf(r.OfferStartsAt),
			End:     timeOf(r.OfferEndsAt),
			Expires: timeOf(r.OfferExpiresAt),
		},
		CreatedAt: r.CreatedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC(),
		ErasedAt:  timeOf(r.ErasedAt),
	}
}

// activeStatuses are the statuses of an entry in line, as SQL.
const activeStatuses = "('waiting', 'offered')"

// JoinWaitlist inserts the entry and records and queues its joined email.
func (s *Store) JoinWaitlist(ctx context.Context, e booking.WaitEntry, key *booking.WaitKey) (booking.WaitEntry, error) {
	row := toWaitRow(e)
	row.ID = 0
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var n int64
		err := tx.Raw(`SELECT COUNT(*) FROM waitlist WHERE center_id = ? AND services = ? AND lower(email) = lower(?) AND status IN `+activeStatuses,
			row.CenterID, row.Services, row.Email).Scan(&n).Error
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("the address waits already: %w", booking.ErrConflict)
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			// The reference exists, or the same address joined at once:
			// drawing again tells which.
			return fmt.Errorf("reference or place exists: %w", booking.ErrDuplicate)
		}
		if key != nil {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&waitKeyRow{
				KeyHash: key.KeyHash, RequestHash: key.RequestHash, WaitlistID: row.ID, CreatedAt: dbTime(key.CreatedAt)})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return fmt.Errorf("idempotency key exists: %w", booking.ErrDuplicate)
			}
		}
		return s.recordWaitEmail(ctx, tx, booking.EmailWaitJoined, row, 0, time.Time{}, time.Time{}, row.CreatedAt)
	})
	if err != nil {
		return booking.WaitEntry{}, fmt.Errorf("join waitlist: %w", err)
	}
	return row.toEntry(), nil
}

// waitKeyRow is a row of waitlist_keys.
type waitKeyRow struct {
	KeyHash     []byte `gorm:"primaryKey"`
	RequestHash []byte
	WaitlistID  int64
	CreatedAt   time.Time
}

func (waitKeyRow) TableName() string { return "waitlist_keys" }

// WaitKey returns the record of an Idempotency-Key's hash.
func (s *Store) WaitKey(ctx context.Context, keyHash []byte) (booking.WaitKey, error) {
	var rows []struct {
		RequestHash []byte
		WaitlistID  int64
		CreatedAt   time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT request_hash, waitlist_id, created_at FROM waitlist_keys WHERE key_hash = ?`, keyHash).Scan(&rows).Error
	if err != nil {
		return booking.WaitKey{}, fmt.Errorf("waitlist key: %w", err)
	}
	if len(rows) == 0 {
		return booking.WaitKey{}, notFound("no waitlist entry made with this key")
	}
	return booking.WaitKey{KeyHash: keyHash, RequestHash: rows[0].RequestHash, EntryID: rows[0].WaitlistID, CreatedAt: rows[0].CreatedAt}, nil
}

// WaitEntry returns the entry with the reference.
func (s *Store) WaitEntry(ctx context.Context, reference string) (booking.WaitEntry, error) {
	row, err := findRow[waitRow](ctx, s, "no waitlist entry "+reference, "reference = ?", reference)
	return row.toEntry(), err
}

// WaitEntryByID returns the entry with the ID.
func (s *Store) WaitEntryByID(ctx context.Context, id int64) (booking.WaitEntry, error) {
	row, err := findRow[waitRow](ctx, s, fmt.Sprintf("no waitlist entry with ID %d", id), "id = ?", id)
	return row.toEntry(), err
}

// Waitlist returns a center's entries in line, in the order they joined:
// waitlist_line_idx.
func (s *Store) Waitlist(ctx context.Context, center string) ([]booking.WaitEntry, error) {
	return s.waitRows(ctx, `SELECT * FROM waitlist WHERE center_id = ? AND status IN `+activeStatuses+` ORDER BY id`, center)
}

// Improvements returns the entries in line for an earlier time for the
// booking with the ID.
func (s *Store) Improvements(ctx context.Context, bookingID int64) ([]booking.WaitEntry, error) {
	return s.waitRows(ctx, `SELECT * FROM waitlist WHERE booking_id = ? AND status IN `+activeStatuses+` ORDER BY id`, bookingID)
}

// ExpiredOffers returns up to limit entries whose offer expired before t.
func (s *Store) ExpiredOffers(ctx context.Context, t time.Time, limit int) ([]booking.WaitEntry, error) {
	return s.waitRows(ctx, `SELECT * FROM waitlist WHERE status = 'offered' AND offer_expires_at <= ? ORDER BY offer_expires_at LIMIT ?`, dbTime(t), limit)
}

// WaitingPast returns up to limit waiting entries whose last day is
// before day.
func (s *Store) WaitingPast(ctx context.Context, day booking.Date, limit int) ([]booking.WaitEntry, error) {
	return s.waitRows(ctx, `SELECT * FROM waitlist WHERE status = 'waiting' AND erased_at IS NULL AND until_day < ? ORDER BY id LIMIT ?`, day.String(), limit)
}

func (s *Store) waitRows(ctx context.Context, query string, args ...any) ([]booking.WaitEntry, error) {
	var rows []waitRow
	if err := s.db.WithContext(ctx).Raw(query, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("waitlist: %w", err)
	}
	entries := make([]booking.WaitEntry, len(rows))
	for i, r := range rows {
		entries[i] = r.toEntry()
	}
	return entries, nil
}

// TakeHolds takes, in one transaction, the holds that can be taken, most
// of them at the most (0: any number).
func (s *Store) TakeHolds(ctx context.Context, holds []booking.Hold, most int, now time.Time) ([]booking.Hold, error) {
	if err := s.createCounters(ctx, holdClaims(holds)); err != nil {
		return nil, err
	}
	var taken []booking.Hold
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := s.lockSeats(tx, holdClaims(holds)); err != nil {
			return err
		}
		var err error
		taken, err = s.takeHolds(ctx, tx, holds, most, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("take holds: %w", err)
	}
	return taken, nil
}

// holdClaims is every seat the holds would take.
func holdClaims(holds []booking.Hold) []booking.Claim {
	var all []booking.Claim
	seen := map[counterKey]bool{}
	for _, h := range holds {
		for _, c := range h.Claims {
			if !seen[keyOf(c)] {
				seen[keyOf(c)] = true
				all = append(all, c)
			}
		}
	}
	return all
}

// takeHolds takes inside tx, in order, each hold whose entry still waits as
// read and has no hold yet and whose seats are all free, most of them at
// the most (0: any number), and returns those it took. Their counters must
// exist and, on PostgreSQL, be locked.
func (s *Store) takeHolds(ctx context.Context, tx *gorm.DB, holds []booking.Hold, most int, now time.Time) ([]booking.Hold, error) {
	done := map[int64]bool{} // entries offered, or no longer waiting
	var taken []booking.Hold
	for i, h := range holds {
		if done[h.Entry] {
			continue
		}
		if most > 0 && len(taken) == most {
			break
		}
		savepoint := fmt.Sprintf("hold_%d", i)
		if err := tx.SavePoint(savepoint).Error; err != nil {
			return nil, fmt.Errorf("hold for entry %d: %w", h.Entry, err)
		}
		ok, err := s.takeHold(ctx, tx, h, now)
		if err != nil {
			return nil, fmt.Errorf("hold for entry %d: %w", h.Entry, err)
		}
		if ok {
			done[h.Entry] = true
			taken = append(taken, h)
			continue
		}
		if err := tx.RollbackTo(savepoint).Error; err != nil {
			return nil, fmt.Errorf("hold for entry %d: %w", h.Entry, err)
		}
	}
	return taken, nil
}

// takeHold offers h to its entry inside tx: false, with whatever it wrote
// to be rolled back, if the entry no longer waits as read or a seat is
// full.
func (s *Store) takeHold(ctx context.Context, tx *gorm.DB, h booking.Hold, now time.Time) (bool, error) {
	now = dbTime(now)
	res := tx.Exec(`UPDATE waitlist SET status = 'offered', offers = offers + 1, offer_starts_at = ?, offer_ends_at = ?,
		offer_expires_at = ?, updated_at = ? WHERE id = ? AND status = 'waiting' AND offers = ?`,
		dbTime(h.Start), dbTime(h.End), dbTime(h.Expires), now, h.Entry, h.Offers)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	groups, err := groupClaims(h.Claims)
	if err != nil {
		return false, err
	}
	if err := takeSeats(tx, groups); errors.Is(err, booking.ErrSlotFull) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	var row waitRow
	if err := tx.Where("id = ?", h.Entry).Take(&row).Error; err != nil {
		return false, err
	}
	if err := s.recordWaitEvent(tx, row.CenterID, booking.EventOffer, now); err != nil {
		return false, err
	}
	if err := s.recordWaitEmail(ctx, tx, booking.EmailWaitOffer, row, row.Offers, h.Start, h.End, now); err != nil {
		return false, err
	}
	if err := s.enqueueExpiry(ctx, tx, h.Entry, row.Offers, h.Expires); err != nil {
		return false, err
	}
	return true, s.notifySeats(tx, h.Center, h.Claims)
}

// EndOffer releases e's offer, sets its status and passes the seats on.
func (s *Store) EndOffer(ctx context.Context, e booking.WaitEntry, release []booking.Claim, to booking.WaitStatus, missed bool, event booking.WaitEvent, email booking.EmailKind, holds []booking.Hold, now time.Time) error {
	if err := s.createCounters(ctx, holdClaims(holds)); err != nil {
		return err
	}
	now = dbTime(now)
	missedOne := 0
	if missed {
		missedOne = 1
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := s.lockSeats(tx, append(holdClaims(holds), release...)); err != nil {
			return err
		}
		res := tx.Exec(`UPDATE waitlist SET status = ?, missed = missed + ?, offer_starts_at = NULL, offer_ends_at = NULL,
			offer_expires_at = NULL, updated_at = ? WHERE id = ? AND status = 'offered' AND offers = ?`,
			string(to), missedOne, now, e.ID, e.Offers)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("entry %d is no longer offered offer %d: %w", e.ID, e.Offers, booking.ErrConflict)
		}
		groups, err := groupClaims(release)
		if err != nil {
			return err
		}
		if err := s.releaseSeats(tx, groups); err != nil {
			return err
		}
		if event != "" {
			if err := s.recordWaitEvent(tx, e.Center, event, now); err != nil {
				return err
			}
		}
		if email != "" {
			row := toWaitRow(e)
			row.Status = string(to)
			if err := s.recordWaitEmail(ctx, tx, email, row, e.Offers, time.Time{}, time.Time{}, now); err != nil {
				return err
			}
		}
		// The seat goes to one entry, the first it suits.
		if _, err := s.takeHolds(ctx, tx, holds, 1, now); err != nil {
			return err
		}
		return s.notifySeats(tx, e.Center, release)
	})
	if err != nil {
		return fmt.Errorf("end offer of entry %d: %w", e.ID, err)
	}
	return nil
}

// AcceptOffer books e's offer: a new booking b, or the move of a booking.
func (s *Store) AcceptOffer(ctx context.Context, e booking.WaitEntry, b booking.Booking, move *booking.Update, now time.Time) (booking.Booking, error) {
	if move != nil {
		if err := s.createCounters(ctx, holdClaims(move.Holds)); err != nil {
			return booking.Booking{}, err
		}
	}
	now = dbTime(now)
	var accepted booking.Booking
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if move != nil {
			// The booking's row, then its old seats and the holds they
			// make, then the entry: the order every change keeps.
			if err := s.applyUpdates(ctx, tx, []booking.Update{*move}, booking.EmailUpdate); err != nil {
				return err
			}
		}
		res := tx.Exec(`UPDATE waitlist SET status = 'booked', offer_starts_at = NULL, offer_ends_at = NULL,
			offer_expires_at = NULL, updated_at = ? WHERE id = ? AND status = 'offered' AND offers = ? AND offer_expires_at > ?`,
			now, e.ID, e.Offers, now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("entry %d is no longer offered offer %d: %w", e.ID, e.Offers, booking.ErrConflict)
		}
		if err := s.recordWaitEvent(tx, e.Center, booking.EventAccept, now); err != nil {
			return err
		}
		if move != nil {
			accepted = move.Booking
			return nil
		}
		// The new booking holds the seats the offer held: no counter
		// changes.
		row := toBookingRow(b)
		row.ID = 0
		res = tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("insert booking: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("reference exists: %w", booking.ErrDuplicate)
		}
		if err := s.recordEmail(ctx, tx, booking.EmailConfirmation, row, now); err != nil {
			return err
		}
		accepted = row.toBooking()
		return nil
	})
	if err != nil {
		return booking.Booking{}, fmt.Errorf("accept offer of entry %d: %w", e.ID, err)
	}
	return accepted, nil
}

// SetWaitStatus moves a waiting entry to status to.
func (s *Store) SetWaitStatus(ctx context.Context, e booking.WaitEntry, to booking.WaitStatus, email booking.EmailKind, now time.Time) error {
	now = dbTime(now)
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE waitlist SET status = ?, updated_at = ? WHERE id = ? AND status = 'waiting' AND offers = ?`,
			string(to), now, e.ID, e.Offers)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("entry %d is no longer waiting: %w", e.ID, booking.ErrConflict)
		}
		if email == "" {
			return nil
		}
		row := toWaitRow(e)
		row.Status = string(to)
		return s.recordWaitEmail(ctx, tx, email, row, e.Offers, time.Time{}, time.Time{}, now)
	})
	if err != nil {
		return fmt.Errorf("entry %d to %s: %w", e.ID, to, err)
	}
	return nil
}

// EraseWaitlistBefore erases the personal data of the entries out of line
// whose last day is before day, and skips their queued emails.
func (s *Store) EraseWaitlistBefore(ctx context.Context, day booking.Date, now time.Time) (int, error) {
	now = dbTime(now)
	var n int64
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE waitlist SET name = '', email = '', token_sealed = NULL, erased_at = ?, updated_at = ?
			WHERE erased_at IS NULL AND status NOT IN `+activeStatuses+` AND until_day < ?`, now, now, day.String())
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		if err := tx.Exec(`DELETE FROM waitlist_keys WHERE waitlist_id IN (SELECT id FROM waitlist WHERE erased_at = ?)`, now).Error; err != nil {
			return err
		}
		return tx.Exec(`UPDATE emails SET state = ?, last_error = ?, updated_at = ?
			WHERE state = 'queued' AND waitlist_id IN (SELECT id FROM waitlist WHERE erased_at = ?)`,
			string(booking.EmailSkipped), "personal data erased", now, now).Error
	})
	if err != nil {
		return 0, fmt.Errorf("erase waitlist: %w", err)
	}
	return int(n), nil
}

// WaitEvents counts a center's offer events per kind in [from, to).
func (s *Store) WaitEvents(ctx context.Context, center string, from, to time.Time) (map[booking.WaitEvent]int, error) {
	var rows []struct {
		Kind string
		N    int
	}
	err := s.db.WithContext(ctx).Raw(`SELECT kind, COUNT(*) AS n FROM waitlist_events
		WHERE center_id = ? AND at >= ? AND at < ? GROUP BY kind`, center, dbTime(from), dbTime(to)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("waitlist events of %s: %w", center, err)
	}
	counts := map[booking.WaitEvent]int{}
	for _, r := range rows {
		counts[booking.WaitEvent(r.Kind)] = r.N
	}
	return counts, nil
}

// recordWaitEvent counts an event of an offer.
func (s *Store) recordWaitEvent(tx *gorm.DB, center string, event booking.WaitEvent, at time.Time) error {
	if err := tx.Exec(`INSERT INTO waitlist_events (center_id, kind, at) VALUES (?, ?, ?)`, center, string(event), dbTime(at)).Error; err != nil {
		return fmt.Errorf("record %s event: %w", event, err)
	}
	return nil
}

// recordWaitEmail records and queues inside tx an email of the given kind
// to an entry: number sequence of its kind, with the offer's times, if any.
func (s *Store) recordWaitEmail(ctx context.Context, tx *gorm.DB, kind booking.EmailKind, w waitRow, sequence int, start, end, now time.Time) error {
	if start.IsZero() {
		start, end = now, now
	}
	row := emailRow{
		WaitlistID: sql.NullInt64{Int64: w.ID, Valid: true},
		Kind:       string(kind),
		Sequence:   sequence,
		StartsAt:   dbTime(start),
		EndsAt:     dbTime(end),
		State:      string(booking.EmailQueued),
		CreatedAt:  dbTime(now),
		UpdatedAt:  dbTime(now),
	}
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("record %s email: %w", kind, err)
	}
	return s.enqueue(ctx, tx, row.ID)
}

// enqueueExpiry queues inside tx the job that ends offer number offer of
// an entry at at, if nobody answered it by then.
func (s *Store) enqueueExpiry(ctx context.Context, tx *gorm.DB, entry int64, offer int, at time.Time) error {
	if s.enqueuer == nil {
		return nil
	}
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return fmt.Errorf("queue offer expiry: the transaction is a %T, not a *sql.Tx", tx.Statement.ConnPool)
	}
	if err := s.enqueuer.EnqueueOfferExpiry(ctx, sqlTx, entry, offer, at); err != nil {
		return fmt.Errorf("queue offer expiry: %w", err)
	}
	return nil
}

// WaitEmails returns the emails of a waitlist entry, oldest first.
func (s *Store) WaitEmails(ctx context.Context, entryID int64) ([]booking.Email, error) {
	var rows []emailRow
	err := s.db.WithContext(ctx).Raw(`SELECT * FROM emails WHERE waitlist_id = ? ORDER BY id`, entryID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("emails of waitlist entry %d: %w", entryID, err)
	}
	return toEmails(rows), nil
}
