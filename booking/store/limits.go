package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

const (
	// countHitSQL counts one request in its bucket's window and returns the
	// window's count so far, in one statement, so that servers sharing the
	// database count together. The bucket is not first: right after a "("
	// GORM would spread a []byte into a list of values.
	countHitSQL = `INSERT INTO rate_hits (n, bucket, window_start) VALUES (1, ?, ?)
		ON CONFLICT (bucket, window_start) DO UPDATE SET n = rate_hits.n + 1
		RETURNING n`

	// activeBookingsSQL counts an email address's confirmed bookings that
	// have not started: bookings_email_starts. Both sides are lowered by
	// the database, which folds the same letters in both (SQLite only
	// ASCII ones).
	activeBookingsSQL = `SELECT count(*) FROM bookings
		WHERE lower(email) = lower(?) AND starts_at > ? AND status = 'confirmed'`
)

// pruneEvery is how many counted hits, on average, go between deletions of
// past windows: often enough to keep the table small, rarely enough to
// cost nothing.
const pruneEvery = 100

// CountHit counts one request in the window of bucket (a keyed hash of a
// client address) starting at window, and returns how many the window has
// counted, this one included. Now and then it deletes the windows that
// started before window.
func (s *Store) CountHit(ctx context.Context, bucket []byte, window time.Time) (int, error) {
	var n int
	if err := s.db.WithContext(ctx).Raw(countHitSQL, bucket, dbTime(window)).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("count request: %w", err)
	}
	if rand.IntN(pruneEvery) == 0 {
		if err := s.db.WithContext(ctx).Exec(`DELETE FROM rate_hits WHERE window_start < ?`, dbTime(window)).Error; err != nil {
			return 0, fmt.Errorf("delete past request windows: %w", err)
		}
	}
	return n, nil
}

// ActiveBookings returns how many confirmed bookings starting after now
// the email address has, whatever the case of its letters.
func (s *Store) ActiveBookings(ctx context.Context, email string, now time.Time) (int, error) {
	var n int
	err := s.db.WithContext(ctx).Raw(activeBookingsSQL, email, dbTime(now)).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count active bookings: %w", err)
	}
	return n, nil
}
