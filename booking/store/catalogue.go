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

// CatalogueUses returns, per center and service, how many bookings and
// waitlist entries still depend on the catalogue: the bookings (of any
// status, since a cancelled one is still shown) ending after linksFrom,
// whose manage link works, and those with an email still queued; the
// entries in line. The server checks them against its catalogue
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
	// The waitlist's entries in line use theirs too: an offer books them.
	var waiting []struct {
		CenterID string
		Services string
		Entries  int
	}
	err = s.db.WithContext(ctx).Raw(`SELECT center_id, services, COUNT(*) AS entries FROM waitlist
		WHERE status IN ` + activeStatuses + ` GROUP BY center_id, services`).Scan(&waiting).Error
	if err != nil {
		return nil, fmt.Errorf("catalogue uses: %w", err)
	}
	// A visit uses each of its services.
	type key struct{ center, service string }
	counts := map[key]*booking.CatalogueUse{}
	use := func(center, services string) []*booking.CatalogueUse {
		var us []*booking.CatalogueUse
		for _, service := range strings.Fields(services) {
			k := key{center, service}
			if counts[k] == nil {
				counts[k] = &booking.CatalogueUse{Center: center, Service: service}
			}
			us = append(us, counts[k])
		}
		return us
	}
	for _, r := range rows {
		for _, u := range use(r.CenterID, r.Services) {
			u.Bookings += r.Bookings
		}
	}
	for _, r := range waiting {
		for _, u := range use(r.CenterID, r.Services) {
			u.Waiting += r.Entries
		}
	}
	uses := make([]booking.CatalogueUse, 0, len(counts))
	for _, u := range counts {
		uses = append(uses, *u)
	}
	slices.SortFunc(uses, func(a, b booking.CatalogueUse) int {
		return cmp.Or(strings.Compare(a.Center, b.Center), strings.Compare(a.Service, b.Service))
	})
	return uses, nil
}
