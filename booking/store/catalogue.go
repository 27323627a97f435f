package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ics-booking/icsbooking/booking"
)

// CatalogueUses returns, per center and service, how many bookings still
// depend on the catalogue: those (of any status, since a cancelled one is
// still shown) ending after linksFrom, whose manage link works, and those
// with an email still queued. The server checks them against its catalogue
// at startup.
func (s *Store) CatalogueUses(ctx context.Context, linksFrom time.Time) ([]booking.CatalogueUse, error) {
	var rows []struct {
		CenterID  string
		ServiceID string
		Bookings  int
	}
	// A union rather than OR, so that each half reads its own index
	// (bookings_ends_at_idx, emails_queued_idx) instead of all history.
	err := s.db.WithContext(ctx).Raw(`SELECT center_id, service_id, COUNT(*) AS bookings
		FROM (SELECT id, center_id, service_id FROM bookings WHERE ends_at > ?
			UNION
			SELECT b.id, b.center_id, b.service_id FROM bookings b
			JOIN emails e ON e.booking_id = b.id WHERE e.state = 'queued') AS used
		GROUP BY center_id, service_id
		ORDER BY center_id, service_id`, dbTime(linksFrom)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("catalogue uses: %w", err)
	}
	uses := make([]booking.CatalogueUse, len(rows))
	for i, r := range rows {
		uses[i] = booking.CatalogueUse{Center: r.CenterID, Service: r.ServiceID, Bookings: r.Bookings}
	}
	return uses, nil
}
