package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// QueueChannel is the PostgreSQL channel on which every change of a
// center's queue is announced, in the transaction that makes it, with the
// center's ID as the payload: delivered at commit, never on rollback.
const QueueChannel = "icsbooking_queue"

// ListenQueue calls changed with a center's ID whenever a server process
// commits a change of that center's queue, until ctx ends. On PostgreSQL it
// holds one connection of the pool for LISTEN; when that connection is
// lost it connects again and calls changed with "" (any center may have
// changed meanwhile). On SQLite, whose one server process knows its own
// changes, it returns nil at once: callers poll there.
func (s *Store) ListenQueue(ctx context.Context, changed func(center string)) error {
	if s.dialect != dialectPostgres {
		return nil
	}
	for wait := time.Second; ; {
		err := s.listen(ctx, changed)
		if ctx.Err() != nil {
			return nil
		}
		s.logger.WarnContext(ctx, "listening for queue changes failed; trying again", "error", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
		changed("")
	}
}

// listen listens on one connection until it fails or ctx ends.
func (s *Store) listen(ctx context.Context, changed func(center string)) error {
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
		if _, err := pg.Exec(ctx, "LISTEN "+QueueChannel); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		// The connection goes back to the pool afterwards: stop listening
		// on it, or its notifications would pile up there.
		defer pg.Exec(context.WithoutCancel(ctx), "UNLISTEN "+QueueChannel) // a broken connection is discarded anyway
		for {
			n, err := pg.WaitForNotification(ctx)
			if err != nil {
				return fmt.Errorf("listen: %w", err)
			}
			changed(n.Payload)
		}
	})
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
