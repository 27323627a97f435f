package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/ics-booking/icsbooking/booking"
)

// QueueChannel is the PostgreSQL channel on which every change of a
// center's queue is announced, in the transaction that makes it, with the
// center's ID as the payload: delivered at commit, never on rollback.
const QueueChannel = "icsbooking_queue"

// SeatsChannel is the PostgreSQL channel on which every change of seats or
// closures is announced, in the transaction that makes it (new bookings:
// right after it commits, see batch.go), so that other server processes
// read those days again (see Listeners.Seats). The payload
// is the announcing process's instance ID and the center's ID, then, for a
// change of seats, the first and last-plus-one Unix second it touched.
const SeatsChannel = "icsbooking_seats"

// Listeners are told of the changes other server processes commit.
type Listeners struct {
	// Queue is called with a center's ID when its queue changed, by any
	// process.
	Queue func(center string)
	// Seats is called when another process changed seats of a center
	// between from and to, or a closure of it (zero instants: any time).
	Seats func(center string, from, to time.Time)
	// Catalogue, if not nil, is called with the number of a new version
	// of the catalogue that a process stored, or 0 when a new version may
	// have been stored unheard.
	Catalogue func(version int)
}

// all tells every listener that anything may have changed.
func (l Listeners) all() {
	if l.Catalogue != nil {
		l.Catalogue(0)
	}
	l.Queue("")
	l.Seats("", time.Time{}, time.Time{})
}

// Listen reports to l the changes server processes commit, until ctx ends.
// On PostgreSQL it holds one connection of the pool for LISTEN, connecting
// again when it is lost; each time it starts listening it tells every
// listener that anything may have changed, as nothing committed before was
// heard. On SQLite, whose one server process
// knows its own changes, it returns nil at once: callers poll there.
func (s *Store) Listen(ctx context.Context, l Listeners) error {
	if s.dialect != dialectPostgres {
		return nil
	}
	for wait := time.Second; ; {
		err := s.listen(ctx, l)
		if ctx.Err() != nil {
			return nil
		}
		s.logger.WarnContext(ctx, "listening for changes failed; trying again", "error", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

// listen listens on one connection until it fails or ctx ends.
func (s *Store) listen(ctx context.Context, l Listeners) error {
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return errors.New("listen: the connection is not pgx's")
		}
		pg := c.Conn()
		if _, err := pg.Exec(ctx, "LISTEN "+QueueChannel+"; LISTEN "+SeatsChannel+"; LISTEN "+CatalogueChannel); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		// What was committed before LISTEN, since the start or while the
		// connection was lost, is never announced here.
		l.all()
		// The connection goes back to the pool afterwards: stop listening
		// on it, or its notifications would pile up there.
		defer pg.Exec(context.WithoutCancel(ctx), "UNLISTEN *") // a broken connection is discarded anyway
		for {
			n, err := pg.WaitForNotification(ctx)
			if err != nil {
				return fmt.Errorf("listen: %w", err)
			}
			switch n.Channel {
			case QueueChannel:
				l.Queue(n.Payload)
			case SeatsChannel:
				s.seatsChanged(n.Payload, l.Seats)
			case CatalogueChannel:
				if l.Catalogue != nil {
					version, _ := strconv.Atoi(n.Payload) // 0 if unreadable: read the latest
					l.Catalogue(version)
				}
			}
		}
	})
}

// seatsChanged passes on an announcement of SeatsChannel made by another
// process. One it cannot read counts as a change of anything.
func (s *Store) seatsChanged(payload string, changed func(center string, from, to time.Time)) {
	f := strings.Fields(payload)
	switch {
	case len(f) > 0 && f[0] == s.instance:
		return // this process knew at once
	case len(f) == 2:
		changed(f[1], time.Time{}, time.Time{})
		return
	case len(f) == 4:
		from, err1 := strconv.ParseInt(f[2], 10, 64)
		to, err2 := strconv.ParseInt(f[3], 10, 64)
		if err1 == nil && err2 == nil {
			changed(f[1], time.Unix(from, 0), time.Unix(to, 0))
			return
		}
	}
	changed("", time.Time{}, time.Time{})
}

// seatsPayload is the announcement on SeatsChannel of a change of the
// center's seats in [from, to), or of anything of the center when from is
// zero; seatsChanged reads it.
func (s *Store) seatsPayload(center string, from, to time.Time) string {
	if from.IsZero() {
		return s.instance + " " + center
	}
	return s.instance + " " + center + " " + strconv.FormatInt(from.Unix(), 10) + " " + strconv.FormatInt(to.Unix(), 10)
}

// notifySeats announces inside tx a change of the center's seats from the
// earliest to the end of the latest unit of claims, or of anything of the
// center when there are none (PostgreSQL only).
func (s *Store) notifySeats(tx *gorm.DB, center string, claims ...[]booking.Claim) error {
	if s.dialect != dialectPostgres {
		return nil
	}
	var from, to time.Time
	for _, cs := range claims {
		for _, c := range cs {
			if from.IsZero() || c.Start.Before(from) {
				from = c.Start
			}
			if end := c.Start.Add(booking.Unit); end.After(to) {
				to = end
			}
		}
	}
	if err := tx.Exec("SELECT pg_notify(?, ?)", SeatsChannel, s.seatsPayload(center, from, to)).Error; err != nil {
		return fmt.Errorf("announce seats of %s: %w", center, err)
	}
	return nil
}

// NotifyQueue announces a change of a center's queue on QueueChannel, for
// tests and for changes made outside a queue transaction (PostgreSQL only).
func (s *Store) NotifyQueue(ctx context.Context, center string) error {
	if s.dialect != dialectPostgres {
		return nil
	}
	if err := s.db.WithContext(ctx).Exec("SELECT pg_notify(?, ?)", QueueChannel, center).Error; err != nil {
		return fmt.Errorf("notify queue of %s: %w", center, err)
	}
	return nil
}
