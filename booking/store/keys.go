package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// sealingKeyRow is the one row of sealing_key: the check value of the key
// that seals manage tokens, never the key itself.
type sealingKeyRow struct {
	ID         int
	CheckValue []byte
	CreatedAt  time.Time
}

func (sealingKeyRow) TableName() string { return "sealing_key" }

// KeyCheck returns the check value of the key that seals the database's
// manage tokens, as the first server to start stored it; ErrNotFound if
// none has been stored yet.
func (s *Store) KeyCheck(ctx context.Context) ([]byte, error) {
	var row sealingKeyRow
	err := s.db.WithContext(ctx).Where("id = 1").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, notFound("no sealing key check stored")
	}
	if err != nil {
		return nil, fmt.Errorf("read sealing key check: %w", err)
	}
	return row.CheckValue, nil
}

// ClaimKeyCheck stores check as the check value of the sealing key unless
// one is stored already, and returns the one stored: check itself, or that
// of a server that got there first. Servers starting together on an empty
// database thus all learn the same value.
func (s *Store) ClaimKeyCheck(ctx context.Context, check []byte) ([]byte, error) {
	err := s.db.WithContext(ctx).Exec(`INSERT INTO sealing_key (id, check_value, created_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO NOTHING`, check, dbTime(time.Now())).Error
	if err != nil {
		return nil, fmt.Errorf("store sealing key check: %w", err)
	}
	return s.KeyCheck(ctx)
}

// NewestSealedToken returns the reference and sealed manage token of the
// newest booking, so that a database whose bookings predate the key check
// can be checked against a key; ErrNotFound if there are no bookings.
func (s *Store) NewestSealedToken(ctx context.Context) (string, []byte, error) {
	var row bookingRow
	err := s.db.WithContext(ctx).Order("id DESC").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil, notFound("no bookings")
	}
	if err != nil {
		return "", nil, fmt.Errorf("newest sealed token: %w", err)
	}
	return row.Reference, row.TokenSealed, nil
}
