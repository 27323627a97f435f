-- The walk-in queue: one row per ticket, and a counter per center, day and
-- prefix from which ticket numbers are drawn in the ticket's transaction
-- (INSERT ... ON CONFLICT DO UPDATE SET n = n + 1 RETURNING n). The unique
-- key on (center_id, day, number) is the last line of defence: two tickets
-- of a center never share a number on one day.

-- Times are declared timestamp so that modernc.org/sqlite parses them back
-- into time.Time; the store writes them in UTC.

-- +goose Up
CREATE TABLE ticket_counters (
    center_id  text NOT NULL,
    day        text NOT NULL,
    prefix     text NOT NULL,
    n          integer NOT NULL CHECK (n > 0),
    PRIMARY KEY (center_id, day, prefix)
) WITHOUT ROWID;

-- day is YYYY-MM-DD text, as in closures. token names the ticket's public
-- page; it reveals a place in the queue, nothing more. lane 0 is the
-- appointment holders who checked in on time, lane 1 everyone else.
CREATE TABLE tickets (
    id          integer PRIMARY KEY AUTOINCREMENT,
    token       text NOT NULL UNIQUE,
    center_id   text NOT NULL,
    day         text NOT NULL,
    number      text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('walk_in', 'appointment')),
    service_id  text NOT NULL,
    booking_id  integer UNIQUE REFERENCES bookings (id),
    lane        integer NOT NULL CHECK (lane IN (0, 1)),
    priority    timestamp NOT NULL,
    state       text NOT NULL CHECK (state IN ('waiting', 'called', 'serving', 'done', 'no_show')),
    desk        text NOT NULL DEFAULT '',
    calls       integer NOT NULL DEFAULT 0 CHECK (calls >= 0),
    issued_at   timestamp NOT NULL,
    called_at   timestamp,
    done_at     timestamp,
    UNIQUE (center_id, day, number),
    CHECK ((kind = 'appointment') = (booking_id IS NOT NULL))
);

-- Call next: the waiting tickets of a center's day in the order desks call
-- them. Queries must spell state = 'waiting' as a literal for it to apply.
-- The unique key (center_id, day, number) serves reading a center's day.
CREATE INDEX tickets_waiting_idx ON tickets (center_id, day, lane, priority, id) WHERE state = 'waiting';

-- +goose Down
DROP TABLE tickets;
DROP TABLE ticket_counters;
