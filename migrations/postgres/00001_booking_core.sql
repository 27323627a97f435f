-- Bookings, the seat counters that guard capacity, closures entered by
-- staff, and idempotency records for retried booking requests.

-- +goose Up
CREATE TABLE bookings (
    id            bigserial PRIMARY KEY,
    reference     text NOT NULL UNIQUE,
    token_hash    bytea NOT NULL,
    token_sealed  bytea NOT NULL,
    center_id     text NOT NULL,
    service_id    text NOT NULL,
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    language      text NOT NULL DEFAULT '',
    name          text NOT NULL,
    email         text NOT NULL,
    phone         text NOT NULL DEFAULT '',
    notes         text NOT NULL DEFAULT '',
    locale        text NOT NULL DEFAULT 'en',
    status        text NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    sequence      integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE INDEX bookings_center_id_starts_at_idx ON bookings (center_id, starts_at);

-- One row per (center, resource, unit): booked never exceeds capacity, and
-- seats are taken with a conditional UPDATE, never by reading first.
CREATE TABLE slot_counters (
    center_id  text NOT NULL,
    resource   text NOT NULL,
    starts_at  timestamptz NOT NULL,
    booked     integer NOT NULL DEFAULT 0,
    capacity   integer NOT NULL,
    PRIMARY KEY (center_id, resource, starts_at),
    CHECK (booked >= 0 AND booked <= capacity)
);

-- day is YYYY-MM-DD text in both dialects, so ranges compare as text.
CREATE TABLE closures (
    center_id   text NOT NULL,
    day         text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (center_id, day)
);

CREATE TABLE idempotency_keys (
    key_hash      bytea PRIMARY KEY,
    request_hash  bytea NOT NULL,
    booking_id    bigint NOT NULL REFERENCES bookings (id),
    created_at    timestamptz NOT NULL
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE closures;
DROP TABLE slot_counters;
DROP TABLE bookings;
