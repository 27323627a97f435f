-- Bookings, the seat counters that guard capacity, closures entered by
-- staff, and idempotency records for retried booking requests.
--
-- Times are declared timestamp so that modernc.org/sqlite parses them back
-- into time.Time; the store always writes them in UTC in one format, so they
-- compare correctly as text.

-- +goose Up
CREATE TABLE bookings (
    id            integer PRIMARY KEY AUTOINCREMENT,
    reference     text NOT NULL UNIQUE,
    token_hash    blob NOT NULL,
    token_sealed  blob NOT NULL,
    center_id     text NOT NULL,
    service_id    text NOT NULL,
    starts_at     timestamp NOT NULL,
    ends_at       timestamp NOT NULL,
    language      text NOT NULL DEFAULT '',
    name          text NOT NULL,
    email         text NOT NULL,
    phone         text NOT NULL DEFAULT '',
    notes         text NOT NULL DEFAULT '',
    locale        text NOT NULL DEFAULT 'en',
    status        text NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    sequence      integer NOT NULL DEFAULT 0,
    created_at    timestamp NOT NULL,
    updated_at    timestamp NOT NULL
);

CREATE INDEX bookings_center_id_starts_at_idx ON bookings (center_id, starts_at);

-- One row per (center, resource, unit): booked never exceeds capacity, and
-- seats are taken with a conditional UPDATE, never by reading first.
CREATE TABLE slot_counters (
    center_id  text NOT NULL,
    resource   text NOT NULL,
    starts_at  timestamp NOT NULL,
    booked     integer NOT NULL DEFAULT 0,
    capacity   integer NOT NULL,
    PRIMARY KEY (center_id, resource, starts_at),
    CHECK (booked >= 0 AND booked <= capacity)
) WITHOUT ROWID;

-- day is YYYY-MM-DD text in both dialects, so ranges compare as text.
CREATE TABLE closures (
    center_id   text NOT NULL,
    day         text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    created_at  timestamp NOT NULL,
    PRIMARY KEY (center_id, day)
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
    key_hash      blob PRIMARY KEY,
    request_hash  blob NOT NULL,
    booking_id    integer NOT NULL REFERENCES bookings (id),
    created_at    timestamp NOT NULL
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE closures;
DROP TABLE slot_counters;
DROP TABLE bookings;
