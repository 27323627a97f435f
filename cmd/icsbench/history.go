package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ics-booking/icsbooking/booking"
)

// The history of (e): every center had two bookings in each of 25
// half-hour slots from 08:00 UTC every day for historyDays days up to
// yesterday, 50 a day; one in every ten was cancelled. With 100 centers
// that is 5,000,000 bookings, a confirmation email for each and a
// cancellation for the cancelled, and 5,000,000 desk counters.
const (
	historyCenters = 100
	historyDays    = 1000
	perDay         = 50
	chunkDays      = 100 // days of bookings a statement writes
	chunkCenters   = 10  // centers whose seat counters a statement writes
	loaders        = 2   // connections writing at once, one a core
)

// historyBookingsSQL writes the bookings of rows $5 to $6 and their emails.
// Rows are numbered in the order of time, so that the indexes on times are
// written at their end: row g is seat g%2 of slot g/(2N)%25 of day g/(50N)
// at center g/2%N+1 of N. $1 to $3 are the ids and codes of the centers and
// the services booked, $4 the first slot. Bookings that ended $7 days
// before $8 are erased as the server would have erased them; the sealed
// tokens of the others are never opened, their emails having gone out. A
// reference is the center's code and the booking's number at the center in
// hexadecimal, whose digits the references' alphabet has.
const historyBookingsSQL = `WITH b AS (
	INSERT INTO bookings (reference, token_hash, token_sealed, center_id, service_id, starts_at, ends_at,
		name, email, status, sequence, created_at, updated_at, erased_at)
	SELECT codes[c] || '-' || lpad(upper(to_hex(d * 50 + n)), 6, '0'), int8send(g),
		CASE WHEN erased THEN ''::bytea ELSE '\x00'::bytea END,
		ids[c], services[n % cardinality(services) + 1], t, t + interval '30 minutes',
		CASE WHEN erased THEN '' ELSE 'History ' || g END,
		CASE WHEN erased THEN '' ELSE 'history' || g || '@example.com' END,
		CASE WHEN cancelled THEN 'cancelled' ELSE 'confirmed' END,
		CASE WHEN cancelled THEN 1 ELSE 0 END,
		t - (n % 20 + 1) * interval '1 day',
		CASE WHEN cancelled THEN t - interval '1 day' ELSE t - (n % 20 + 1) * interval '1 day' END,
		CASE WHEN erased THEN t + interval '30 minutes' + $7::int * interval '1 day' END
	FROM (SELECT $1::text[] AS ids, $2::text[] AS codes, $3::text[] AS services) p,
		generate_series($5::bigint, $6::bigint) g,
		LATERAL (SELECT g / (50 * cardinality(ids)) AS d, g / (2 * cardinality(ids)) % 25 AS slot,
			(g / 2 % cardinality(ids))::int + 1 AS c, g % 2 AS seat) x,
		LATERAL (SELECT slot * 2 + seat AS n, slot % 5 = 4 AND seat = 1 AS cancelled,
			$4::timestamptz + (d * 86400 + slot * 1800) * interval '1 second' AS t) y,
		LATERAL (SELECT t + interval '30 minutes' + $7::int * interval '1 day' < $8 AS erased) z
	RETURNING id, status, starts_at, ends_at, created_at, updated_at)
INSERT INTO emails (booking_id, kind, sequence, starts_at, ends_at, state, attempts, created_at, updated_at, sent_at)
SELECT id, 'confirmation', 0, starts_at, ends_at, 'sent', 1, created_at, created_at, created_at FROM b
UNION ALL
SELECT id, 'cancellation', 1, starts_at, ends_at, 'sent', 1, updated_at, updated_at, updated_at
FROM b WHERE status = 'cancelled'`

// historyCountersSQL writes the desk counters of rows $5 to $6, $4 days of
// them a center, in the order of the counters' keys: row g is unit g%50 of
// day g/50%$4 at center g/(50*$4)+1. Every unit of a slot with a
// cancellation holds one seat, the others two. $1 and $2 are the ids and
// desks of the centers, $3 the first slot.
const historyCountersSQL = `INSERT INTO slot_counters (center_id, resource, starts_at, booked, capacity)
	SELECT ids[c], 'desk', $3::timestamptz + (d * 86400 + unit * 900) * interval '1 second',
		CASE WHEN unit / 2 % 5 = 4 THEN 1 ELSE 2 END, desks[c]
	FROM (SELECT $1::text[] AS ids, $2::int[] AS desks) p,
		generate_series($5::bigint, $6::bigint) g,
		LATERAL (SELECT (g / (50 * $4::int))::int + 1 AS c, g / 50 % $4::int AS d, g % 50 AS unit) x`

// loadHistory writes the history into the database at dbURL, which is
// migrated and empty, for the centers of cat, and returns how many
// bookings it wrote.
func loadHistory(ctx context.Context, dbURL string, cat booking.Catalogue) (int, error) {
	var ids, codes, services []string
	var desks []int
	for _, c := range cat.Centers {
		if c.Desks < 2 {
			return 0, fmt.Errorf("history: center %s has %d desks, fewer than the two bookings a slot", c.ID, c.Desks)
		}
		ids, codes, desks = append(ids, c.ID), append(codes, c.Code), append(desks, c.Desks)
	}
	for _, s := range cat.Services {
		if s.Mode.Bookable() && s.Duration == 30*time.Minute && !s.NeedsLanguage {
			services = append(services, s.ID)
		}
	}
	if len(services) == 0 {
		return 0, errors.New("history: no 30-minute service to book")
	}
	now := time.Now()
	first := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -historyDays).Add(8 * time.Hour)
	rows := int64(historyDays * perDay * len(ids)) // of either statement
	var stmts []statement
	for g, n := int64(0), int64(chunkDays*perDay*len(ids)); g < rows; g += n {
		stmts = append(stmts, statement{historyBookingsSQL,
			[]any{ids, codes, services, first, g, min(g+n, rows) - 1, retentionDays, now}})
	}
	for g, n := int64(0), int64(chunkCenters*historyDays*perDay); g < rows; g += n {
		stmts = append(stmts, statement{historyCountersSQL,
			[]any{ids, desks, first, historyDays, g, min(g+n, rows) - 1}})
	}
	if err := execAll(ctx, dbURL, stmts); err != nil {
		return 0, fmt.Errorf("history: %w", err)
	}
	// Vacuumed now rather than by autovacuum during the measurements.
	err := execAll(ctx, dbURL, []statement{
		{sql: "VACUUM (ANALYZE) bookings"}, {sql: "VACUUM (ANALYZE) emails"}, {sql: "VACUUM (ANALYZE) slot_counters"},
	})
	if err != nil {
		return 0, fmt.Errorf("history: %w", err)
	}
	// And written to disk now, rather than by a checkpoint spread over the
	// measurements. A role that may not checkpoint leaves it to the server.
	if conn, err := pgx.Connect(ctx, dbURL); err == nil {
		conn.Exec(ctx, "CHECKPOINT")
		conn.Close(ctx)
	}
	return int(rows), nil
}

// statement is SQL with its arguments.
type statement struct {
	sql  string
	args []any
}

// execAll runs the statements on loaders connections at once, each taking
// the next statement when it is done with one, and returns the first error.
func execAll(ctx context.Context, dbURL string, stmts []statement) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan statement, len(stmts))
	for _, s := range stmts {
		next <- s
	}
	close(next)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
			cancel()
		}
	}
	for range loaders {
		wg.Go(func() {
			conn, err := pgx.Connect(ctx, dbURL)
			if err != nil {
				fail(err)
				return
			}
			defer conn.Close(context.Background())
			// The rows are consistent by construction: a superuser may
			// skip checking each email's booking, which would double the
			// emails' cost. Another role checks them.
			conn.Exec(ctx, "SET session_replication_role = replica")
			for s := range next {
				if _, err := conn.Exec(ctx, s.sql, s.args...); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}
