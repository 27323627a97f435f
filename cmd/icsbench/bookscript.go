package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// The second yardstick of (a): pgbench running, in one transaction, the SQL
// one booking must write, with as many clients as book over HTTP. It shows
// how close to the database's limit the design is: bookings over HTTP
// also parse and answer a request, seal a token, share a batch and get
// their email delivered, but this is the part no design can leave out.
//
// The statements are those the server runs for one booking of the bench
// (a 30-minute visit, two quarter-hour units of a desk), as PostgreSQL's
// log_statement shows them, with their parameters filled in by pgbench:
//
//   - the guarded update of the visit's seat counters: booking/store's
//     addSeats (batch.go), one UPDATE per resource whose WHERE keeps booked
//     within capacity. The counters exist already, as a day's are created
//     at once; the batch's locking read of them (readSeats) and its
//     decision in Go are left out: a booking written alone needs neither;
//   - the booking's row: insertBookings (batch.go), GORM's INSERT of
//     bookingRow (rows.go) with RETURNING id;
//   - its email's row: insertBookings, GORM's INSERT of newEmailRow
//     (rows.go) with RETURNING id;
//   - its job's row: River's JobInsertFastMany (riverdriver, through the
//     store's enqueue, emails.go, and jobs.Runner.EnqueueEmails), the
//     insert with its ON CONFLICT on the unique key River computes for
//     emailArgs (one live job per email), cut to one row;
//   - the notifications: River's PGNotifyMany on river_insert, which wakes
//     the workers, and the store's announce (batch.go) on icsbooking_seats,
//     which tells other servers of the seats taken, here in one SELECT;
//   - BEGIN and COMMIT, the commit waiting for the WAL flush as a batch's
//     does.
//
// What the bench's bookings do not write is left out too: no
// Idempotency-Key, so no idempotency record.
const bookingScript = `\set r random(1, 9223372036854775806)
\set slot random(0, :slots - 1)
BEGIN;
UPDATE slot_counters SET booked = booked + 1, capacity = 1000000
  WHERE center_id = 'bench' AND resource = 'desk'
  AND starts_at IN (timestamptz '2030-01-01 00:00+00' + :slot::int * interval '30 minutes',
                    timestamptz '2030-01-01 00:15+00' + :slot::int * interval '30 minutes')
  AND booked + 1 <= 1000000;
INSERT INTO bookings (reference, token_hash, token_sealed, center_id, service_id, services, people,
    starts_at, ends_at, language, name, email, phone, notes, locale, status, sequence, cancel_reason,
    created_at, updated_at, erased_at)
  VALUES ('PGB-' || :r::bigint, sha256(int8send(:r::bigint)), sha256(int8send(:r::bigint)) || sha256(int8send(:r::bigint)) || sha256(int8send(:r::bigint)),
    'bench', 'cpr-number', 'cpr-number', 1,
    timestamptz '2030-01-01 00:00+00' + :slot::int * interval '30 minutes',
    timestamptz '2030-01-01 00:30+00' + :slot::int * interval '30 minutes',
    '', 'Bench ' || :r::bigint, 'bench' || :r::bigint || '@example.com', '', '', 'en', 'confirmed', 0, '',
    now(), now(), NULL)
  RETURNING id AS booking_id \gset
INSERT INTO emails (booking_id, waitlist_id, kind, sequence, starts_at, ends_at, state, attempts,
    last_error, created_at, updated_at, sent_at)
  VALUES (:booking_id::bigint, NULL, 'confirmation', 0,
    timestamptz '2030-01-01 00:00+00' + :slot::int * interval '30 minutes',
    timestamptz '2030-01-01 00:30+00' + :slot::int * interval '30 minutes',
    'queued', 0, '', now(), now(), NULL)
  RETURNING id AS email_id \gset
INSERT INTO river_job (args, created_at, kind, max_attempts, metadata, priority, queue, scheduled_at,
    state, tags, unique_key, unique_states)
  VALUES (jsonb_build_object('email_id', :email_id::bigint), now(), 'email', 25, '{}', 1, 'default', now(),
    'available', '{}', sha256(convert_to('email&email_id=' || :email_id::bigint, 'UTF8')), B'11110001')
  ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND unique_states IS NOT NULL
    AND river_job_state_in_bitmask(unique_states, state)
  DO UPDATE SET kind = river_job.kind
  RETURNING id, (xmax != 0) AS unique_skipped_as_duplicate;
SELECT pg_notify('public.river_insert', '{"queue": "default"}'),
  pg_notify('icsbooking_seats', 'bench bench ' || :slot::int);
COMMIT;
`

// scriptSlots is how many half-hour slots the script books into, at
// random: enough that two clients rarely wait for one counter's lock.
const scriptSlots = 100_000

// pgbenchBooking runs bookingScript with clients clients for d in a fresh
// database that bin migrated, so that its rows and jobs stay out of the
// server's way, and returns its transactions a second.
func (b *bench) pgbenchBooking(ctx context.Context, clients int) (float64, error) {
	dbURL, drop, err := createDatabase(ctx, b.adminURL)
	if err != nil {
		return 0, err
	}
	defer drop()
	if err := b.bin.migrate(dbURL); err != nil {
		return 0, err
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	// A day's counters are created at once: here every slot's, empty.
	_, err = conn.Exec(ctx, `INSERT INTO slot_counters (center_id, resource, starts_at, booked, capacity)
		SELECT 'bench', 'desk', timestamptz '2030-01-01 00:00+00' + u * interval '15 minutes', 0, 1000000
		FROM generate_series(0, $1::int - 1) AS u`, 2*scriptSlots)
	if err != nil {
		return 0, fmt.Errorf("booking script's counters: %w", err)
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE slot_counters"); err != nil {
		return 0, err
	}
	script := filepath.Join(b.dir, "booking.sql")
	if err := os.WriteFile(script, []byte(bookingScript), 0o600); err != nil {
		return 0, err
	}
	return runPgbench(ctx, dbURL, script, clients, b.d, "-M", "prepared", "-D", "slots="+strconv.Itoa(scriptSlots))
}

var tpsIn = regexp.MustCompile(`tps = ([0-9.]+)`)

// runPgbench runs pgbench's script on the database at dbURL with clients
// clients on two threads for d, with the flags more, and returns its
// transactions a second.
func runPgbench(ctx context.Context, dbURL, script string, clients int, d time.Duration, more ...string) (float64, error) {
	secs := strconv.Itoa(max(1, int(d.Round(time.Second).Seconds())))
	args := append([]string{"-n", "-c", strconv.Itoa(clients), "-j", "2", "-T", secs, "-f", script}, more...)
	out, err := exec.CommandContext(ctx, "pgbench", append(args, dbURL)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench %s: %w\n%s", filepath.Base(script), err, out)
	}
	m := tpsIn.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
