package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/ics-booking/icsbooking/booking"
)

// CatalogueChannel is the PostgreSQL channel on which a new version of the
// catalogue is announced, in the transaction that stores it, with its
// number as the payload: every server process then loads it.
const CatalogueChannel = "icsbooking_catalogue"

var _ booking.CatalogueStore = (*Store)(nil)

// catalogueVersionRow is a row of catalogue_versions.
type catalogueVersionRow struct {
	Number    int
	Document  string
	Author    string
	Note      string
	CreatedAt time.Time
}

func (catalogueVersionRow) TableName() string { return "catalogue_versions" }

func (r catalogueVersionRow) version() booking.CatalogueVersion {
	return booking.CatalogueVersion{Number: r.Number, Document: []byte(r.Document), Author: r.Author, Note: r.Note, At: r.CreatedAt.UTC()}
}

// CatalogueVersion returns version n of the catalogue, or the latest if n
// is 0; ErrNotFound if there is none.
func (s *Store) CatalogueVersion(ctx context.Context, n int) (booking.CatalogueVersion, error) {
	q := s.db.WithContext(ctx).Order("number DESC")
	if n != 0 {
		q = q.Where("number = ?", n)
	}
	var rows []catalogueVersionRow
	if err := q.Limit(1).Find(&rows).Error; err != nil {
		return booking.CatalogueVersion{}, fmt.Errorf("catalogue version %d: %w", n, err)
	}
	if len(rows) == 0 {
		if n == 0 {
			return booking.CatalogueVersion{}, notFound("the database holds no catalogue yet")
		}
		return booking.CatalogueVersion{}, notFound("the catalogue has no version %d", n)
	}
	return rows[0].version(), nil
}

// CatalogueVersions returns the latest limit versions of the catalogue,
// newest first.
func (s *Store) CatalogueVersions(ctx context.Context, limit int) ([]booking.CatalogueVersion, error) {
	var rows []catalogueVersionRow
	if err := s.db.WithContext(ctx).Order("number DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("catalogue versions: %w", err)
	}
	versions := make([]booking.CatalogueVersion, len(rows))
	for i, r := range rows {
		versions[i] = r.version()
	}
	return versions, nil
}

// AddCatalogueVersion stores v if it numbers one after the latest version
// and, in the same transaction, cancels bookings with their emails as
// UpdateBookings does and announces the version. ErrVersionMoved if
// another version has or took its number: the primary key settles a race
// the check before the insert cannot see on PostgreSQL.
func (s *Store) AddCatalogueVersion(ctx context.Context, v booking.CatalogueVersion, cancel []booking.Update) error {
	for _, u := range cancel {
		if err := s.createCounters(ctx, append(holdClaims(u.Holds), u.Claims...)); err != nil {
			return fmt.Errorf("booking %d: %w", u.Booking.ID, err)
		}
	}
	moved := &booking.Error{Kind: booking.ErrVersionMoved,
		Detail: fmt.Sprintf("the catalogue has changed since version %d: read it again and apply the change to the latest version", v.Number-1)}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var latest int
		if err := tx.Raw("SELECT COALESCE(MAX(number), 0) FROM catalogue_versions").Scan(&latest).Error; err != nil {
			return err
		}
		if latest != v.Number-1 {
			return moved
		}
		row := catalogueVersionRow{Number: v.Number, Document: string(v.Document), Author: v.Author, Note: v.Note, CreatedAt: dbTime(v.At)}
		if row.CreatedAt.IsZero() {
			row.CreatedAt = dbTime(time.Now())
		}
		if err := tx.Create(&row).Error; err != nil {
			if uniqueViolation(err) {
				return moved
			}
			return err
		}
		if len(cancel) > 0 {
			if err := s.applyUpdates(ctx, tx, cancel, booking.EmailCancellation); err != nil {
				return err
			}
		}
		if s.dialect == dialectPostgres {
			return tx.Exec("SELECT pg_notify(?, ?)", CatalogueChannel, strconv.Itoa(v.Number)).Error
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, booking.ErrVersionMoved) {
			return err
		}
		return fmt.Errorf("add catalogue version %d: %w", v.Number, err)
	}
	return nil
}
