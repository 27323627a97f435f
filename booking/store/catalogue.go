package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
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
		CenterID string
		Services string
		Bookings int
	}
	// A union rather than OR, so that each half reads its own index
	// (bookings_ends_at_idx, emails_queued_idx) instead of all history.
	err := s.db.WithContext(ctx).Raw(`SELECT center_id, services, COUNT(*) AS bookings
		FROM (SELECT id, center_id, services FROM bookings WHERE ends_at > ?
			UNION
			SELECT b.id, b.center_id, b.services FROM bookings b
			JOIN emails e ON e.booking_id = b.id WHERE e.state = 'queued') AS used
		GROUP BY center_id, services`, dbTime(linksFrom)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("catalogue uses: %w", err)
	}
	// A visit uses each of its services.
	counts := map[booking.CatalogueUse]int{}
	for _, r := range rows {
		for _, service := range strings.Fields(r.Services) {
			counts[booking.CatalogueUse{Center: r.CenterID, Service: service}] += r.Bookings
		}
	}
	uses := make([]booking.CatalogueUse, 0, len(counts))
	for u, n := range counts {
		u.Bookings = n
		uses = append(uses, u)
	}
	slices.SortFunc(uses, func(a, b booking.CatalogueUse) int {
		return cmp.Or(strings.Compare(a.Center, b.Center), strings.Compare(a.Service, b.Service))
	})
	return uses, nil
}
