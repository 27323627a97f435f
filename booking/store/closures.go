package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ics-booking/icsbooking/booking"
)

// Closures returns the closures of a center on days in [from, to], by day.
func (s *Store) Closures(ctx context.Context, center string, from, to booking.Date) ([]booking.Closure, error) {
	rows, err := s.query(ctx, closuresSQL, center, from.String(), to.String())
	if err != nil {
		return nil, fmt.Errorf("closures of %s: %w", center, err)
	}
	defer rows.Close()
	var closures []booking.Closure
	for rows.Next() {
		var r closureRow
		if err := rows.Scan(&r.CenterID, &r.Day, &r.Reason, &r.FromMinute, &r.ToMinute); err != nil {
			return nil, fmt.Errorf("closures of %s: %w", center, err)
		}
		c, err := r.toClosure()
		if err != nil {
			return nil, err
		}
		closures = append(closures, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("closures of %s: %w", center, err)
	}
	return closures, nil
}

// AddClosure records a closure; adding the same day again replaces its
// reason and hours.
func (s *Store) AddClosure(ctx context.Context, c booking.Closure) error {
	row := toClosureRow(c, time.Now())
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "center_id"}, {Name: "day"}},
			DoUpdates: clause.AssignmentColumns([]string{"reason", "from_minute", "to_minute"}),
		}).Create(&row).Error
		if err != nil {
			return err
		}
		return s.notifySeats(tx, c.Center)
	})
	if err != nil {
		return fmt.Errorf("add closure of %s on %s: %w", c.Center, c.Day, err)
	}
	return nil
}

// RemoveClosure deletes a closure and takes the holds it can of those
// given, which offer the day's times to the waitlist, in one transaction.
func (s *Store) RemoveClosure(ctx context.Context, center string, day booking.Date, holds []booking.Hold) error {
	if err := s.createCounters(ctx, holdClaims(holds)); err != nil {
		return err
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Where("center_id = ? AND day = ?", center, day.String()).Delete(&closureRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return notFound("%s is not closed on %s", center, day)
		}
		if len(holds) > 0 {
			if err := s.lockSeats(tx, holdClaims(holds)); err != nil {
				return err
			}
			if _, err := s.takeHolds(ctx, tx, holds, 0, time.Now()); err != nil {
				return err
			}
		}
		return s.notifySeats(tx, center)
	})
	if err != nil && !errors.Is(err, booking.ErrNotFound) {
		return fmt.Errorf("remove closure of %s on %s: %w", center, day, err)
	}
	return err
}
